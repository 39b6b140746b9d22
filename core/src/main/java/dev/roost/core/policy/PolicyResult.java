package dev.roost.core.policy;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** The outcome of a manifest that passed policy: warnings for every overridden violation. */
public record PolicyResult(List<PolicyWarning> warnings) {
    public PolicyResult {
        warnings = List.copyOf(requireNonNull(warnings, "warnings is null"));
    }

    public boolean hasWarnings() {
        return !warnings.isEmpty();
    }
}
