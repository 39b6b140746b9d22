package dev.roost.runtime;

import dev.roost.core.secret.SecretValue;
import java.util.Collection;
import java.util.Map;

/**
 * Gives a runtime the values of the secrets a workload names, at the moment it starts the
 * workload. The caller of {@link #resolve} owns and closes the returned values.
 */
@FunctionalInterface
public interface SecretSource {
    /** A source for workloads that need no secrets; asking it for any fails. */
    SecretSource NONE = names -> {
        if (!names.isEmpty()) {
            throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "no secrets are available here: " + names);
        }
        return Map.of();
    };

    /** The values of {@code names}; fails naming every secret that does not exist. */
    Map<String, SecretValue> resolve(Collection<String> names);
}
