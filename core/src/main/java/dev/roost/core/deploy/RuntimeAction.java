package dev.roost.core.deploy;

import static java.util.Objects.requireNonNull;

import dev.roost.core.manifest.RuntimeSpec;
import java.util.UUID;

/**
 * One typed step of a {@link DeploymentPlan}. Every action is idempotent: applying it again
 * after a crash leaves the runtime as one application would (a create finds the container it
 * made before by its deterministic name; removing what is gone succeeds).
 */
public sealed interface RuntimeAction {

    /** The instance the action is for. */
    UUID instanceId();

    /** Why the planner chose this step, as shown in plans and events. */
    String reason();

    /** A one-line description for plans and events, e.g. {@code create replica 0 of version 3 (image …)}. */
    String describe();

    /**
     * Makes the image available per the pull policy; fails with IMAGE_NOT_FOUND when it cannot.
     * {@code runtimeKind}: the runtime the workload runs on (empty: the server's configured one).
     */
    record EnsureImage(UUID instanceId, String image, RuntimeSpec.PullPolicy pullPolicy, String reason,
                       java.util.Optional<RuntimeSpec.Kind> runtimeKind) implements RuntimeAction {
        public EnsureImage {
            requireNonNull(instanceId, "instanceId is null");
            requireNonNull(image, "image is null");
            requireNonNull(pullPolicy, "pullPolicy is null");
            requireNonNull(reason, "reason is null");
            requireNonNull(runtimeKind, "runtimeKind is null");
        }

        /** For the server's configured runtime. */
        public EnsureImage(UUID instanceId, String image, RuntimeSpec.PullPolicy pullPolicy, String reason) {
            this(instanceId, image, pullPolicy, reason, java.util.Optional.empty());
        }

        @Override
        public String describe() {
            return "ensure image " + image + " (pull policy " + pullPolicy.wire() + ")";
        }
    }

    /** Creates and starts replica {@code replica} of {@code spec}, with its secrets injected at start. */
    record CreateContainer(WorkloadSpec spec, int replica, String reason) implements RuntimeAction {
        public CreateContainer {
            requireNonNull(spec, "spec is null");
            requireNonNull(reason, "reason is null");
            if (replica < 0) {
                throw new IllegalArgumentException("replica must not be negative");
            }
        }

        @Override
        public UUID instanceId() {
            return spec.instanceId();
        }

        @Override
        public String describe() {
            return "create replica " + replica + " of version " + spec.version() + " (image " + spec.image() + ")";
        }
    }

    /** Starts a stopped container again. */
    record StartContainer(UUID instanceId, String containerId, String reason) implements RuntimeAction {
        public StartContainer {
            requireNonNull(instanceId, "instanceId is null");
            requireNonNull(containerId, "containerId is null");
            requireNonNull(reason, "reason is null");
        }

        @Override
        public String describe() {
            return "start container " + shortId(containerId);
        }
    }

    /** Stops a container, keeping it (and its volumes) for a later start. */
    record StopContainer(UUID instanceId, String containerId, String reason) implements RuntimeAction {
        public StopContainer {
            requireNonNull(instanceId, "instanceId is null");
            requireNonNull(containerId, "containerId is null");
            requireNonNull(reason, "reason is null");
        }

        @Override
        public String describe() {
            return "stop container " + shortId(containerId);
        }
    }

    /** Stops (if needed) and removes a container; its volumes stay. */
    record RemoveContainer(UUID instanceId, String containerId, String reason) implements RuntimeAction {
        public RemoveContainer {
            requireNonNull(instanceId, "instanceId is null");
            requireNonNull(containerId, "containerId is null");
            requireNonNull(reason, "reason is null");
        }

        @Override
        public String describe() {
            return "remove container " + shortId(containerId);
        }
    }

    /** Removes every volume of the instance. Only planned for a deleted instance whose owner did not keep them. */
    record RemoveVolumes(UUID instanceId, String reason) implements RuntimeAction {
        public RemoveVolumes {
            requireNonNull(instanceId, "instanceId is null");
            requireNonNull(reason, "reason is null");
        }

        @Override
        public String describe() {
            return "remove volumes";
        }
    }

    private static String shortId(String containerId) {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }
}
