package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.ProblemException;
import dev.roost.cli.client.RequestBody;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.Fields;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code roost template}: parameterised manifests instances are created from. */
@Command(mixinStandardHelpOptions = true, name = "template", aliases = "templates", description = "Templates: list, show, export, import, delete.")
final class TemplateCommand {
    private final Connection connection;

    TemplateCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    private static String path(String name) {
        return "/api/v1/templates/" + RoostClient.segment(name);
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List templates.")
    int list(@Mixin OutputOption output) {
        JsonNode templates = connection.client().get("/api/v1/templates").json();
        Table table = Table.of("name", "built in", "parameters", "description");
        for (JsonNode t : templates) {
            List<String> parameters = new ArrayList<>();
            t.path("parameters").forEach(p -> parameters.add(p.path("name").asString() + (p.path("required").asBoolean() ? "*" : "")));
            table.row(t.path("name").asString(null), t.path("builtIn").asBoolean() ? "yes" : "no",
                    Table.shorten(String.join(",", parameters), 40), Table.shorten(t.path("description").asString(null), 60));
        }
        connection.printer().list(output.format(), templates, table, "There are no templates.");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "show", aliases = "get", description = "Show a template and its parameters.")
    int show(@Parameters(paramLabel = "TEMPLATE") String name, @Mixin OutputOption output) {
        JsonNode detail = connection.client().get(path(name)).json();
        connection.printer().print(output.format(), detail, () -> {
            JsonNode t = detail.path("template");
            String text = new Fields()
                    .add("Name", t.path("name").asString(null))
                    .add("Description", t.path("description").asString(null))
                    .add("Built in", t.path("builtIn").asBoolean() ? "yes" : "no")
                    .add("Updated", TimeText.timestamp(t.path("updatedAt").asString(null)))
                    .render();
            Table parameters = Table.of("parameter", "type", "required", "default", "description");
            for (JsonNode p : t.path("parameters")) {
                parameters.row(p.path("name").asString(null), p.path("type").asString(null),
                        p.path("required").asBoolean() ? "yes" : "no", p.path("defaultValue").asString(null),
                        p.path("description").asString(null));
            }
            return text + "\nParameters:\n" + (parameters.isEmpty() ? "  none\n" : parameters.render("  "));
        });
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "export", description = {"Print a template as YAML, ready to edit and import.",
            "Example: roost template export webhook-bot > my-bot.yaml"})
    int export(@Parameters(paramLabel = "TEMPLATE") String name) {
        connection.printer().text(connection.client().get(path(name) + "?format=yaml").text());
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "import", description = {"Add a template from a YAML or JSON file (server admins only).",
            "With --replace an existing template of the same name is replaced."})
    int importTemplate(@Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
                    description = "The template document, or - for standard input.") String file,
            @Option(names = "--replace", description = "Replace the template if one of that name exists.") boolean replace,
            @Mixin OutputOption output) {
        String text = ManifestFiles.text(file, connection.context().in());
        boolean json = text.stripLeading().startsWith("{");
        RequestBody body = RequestBody.text(text, json ? "application/json" : "application/yaml");
        RoostClient client = connection.client();
        JsonNode summary;
        String verb = "imported";
        try {
            summary = client.send("POST", "/api/v1/templates", body).json();
        } catch (ProblemException e) {
            if (!replace || !"ALREADY_EXISTS".equals(e.code())) {
                throw e;
            }
            String name = ManifestFiles.split(file, text).get(0).name();
            summary = client.send("PUT", path(name), body).json();
            verb = "replaced";
        }
        JsonNode result = summary;
        String done = verb;
        connection.printer().print(output.format(), result, () -> "template/" + result.path("name").asString() + " " + done);
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", description = "Remove a template (server admins only). Instances made from it are not touched.")
    int delete(@Parameters(paramLabel = "TEMPLATE") String name) {
        connection.client().delete(path(name));
        connection.printer().line("template/" + name + " deleted");
        return ExitCodes.OK;
    }
}
