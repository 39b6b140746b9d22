package dev.roost.server.jails;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Health;
import dev.roost.core.node.NodeScheduling;
import dev.roost.core.node.NodeState;
import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.LogStream;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import dev.roost.server.http.Json;
import dev.roost.server.jails.JailDocuments.CallAnswer;
import dev.roost.server.jails.JailDocuments.Failure;
import dev.roost.server.jails.JailDocuments.JailSpec;
import dev.roost.server.jails.JailDocuments.Observed;
import dev.roost.store.Database;
import dev.roost.store.Session;
import dev.roost.store.nodes.NodeJailRepository.Host;
import dev.roost.store.nodes.NodeJailRepository.Jail;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sandboxed instances on joined nodes. The server side of the jail protocol: each action
 * is written to PostgreSQL as what a node should run (a row per jail, with a generation the node
 * has not applied yet), the node pulls it ({@link JailRoutes}), acts with its own sandbox runtime
 * and reports back, and the action returns once the node confirmed it (or refused it, with the
 * node's failure kind). Observations, logs and probe answers come from the nodes' reports, so
 * nothing here talks to a node directly and any server sharing the database can serve the node.
 *
 * <p><b>Placement.</b> A new jail goes to a READY, schedulable node that reported usable jails
 * and the image, with the fewest jails. A jail on a LOST, DRAINING or removed node is not
 * observed: the reconciler then makes its replica again, on another node, and the old row is
 * retired, so the old node stops and removes the jail when it comes back.
 *
 * <p><b>Secrets</b> are resolved when the action is applied and held in this server's memory
 * only until the node took them (or the action ended); a node that asks this server for them
 * later (a restart, another replica) gets them from {@code secretsFallback}. They travel only in
 * answers to the node's authenticated sync, and are never stored or logged.
 *
 * <p>Thread-safe.
 */
public final class NodeRuntime implements Runtime {
    private static final Logger log = LoggerFactory.getLogger(NodeRuntime.class);
    /** Every container id of this runtime starts with it. */
    public static final String ID_PREFIX = "nsx-";
    static final String RUNNING = "RUNNING";
    static final String STOPPED = "STOPPED";
    static final String REMOVED = "REMOVED";
    static final String MISSING = "MISSING";

    /** How long an action waits for its node; how often waits look again; output lines kept per jail. */
    public record Settings(Duration confirmWait, Duration pollInterval, int logLinesKept) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(60), Duration.ofMillis(50), 2000);
        }
    }

    /** Secret values waiting for a node to take them, for one generation of one jail. */
    private record HeldSecrets(long generation, Map<String, byte[]> values) {
        void wipe() {
            values.values().forEach(b -> Arrays.fill(b, (byte) 0));
        }
    }

    private final Database database;
    private final Clock clock;
    private final Settings settings;
    private final Function<String, SecretSource> secretsFallback;
    private final Map<String, HeldSecrets> held = new ConcurrentHashMap<>();
    private final Object changes = new Object();
    private long changeCount; // guarded by changes

    /**
     * @param secretsFallback the secret source of a workspace (by name), for a node that asks for
     *                        a jail's secrets when this server holds none
     */
    public NodeRuntime(Database database, Clock clock, Settings settings, Function<String, SecretSource> secretsFallback) {
        this.database = requireNonNull(database, "database is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.secretsFallback = requireNonNull(secretsFallback, "secretsFallback is null");
    }

    @Override
    public String name() {
        return "nodes";
    }

    Settings settings() {
        return settings;
    }

    Database database() {
        return database;
    }

    Clock clock() {
        return clock;
    }

    // ---- change signal (wakes nodes' long-polls and waiting actions) ----------------------------

    long changeCount() {
        synchronized (changes) {
            return changeCount;
        }
    }

    void changed() {
        synchronized (changes) {
            changeCount++;
            changes.notifyAll();
        }
    }

    /** Waits until something changed after {@code seen}, at most {@code timeout}. */
    void awaitChange(long seen, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changes) {
            while (changeCount == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(changes, left);
            }
        }
    }

    // ---- observe ---------------------------------------------------------------------------------

    @Override
    public List<ObservedContainer> observe() {
        return read(s -> s.nodeJails().all()).stream().filter(NodeRuntime::visible).map(NodeRuntime::observed).toList();
    }

    @Override
    public List<ObservedContainer> observe(UUID instanceId) {
        return read(s -> s.nodeJails().ofInstance(instanceId)).stream().filter(NodeRuntime::visible).map(NodeRuntime::observed).toList();
    }

    /** The names of the nodes an instance's jails run on (sorted, no repeats; empty when none). */
    public static List<String> nodeNames(Session session, UUID instanceId) {
        return session.nodeJails().ofInstance(instanceId).stream().filter(NodeRuntime::visible).map(Jail::nodeName).distinct().sorted()
                .toList();
    }

    /** The node each visible jail of an instance runs on, by container id (for views). */
    public Map<String, String> nodesOf(UUID instanceId) {
        Map<String, String> nodes = new HashMap<>();
        read(s -> s.nodeJails().ofInstance(instanceId)).stream().filter(NodeRuntime::visible)
                .forEach(j -> nodes.put(j.containerId(), j.nodeName()));
        return nodes;
    }

    /**
     * Whether the reconciler sees a jail: not removed, not found missing by its node, and on a
     * node that is neither LOST, draining nor removed (those jails are made again elsewhere).
     */
    public static boolean visible(Jail j) {
        return !REMOVED.equals(j.desired()) && !MISSING.equals(j.observedState()) && placeable(j);
    }

    /** Whether the jail's node still counts as holding it. */
    private static boolean placeable(Jail j) {
        return !j.nodeRemoved() && j.nodeState() != NodeState.LOST && j.nodeScheduling() != NodeScheduling.DRAINING;
    }

    static ObservedContainer observed(Jail j) {
        JailSpec spec = Json.decode(j.specJson().getBytes(StandardCharsets.UTF_8), JailSpec.class);
        Observed o = j.observedJson() == null ? null : Json.decode(j.observedJson().getBytes(StandardCharsets.UTF_8), Observed.class);
        if (o == null) {
            return new ObservedContainer(j.containerId(), j.instanceId(), spec.workspace(), spec.instance(), spec.version(), j.replica(),
                    j.specHash(), spec.image(), ObservedContainer.State.CREATED, Optional.empty(), false, 0, Optional.empty(),
                    Optional.empty(), List.of());
        }
        return new ObservedContainer(j.containerId(), j.instanceId(), spec.workspace(), spec.instance(), spec.version(), j.replica(),
                j.specHash(), spec.image(), ObservedContainer.State.valueOf(o.state()), Optional.ofNullable(o.exitCode()), o.oomKilled(),
                o.restartCount(), Optional.ofNullable(o.startedAt()), Optional.ofNullable(o.finishedAt()),
                o.drift() == null ? List.of() : o.drift());
    }

    // ---- actions ---------------------------------------------------------------------------------

    @Override
    public Optional<String> apply(RuntimeAction action, SecretSource secrets) {
        requireNonNull(action, "action is null");
        requireNonNull(secrets, "secrets is null");
        return switch (action) {
            case RuntimeAction.EnsureImage ensure -> {
                ensureImage(ensure.image());
                yield Optional.empty();
            }
            case RuntimeAction.CreateContainer create -> Optional.of(create(create.spec(), create.replica(), secrets));
            case RuntimeAction.StartContainer start -> {
                change(start.containerId(), RUNNING);
                yield Optional.of(start.containerId());
            }
            case RuntimeAction.StopContainer stop -> {
                change(stop.containerId(), STOPPED);
                yield Optional.of(stop.containerId());
            }
            case RuntimeAction.RemoveContainer remove -> {
                remove(remove.containerId());
                yield Optional.of(remove.containerId());
            }
            case RuntimeAction.RemoveVolumes remove -> {
                removeVolumes(remove.instanceId());
                yield Optional.empty();
            }
        };
    }

    private void ensureImage(String image) {
        if (read(s -> s.nodeJails().hosts(Optional.of(image))).isEmpty()) {
            throw noHost(image);
        }
    }

    private RuntimeFailure noHost(String image) {
        boolean any = !read(s -> s.nodeJails().hosts(Optional.empty())).isEmpty();
        return any
                ? new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + image + " is on no READY node that runs sandboxed"
                        + " instances; put it in the sandbox image directory (ROOST_SANDBOX_IMAGES) of a node")
                : new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "no READY, schedulable node runs sandboxed instances: join one"
                        + " (roost node join) on a machine with bubblewrap, or uncordon one");
    }

    /** The container id of a jail of {@code spec} on {@code node}: stable, so a repeated create finds it. */
    static String containerId(UUID node, WorkloadSpec spec, int replica) {
        return ID_PREFIX + node.toString().substring(0, 8) + "-" + spec.instanceId() + "-v" + spec.version() + "-r" + replica;
    }

    /** The id the node's own sandbox runtime gives the same jail. */
    public static String localId(String containerId) {
        int afterNode = containerId.indexOf('-', ID_PREFIX.length());
        return "sbx-" + containerId.substring(afterNode + 1);
    }

    private String create(WorkloadSpec spec, int replica, SecretSource secrets) {
        Optional<Jail> existing = read(s -> s.nodeJails().ofInstance(spec.instanceId())).stream()
                .filter(j -> j.replica() == replica && j.specHash().equals(spec.specHash()) && !REMOVED.equals(j.desired())
                        && placeable(j))
                .findFirst();
        if (existing.isPresent() && RUNNING.equals(existing.get().observedState()) && RUNNING.equals(existing.get().desired())) {
            return existing.get().containerId();
        }
        Map<String, byte[]> values = resolve(spec, secrets);
        String id;
        long generation;
        boolean fresh;
        try {
            if (existing.isPresent()) {
                id = existing.get().containerId();
                fresh = false;
                generation = transaction(s -> s.nodeJails().desire(id, RUNNING));
            } else {
                List<Host> hosts = read(s -> s.nodeJails().hosts(Optional.of(spec.image())));
                if (hosts.isEmpty()) {
                    throw noHost(spec.image());
                }
                Host host = hosts.getFirst();
                id = containerId(host.nodeId(), spec, replica);
                String specJson = Json.encodeToString(JailSpec.of(spec));
                Instant now = clock.instant();
                boolean[] reused = {false};
                generation = transaction(s -> {
                    var jails = s.nodeJails();
                    long g;
                    if (jails.find(id).isPresent()) {
                        // A removal of the same jail is still being confirmed: make it again.
                        g = jails.desire(id, RUNNING);
                        jails.forgetObserved(id);
                        reused[0] = true;
                    } else {
                        jails.insert(id, host.nodeId(), spec.instanceId(), replica, spec.specHash(), specJson, now);
                        g = 1;
                    }
                    if (!spec.volumes().isEmpty()) {
                        jails.addVolumeHolder(spec.instanceId(), host.nodeId());
                    }
                    int retired = jails.retireReplaced(spec.instanceId(), replica, id);
                    if (retired > 0) {
                        log.info("Replica {} of instance {} moves to node {}; the jail on its old node is retired", replica,
                                spec.instanceId(), host.nodeName());
                    }
                    return g;
                });
                fresh = !reused[0];
                log.info("Jail {} placed on node {}", id, host.nodeName());
            }
        } catch (RuntimeException e) {
            values.values().forEach(b -> Arrays.fill(b, (byte) 0));
            throw e;
        }
        if (!values.isEmpty()) {
            HeldSecrets before = held.put(id, new HeldSecrets(generation, values));
            if (before != null) {
                before.wipe();
            }
        }
        try {
            changed();
            awaitApplied(id, generation, false);
        } catch (RuntimeFailure e) {
            if (fresh && e.kind() != RuntimeFailure.Kind.UNAVAILABLE) {
                transaction(s -> {
                    s.nodeJails().delete(id);
                    return null;
                });
            }
            throw e;
        } finally {
            HeldSecrets h = held.get(id);
            if (h != null && h.generation() == generation && held.remove(id, h)) {
                h.wipe();
            }
        }
        return id;
    }

    /** The values the workload needs, copied; the source's values are closed here. */
    private static Map<String, byte[]> resolve(WorkloadSpec spec, SecretSource secrets) {
        List<String> names = spec.secretNames();
        if (names.isEmpty()) {
            return Map.of();
        }
        Map<String, SecretValue> values = secrets.resolve(names);
        Map<String, byte[]> copies = new HashMap<>();
        try {
            for (String name : names) {
                SecretValue v = values.get(name);
                if (v == null) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret " + name + " was not resolved");
                }
                copies.put(name, v.bytes().clone());
            }
        } catch (RuntimeException e) {
            copies.values().forEach(b -> Arrays.fill(b, (byte) 0));
            throw e;
        } finally {
            values.values().forEach(SecretValue::close);
        }
        return copies;
    }

    /**
     * The secret values (base64 by name) to hand a node for a jail it has a change to apply:
     * those held for this generation, else from the workspace's secret source. Empty when the
     * workload needs none; the node reports a failure when they cannot be found.
     */
    Map<String, String> secretsFor(Jail jail, JailSpec spec) {
        WorkloadSpec workload = spec.toWorkload();
        if (workload.secretNames().isEmpty()) {
            return Map.of();
        }
        Map<String, String> encoded = new HashMap<>();
        HeldSecrets h = held.get(jail.containerId());
        if (h != null && h.generation() == jail.generation()) {
            h.values().forEach((name, value) -> encoded.put(name, Base64.getEncoder().encodeToString(value)));
            return encoded;
        }
        try {
            Map<String, SecretValue> values = secretsFallback.apply(spec.workspace()).resolve(workload.secretNames());
            try {
                values.forEach((name, value) -> encoded.put(name, Base64.getEncoder().encodeToString(value.bytes())));
            } finally {
                values.values().forEach(SecretValue::close);
            }
        } catch (RuntimeException e) {
            log.warn("The secrets of jail {} could not be resolved for its node: {}", jail.containerId(), e.getMessage());
            return Map.of();
        }
        return encoded;
    }

    private void change(String containerId, String desired) {
        Jail j = findVisible(containerId);
        long generation = transaction(s -> s.nodeJails().desire(j.containerId(), desired));
        changed();
        awaitApplied(containerId, generation, false);
    }

    private Jail findVisible(String containerId) {
        return read(s -> s.nodeJails().find(containerId)).filter(NodeRuntime::visible)
                .orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "container " + containerId + " does not exist"));
    }

    private void remove(String containerId) {
        Optional<Jail> j = read(s -> s.nodeJails().find(containerId));
        if (j.isEmpty()) {
            return;
        }
        HeldSecrets h = held.remove(containerId);
        if (h != null) {
            h.wipe();
        }
        if (MISSING.equals(j.get().observedState()) || j.get().nodeRemoved()) {
            transaction(s -> {
                s.nodeJails().delete(containerId);
                return null;
            });
            return;
        }
        long generation = transaction(s -> s.nodeJails().desire(containerId, REMOVED));
        changed();
        if (j.get().nodeState() == NodeState.READY) {
            try {
                awaitApplied(containerId, generation, true);
            } catch (RuntimeFailure e) {
                // Retired either way: the node removes the jail when it next syncs.
                log.info("Node {} has not confirmed the removal of jail {} yet: {}", j.get().nodeName(), containerId, e.getMessage());
            }
        }
    }

    private void removeVolumes(UUID instanceId) {
        List<UUID> holders = read(s -> s.nodeJails().volumeHolders(instanceId));
        for (UUID node : holders) {
            UUID call = UUID.randomUUID();
            String body = Json.encodeToString(new JailDocuments.CallSpec(call, "REMOVE_VOLUMES", null, null, null, instanceId));
            boolean ready = transaction(s -> {
                s.nodeJails().insertCall(call, node, "REMOVE_VOLUMES", body, clock.instant(), null);
                return s.nodes().find(node).map(n -> n.state() == NodeState.READY).orElse(false);
            });
            changed();
            if (ready && awaitAnswer(call, settings.confirmWait()).isPresent()) {
                transaction(s -> {
                    s.nodeJails().deleteCall(call);
                    s.nodeJails().removeVolumeHolder(instanceId, node);
                    return null;
                });
            }
            // Otherwise the call waits for the node; its answer removes the holder (JailRoutes).
        }
    }

    /** Waits until the node applied {@code generation} of the jail (or, for a removal, deleted it); throws its refusal. */
    private void awaitApplied(String containerId, long generation, boolean removal) {
        long deadline = System.nanoTime() + settings.confirmWait().toNanos();
        while (true) {
            long seen = changeCount();
            Optional<Jail> row = read(s -> s.nodeJails().find(containerId));
            if (row.isEmpty()) {
                if (removal) {
                    return;
                }
                throw new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "container " + containerId + " was removed meanwhile");
            }
            Jail j = row.get();
            if (j.failureJson() != null) {
                Failure f = Json.decode(j.failureJson().getBytes(StandardCharsets.UTF_8), Failure.class);
                if (f.generation() >= generation) {
                    throw new RuntimeFailure(kind(f.kind()), "node " + j.nodeName() + ": " + f.message());
                }
            }
            if (!removal && j.appliedGeneration() >= generation) {
                return;
            }
            if (j.nodeRemoved() || j.nodeState() == NodeState.LOST) {
                throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "node " + j.nodeName() + " is "
                        + (j.nodeRemoved() ? "removed" : "LOST") + "; the jail is placed elsewhere on the next pass");
            }
            if (System.nanoTime() > deadline) {
                throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "node " + j.nodeName() + " did not confirm the change of "
                        + containerId + " within " + settings.confirmWait().toSeconds() + " s; it applies it when it syncs again");
            }
            try {
                awaitChange(seen, settings.pollInterval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "interrupted while waiting for node " + j.nodeName());
            }
        }
    }

    private static RuntimeFailure.Kind kind(String name) {
        try {
            return RuntimeFailure.Kind.valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            return RuntimeFailure.Kind.FAILED;
        }
    }

    private Optional<String> awaitAnswer(UUID call, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            long seen = changeCount();
            Optional<String> answer = read(s -> s.nodeJails().findCall(call)).map(c -> c.answerJson());
            if (answer.isPresent()) {
                return answer;
            }
            try {
                awaitChange(seen, settings.pollInterval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    // ---- probes, logs, endpoints -----------------------------------------------------------------

    @Override
    public ProbeResult probe(String containerId, Health.Probe probe, int containerPort, Duration timeout) {
        Optional<Jail> row = read(s -> s.nodeJails().find(containerId)).filter(NodeRuntime::visible);
        if (row.isEmpty()) {
            return ProbeResult.unhealthy("container not found");
        }
        Jail j = row.get();
        if (!RUNNING.equals(j.observedState())) {
            return ProbeResult.unhealthy("not running");
        }
        UUID call = UUID.randomUUID();
        String body = Json.encodeToString(new JailDocuments.CallSpec(call, "PROBE", localId(containerId),
                JailDocuments.ProbeSpec.of(probe, containerPort), timeout.toMillis(), j.instanceId()));
        Instant now = clock.instant();
        transaction(s -> {
            s.nodeJails().insertCall(call, j.nodeId(), "PROBE", body, now, now.plus(timeout).plusSeconds(10));
            return null;
        });
        changed();
        try {
            Optional<String> answer = awaitAnswer(call, timeout.plusSeconds(3));
            if (answer.isEmpty()) {
                return ProbeResult.unhealthy("node " + j.nodeName() + " did not answer the probe within " + timeout.plusSeconds(3).toSeconds()
                        + " s");
            }
            CallAnswer a = Json.decode(answer.get().getBytes(StandardCharsets.UTF_8), CallAnswer.class);
            String detail = a.detail() == null ? "" : a.detail();
            return Boolean.TRUE.equals(a.healthy()) ? ProbeResult.healthy(detail) : ProbeResult.unhealthy(detail);
        } finally {
            transaction(s -> {
                s.nodeJails().deleteCall(call);
                return null;
            });
        }
    }

    @Override
    public LogStream logs(String containerId, LogRequest request) {
        Jail j = read(s -> s.nodeJails().find(containerId)).filter(r -> !REMOVED.equals(r.desired()))
                .orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.NOT_FOUND, "container " + containerId + " does not exist"));
        return new NodeLogStream(this, j.containerId(), request);
    }

    /** Whether the jail still runs, as its node last said (false when gone). */
    boolean stillRunning(String containerId) {
        return read(s -> s.nodeJails().find(containerId)).filter(NodeRuntime::visible)
                .map(j -> RUNNING.equals(j.observedState())).orElse(false);
    }

    /** Node jails are not reachable from the server: webhooks and server-side HTTP probes do not apply. */
    @Override
    public Optional<InetSocketAddress> endpoint(String containerId, int port) {
        return Optional.empty();
    }

    @Override
    public void close() {
        held.values().forEach(HeldSecrets::wipe);
        held.clear();
    }

    // ---- database ----------------------------------------------------------------------------------

    <T> T read(Function<Session, T> work) {
        try {
            return database.read(work::apply);
        } catch (RuntimeFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "the database holding node jails cannot be reached: "
                    + e.getClass().getSimpleName());
        }
    }

    <T> T transaction(Function<Session, T> work) {
        try {
            return database.transaction(work::apply);
        } catch (RuntimeFailure e) {
            throw e;
        } catch (RuntimeException e) {
            if (e.getClass().getName().contains("jdbi") || e.getClass().getName().contains("Database")
                    || e instanceof dev.roost.store.DatabaseUnavailableException) {
                throw new RuntimeFailure(RuntimeFailure.Kind.UNAVAILABLE, "the database holding node jails cannot be reached: "
                        + e.getClass().getSimpleName());
            }
            throw e;
        }
    }

    /** Lines of a jail as {@link LogLine}s. */
    static LogLine line(dev.roost.store.nodes.NodeJailRepository.LogRow row) {
        return new LogLine(row.at(), "STDERR".equals(row.stream()) ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, row.line());
    }

    /** Ids of the jails of a node that are waiting for it (for tests and views). */
    List<String> idsOn(UUID node) {
        List<String> ids = new ArrayList<>();
        read(s -> s.nodeJails().ofNode(node)).forEach(j -> ids.add(j.containerId()));
        return ids;
    }
}
