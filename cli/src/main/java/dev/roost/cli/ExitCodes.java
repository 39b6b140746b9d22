package dev.roost.cli;

/**
 * Exit codes scripts can rely on. They never change meaning once released.
 * <ul>
 *   <li>0 success</li>
 *   <li>1 the request was refused or failed (a problem document was printed)</li>
 *   <li>2 wrong usage: unknown option, missing argument</li>
 *   <li>3 not signed in, or the credentials were rejected</li>
 *   <li>4 the thing asked for does not exist</li>
 *   <li>5 the server could not be reached or is not ready</li>
 *   <li>6 a conflict: it already exists or changed meanwhile</li>
 *   <li>7 a policy or quota refused it</li>
 *   <li>10 an unexpected error in the CLI itself</li>
 * </ul>
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int AUTH = 3;
    public static final int NOT_FOUND = 4;
    public static final int UNREACHABLE = 5;
    public static final int CONFLICT = 6;
    public static final int POLICY = 7;
    public static final int INTERNAL = 10;

    private ExitCodes() {
    }
}
