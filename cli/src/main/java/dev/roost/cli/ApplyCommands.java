package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.ProblemException;
import dev.roost.cli.client.Query;
import dev.roost.cli.client.RequestBody;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.OutputFormat;
import dev.roost.cli.output.OutputOption;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** Declarative changes: {@code roost apply -f} and {@code roost diff}. */
final class ApplyCommands {
    private ApplyCommands() {
    }

    /** What applying one document did; a failed document holds the exit code of its error. */
    private record Outcome(JsonNode response, int failure) {
        boolean changes() {
            String outcome = response == null ? "" : response.path("outcome").asString("");
            return outcome.startsWith("WOULD_");
        }
    }

    /**
     * PUTs each document to its instance, in order. A document the server refuses is reported on
     * standard error and the rest are still applied; the exit code is the first failure's.
     */
    private static Outcome[] applyAll(Connection connection, List<ManifestFiles.Document> documents, String workspaceOption,
            boolean dryRun, BiConsumer<ManifestFiles.Document, JsonNode> report) {
        RoostClient client = connection.client();
        PrintStream err = connection.context().err();
        Outcome[] outcomes = new Outcome[documents.size()];
        for (int i = 0; i < documents.size(); i++) {
            ManifestFiles.Document document = documents.get(i);
            String name = document.name();
            if (name == null) {
                err.println("error: " + document.where() + ": metadata.name is missing; every manifest names its instance");
                outcomes[i] = new Outcome(null, ExitCodes.FAILED);
                continue;
            }
            String workspace = workspaceOption != null || document.workspace() == null
                    ? connection.workspace(workspaceOption) : document.workspace();
            try {
                JsonNode response = client.send("PUT", InstanceCommands.instancePath(workspace, name)
                                + new Query().add("dryRun", dryRun ? "true" : null),
                        new RequestBody(document.text().getBytes(StandardCharsets.UTF_8), document.contentType()))
                        .json();
                warn(connection, name, response);
                report.accept(document, response);
                outcomes[i] = new Outcome(response, ExitCodes.OK);
            } catch (ProblemException e) {
                err.println("error: instance/" + name + (document.onlyOne() ? "" : " (" + document.where() + ")") + ": "
                        + ErrorHandler.describe(e));
                outcomes[i] = new Outcome(null, e.exitCode());
            }
        }
        return outcomes;
    }

    private static int firstFailure(Outcome[] outcomes) {
        for (Outcome o : outcomes) {
            if (o.failure() != ExitCodes.OK) {
                return o.failure();
            }
        }
        return ExitCodes.OK;
    }

