package dev.roost.core.policy;

import static java.util.Objects.requireNonNull;

/**
 * A rule broken at a JSON pointer into the manifest; the message says what to do.
 * {@code overridable} is false for violations that must be fixed even when their rule is
 * overridden (a credential in the manifest would stay in its history forever).
 */
public record PolicyViolation(String rule, String pointer, String message, boolean overridable) {
    public PolicyViolation {
        requireNonNull(rule, "rule is null");
        requireNonNull(pointer, "pointer is null");
        requireNonNull(message, "message is null");
    }

    /** An overridable violation (if its rule is overridable). */
    public PolicyViolation(String rule, String pointer, String message) {
        this(rule, pointer, message, true);
    }
}
