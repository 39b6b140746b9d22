package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.Query;
import dev.roost.cli.client.RoostClient;
import dev.roost.cli.output.OutputOption;
import dev.roost.cli.output.Table;
import dev.roost.cli.output.TimeText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code roost task}: tasks that run scripts or commands in sandboxes on nodes. See also
 * {@code roost run}, the short way to run one command and wait for it.
 */
@Command(mixinStandardHelpOptions = true, name = "task", aliases = "tasks",
        description = "Tasks run in sandboxes on nodes: run a script, get, list, result, logs, cancel; prompt (needs the gateway).")
final class TaskCommand {
    private final Connection connection;

    TaskCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    static String tasksPath(String workspace) {
        return "/api/v1/workspaces/" + RoostClient.segment(workspace) + "/tasks";
    }

    private String taskPath(String workspace, String id) {
        return tasksPath(workspace) + "/" + RoostClient.segment(id);
    }

    /** Follows a task's output to its end and returns the exit code to end with. */
    static int waitFor(Connection connection, String workspace, String id) {
        TaskFollower follower = new TaskFollower(connection, workspace, id);
        if (!follower.follow()) {
            throw new CliException(ExitCodes.UNREACHABLE, "Lost the connection to the server while task " + id
                    + " ran; see it with: roost task get " + id);
        }
        return follower.exitCode();
    }

