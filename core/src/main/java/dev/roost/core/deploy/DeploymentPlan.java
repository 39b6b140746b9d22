package dev.roost.core.deploy;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The steps that take one instance from what the runtime runs to what its manifest asks, in
 * order. An empty plan means the instance is as it should be. {@code drift} lists what was
 * found changed behind Roost's back, whether or not the plan heals it.
 */
public record DeploymentPlan(List<RuntimeAction> actions, List<String> drift) {
    public static final DeploymentPlan NOTHING = new DeploymentPlan(List.of(), List.of());

    public DeploymentPlan {
        actions = List.copyOf(requireNonNull(actions, "actions is null"));
        drift = List.copyOf(requireNonNull(drift, "drift is null"));
    }

    public boolean isEmpty() {
        return actions.isEmpty();
    }
}
