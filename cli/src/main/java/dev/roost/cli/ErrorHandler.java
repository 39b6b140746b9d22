package dev.roost.cli;

import dev.roost.cli.client.ProblemException;
import java.io.PrintWriter;
import java.util.Set;
import picocli.CommandLine;

/** Prints what went wrong in a few readable lines instead of a stack trace, and picks the exit code. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    private static final Set<String> SESSION_CODES = Set.of("UNAUTHENTICATED", "TOKEN_INVALID", "TOKEN_EXPIRED");

    private final CliContext context;

    ErrorHandler(CliContext context) {
        this.context = context;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        err.println("error: " + describe(e));
        if (e instanceof ProblemException p && p.code() != null && SESSION_CODES.contains(p.code())) {
            err.println(context.variable("ROOST_TOKEN") != null ? "(check ROOST_TOKEN: it was not accepted)"
                    : "(sign in again: roost login)");
        }
        if (!(e instanceof CliException) && !(e instanceof ProblemException)) {
            if (context.variable("ROOST_DEBUG") != null) {
                e.printStackTrace(err);
            } else {
                err.println("(set ROOST_DEBUG=1 to see the stack trace)");
            }
        }
        err.flush();
        return exitCode(e);
    }

    /** Usage errors: the message and where to read more, without the whole usage text. */
    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("(see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return ExitCodes.USAGE;
    }

    /** The message of a failure: a problem document's lines, or the exception's message. */
    static String describe(Exception e) {
        if (e instanceof ProblemException p) {
            return p.problem().describe();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static int exitCode(Exception e) {
        return switch (e) {
            case CliException c -> c.exitCode();
            case ProblemException p -> p.exitCode();
            default -> ExitCodes.INTERNAL;
        };
    }
}
