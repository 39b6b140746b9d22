package dev.roost.runtime;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.manifest.Health;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Where instances run. The reconciler observes, applies one {@link RuntimeAction} at a time, and
 * reads logs and health through this interface; every adapter (the in-memory fake, Docker, later
 * a sandbox node or Kubernetes) passes the same contract suite, {@code RuntimeContract}.
 *
 * <p>Implementations are thread-safe: the reconciler works on several instances at once, and log
 * and probe calls come from request threads. Failures that a user can act on are thrown as
 * {@link RuntimeFailure} with a {@link RuntimeFailure.Kind}.
 */
public interface Runtime extends AutoCloseable {

    /** A short name for events and logs: {@code docker}, {@code fake}. */
    String name();

    /**
     * Every container this runtime holds for Roost, across all instances, including stopped ones
     * and ones whose instance Roost no longer knows (orphans).
     */
    List<ObservedContainer> observe();

    /** The containers of one instance. */
    List<ObservedContainer> observe(UUID instanceId);

    /**
     * Applies one action. Idempotent: applying an action again, e.g. after a crash between the
     * runtime's answer and Roost's record of it, leaves the runtime as one application would.
     *
     * @param secrets resolves the secret values a {@link RuntimeAction.CreateContainer} injects;
     *                the runtime closes each value once handed to the container
     * @return the id of the container the action made or touched, when it concerns one
     */
    Optional<String> apply(RuntimeAction action, SecretSource secrets);

    /** Runs a health probe against a running container. Never throws for an unhealthy answer. */
    ProbeResult probe(String containerId, Health.Probe probe, int containerPort, Duration timeout);

    /**
     * The container's output. With {@code follow}, the stream stays open and delivers new lines
     * until closed or the container ends.
     */
    LogStream logs(String containerId, LogRequest request);

    /**
     * Where Roost's server can reach {@code port} of a running container (for webhook forwarding
     * and HTTP probes), when the runtime can offer it; never a port published on the host.
     */
    Optional<InetSocketAddress> endpoint(String containerId, int port);

    /**
     * The base URL (scheme, host and port, no path) at which a container of {@code spec} reaches
     * Roost's model gateway, when this runtime gives it a way there; empty when the workload has
     * no network path to the gateway (egress NONE, or a runtime without one). The reconciler
     * injects per-instance gateway keys and base URLs only where this is present.
     */
    default Optional<String> gatewayUrl(dev.roost.core.deploy.WorkloadSpec spec) {
        return Optional.empty();
    }

    @Override
    void close();
}
