package dev.roost.core.deploy;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * One container (or sandbox process) a runtime runs for Roost, as the runtime reports it.
 * Identity comes from the labels Roost put on it at creation; {@code drift} lists what the
 * runtime found changed since then behind Roost's back (a changed memory limit, a detached
 * network), each as a short sentence; empty when nothing differs.
 */
public record ObservedContainer(
        String containerId,
        UUID instanceId,
        String workspace,
        String instance,
        int version,
        int replica,
        String specHash,
        String image,
        State state,
        Optional<Integer> exitCode,
        boolean oomKilled,
        int restartCount,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        List<String> drift) {

    public ObservedContainer {
        requireNonNull(containerId, "containerId is null");
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(workspace, "workspace is null");
        requireNonNull(instance, "instance is null");
        requireNonNull(specHash, "specHash is null");
        requireNonNull(image, "image is null");
        requireNonNull(state, "state is null");
        requireNonNull(exitCode, "exitCode is null");
        requireNonNull(startedAt, "startedAt is null");
        requireNonNull(finishedAt, "finishedAt is null");
        drift = List.copyOf(requireNonNull(drift, "drift is null"));
    }

    /** The runtime's view of a container's process. */
    public enum State {
        /** Created, never started. */
        CREATED,
        RUNNING,
        /** Being restarted by the runtime itself. */
        RESTARTING,
        PAUSED,
        /** The process ended (exit code, OOM kill) or was stopped. */
        EXITED,
        /** Being removed, or broken beyond use. */
        DEAD
    }

    public boolean running() {
        return state == State.RUNNING;
    }
}
