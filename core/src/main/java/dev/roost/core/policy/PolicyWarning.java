package dev.roost.core.policy;

import static java.util.Objects.requireNonNull;

/**
 * A violation accepted because the manifest overrides its rule and the caller may do so.
 * Shown loudly in the response, the console and the audit log.
 */
public record PolicyWarning(String rule, String pointer, String message) {
    public PolicyWarning {
        requireNonNull(rule, "rule is null");
        requireNonNull(pointer, "pointer is null");
        requireNonNull(message, "message is null");
    }

    static PolicyWarning of(PolicyViolation violation) {
        return new PolicyWarning(violation.rule(), violation.pointer(),
                "overridden policy " + violation.rule() + ": " + violation.message());
    }
}
