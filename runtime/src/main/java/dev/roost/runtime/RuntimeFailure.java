package dev.roost.runtime;

import static java.util.Objects.requireNonNull;

/** A runtime refused or failed an action, with a kind the reconciler and users can act on. */
public final class RuntimeFailure extends RuntimeException {
    /** What went wrong, broadly. */
    public enum Kind {
        /** The image does not exist locally and cannot (or may not, per the pull policy) be pulled. */
        IMAGE_NOT_FOUND,
        /** The runtime cannot be reached (daemon down, socket missing). Retried on the next pass. */
        UNAVAILABLE,
        /** The workload cannot be built as specified (e.g. a secret value is binary but goes into an environment variable). */
        INVALID_SPEC,
        /** The container named in the action no longer exists. */
        NOT_FOUND,
        /** Anything else the runtime reported. */
        FAILED
    }

    private final Kind kind;

    public RuntimeFailure(Kind kind, String message) {
        super(requireNonNull(message, "message is null"));
        this.kind = requireNonNull(kind, "kind is null");
    }

    public RuntimeFailure(Kind kind, String message, Throwable cause) {
        super(requireNonNull(message, "message is null"), cause);
        this.kind = requireNonNull(kind, "kind is null");
    }

    public Kind kind() {
        return kind;
    }
}
