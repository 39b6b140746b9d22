package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.ApiJson;
import dev.roost.cli.client.Query;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code roost logs NAME}: an instance's container output, with secret values masked by the
 * server. {@code -f} follows it over server-sent events until the container's output ends or
 * the user presses Ctrl-C.
 */
@Command(mixinStandardHelpOptions = true, name = "logs", description = {
        "Print an instance's container output; the server masks secret values as ****.",
        "Example: roost logs support-bot --tail 50 -f"})
final class LogsCommand implements Callable<Integer> {
    private final Connection connection;

    @Parameters(paramLabel = "NAME", description = "The instance.")
    String name;

    @Option(names = "--tail", paramLabel = "N", description = "How many of the last lines to print, 0 to 10000 (default: 100).")
    Integer tail;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the container's output ends or Ctrl-C.")
    boolean follow;

    @Option(names = "--replica", paramLabel = "N", description = "Which replica to read (default: the lowest-numbered running one).")
    Integer replica;

    @Option(names = {"-t", "--timestamps"}, description = "Start each line with the time the container wrote it.")
    boolean timestamps;

    @Option(names = "--stream", description = "Start each line with the stream it came from (stdout or stderr).")
    boolean streams;

    @Mixin
    WorkspaceOption workspaceOption;

    LogsCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Override
    public Integer call() {
        String workspace = connection.workspace(workspaceOption.name());
        if (tail != null && (tail < 0 || tail > 10_000)) {
            throw new CliException(ExitCodes.USAGE, "--tail must be between 0 and 10000, got " + tail);
        }
        if (replica != null && replica < 0) {
            throw new CliException(ExitCodes.USAGE, "--replica must not be negative, got " + replica);
        }
        String path = InstanceCommands.instancePath(workspace, name) + "/logs"
                + new Query().add("tail", tail).add("replica", replica).add("follow", follow ? "true" : null);
        PrintStream out = connection.context().out();
        if (!follow) {
            JsonNode page = connection.client().get(path).json();
            for (JsonNode line : page.path("lines")) {
                out.println(format(line));
            }
            out.flush();
            return ExitCodes.OK;
        }
        EventReader reader = new EventReader(out);
        connection.client().streamLines(path, reader::line);
        out.flush();
        if (!reader.ended) {
            throw new CliException(ExitCodes.UNREACHABLE, "the server closed the log stream before the container's output ended; "
                    + "run the command again to go on");
        }
        return ExitCodes.OK;
    }

    private String format(JsonNode line) {
        StringBuilder text = new StringBuilder();
        if (timestamps) {
            text.append(line.path("time").asString("")).append(' ');
        }
        if (streams) {
            text.append(line.path("stream").asString("")).append(' ');
        }
        return text.append(line.path("text").asString("")).toString();
    }

    /** Collects server-sent event fields and acts on each complete event; heartbeats (comments) are skipped. */
    private final class EventReader {
        private final PrintStream out;
        private String event = "message";
        private final StringBuilder data = new StringBuilder();
        boolean ended;

        EventReader(PrintStream out) {
            this.out = out;
        }

        void line(String line) {
            if (line.isEmpty()) {
                dispatch();
            } else if (line.startsWith("event:")) {
                event = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).stripLeading());
            }
        }

        private void dispatch() {
            if (!data.isEmpty()) {
                switch (event) {
                    case "line" -> {
                        out.println(format(ApiJson.MAPPER.readTree(data.toString())));
                        out.flush();
                    }
                    case "end" -> ended = true;
                    default -> {
                        // "open" and events of later servers: nothing to print
                    }
                }
            }
            event = "message";
            data.setLength(0);
        }
    }
}
