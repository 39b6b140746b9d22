package dev.roost.cli;

import picocli.CommandLine;

/** Prints what went wrong in one readable line instead of a stack trace. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        if (e instanceof CliException cli) {
            commandLine.getErr().println("error: " + cli.getMessage());
            return cli.exitCode();
        }
        commandLine.getErr().println("error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        if (System.getenv("ROOST_DEBUG") != null) {
            e.printStackTrace(commandLine.getErr());
        } else {
            commandLine.getErr().println("(set ROOST_DEBUG=1 to see the stack trace)");
        }
        return ExitCodes.INTERNAL;
    }
}
