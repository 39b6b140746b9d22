package dev.roost.runtime.fake;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Health;
import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.LogStream;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory runtime for fast reconciler tests and benchmarks. It keeps containers in a map
 * and behaves as the contract suite says a runtime must; tests steer it with the
 * {@code …BehindBack} methods (what an operator or the kernel might do to a container) and with
 * image and health settings.
 *
 * <p>Thread-safe: every method holds the instance's monitor. Secret values handed to a
 * container are kept (as a real container's environment would be) so tests can check what was
 * injected; {@link #injectedSecret} reads them.
 */
public final class FakeRuntime implements Runtime {
    private final Clock clock;
    private final Set<String> localImages = new HashSet<>();
    private final Set<String> pullableImages = new HashSet<>();
    private boolean anyImagePullable;
    private final Set<String> unhealthyImages = new HashSet<>();
    private final Map<String, Container> containers = new LinkedHashMap<>();
    private final Set<UUID> volumes = new HashSet<>();
    private final AtomicLong ids = new AtomicLong();
    private final Map<Class<?>, Integer> applied = new HashMap<>();
    private final Map<String, InetSocketAddress> endpoints = new HashMap<>();
    private volatile boolean available = true;
    private volatile String gatewayUrl;

    public FakeRuntime(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    public FakeRuntime() {
        this(Clock.systemUTC());
    }

    private static final class Container {
        final String id;
        final WorkloadSpec spec;
        final int replica;
        final Map<String, String> secretEnv;
        ObservedContainer.State state = ObservedContainer.State.CREATED;
        Optional<Integer> exitCode = Optional.empty();
        boolean oomKilled;
        int restarts;
        Optional<Instant> startedAt = Optional.empty();
        Optional<Instant> finishedAt = Optional.empty();
        final List<String> drift = new ArrayList<>();
        final List<LogLine> logs = new ArrayList<>();

        Container(String id, WorkloadSpec spec, int replica, Map<String, String> secretEnv) {
            this.id = id;
            this.spec = spec;
            this.replica = replica;
            this.secretEnv = secretEnv;
        }

        ObservedContainer observed() {
            return new ObservedContainer(id, spec.instanceId(), spec.workspace(), spec.instance(), spec.version(), replica,
                    spec.specHash(), spec.image(), state, exitCode, oomKilled, restarts, startedAt, finishedAt, drift);
        }
    }

    // ---- test controls ------------------------------------------------------------------

    /** Makes {@code image} present locally. */
    public synchronized FakeRuntime withImage(String image) {
        localImages.add(image);
        return this;
    }

    /** Makes {@code image} available from a (pretend) registry: pulled on demand. */
    public synchronized FakeRuntime withPullableImage(String image) {
        pullableImages.add(image);
        return this;
    }

    /**
     * Every image can be pulled (as from a registry that has them all), for trying Roost out with
     * {@code ROOST_RUNTIME=fake}; tests that need a missing image leave this off.
     */
    public synchronized FakeRuntime withAnyImagePullable() {
        anyImagePullable = true;
        return this;
    }

    /** Containers of {@code image} fail their health probes. */
    public synchronized FakeRuntime withUnhealthyImage(String image) {
        unhealthyImages.add(image);
        return this;
    }

    /** While unavailable, every call fails with {@link RuntimeFailure.Kind#UNAVAILABLE}, as a stopped daemon would. */
    public void setAvailable(boolean available) {
        this.available = available;
    }

    /** The process ended by itself (crash) or by the kernel's OOM killer. */
    public synchronized void crashBehindBack(String containerId, int exitCode, boolean oomKilled) {
        Container c = existing(containerId);
        c.state = ObservedContainer.State.EXITED;
        c.exitCode = Optional.of(exitCode);
        c.oomKilled = oomKilled;
        c.finishedAt = Optional.of(clock.instant());
        notifyAll(); // wakes log followers: the output has ended
    }

    /** Someone stopped the container outside Roost. */
    public synchronized void stopBehindBack(String containerId) {
        crashBehindBack(containerId, 137, false);
    }

    /** Someone removed the container outside Roost. */
    public synchronized void removeBehindBack(String containerId) {
        existing(containerId);
        containers.remove(containerId);
        notifyAll();
    }

    /** Someone changed the container's settings outside Roost; {@code what} says how, as the runtime would report it. */
    public synchronized void changeBehindBack(String containerId, String what) {
        existing(containerId).drift.add(what);
    }

    /** The container writes a line. */
    public synchronized void emit(String containerId, LogLine.Stream stream, String text) {
        existing(containerId).logs.add(new LogLine(clock.instant(), stream, text));
        notifyAll();
    }

    /**
     * Where {@link #endpoint} says port {@code port} of a container is reachable, e.g. a local test
     * HTTP server standing in for the container. Answered only while the container runs.
     */
    public synchronized FakeRuntime withEndpoint(String containerId, int port, InetSocketAddress address) {
        existing(containerId);
        endpoints.put(containerId + ":" + port, requireNonNull(address, "address is null"));
        return this;
    }

    /** The value the container received for environment variable {@code name}, if any secret went there. */
    /**
     * Makes workloads with gateway egress (GATEWAY_ONLY, RESTRICTED) reach the model gateway at
     * {@code url}, as Docker's do; without it the fake offers no path to the gateway.
     */
    public FakeRuntime withGatewayUrl(String url) {
        this.gatewayUrl = url;
        return this;
    }

    @Override
    public Optional<String> gatewayUrl(WorkloadSpec spec) {
        String url = gatewayUrl;
        return url == null || spec.network().egress() == dev.roost.core.manifest.Network.Egress.NONE
                ? Optional.empty() : Optional.of(url);
    }

    /** The plain environment a container was created with (secret values not included). */
    public synchronized Map<String, String> environment(String containerId) {
        Container c = containers.get(containerId);
        return c == null ? Map.of() : c.spec.env();
    }

    public synchronized Optional<String> injectedSecret(String containerId, String name) {
        return Optional.ofNullable(existing(containerId).secretEnv.get(name));
    }

    /** How many actions of each type were applied, for tests that check idempotency and no-op passes. */
    public synchronized int appliedCount(Class<? extends RuntimeAction> type) {
        return applied.getOrDefault(type, 0);
    }

    public synchronized boolean hasVolumes(UUID instanceId) {
        return volumes.contains(instanceId);
    }

    // ---- Runtime ------------------------------------------------------------------------

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public synchronized List<ObservedContainer> observe() {
        checkAvailable();
        return containers.values().stream().map(Container::observed)
                .sorted(Comparator.comparing(ObservedContainer::containerId)).toList();
    }

    @Override
    public synchronized List<ObservedContainer> observe(UUID instanceId) {
        checkAvailable();
        return containers.values().stream().filter(c -> c.spec.instanceId().equals(instanceId)).map(Container::observed)
                .sorted(Comparator.comparing(ObservedContainer::containerId)).toList();
    }

    @Override
    public synchronized Optional<String> apply(RuntimeAction action, SecretSource secrets) {
        checkAvailable();
        applied.merge(action.getClass(), 1, Integer::sum);
        return switch (action) {
            case RuntimeAction.EnsureImage ensure -> {
                ensureImage(ensure);
                yield Optional.empty();
            }
            case RuntimeAction.CreateContainer create -> Optional.of(create(create, secrets));
            case RuntimeAction.StartContainer start -> {
                Container c = existingOr404(start.containerId());
                if (c.state != ObservedContainer.State.RUNNING) {
                    if (c.state == ObservedContainer.State.EXITED) {
                        c.restarts++;
                    }
                    run(c);
                }
                yield Optional.of(c.id);
            }
            case RuntimeAction.StopContainer stop -> {
                Container c = existingOr404(stop.containerId());
                if (c.state == ObservedContainer.State.RUNNING) {
                    c.state = ObservedContainer.State.EXITED;
                    c.exitCode = Optional.of(0);
                    c.finishedAt = Optional.of(clock.instant());
                    notifyAll();
                }
                yield Optional.of(c.id);
            }
            case RuntimeAction.RemoveContainer remove -> {
                containers.remove(remove.containerId());
                notifyAll();
                yield Optional.of(remove.containerId());
            }
            case RuntimeAction.RemoveVolumes remove -> {
                volumes.remove(remove.instanceId());
                yield Optional.empty();
            }
        };
    }

    private void ensureImage(RuntimeAction.EnsureImage ensure) {
        boolean local = localImages.contains(ensure.image());
        switch (ensure.pullPolicy()) {
            case NEVER -> {
                if (!local) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND,
                            "image " + ensure.image() + " is not present and the pull policy is Never");
                }
            }
            case IF_NOT_PRESENT, ALWAYS -> {
                if (anyImagePullable || pullableImages.contains(ensure.image())) {
                    localImages.add(ensure.image());
                } else if (!local || ensure.pullPolicy() == dev.roost.core.manifest.RuntimeSpec.PullPolicy.ALWAYS) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND,
                            "image " + ensure.image() + " could not be pulled: no registry has it");
                }
            }
        }
    }

    private String create(RuntimeAction.CreateContainer create, SecretSource secrets) {
        WorkloadSpec spec = create.spec();
        String name = spec.instanceId() + "-v" + spec.version() + "-r" + create.replica();
        for (Container c : containers.values()) {
            if ((c.spec.instanceId() + "-v" + c.spec.version() + "-r" + c.replica).equals(name)) {
                if (c.spec.specHash().equals(spec.specHash())) {
                    if (c.state != ObservedContainer.State.RUNNING) {
                        run(c);
                    }
                    return c.id;
                }
                throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
                        "a container for replica " + create.replica() + " of version " + spec.version() + " exists with another spec");
            }
        }
        if (!localImages.contains(spec.image())) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + spec.image() + " is not present");
        }
        Map<String, String> injected = new HashMap<>();
        Map<String, SecretValue> values = secrets.resolve(spec.secretNames());
        try {
            spec.secretEnv().forEach((env, secret) -> {
                SecretValue value = values.get(secret);
                if (value == null) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret " + secret + " was not resolved");
                }
                if (!value.isText()) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC,
                            "secret " + secret + " is binary and cannot go into environment variable " + env);
                }
                injected.put(env, new String(value.chars()));
            });
        } finally {
            values.values().forEach(SecretValue::close);
        }
        Container c = new Container("fake" + String.format("%012d", ids.incrementAndGet()), spec, create.replica(), injected);
        containers.put(c.id, c);
        volumes.addAll(spec.volumes().isEmpty() ? Set.of() : Set.of(spec.instanceId()));
        run(c);
        return c.id;
    }

    private void run(Container c) {
        c.state = ObservedContainer.State.RUNNING;
        c.exitCode = Optional.empty();
        c.oomKilled = false;
        c.startedAt = Optional.of(clock.instant());
        c.finishedAt = Optional.empty();
    }

    @Override
    public synchronized ProbeResult probe(String containerId, Health.Probe probe, int containerPort, Duration timeout) {
        checkAvailable();
        Container c = containers.get(containerId);
        if (c == null) {
            return ProbeResult.unhealthy("container is gone");
        }
        if (c.state != ObservedContainer.State.RUNNING) {
            return ProbeResult.unhealthy("container is not running");
        }
        if (unhealthyImages.contains(c.spec.image())) {
            return ProbeResult.unhealthy(probe instanceof Health.Http ? "HTTP 503" : "exit 1");
        }
        return ProbeResult.healthy(probe instanceof Health.Http ? "HTTP 200" : "exit 0");
    }

    @Override
    public synchronized LogStream logs(String containerId, LogRequest request) {
        checkAvailable();
        Container c = existingOr404(containerId);
        int from = Math.max(0, c.logs.size() - request.tail());
        return new FakeLogStream(c, from, request.follow());
    }

    private final class FakeLogStream implements LogStream {
        private final Container container;
        private final boolean follow;
        private int position;
        private boolean closed;

        FakeLogStream(Container container, int position, boolean follow) {
            this.container = container;
            this.position = position;
            this.follow = follow;
        }

        @Override
        public Optional<LogLine> next(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (FakeRuntime.this) {
                while (!closed) {
                    if (position < container.logs.size()) {
                        return Optional.of(container.logs.get(position++));
                    }
                    long left = deadline - System.nanoTime();
                    // Like `docker logs -f`, a follow ends when the container is gone or no longer running.
                    if (!follow || left <= 0 || !containers.containsKey(container.id)
                            || container.state != ObservedContainer.State.RUNNING) {
                        return Optional.empty();
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(FakeRuntime.this, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Optional.empty();
                    }
                }
                return Optional.empty();
            }
        }

        @Override
        public boolean isFinished() {
            synchronized (FakeRuntime.this) {
                boolean drained = position >= container.logs.size();
                return closed || (drained && (!follow || !containers.containsKey(container.id)
                        || container.state != ObservedContainer.State.RUNNING));
            }
        }

        @Override
        public void close() {
            synchronized (FakeRuntime.this) {
                closed = true;
                FakeRuntime.this.notifyAll();
            }
        }
    }

    @Override
    public synchronized Optional<InetSocketAddress> endpoint(String containerId, int port) {
        checkAvailable();
        Container c = containers.get(containerId);
        if (c == null || c.state != ObservedContainer.State.RUNNING) {
            return Optional.empty();
        }
        return Optional.ofNullable(endpoints.get(containerId + ":" + port));
    }

    @Override
    public void close() {
    }

    private void checkAvailable() {
        if (!available) {
            throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "the fake runtime is switched off");
        }
    }

    private Container existing(String containerId) {
        Container c = containers.get(containerId);
        if (c == null) {
            throw new IllegalArgumentException("no container " + containerId);
        }
        return c;
    }

    private Container existingOr404(String containerId) {
        Container c = containers.get(containerId);
        if (c == null) {
            throw new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "container " + containerId + " does not exist");
        }
        return c;
    }
}