    @Command(mixinStandardHelpOptions = true, name = "run", description = {
            "Run a script (with /bin/sh) in a sandbox on a node. Prints the task id; --wait streams its output and exits"
                    + " with its exit code.",
            "Example: roost task run --script build.sh --attach data.csv --timeout 300 --wait"})
    int run(@Option(names = "--script", paramLabel = "FILE", required = true, description = "The script to run.") Path script,
            @Option(names = "--wait", description = "Stream the output and exit with the task's exit code.") boolean wait,
            @Mixin TaskOptions options, @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        String body;
        try {
            body = Files.readString(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "Cannot read --script " + script + ": " + e.getMessage());
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("mode", "script");
        request.put("script", body);
        options.addTo(request);
        JsonNode task = connection.client().post(tasksPath(workspace), request).json();
        String id = task.path("id").asString();
        if (!wait || options.detach) {
            connection.printer().line(id);
            return ExitCodes.OK;
        }
        connection.context().err().println("Task " + id + " submitted; following its output");
        return waitFor(connection, workspace, id);
    }

    @Command(mixinStandardHelpOptions = true, name = "prompt", description = {
            "Hand a prompt to the workspace's default model (the model alias 'default') as a task, follow it and print the"
                    + " model's answer. A prompt is never run as a command. Without a default model that answers, the server"
                    + " refuses it with INFERENCE_UNAVAILABLE and says what to configure (see also 'roost status')."})
    int prompt(@Parameters(paramLabel = "TEXT", description = "The prompt.") String text,
            @Option(names = {"-d", "--detach"}, description = "Print the task's id and return at once.") boolean detach,
            @Option(names = "--timeout", paramLabel = "SECONDS", description = "Give the model at most this long (default 600).")
            Integer timeoutSeconds,
            @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        Map<String, Object> request = new java.util.LinkedHashMap<>();
        request.put("mode", "prompt");
        request.put("prompt", text);
        if (timeoutSeconds != null) {
            request.put("timeoutSeconds", timeoutSeconds);
        }
        JsonNode task;
        try {
            task = connection.client().post(tasksPath(workspace), request).json();
        } catch (dev.roost.cli.client.ProblemException e) {
            if ("INFERENCE_UNAVAILABLE".equals(e.code())) {
                throw new CliException(ExitCodes.FAILED, "INFERENCE_UNAVAILABLE: " + e.problem().detail());
            }
            throw e;
        }
        String id = task.path("id").asString();
        if (detach) {
            connection.printer().line(id);
            return ExitCodes.OK;
        }
        connection.context().err().println("Task " + id + " submitted to the default model; waiting for its answer");
        return waitFor(connection, workspace, id);
    }

    @Command(mixinStandardHelpOptions = true, name = "get", description = "Show a task: state, attempts, node, timings.")
    int get(@Parameters(paramLabel = "ID") String id, @Mixin OutputOption output, @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode t = connection.client().get(taskPath(workspace, id)).json();
        connection.printer().print(output.format(), t, () -> {
            StringBuilder text = new StringBuilder();
            text.append("Id:          ").append(t.path("id").asString()).append('\n')
                    .append("State:       ").append(t.path("state").asString()).append('\n')
                    .append("Mode:        ").append(t.path("mode").asString()).append('\n')
                    .append("Exit code:   ").append(t.path("exitCode").isNumber() ? t.path("exitCode").asString() : "-").append('\n')
                    .append("Attempts:    ").append(t.path("attempts").asInt()).append(" of ").append(t.path("maxAttempts").asInt())
                    .append('\n')
                    .append("Node:        ").append(t.path("nodeName").asString("-")).append('\n')
                    .append("Submitted:   ").append(TimeText.timestamp(t.path("createdAt").asString(null)))
                    .append(" by ").append(t.path("submittedBy").asString("-")).append('\n')
                    .append("Started:     ").append(TimeText.timestamp(t.path("startedAt").asString(null))).append('\n')
                    .append("Finished:    ").append(TimeText.timestamp(t.path("finishedAt").asString(null))).append('\n');
            if (t.path("failureReason").isString()) {
                text.append("Reason:      ").append(t.path("failureReason").asString()).append('\n');
            }
            if (t.path("cancelRequested").asBoolean()) {
                text.append("Cancel:      requested\n");
            }
            return text.toString();
        });
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List tasks, newest first.")
    int list(@Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "How many (1 to 200; default ${DEFAULT-VALUE}).")
            int limit, @Mixin OutputOption output, @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode page = connection.client().get(tasksPath(workspace) + new Query().add("limit", limit)).json();
        JsonNode items = page.path("items");
        Table table = Table.of("id", "state", "mode", "exit", "attempts", "node", "submitted", "by");
        for (JsonNode t : items) {
            table.row(t.path("id").asString(), t.path("state").asString(), t.path("mode").asString(),
                    t.path("exitCode").isNumber() ? t.path("exitCode").asString() : "-",
                    t.path("attempts").asInt() + "/" + t.path("maxAttempts").asInt(), t.path("nodeName").asString("-"),
                    TimeText.age(t.path("createdAt").asString(null), connection.context().clock().instant()),
                    t.path("submittedBy").asString("-"));
        }
        connection.printer().list(output.format(), items, table, "No tasks yet. Run one with: roost run -- echo hello");
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "result", description = {
            "Show a finished task's result: exit code, signal, OOM, duration, output, artifacts, egress.",
            "Exits with the task's exit code."})
    int result(@Parameters(paramLabel = "ID") String id, @Mixin OutputOption output, @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode r = connection.client().get(taskPath(workspace, id) + "/result").json();
        connection.printer().print(output.format(), r, () -> {
            StringBuilder text = new StringBuilder();
            text.append("State:      ").append(r.path("state").asString()).append('\n')
                    .append("Exit code:  ").append(r.path("exitCode").isNumber() ? r.path("exitCode").asString() : "-");
            if (r.path("signal").isNumber()) {
                text.append(" (signal ").append(r.path("signal").asInt()).append(')');
            }
            text.append('\n')
                    .append("Duration:   ").append(r.path("durationMs").isNumber() ? r.path("durationMs").asLong() + " ms" : "-")
                    .append('\n');
            if (r.path("oomKilled").asBoolean()) {
                text.append("Killed:     out of memory\n");
            }
            if (r.path("timedOut").asBoolean()) {
                text.append("Killed:     timed out\n");
            }
            if (r.path("failureReason").isString()) {
                text.append("Reason:     ").append(r.path("failureReason").asString()).append('\n');
            }
            text.append("Node:       ").append(r.path("nodeName").asString("-")).append('\n');
            for (String stream : new String[] {"stdout", "stderr"}) {
                JsonNode s = r.path(stream);
                text.append("--- ").append(stream).append(" (").append(s.path("bytes").asLong()).append(" bytes")
                        .append(s.path("truncated").asBoolean() ? ", truncated" : "").append(")\n")
                        .append(s.path("text").asString(""));
                if (!s.path("text").asString("").isEmpty() && !s.path("text").asString("").endsWith("\n")) {
                    text.append('\n');
                }
            }
            if (!r.path("artifacts").isEmpty()) {
                text.append("--- artifacts").append(r.path("artifactsTruncated").asBoolean() ? " (some left out: caps)" : "")
                        .append('\n');
                for (JsonNode a : r.path("artifacts")) {
                    text.append(a.path("path").asString()).append("  ").append(a.path("size").asLong()).append(" bytes  sha256 ")
                            .append(a.path("sha256").asString()).append('\n');
                }
            }
            JsonNode egress = r.path("egress");
            if (egress.path("enabled").asBoolean()) {
                text.append("--- egress: ").append(egress.path("allowed").asLong()).append(" allowed, ")
                        .append(egress.path("denied").asLong()).append(" denied, ").append(egress.path("failed").asLong())
                        .append(" failed\n");
                for (JsonNode c : egress.path("connections")) {
                    text.append(c.path("decision").asString()).append(' ').append(c.path("host").asString()).append(':')
                            .append(c.path("port").asInt()).append(' ').append(c.path("reason").asString()).append('\n');
                }
            }
            return text.toString();
        });
        return r.path("exitCode").isNumber() ? r.path("exitCode").asInt()
                : r.path("state").asString("").equals("SUCCEEDED") ? ExitCodes.OK : ExitCodes.FAILED;
    }

    @Command(mixinStandardHelpOptions = true, name = "logs", description = {
            "Print a task's output; -f follows it until the task ends.", "Example: roost task logs -f 5d1e…"})
    int logs(@Parameters(paramLabel = "ID") String id,
            @Option(names = {"-f", "--follow"}, description = "Keep printing output until the task ends.") boolean follow,
            @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        if (follow) {
            TaskFollower follower = new TaskFollower(connection, workspace, id);
            if (!follower.follow()) {
                throw new CliException(ExitCodes.UNREACHABLE, "Lost the connection to the server; run the command again to go on");
            }
            return ExitCodes.OK;
        }
        String after = null;
        do {
            JsonNode page = connection.client().get(taskPath(workspace, id) + "/output" + new Query().add("after", after)).json();
            for (JsonNode chunk : page.path("chunks")) {
                TaskFollower.writeChunk(chunk.path("stream").asString("").equals("stderr") ? connection.context().err()
                        : connection.context().out(), chunk);
            }
            after = page.path("next").isString() && !page.path("chunks").isEmpty() ? page.path("next").asString() : null;
        } while (after != null);
        connection.context().out().flush();
        connection.context().err().flush();
        return ExitCodes.OK;
    }

    @Command(mixinStandardHelpOptions = true, name = "artifacts", description = {
            "List the files a finished task left in out/, or download one byte for byte with --get.",
            "Examples: roost task artifacts 5d1e…",
            "          roost task artifacts 5d1e… --get reports/summary.csv -o summary.csv"})
    int artifacts(@Parameters(paramLabel = "ID") String id,
            @Option(names = "--get", paramLabel = "PATH", description = "Download this artifact (a path under out/).") String get,
            @Option(names = {"-o", "--output"}, paramLabel = "FILE",
                    description = "With --get: write it to FILE instead of standard output (an existing file is replaced)."
            ) Path file,
            @Option(names = "--json", description = "List as JSON.") boolean json,
            @Mixin WorkspaceOption workspaceOption) throws IOException {
        String workspace = connection.workspace(workspaceOption.name());
        if (get == null) {
            if (file != null) {
                throw new CliException(ExitCodes.USAGE, "-o names the file for --get; to list as JSON use --json");
            }
            JsonNode page = connection.client().get(taskPath(workspace, id) + "/artifacts").json();
            if (json) {
                connection.printer().print(dev.roost.cli.output.OutputFormat.JSON, page, () -> "");
                return ExitCodes.OK;
            }
            Table table = Table.of("PATH", "SIZE", "SHA256");
            for (JsonNode a : page.path("artifacts")) {
                table.row(a.path("path").asString(), Long.toString(a.path("size").asLong()), a.path("sha256").asString());
            }
            connection.printer().list(dev.roost.cli.output.OutputFormat.TABLE, page.path("artifacts"), table,
                    "Task " + id + " left no files in out/.");
            return ExitCodes.OK;
        }
        StringBuilder path = new StringBuilder(taskPath(workspace, id)).append("/artifacts");
        for (String segment : get.split("/", -1)) {
            path.append('/').append(RoostClient.segment(segment));
        }
        dev.roost.cli.client.ApiResponse r = connection.client().get(path.toString());
        byte[] content = r.body();
        String digest = r.header("Repr-Digest").orElse("");
        String expected = "sha-256=:" + java.util.Base64.getEncoder().encodeToString(sha256(content)) + ":";
        if (!digest.equals(expected)) {
            throw new CliException(ExitCodes.FAILED, "The download of " + get + " does not match the SHA-256 the server "
                    + "sent; nothing was written. Try again.");
        }
        if (file == null || file.toString().equals("-")) {
            connection.context().out().writeBytes(content);
            connection.context().out().flush();
        } else {
            Path target = file.toAbsolutePath();
            Path temp = Files.createTempFile(target.getParent(), ".roost-artifact-", ".part");
            try {
                Files.write(temp, content);
                Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
            connection.context().err().println("Wrote " + get + " (" + content.length + " bytes) to " + file);
        }
        return ExitCodes.OK;
    }

    private static byte[] sha256(byte[] content) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(content);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "cancel", description = "Cancel a task: a queued one at once, a running one is killed in its sandbox.")
    int cancel(@Parameters(paramLabel = "ID") String id, @Mixin WorkspaceOption workspaceOption) {
        String workspace = connection.workspace(workspaceOption.name());
        JsonNode t = connection.client().post(taskPath(workspace, id) + "/cancel", Map.of()).json();
        connection.printer().line("task/" + id + " " + switch (t.path("state").asString("")) {
            case "CANCELLED" -> "cancelled";
            case "RUNNING" -> "cancel requested; its node stops it within seconds";
            default -> "already " + t.path("state").asString("").toLowerCase(java.util.Locale.ROOT);
        });
        return ExitCodes.OK;
    }
}