    /** Policy overrides the server accepted: loud, on standard error, whatever the output format. */
    static void warn(Connection connection, String name, JsonNode response) {
        for (JsonNode w : response.path("warnings")) {
            connection.context().err().println("WARNING: instance/" + name + ": UNSAFE POLICY OVERRIDE [" + w.path("rule").asString()
                    + "] at " + w.path("pointer").asString() + ": " + w.path("message").asString());
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "apply", description = {"Create or update instances from manifests (YAML or JSON).",
            "A YAML file may hold several manifests separated by '---' lines; they are applied one by one.",
            "Example: roost apply -f support-bot.yaml"})
    static final class Apply implements Callable<Integer> {
        private final Connection connection;

        @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
                description = "A manifest file, a directory of them, or - for standard input. Repeatable.")
        List<String> files;

        @Option(names = "--dry-run", description = "Only check the manifests and print what would change.")
        boolean dryRun;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Apply(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            List<ManifestFiles.Document> documents = ManifestFiles.read(files, connection.context().in());
            OutputFormat format = output.format();
            ArrayNode responses = JsonNodeFactory.instance.arrayNode();
            Outcome[] outcomes = applyAll(connection, documents, workspaceOption.name(), dryRun, (document, response) -> {
                if (format == OutputFormat.TABLE) {
                    connection.printer().text(line(document.name(), response));
                } else {
                    responses.add(response);
                }
            });
            if (format != OutputFormat.TABLE && !responses.isEmpty()) {
                connection.printer().print(format, documents.size() == 1 ? responses.get(0) : responses, () -> "");
            }
            return firstFailure(outcomes);
        }

        private static String line(String name, JsonNode r) {
            int version = r.path("version").asInt();
            String diff = r.path("diff").asString(null);
            return switch (r.path("outcome").asString("")) {
                case "CREATED" -> "instance/" + name + " created (version " + version + ")";
                case "UPDATED" -> "instance/" + name + " updated (version " + version + ")";
                case "UNCHANGED" -> "instance/" + name + " unchanged (version " + version + ")";
                case "WOULD_CREATE" -> "instance/" + name + " would be created (dry run)\n" + (diff == null ? "" : diff);
                case "WOULD_UPDATE" -> "instance/" + name + " would be updated to version " + version + " (dry run)\n"
                        + (diff == null ? "" : diff);
                default -> "instance/" + name + " " + r.path("outcome").asString("?").toLowerCase(Locale.ROOT);
            };
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "diff", description = {"Show what changed between two versions of an instance, or what applying "
            + "manifests would change.",
            "Exits with 0 when there is no difference and 1 when there is one, like diff(1).",
            "Examples: roost diff support-bot --from 3 --to stable; roost diff -f support-bot.yaml"})
    static final class Diff implements Callable<Integer> {
        private final Connection connection;

        @Parameters(arity = "0..1", paramLabel = "NAME", description = "The instance whose versions to compare.")
        String name;

        @Option(names = "--from", paramLabel = "VERSION|TAG", description = "The older version (default: the one before --to).")
        String from;

        @Option(names = "--to", paramLabel = "VERSION|TAG", description = "The newer version (default: the current one).")
        String to;

        @Option(names = {"-f", "--filename"}, paramLabel = "FILE",
                description = "Compare manifests (files, a directory, or - for standard input) with what is stored.")
        List<String> files;

        @Mixin
        WorkspaceOption workspaceOption;

        @Mixin
        OutputOption output;

        Diff(Connection connection) {
            this.connection = requireNonNull(connection, "connection is null");
        }

        @Override
        public Integer call() {
            if ((name == null) == (files == null)) {
                throw new CliException(ExitCodes.USAGE, "Give either an instance NAME or -f FILE.");
            }
            return files != null ? againstFiles() : betweenVersions();
        }

        private int betweenVersions() {
            String workspace = connection.workspace(workspaceOption.name());
            JsonNode diff = connection.client().get(InstanceCommands.instancePath(workspace, name) + "/diff"
                    + new Query().add("from", from).add("to", to)).json();
            boolean different = diff.path("changes").size() > 0;
            connection.printer().print(output.format(), diff, () -> different ? diff.path("unified").asString("") : "");
            return different ? ExitCodes.FAILED : ExitCodes.OK;
        }

        private int againstFiles() {
            if (from != null || to != null) {
                throw new CliException(ExitCodes.USAGE, "--from and --to compare stored versions; they do not go with -f.");
            }
            List<ManifestFiles.Document> documents = ManifestFiles.read(files, connection.context().in());
            OutputFormat format = output.format();
            ArrayNode responses = JsonNodeFactory.instance.arrayNode();
            Outcome[] outcomes = applyAll(connection, documents, workspaceOption.name(), true, (document, response) -> {
                if (format != OutputFormat.TABLE) {
                    responses.add(response);
                } else if (response.path("outcome").asString("").startsWith("WOULD_")) {
                    connection.printer().text(response.path("diff").asString(""));
                }
            });
            if (format != OutputFormat.TABLE && !responses.isEmpty()) {
                connection.printer().print(format, documents.size() == 1 ? responses.get(0) : responses, () -> "");
            }
            int failure = firstFailure(outcomes);
            if (failure != ExitCodes.OK) {
                return failure;
            }
            for (Outcome o : outcomes) {
                if (o.changes()) {
                    return ExitCodes.FAILED;
                }
            }
            return ExitCodes.OK;
        }
    }
}
