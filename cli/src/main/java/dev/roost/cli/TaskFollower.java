package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.ApiJson;
import dev.roost.cli.client.Query;
import dev.roost.cli.client.RoostClient;
import java.io.PrintStream;
import tools.jackson.databind.JsonNode;

/**
 * Follows a task's output over server-sent events: standard output to ours, standard error to
 * ours, until the task ends; reconnects from where it was after a dropped connection (a server
 * restart, say). Then reads the result and turns it into this process's exit code.
 */
final class TaskFollower {
    private final Connection connection;
    private final String base;
    private final PrintStream out;
    private final PrintStream err;
    private int attempt;
    private int seq = -1;
    private int shownAttempt;
    private boolean ended;
    private String event = "message";
    private final StringBuilder data = new StringBuilder();

    TaskFollower(Connection connection, String workspace, String id) {
        this.connection = requireNonNull(connection, "connection is null");
        this.base = "/api/v1/workspaces/" + RoostClient.segment(workspace) + "/tasks/" + RoostClient.segment(id);
        this.out = connection.context().out();
        this.err = connection.context().err();
    }

    /** Streams the output until the task ends; true when it ended, false when the connection could not be kept. */
    boolean follow() {
        int failures = 0;
        while (!ended) {
            try {
                connection.client().streamLines(base + "/output" + new Query().add("follow", "true")
                        .add("after", attempt == 0 ? null : attempt + "." + seq), this::line);
                if (!ended) {
                    failures++;
                }
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.UNREACHABLE) {
                    throw e;
                }
                failures++;
                err.println("(lost the connection to the server: " + e.getMessage() + "; reconnecting)");
            }
            if (!ended) {
                if (failures > 60) {
                    return false;
                }
                try {
                    Thread.sleep(Math.min(2000, 250L * failures));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        out.flush();
        err.flush();
        return true;
    }

    /** Reads the result: prints why it did not succeed, if so, and returns the exit code to end with. */
    int exitCode() {
        JsonNode result = connection.client().get(base + "/result").json();
        String state = result.path("state").asString("");
        if (result.path("stdout").path("truncated").asBoolean() || result.path("stderr").path("truncated").asBoolean()) {
            err.println("(the output was longer than the cap; what is shown was kept)");
        }
        if (result.path("exitCode").isNumber()) {
            int code = result.path("exitCode").asInt();
            if (result.path("timedOut").asBoolean()) {
                err.println("Task timed out and was killed.");
            } else if (result.path("oomKilled").asBoolean()) {
                err.println("Task ran out of memory and was killed.");
            } else if (state.equals("CANCELLED")) {
                err.println("Task was cancelled.");
            }
            return code;
        }
        err.println("Task " + state.toLowerCase(java.util.Locale.ROOT) + (result.path("failureReason").isString()
                ? ": " + result.path("failureReason").asString() : "."));
        return state.equals("CANCELLED") ? 130 : ExitCodes.FAILED;
    }

    private void line(String line) {
        if (line.isEmpty()) {
            dispatch();
        } else if (line.startsWith("event:")) {
            event = line.substring(6).strip();
        } else if (line.startsWith("data:")) {
            data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).stripLeading());
        }
    }

    /** A chunk's exact bytes: its base64 when it is not UTF-8 text, else its text. */
    static void writeChunk(PrintStream target, JsonNode chunk) {
        if (chunk.path("base64").isString()) {
            target.writeBytes(java.util.Base64.getDecoder().decode(chunk.path("base64").asString()));
        } else {
            target.print(chunk.path("text").asString(""));
        }
    }

    private void dispatch() {
        if (!data.isEmpty()) {
            JsonNode json = ApiJson.MAPPER.readTree(data.toString());
            switch (event) {
                case "output" -> {
                    int chunkAttempt = json.path("attempt").asInt();
                    if (shownAttempt != 0 && chunkAttempt != shownAttempt) {
                        err.println("(attempt " + chunkAttempt + " started; output of an earlier attempt was shown above)");
                    }
                    shownAttempt = chunkAttempt;
                    attempt = chunkAttempt;
                    seq = json.path("seq").asInt();
                    PrintStream target = json.path("stream").asString("").equals("stderr") ? err : out;
                    writeChunk(target, json);
                    target.flush();
                }
                case "end" -> ended = true;
                default -> {
                }
            }
        }
        event = "message";
        data.setLength(0);
    }
}
