package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

/**
 * This node cannot jail a job, so it runs none: bubblewrap is missing, namespaces are not
 * allowed, or the cgroup controllers for the limits cannot be used. The message says what is
 * missing and what to install or configure. Stable error code: {@value #CODE}.
 */
public final class SandboxUnavailable extends RuntimeException {
    public static final String CODE = "SANDBOX_UNAVAILABLE";

    public SandboxUnavailable(String message) {
        super(requireNonNull(message, "message is null"));
    }

    public SandboxUnavailable(String message, Throwable cause) {
        super(requireNonNull(message, "message is null"), cause);
    }
}
