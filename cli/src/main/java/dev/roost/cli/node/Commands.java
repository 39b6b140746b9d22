package dev.roost.cli.node;

import dev.roost.sandbox.SandboxJob;
import java.util.List;

/**
 * How a task's command list becomes what the sandbox runs. One command runs as it is, with no
 * shell at all. Several run one after the other, stopping at the first that fails, which takes
 * a sequencer; {@code /bin/sh} is that sequencer, and every argument reaches it single-quoted,
 * so the shell passes it on as one literal word and never interprets it (no expansion,
 * globbing, redirection or command substitution).
 */
final class Commands {
    private Commands() {
    }

    static SandboxJob.Command toCommand(List<List<String>> commands) {
        if (commands.isEmpty()) {
            throw new IllegalArgumentException("a task needs at least one command");
        }
        if (commands.size() == 1) {
            return new SandboxJob.Argv(commands.get(0));
        }
        StringBuilder script = new StringBuilder();
        for (List<String> argv : commands) {
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("a command needs a program");
            }
            for (int i = 0; i < argv.size(); i++) {
                script.append(i == 0 ? "" : " ").append(quote(argv.get(i)));
            }
            script.append(" || exit $?\n");
        }
        return new SandboxJob.Script(script.toString());
    }

    /** One literal shell word: inside single quotes nothing is special except the quote itself. */
    static String quote(String arg) {
        if (arg.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an argument holds a NUL character");
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
