package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code roost run -- CMD ARGS}: runs one command as a task in a sandbox on a node, streams its
 * output here as it comes, and exits with the command's exit code. The command is passed on as
 * an argument list and never through a shell (say {@code sh -c '…'} to get one).
 */
@Command(mixinStandardHelpOptions = true, name = "run", description = {
        "Run a command in a sandbox on a node, stream its output, and exit with its exit code.",
        "The command is run directly, not through a shell; for pipes or globs say so: roost run -- sh -c 'ls | wc -l'.",
        "Example: roost run --timeout 60 -- python3 -c 'print(42)'"})
final class RunCommand implements Callable<Integer> {
    private final Connection connection;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The program and its arguments (put -- before them).")
    List<String> argv;

    @Mixin
    TaskOptions options;

    @Mixin
    WorkspaceOption workspaceOption;

    RunCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Override
    public Integer call() {
        String workspace = connection.workspace(workspaceOption.name());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("mode", "commands");
        body.put("commands", List.of(argv));
        options.addTo(body);
        JsonNode task = connection.client().post(TaskCommand.tasksPath(workspace), body).json();
        String id = task.path("id").asString();
        if (options.detach) {
            connection.printer().line(id);
            return ExitCodes.OK;
        }
        return TaskCommand.waitFor(connection, workspace, id);
    }
}
