package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A model name clients send, mapped to an ordered list of (provider, model) targets. When any
 * target has a weight, the first target tried is drawn by weight; the others follow in list
 * order as fallbacks. Without weights the list order is the whole story.
 */
public record ModelAlias(UUID workspaceId, String alias, List<Target> targets, String updatedBy, Instant updatedAt) {
    public record Target(String provider, String model, Integer weight) {
        public Target {
            requireNonNull(provider, "provider is null");
            requireNonNull(model, "model is null");
            if (weight != null && weight < 0) {
                throw new IllegalArgumentException("a weight is zero or more");
            }
        }
    }

    public ModelAlias {
        requireNonNull(alias, "alias is null");
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("an alias needs at least one target");
        }
    }
}
