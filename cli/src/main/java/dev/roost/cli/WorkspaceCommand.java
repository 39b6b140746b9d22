package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.CliConfig;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.Fields;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code roost workspace}: list, show, create, pick the default, delete. */
@Command(mixinStandardHelpOptions = true, name = "workspace", aliases = "ws", description = "Workspaces (tenants): list, show, create, use, delete.")
final class WorkspaceCommand {
    private final Connection connection;

    WorkspaceCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    static String path(String workspace) {
        return "/api/v1/workspaces/" + RoostClient.segment(workspace);
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List the workspaces you can see (all of them for a server admin), with your role.")
    int list(@Mixin OutputOption output) {
        JsonNode workspaces = connection.client().get("/api/v1/workspaces").json();
        String current = connection.explicitWorkspace(null);
        Instant now = connection.context().clock().instant();
        Table table = Table.of("current", "name", "display name", "plan", "role", "environments", "age");
        for (JsonNode w : workspaces) {
            List<String> envs = new ArrayList<>();
            w.path("environments").forEach(e -> envs.add(e.asString()));
            String name = w.path("name").asString(null);
            table.row(Objects.equals(name, current) ? "*" : "", name, w.path("displayName").asString(null),
                    w.path("plan").asString(null), w.path("role").asString(null), String.join(",", envs),
                    TimeText.age(w.path("createdAt").asString(null), now));
        }
        connection.printer().list(output.format(), workspaces, table, "You are in no workspace yet.");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "get", aliases = "show", description = "Show a workspace: plan, quota and what its instances use.")
    int get(@Parameters(arity = "0..1", paramLabel = "WORKSPACE", description = "Default: the current workspace.") String name,
            @Mixin OutputOption output) {
        String workspace = connection.workspace(name);
        JsonNode w = connection.client().get(path(workspace)).json();
        connection.printer().print(output.format(), w, () -> render(w));
        return ExitCodes.OK;
    }

    private static String render(JsonNode w) {
        List<String> envs = new ArrayList<>();
        w.path("environments").forEach(e -> envs.add(e.asString()));
        JsonNode quota = w.path("quota");
        JsonNode usage = w.path("usage");
        String text = new Fields()
                .add("Name", w.path("name").asString(null))
                .add("Display name", w.path("displayName").asString(null))
                .add("Plan", w.path("plan").asString(null) + ("override".equals(w.path("quotaSource").asString(null))
                        ? " (with its own quota)" : ""))
                .add("Environments", String.join(", ", envs))
                .add("Your role", w.path("role").asString(null))
                .add("Created", TimeText.timestamp(w.path("createdAt").asString(null)))
                .render();
        Table table = Table.of("resource", "used", "quota")
                .row("instances", usage.path("liveInstances").asLong(), quota.path("maxInstances").asInt())
                .row("cpu (total)", usage.path("cpu").asString(null), quota.path("maxCpuTotal").asString(null))
                .row("memory (total)", usage.path("memory").asString(null), quota.path("maxMemoryTotal").asString(null))
                .row("cpu per instance", "", quota.path("maxCpuPerInstance").asString(null))
                .row("memory per instance", "", quota.path("maxMemoryPerInstance").asString(null));
        StringBuilder out = new StringBuilder(text).append("\nQuota:\n").append(table.render("  "));
        for (JsonNode warning : w.path("warnings")) {
            out.append("warning: ").append(warning.asString()).append('\n');
        }
        return out.toString();
    }

    @Command(mixinStandardHelpOptions = true, name = "create", description = {"Create a workspace with its first OWNER (server admins only).",
            "Example: roost workspace create acme --owner alice --plan business"})
    int create(@Parameters(paramLabel = "NAME", description = "Lower-case letters, digits and '-'.") String name,
            @Option(names = "--owner", required = true, paramLabel = "USER", description = "The user who owns it.") String owner,
            @Option(names = "--plan", paramLabel = "PLAN", description = "Its plan (default: starter; roost plans list).") String plan,
            @Option(names = "--display-name", paramLabel = "TEXT", description = "A friendlier name.") String displayName,
            @Option(names = "--env", paramLabel = "ENV", split = ",",
                    description = "Its environments (default: dev, staging, prod).") List<String> environments,
            @Mixin OutputOption output) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("owner", owner);
        if (plan != null) {
            body.put("plan", plan);
        }
        if (displayName != null) {
            body.put("displayName", displayName);
        }
        if (environments != null) {
            body.put("environments", environments);
        }
        JsonNode w = connection.client().post("/api/v1/workspaces", body).json();
        connection.printer().print(output.format(), w, () -> "workspace/" + name + " created (plan " + w.path("plan").asString()
                + ", owner " + owner + ")");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "use", description = "Make a workspace the default for commands that need one (saved in the config).")
    int use(@Parameters(paramLabel = "WORKSPACE") String name) {
        RoostClient client = connection.client();
        client.get(path(name)); // it exists and you may see it
        CliConfig config = connection.store().load();
        if (config.server() == null) {
            config = new CliConfig(client.server(), null, null, null, null, null);
        } else if (!config.server().equals(client.server())) {
            throw new CliException(ExitCodes.USAGE, "The saved settings belong to " + config.server() + ", not "
                    + client.server() + ", so no default workspace can be saved for it. Use -w or ROOST_WORKSPACE instead.");
        }
        connection.store().save(config.withWorkspace(name));
        connection.printer().line("Default workspace is now " + name + ".");
        if (connection.context().variable("ROOST_WORKSPACE") != null) {
            connection.context().err().println("note: ROOST_WORKSPACE is set and takes precedence over the saved default.");
        }
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "delete", description = {"Delete a workspace for good (server admins only; refused while it has "
            + "live instances). The audit log keeps its history.", "Asks for confirmation on a terminal; in scripts pass --yes."})
    int delete(@Parameters(paramLabel = "WORKSPACE") String name,
            @Option(names = {"-y", "--yes"}, description = "Do not ask for confirmation.") boolean yes) {
        connection.confirm("Delete workspace " + name + " and everything in it for good?", yes, "delete workspace " + name);
        connection.client().delete(path(name));
        CliConfig config = connection.store().load();
        if (name.equals(config.workspace())) {
            connection.store().save(config.withWorkspace(null));
        }
        connection.printer().line("workspace/" + name + " deleted");
        return ExitCodes.OK;
    }
}
