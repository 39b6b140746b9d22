package dev.roost.cli.client;

import static java.util.Objects.requireNonNull;

/** The server refused a request; carries its problem document. */
public final class ProblemException extends RuntimeException {
    private final Problem problem;

    public ProblemException(Problem problem) {
        super(requireNonNull(problem, "problem is null").detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    public String code() {
        return problem.code();
    }

    public int exitCode() {
        return problem.exitCode();
    }
}
