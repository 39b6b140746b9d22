package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code roost completion bash|zsh}: the shell completion script. */
@Command(mixinStandardHelpOptions = true, name = "completion", description = {"Print the shell completion script.",
        "bash: roost completion bash > /etc/bash_completion.d/roost",
        "zsh:  add  source <(roost completion zsh)  to ~/.zshrc"})
final class CompletionCommand implements Callable<Integer> {
    private final Connection connection;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SHELL", completionCandidates = Shells.class, description = "bash or zsh.")
    String shell;

    CompletionCommand(Connection connection) {
        this.connection = requireNonNull(connection, "connection is null");
    }

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new CliException(ExitCodes.USAGE, "Completion is available for bash and zsh, not " + shell + ".");
        }
        // picocli's script serves both: under zsh it loads bashcompinit itself.
        connection.printer().text(AutoComplete.bash("roost", spec.root().commandLine()));
        return ExitCodes.OK;
    }

    static final class Shells implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("bash", "zsh").iterator();
        }
    }
}
