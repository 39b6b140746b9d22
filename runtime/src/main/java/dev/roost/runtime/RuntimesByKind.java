package dev.roost.runtime;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.manifest.Health;
import dev.roost.core.manifest.RuntimeSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Several runtimes as one, so the reconciler needs no change: each workload goes to the runtime
 * of its manifest's {@code spec.runtime.kind} (absent: the default kind), and actions on an
 * existing container go to the runtime that holds it. {@link #observe()} is every runtime's
 * containers together; a runtime that does not answer makes the whole observation fail
 * (UNAVAILABLE), as a single runtime would, so nothing is mistaken for gone.
 *
 * <p>Which runtime holds a container is remembered from observations and creations; an id not
 * seen yet is looked up by observing every runtime once. Thread-safe.
 */
public final class RuntimesByKind implements Runtime {
    private final Map<RuntimeSpec.Kind, Runtime> runtimes;
    private final RuntimeSpec.Kind defaultKind;
    private final Map<String, RuntimeSpec.Kind> holders = new ConcurrentHashMap<>();

    /** {@code runtimes} must hold {@code defaultKind}. The composite closes them all. */
    public RuntimesByKind(Map<RuntimeSpec.Kind, Runtime> runtimes, RuntimeSpec.Kind defaultKind) {
        requireNonNull(runtimes, "runtimes is null");
        this.defaultKind = requireNonNull(defaultKind, "defaultKind is null");
        if (!runtimes.containsKey(defaultKind)) {
            throw new IllegalArgumentException("no runtime for the default kind " + defaultKind.wire());
        }
        this.runtimes = new EnumMap<>(runtimes);
    }

    public RuntimeSpec.Kind defaultKind() {
        return defaultKind;
    }

    /** The runtime of {@code kind}, when this server has one. */
    public Optional<Runtime> runtime(RuntimeSpec.Kind kind) {
        return Optional.ofNullable(runtimes.get(kind));
    }

    @Override
    public String name() {
        return runtimes.entrySet().stream().map(e -> e.getValue().name() + (e.getKey() == defaultKind ? " (default)" : ""))
                .collect(Collectors.joining(" + "));
    }

    @Override
    public List<ObservedContainer> observe() {
        List<ObservedContainer> all = new ArrayList<>();
        for (var e : runtimes.entrySet()) {
            List<ObservedContainer> found = e.getValue().observe();
            found.forEach(c -> holders.put(c.containerId(), e.getKey()));
            all.addAll(found);
        }
        return all;
    }

    @Override
    public List<ObservedContainer> observe(UUID instanceId) {
        List<ObservedContainer> all = new ArrayList<>();
        for (var e : runtimes.entrySet()) {
            List<ObservedContainer> found = e.getValue().observe(instanceId);
            found.forEach(c -> holders.put(c.containerId(), e.getKey()));
            all.addAll(found);
        }
        return all;
    }

    @Override
    public Optional<String> apply(RuntimeAction action, SecretSource secrets) {
        return switch (action) {
            case RuntimeAction.EnsureImage ensure -> of(ensure.runtimeKind()).apply(action, secrets);
            case RuntimeAction.CreateContainer create -> {
                RuntimeSpec.Kind kind = create.spec().runtimeKind().orElse(defaultKind);
                Optional<String> id = of(create.spec().runtimeKind()).apply(action, secrets);
                id.ifPresent(c -> holders.put(c, kind));
                yield id;
            }
            case RuntimeAction.StartContainer start -> holderOf(start.containerId()).apply(action, secrets);
            case RuntimeAction.StopContainer stop -> holderOf(stop.containerId()).apply(action, secrets);
            case RuntimeAction.RemoveContainer remove -> {
                Optional<Runtime> holder = findHolder(remove.containerId());
                if (holder.isEmpty()) {
                    yield Optional.of(remove.containerId()); // gone everywhere: removing it again succeeds
                }
                Optional<String> id = holder.get().apply(action, secrets);
                holders.remove(remove.containerId());
                yield id;
            }
            case RuntimeAction.RemoveVolumes remove -> {
                // Volumes belong to whichever runtime ran the instance: remove them from each.
                for (Runtime r : runtimes.values()) {
                    r.apply(action, secrets);
                }
                yield Optional.empty();
            }
        };
    }

    @Override
    public ProbeResult probe(String containerId, Health.Probe probe, int containerPort, Duration timeout) {
        Optional<Runtime> holder = findHolder(containerId);
        return holder.isEmpty() ? ProbeResult.unhealthy("container not found") : holder.get().probe(containerId, probe, containerPort, timeout);
    }

    @Override
    public LogStream logs(String containerId, LogRequest request) {
        return holderOf(containerId).logs(containerId, request);
    }

    @Override
    public Optional<InetSocketAddress> endpoint(String containerId, int port) {
        return findHolder(containerId).flatMap(r -> r.endpoint(containerId, port));
    }

    @Override
    public Optional<String> gatewayUrl(dev.roost.core.deploy.WorkloadSpec spec) {
        Runtime r = runtimes.get(spec.runtimeKind().orElse(defaultKind));
        return r == null ? Optional.empty() : r.gatewayUrl(spec);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Runtime r : runtimes.values()) {
            try {
                r.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private Runtime of(Optional<RuntimeSpec.Kind> kind) {
        RuntimeSpec.Kind k = kind.orElse(defaultKind);
        Runtime r = runtimes.get(k);
        if (r == null) {
            throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "this server has no " + k.wire() + " runtime (it runs "
                    + runtimes.keySet().stream().map(RuntimeSpec.Kind::wire).collect(Collectors.joining(", "))
                    + "); change spec.runtime.kind or the server's ROOST_RUNTIME");
        }
        return r;
    }

    private Runtime holderOf(String containerId) {
        return findHolder(containerId).orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND,
                "container " + containerId + " does not exist"));
    }

    private Optional<Runtime> findHolder(String containerId) {
        RuntimeSpec.Kind kind = holders.get(containerId);
        if (kind == null) {
            for (var e : runtimes.entrySet()) {
                if (e.getValue().observe().stream().anyMatch(c -> c.containerId().equals(containerId))) {
                    holders.put(containerId, e.getKey());
                    kind = e.getKey();
                    break;
                }
            }
        }
        return Optional.ofNullable(kind).map(runtimes::get);
    }
}
