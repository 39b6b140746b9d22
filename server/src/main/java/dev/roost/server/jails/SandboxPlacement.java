package dev.roost.server.jails;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.manifest.Health;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.LogStream;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The runtime of {@code spec.runtime.kind: sandbox}: jails on the server's own machine, on
 * joined nodes, or both, per the placement rule ({@code ROOST_SANDBOX_PLACEMENT}):
 * <ul>
 *   <li>{@code auto} (default): on the server's machine when it can run jails itself, else on nodes;</li>
 *   <li>{@code nodes}: always on nodes (the server's own jails, if any, keep running until replaced);</li>
 *   <li>{@code local}: only on the server's machine, as before nodes could run instances.</li>
 * </ul>
 * Observation covers both; an action on an existing container goes to the runtime whose id it
 * carries ({@link NodeRuntime#ID_PREFIX}). Thread-safe as its parts are.
 */
public final class SandboxPlacement implements Runtime {
    /** Where new sandboxed instances go. */
    public enum Mode {
        AUTO,
        NODES,
        LOCAL;

        /** Parses {@code auto}, {@code nodes} or {@code local}. */
        public static Mode parse(String text) {
            try {
                return Mode.valueOf(text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("ROOST_SANDBOX_PLACEMENT must be auto, nodes or local, not " + text);
            }
        }
    }

    private final Optional<Runtime> local;
    private final NodeRuntime nodes;
    private final Mode mode;

    public SandboxPlacement(Optional<Runtime> local, NodeRuntime nodes, Mode mode) {
        this.local = requireNonNull(local, "local is null");
        this.nodes = requireNonNull(nodes, "nodes is null");
        this.mode = requireNonNull(mode, "mode is null");
    }

    /** Where new jails go now. */
    private Runtime placing() {
        return switch (mode) {
            case NODES -> nodes;
            case LOCAL -> local.orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE,
                    "ROOST_SANDBOX_PLACEMENT=local, but this server cannot run jails itself; install bubblewrap or place on nodes"));
            case AUTO -> local.isPresent() ? local.get() : nodes;
        };
    }

    private Runtime holder(String containerId) {
        if (containerId.startsWith(NodeRuntime.ID_PREFIX) || local.isEmpty()) {
            return nodes;
        }
        return local.get();
    }

    @Override
    public String name() {
        return local.map(l -> l.name() + " + ").orElse("") + "nodes (placement " + mode.name().toLowerCase(Locale.ROOT) + ")";
    }

    @Override
    public List<ObservedContainer> observe() {
        List<ObservedContainer> all = new ArrayList<>(nodes.observe());
        local.ifPresent(l -> all.addAll(l.observe()));
        return all;
    }

    @Override
    public List<ObservedContainer> observe(UUID instanceId) {
        List<ObservedContainer> all = new ArrayList<>(nodes.observe(instanceId));
        local.ifPresent(l -> all.addAll(l.observe(instanceId)));
        return all;
    }

    @Override
    public Optional<String> apply(RuntimeAction action, SecretSource secrets) {
        return switch (action) {
            case RuntimeAction.EnsureImage ensure -> placing().apply(ensure, secrets);
            case RuntimeAction.CreateContainer create -> placing().apply(create, secrets);
            case RuntimeAction.StartContainer start -> holder(start.containerId()).apply(start, secrets);
            case RuntimeAction.StopContainer stop -> holder(stop.containerId()).apply(stop, secrets);
            case RuntimeAction.RemoveContainer remove -> holder(remove.containerId()).apply(remove, secrets);
            case RuntimeAction.RemoveVolumes remove -> {
                local.ifPresent(l -> l.apply(remove, secrets));
                yield nodes.apply(remove, secrets);
            }
        };
    }

    @Override
    public ProbeResult probe(String containerId, Health.Probe probe, int containerPort, Duration timeout) {
        return holder(containerId).probe(containerId, probe, containerPort, timeout);
    }

    @Override
    public LogStream logs(String containerId, LogRequest request) {
        return holder(containerId).logs(containerId, request);
    }

    @Override
    public Optional<InetSocketAddress> endpoint(String containerId, int port) {
        return holder(containerId).endpoint(containerId, port);
    }

    @Override
    public void close() {
        try {
            local.ifPresent(Runtime::close);
        } finally {
            nodes.close();
        }
    }
}
