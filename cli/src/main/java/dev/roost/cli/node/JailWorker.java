package dev.roost.cli.node;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import dev.roost.cli.client.ApiJson;
import dev.roost.cli.client.ProblemException;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.LogStream;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.server.jails.JailDocuments.Assignment;
import dev.roost.server.jails.JailDocuments.CallAnswer;
import dev.roost.server.jails.JailDocuments.CallSpec;
import dev.roost.server.jails.JailDocuments.Failure;
import dev.roost.server.jails.JailDocuments.JailReport;
import dev.roost.server.jails.JailDocuments.LogBatch;
import dev.roost.server.jails.JailDocuments.LogLineDoc;
import dev.roost.server.jails.JailDocuments.Observed;
import dev.roost.server.jails.JailDocuments.SyncAnswer;
import dev.roost.server.jails.JailDocuments.SyncBody;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the sandboxed instances the server places on this node: syncs with the server about
 * once a second (a long-poll that carries this node's report: whether it can run jails, its
 * images, each jail's state and refusals, new output lines), then applies what the answer asks
 * with the node's own {@link SandboxRuntime}: make or start, stop, remove. A jail of this node
 * that the server no longer assigns (it was moved while the node was away) is stopped and
 * removed. Probes and volume removals the server asks for are answered on virtual threads.
 *
 * <p>Secret values arrive only in the sync answer, go straight into the jail (the sandbox runtime
 * keeps them on a tmpfs) and are wiped from memory; they are never logged.
 *
 * <p>Threads: one sync loop owns the assignment and the log followers; calls run on their own
 * virtual threads.
 */
public final class JailWorker implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(1);
    private static final int MAX_LINES_PER_JAIL = 1000;
    private static final int MAX_LINES = 4000;
    private static final int FIRST_TAIL = 1000;
    private static final int MAX_IMAGES = 1000;
    private static final Duration IMAGES_EVERY = Duration.ofSeconds(10);

    private final NodeLink link;
    private final SandboxRuntime runtime;
    private final PrintStream log;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<String, Long> applied = new HashMap<>();
    private final Map<String, Failure> failures = new HashMap<>();
    private final Map<String, Follower> followers = new HashMap<>();
    private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
    private List<Assignment> assignment = List.of();
    private List<String> images = List.of();
    private long imagesAt;
    private Thread loop;

    /**
     * An open log stream of one jail. Its first lines (a tail) may have been sent already, by this
     * node before it restarted or by an earlier stream of the jail: those up to {@code sentBefore}
     * are skipped.
     */
    private static final class Follower {
        final LogStream stream;
        final Optional<Instant> startedAt;
        final Instant sentBefore;

        Follower(LogStream stream, Optional<Instant> startedAt, Instant sentBefore) {
            this.stream = stream;
            this.startedAt = startedAt;
            this.sentBefore = sentBefore;
        }
    }

    /** The time of the last line sent per jail, so a stream opened again does not send lines twice. */
    private final Map<String, Instant> sentThrough = new HashMap<>();

    public JailWorker(NodeLink link, SandboxRuntime runtime, PrintStream log) {
        this.link = requireNonNull(link, "link is null");
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.log = requireNonNull(log, "log is null");
    }

    public SandboxRuntime runtime() {
        return runtime;
    }

    public void start() {
        loop = Thread.ofPlatform().name("roost-node-jails").daemon(true).start(this::run);
    }

    private void run() {
        SandboxRuntime.Status status = runtime.status();
        log.println(status.usable() ? "Sandboxed instances: " + status.detail()
                : "Sandboxed instances cannot run here: " + status.detail());
        long backoff = 500;
        boolean first = true;
        while (!closed.get()) {
            try {
                SyncBody body = report(status, first);
                JsonAnswer answer = new JsonAnswer(link.post("/api/v1/nodes/self/jails/sync", body, WAIT.plusSeconds(30)));
                first = false;
                backoff = 500;
                if (status.usable()) {
                    act(answer.value());
                } else if (!sleep(Duration.ofSeconds(5))) {
                    return;
                }
            } catch (CliException e) {
                if (closed.get() || e.exitCode() == ExitCodes.FAILED) {
                    return;
                }
                if (e.exitCode() == ExitCodes.AUTH) {
                    log.println("Sandboxed instances stopped: " + e.getMessage());
                    return;
                }
                backoff = pause(backoff);
            } catch (ProblemException e) {
                log.println("The server refused this node's jail report: " + e.code() + ": " + e.problem().detail());
                backoff = pause(Math.max(backoff, 5000));
            } catch (RuntimeException e) {
                log.println("Syncing sandboxed instances failed: " + e);
                backoff = pause(backoff);
            }
        }
    }

    private record JsonAnswer(SyncAnswer value) {
        JsonAnswer(tools.jackson.databind.JsonNode node) {
            this(ApiJson.MAPPER.treeToValue(node, SyncAnswer.class));
        }
    }

    // ---- the report

    private SyncBody report(SandboxRuntime.Status status, boolean first) {
        if (!status.usable()) {
            return new SyncBody(false, status.detail(), List.of(), List.of(), List.of(), (int) WAIT.toMillis());
        }
        Map<String, ObservedContainer> local = localJails();
        List<JailReport> jails = new ArrayList<>();
        for (Assignment a : assignment) {
            ObservedContainer c = local.get(a.localId());
            jails.add(new JailReport(a.containerId(), applied.getOrDefault(a.containerId(), 0L), c == null ? null : Observed.of(c),
                    failures.get(a.containerId())));
        }
        return new SyncBody(true, status.detail(), images(), jails, logs(local), first ? 0 : (int) WAIT.toMillis());
    }

    private Map<String, ObservedContainer> localJails() {
        Map<String, ObservedContainer> local = new HashMap<>();
        runtime.observe().forEach(c -> local.put(c.containerId(), c));
        return local;
    }

    /** The images this node has, as NAME:TAG (directories NAME/TAG/image.json); looked for again every 10 s. */
    private List<String> images() {
        long now = System.nanoTime();
        if (imagesAt != 0 && now - imagesAt < IMAGES_EVERY.toNanos()) {
            return images;
        }
        Path root = runtime.settings().images();
        List<String> found = new ArrayList<>();
        scan(root, root, 0, found);
        found.sort(null);
        images = List.copyOf(found);
        imagesAt = now;
        return images;
    }

    /** Descends to the directories holding image.json, never into an image itself (its rootfs may be large). */
    private static void scan(Path root, Path dir, int depth, List<String> found) {
        if (found.size() >= MAX_IMAGES) {
            return;
        }
        if (depth >= 2 && Files.isRegularFile(dir.resolve("image.json"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Path rel = root.relativize(dir);
            found.add(rel.getParent().toString() + ":" + rel.getFileName());
            return;
        }
        if (depth >= 5) {
            return;
        }
        try (java.nio.file.DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    scan(root, child, depth + 1, found);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable or gone: no images there
        }
    }

    /** New output of the assigned jails, bounded per jail and in all. */
    private List<LogBatch> logs(Map<String, ObservedContainer> local) {
        List<LogBatch> batches = new ArrayList<>();
        int total = 0;
        Set<String> assigned = new HashSet<>();
        for (Assignment a : assignment) {
            assigned.add(a.containerId());
            ObservedContainer c = local.get(a.localId());
            if (c == null || "REMOVED".equals(a.desired())) {
                closeFollower(a.containerId());
                continue;
            }
            Follower f = followers.get(a.containerId());
            if (f != null && f.stream.isFinished() && !f.startedAt.equals(c.startedAt())) {
                closeFollower(a.containerId()); // started again: follow the new run
                f = null;
            }
            if (f == null) {
                Instant through = latest(a.logsThrough(), sentThrough.get(a.containerId()));
                try {
                    f = new Follower(runtime.logs(a.localId(), new LogRequest(FIRST_TAIL, true)), c.startedAt(), through);
                } catch (RuntimeFailure e) {
                    continue;
                }
                followers.put(a.containerId(), f);
            }
            List<LogLineDoc> lines = new ArrayList<>();
            while (lines.size() < MAX_LINES_PER_JAIL && total < MAX_LINES) {
                Optional<LogLine> line = f.stream.next(Duration.ZERO);
                if (line.isEmpty()) {
                    break;
                }
                LogLine l = line.get();
                if (!l.time().isAfter(f.sentBefore)) {
                    continue; // sent before (this node restarted, or the jail's stream was opened again)
                }
                sentThrough.put(a.containerId(), l.time());
                lines.add(new LogLineDoc(l.time(), l.stream().name(), l.text()));
                total++;
            }
            if (!lines.isEmpty()) {
                batches.add(new LogBatch(a.containerId(), lines));
            }
        }
        for (String id : new ArrayList<>(followers.keySet())) {
            if (!assigned.contains(id)) {
                closeFollower(id);
            }
        }
        sentThrough.keySet().retainAll(assigned);
        return batches;
    }

    private static Instant latest(Instant a, Instant b) {
        Instant x = a == null ? Instant.EPOCH : a;
        return b != null && b.isAfter(x) ? b : x;
    }

    private void closeFollower(String containerId) {
        Follower f = followers.remove(containerId);
        if (f != null) {
            f.stream.close();
        }
    }

    // ---- acting on the answer

    private void act(SyncAnswer answer) {
        List<Assignment> jails = answer.jails() == null ? List.of() : answer.jails();
        assignment = jails;
        Set<String> localIds = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (Assignment a : jails) {
            localIds.add(a.localId());
            ids.add(a.containerId());
            if (a.generation() > applied.getOrDefault(a.containerId(), 0L)) {
                apply(a);
            }
        }
        applied.keySet().retainAll(ids);
        failures.keySet().retainAll(ids);
        // Jails this node holds that the server no longer assigns to it: moved elsewhere while this node was away.
        for (ObservedContainer c : runtime.observe()) {
            if (!localIds.contains(c.containerId())) {
                log.println("Removing jail " + c.containerId() + " of " + c.workspace() + "/" + c.instance()
                        + ": the server no longer places it on this node");
                try {
                    runtime.apply(new RuntimeAction.RemoveContainer(c.instanceId(), c.containerId(), "not assigned"), SecretSource.NONE);
                } catch (RuntimeFailure e) {
                    log.println("Removing jail " + c.containerId() + " failed: " + e.getMessage());
                }
            }
        }
        for (CallSpec call : answer.calls() == null ? List.<CallSpec>of() : answer.calls()) {
            if (inFlight.add(call.id())) {
                Thread.ofVirtual().name("roost-node-call").start(() -> answer(call));
            }
        }
    }

    private void apply(Assignment a) {
        String localId = a.localId();
        try {
            switch (a.desired()) {
                case "RUNNING" -> {
                    SecretSource secrets = secretsOf(a.secrets());
                    runtime.apply(new RuntimeAction.CreateContainer(a.spec().toWorkload(), a.replica(), "placed by the server"), secrets);
                }
                case "STOPPED" -> {
                    if (runtime.observe(a.spec().instanceId()).stream().anyMatch(c -> c.containerId().equals(localId))) {
                        runtime.apply(new RuntimeAction.StopContainer(a.spec().instanceId(), localId, "asked by the server"),
                                SecretSource.NONE);
                    }
                }
                case "REMOVED" -> {
                    closeFollower(a.containerId());
                    if (runtime.observe(a.spec().instanceId()).stream().anyMatch(c -> c.containerId().equals(localId))) {
                        log.println("Removing jail " + localId + " of " + a.spec().workspace() + "/" + a.spec().instance()
                                + ": the server retired it (moved to another node, replaced or deleted)");
                    }
                    runtime.apply(new RuntimeAction.RemoveContainer(a.spec().instanceId(), localId, "asked by the server"),
                            SecretSource.NONE);
                }
                default -> throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "unknown desired state " + a.desired());
            }
            failures.remove(a.containerId());
        } catch (RuntimeFailure e) {
            failures.put(a.containerId(), new Failure(a.generation(), e.kind().name(), e.getMessage()));
            log.println("Jail " + a.containerId() + " (" + a.desired() + "): " + e.kind() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            failures.put(a.containerId(), new Failure(a.generation(), RuntimeFailure.Kind.FAILED.name(), e.toString()));
            log.println("Jail " + a.containerId() + " (" + a.desired() + ") failed: " + e);
        }
        applied.put(a.containerId(), a.generation());
    }

    /** A secret source over the values the server sent (base64); each value is handed out once and wiped when closed. */
    private static SecretSource secretsOf(Map<String, String> encoded) {
        Map<String, String> values = encoded == null ? Map.of() : encoded;
        return (Collection<String> names) -> {
            Map<String, SecretValue> resolved = new HashMap<>();
            for (String name : names) {
                String v = values.get(name);
                if (v == null) {
                    resolved.values().forEach(SecretValue::close);
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "the server sent no value for secret " + name
                            + " (does it exist in the workspace?)");
                }
                resolved.put(name, SecretValue.wrap(Base64.getDecoder().decode(v)));
            }
            return resolved;
        };
    }

    private void answer(CallSpec call) {
        try {
            CallAnswer answer = switch (call.kind()) {
                case "PROBE" -> {
                    ProbeResult r = runtime.probe(call.localId(), call.probe().toProbe(), call.probe().port(),
                            Duration.ofMillis(Math.max(100, call.timeoutMillis() == null ? 3000 : call.timeoutMillis())));
                    yield new CallAnswer(r.healthy(), r.detail());
                }
                case "REMOVE_VOLUMES" -> {
                    runtime.apply(new RuntimeAction.RemoveVolumes(call.instanceId(), "asked by the server"), SecretSource.NONE);
                    yield new CallAnswer(true, "removed");
                }
                default -> new CallAnswer(false, "this node does not know calls of kind " + call.kind());
            };
            link.post("/api/v1/nodes/self/jails/calls/" + call.id(), answer, Duration.ofSeconds(30));
        } catch (CliException | ProblemException | RuntimeFailure e) {
            log.println("Answering the server's " + call.kind() + " call failed: " + e.getMessage());
        } finally {
            inFlight.remove(call.id());
        }
    }

    private long pause(long millis) {
        sleep(Duration.ofMillis(millis));
        return Math.min(millis * 2, 10_000);
    }

    private static boolean sleep(Duration d) {
        try {
            Thread.sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops syncing; the jails keep running (they are supervised on their own) and the next agent adopts them. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (loop != null) {
                loop.interrupt();
                try {
                    loop.join(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            followers.values().forEach(f -> f.stream.close());
            followers.clear();
            runtime.close();
        }
    }
}
