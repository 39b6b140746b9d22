package dev.roost.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code roost} command: one binary for the server, nodes and clients. */
@Command(name = "roost",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Roost: a self-hosted control plane for AI agents.",
        subcommands = {UpCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (see {@link ExitCodes}). */
    public static int run(String... args) {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler(new ErrorHandler())
                .execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
