package dev.roost.cli.node;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import dev.roost.cli.client.ProblemException;
import dev.roost.sandbox.EgressConnection;
import dev.roost.sandbox.EgressSummary;
import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.RunningJob;
import dev.roost.sandbox.Sandbox;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxLimits;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.SandboxUnavailable;
import dev.roost.sandbox.StartTimings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;

/**
 * The working half of a node: claims tasks from the server (long-poll), runs each in the
 * node's sandbox with its limits, streams the output, extends the leases of what runs in one
 * batch (whose answer carries cancels), uploads the artifacts and reports how each ended. A
 * task is never run outside the sandbox: if the sandbox refuses, the task is reported as
 * failed with SANDBOX_UNAVAILABLE.
 *
 * <p>Threads: one claims, one heartbeats leases, one virtual thread per running task; the
 * sandbox calls the output listeners on its own threads. {@link #configure} may be called
 * from any thread.
 */
public final class TaskWorker implements AutoCloseable {
    private static final Duration CLAIM_WAIT = Duration.ofSeconds(20);
    private static final Duration REPORT_PATIENCE = Duration.ofMinutes(10);
    private static final int CHUNK_BYTES = 16 * 1024;
    /** Bytes kept per stream by the sandbox; the server keeps up to 2 MiB, so nothing kept is refused. */
    static final long OUTPUT_CAP_BYTES = 1024 * 1024;

    /** What the node config says about running tasks. */
    public record Settings(int concurrency, int timeoutSeconds, int cpuMillis, long memoryBytes, int pids) {
        public static final Settings DEFAULT = new Settings(2, 600, 1000, 512L << 20, 256);

        static Settings of(JsonNode config) {
            JsonNode sandbox = config.path("sandbox");
            return new Settings(Math.max(0, config.path("concurrency").asInt(DEFAULT.concurrency())),
                    Math.max(1, sandbox.path("timeoutSeconds").asInt(DEFAULT.timeoutSeconds())),
                    Math.max(10, sandbox.path("cpuMillis").asInt(DEFAULT.cpuMillis())),
                    Math.max(SandboxLimits.MIN_MEMORY_BYTES, sandbox.path("memoryBytes").asLong(DEFAULT.memoryBytes())),
                    Math.max(4, sandbox.path("pids").asInt(DEFAULT.pids())));
        }
    }

    private final NodeLink link;
    private final Sandbox sandbox;
    private final PrintStream log;
    private volatile Settings settings;
    private volatile long leaseHeartbeatMillis = 2000;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Object slots = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Thread claimer;
    private Thread beater;

    public TaskWorker(NodeLink link, Sandbox sandbox, Settings settings, PrintStream log) {
        this.link = requireNonNull(link, "link is null");
        this.sandbox = requireNonNull(sandbox, "sandbox is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.log = requireNonNull(log, "log is null");
    }

    public void start() {
        claimer = Thread.ofPlatform().name("roost-node-claim").daemon(true).start(this::claimLoop);
        beater = Thread.ofPlatform().name("roost-node-leases").daemon(true).start(this::leaseLoop);
    }

    /** Applies a node config from a heartbeat answer. */
    public void configure(JsonNode config) {
        settings = Settings.of(config);
        synchronized (slots) {
            slots.notifyAll();
        }
    }

    /** How many tasks run now. */
    public int runningCount() {
        return running.size();
    }

    // ---- claiming

    private void claimLoop() {
        long backoffMillis = 500;
        while (!closed.get()) {
            int free;
            synchronized (slots) {
                free = settings.concurrency() - running.size();
                if (free <= 0) {
                    try {
                        slots.wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
            }
            try {
                JsonNode answer = link.post("/api/v1/nodes/self/claim", Map.of("capacity", free,
                        "waitSeconds", CLAIM_WAIT.toSeconds()), CLAIM_WAIT.plusSeconds(15));
                Instant received = Instant.now();
                backoffMillis = 500;
                leaseHeartbeatMillis = Math.max(200, answer.path("leaseHeartbeatMillis").asLong(2000));
                for (JsonNode job : answer.path("jobs")) {
                    launch(job, received);
                }
            } catch (CliException e) {
                if (closed.get() || e.exitCode() == ExitCodes.FAILED) {
                    return;
                }
                if (e.exitCode() == ExitCodes.AUTH) {
                    log.println("Task claims stopped: " + e.getMessage());
                    return;
                }
                log.println("Claiming tasks failed: " + e.getMessage() + "; trying again");
                backoffMillis = pause(backoffMillis);
            } catch (ProblemException e) {
                log.println("The server refused to hand this node tasks: " + e.code() + ": " + e.problem().detail());
                backoffMillis = pause(Math.max(backoffMillis, 5000));
            } catch (RuntimeException e) {
                log.println("Claiming tasks failed: " + e);
                backoffMillis = pause(backoffMillis);
            }
        }
    }

    private long pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Math.min(5000, millis * 2);
    }

    private void launch(JsonNode job, Instant received) {
        String id = job.path("id").asString();
        Running task = new Running(id, job.path("leaseToken").asString(), job.path("attempt").asInt(1), received);
        running.put(id, task);
        Thread.ofVirtual().name("roost-task-" + id).start(() -> {
            try {
                run(task, job);
            } catch (RuntimeException e) {
                log.println("Task " + id + " broke the node's worker: " + e);
            } finally {
                running.remove(id);
                synchronized (slots) {
                    slots.notifyAll();
                }
            }
        });
    }

    // ---- running one task

    private void run(Running task, JsonNode job) {
        SandboxJob sandboxJob;
        try {
            sandboxJob = sandboxJob(job);
        } catch (IllegalArgumentException e) {
            fail(task, "TASK_INVALID", "The task cannot be run as given: " + e.getMessage(), false);
            return;
        }
        RunningJob started;
        try {
            started = sandbox.start(sandboxJob, task.output);
        } catch (SandboxUnavailable e) {
            fail(task, SandboxUnavailable.CODE, "This node could not jail the task, so it did not run it: " + e.getMessage(), true);
            return;
        } catch (IllegalArgumentException e) {
            fail(task, "TASK_INVALID", "The task cannot be run as given: " + e.getMessage(), false);
            return;
        }
        task.job = started;
        if (task.cancelRequested || task.lost) {
            started.cancel();
        }
        // Logged once the process runs, so the log line is not on the way to it.
        started.started().thenAccept(t -> log.println("Running task " + task.id + " (attempt " + task.attempt + ") in the sandbox, "
                + (t.warm() ? "in a waiting jail, " : "") + "started " + millis(Duration.between(task.receivedAt, t.launchedAt()))
                + " ms after its claim"));
        Thread uploader = Thread.ofVirtual().start(() -> uploadWhileRunning(task));
        SandboxResult result;
        try {
            result = started.await();
        } catch (InterruptedException e) {
            started.cancel();
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            task.finished = true;
            fail(task, SandboxUnavailable.CODE, "The sandbox failed while running the task: " + e.getMessage(), true);
            return;
        }
        task.finished = true;
        uploader.interrupt(); // no need to wait out its pause: the final flush below sends the rest
        try {
            uploader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (task.lost) {
            log.println("Task " + task.id + " ended, but this node lost its lease; not reporting it");
            return;
        }
        long deadline = System.nanoTime() + REPORT_PATIENCE.toNanos();
        if (!retrying(deadline, () -> flush(task, true))) {
            return;
        }
        boolean artifactsTruncated = result.artifactsTruncated();
        for (SandboxResult.Artifact artifact : result.artifacts()) {
            Map<String, Object> body = Map.of("leaseToken", task.token, "path", artifact.path(),
                    "content", Base64.getEncoder().encodeToString(artifact.content()));
            boolean[] refused = {false};
            boolean ok = retrying(deadline, () -> {
                try {
                    link.post("/api/v1/nodes/self/jobs/" + task.id + "/artifacts", body, Duration.ofSeconds(60));
                } catch (ProblemException e) {
                    if ("LEASE_LOST".equals(e.code())) {
                        throw e;
                    }
                    refused[0] = true; // over the server's caps: reported as truncated
                }
            });
            if (!ok) {
                return;
            }
            artifactsTruncated |= refused[0];
        }
        Map<String, Object> outcome = new LinkedHashMap<>();
        outcome.put("exitCode", result.exitCode());
        result.signal().ifPresent(s -> outcome.put("signal", s));
        outcome.put("oomKilled", result.oomKilled());
        outcome.put("timedOut", result.timedOut());
        outcome.put("cancelled", result.cancelled());
        outcome.put("durationMs", result.duration().toMillis());
        outcome.put("stdoutBytes", result.stdout().totalBytes());
        outcome.put("stderrBytes", result.stderr().totalBytes());
        outcome.put("artifactsTruncated", artifactsTruncated);
        if (result.egress().enabled()) {
            outcome.put("egress", egress(result.egress()));
        }
        StartTimings timings = started.started().getNow(null);
        if (timings != null) {
            outcome.put("startup", startup(task.receivedAt, timings));
        }
        boolean reported = retrying(deadline, () -> link.post("/api/v1/nodes/self/jobs/" + task.id + "/complete",
                Map.of("leaseToken", task.token, "outcome", outcome), Duration.ofSeconds(30)));
        if (reported) {
            log.println("Task " + task.id + " ended: exit " + result.exitCode()
                    + (result.cancelled() ? " (cancelled)" : result.timedOut() ? " (timed out)" : result.oomKilled() ? " (out of memory)" : ""));
        }
    }

    private SandboxJob sandboxJob(JsonNode job) {
        JsonNode spec = job.path("spec");
        Settings s = settings;
        SandboxJob.Command command;
        if (spec.path("mode").asString("").equals("script")) {
            command = new SandboxJob.Script(spec.path("script").asString());
        } else {
            List<List<String>> commands = new ArrayList<>();
            for (JsonNode argv : spec.path("commands")) {
                List<String> args = new ArrayList<>();
                argv.forEach(a -> args.add(a.asString()));
                commands.add(args);
            }
            command = Commands.toCommand(commands);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (JsonNode file : job.path("attachments")) {
            files.put(file.path("name").asString(), Base64.getDecoder().decode(file.path("content").asString()));
        }
        List<String> egress = new ArrayList<>();
        spec.path("egressAllow").forEach(e -> egress.add(e.asString()));
        long memory = spec.path("memoryBytes").isNumber() ? spec.path("memoryBytes").asLong() : s.memoryBytes();
        int cpu = spec.path("cpuMillis").isNumber() ? (int) Math.min(Integer.MAX_VALUE, spec.path("cpuMillis").asLong()) : s.cpuMillis();
        int timeout = spec.path("timeoutSeconds").isNumber() ? spec.path("timeoutSeconds").asInt() : s.timeoutSeconds();
        SandboxLimits limits = new SandboxLimits(memory, cpu, s.pids(), Duration.ofSeconds(timeout), OUTPUT_CAP_BYTES, 100,
                16L << 20);
        return new SandboxJob("task-" + job.path("id").asString().substring(0, 8), command, files,
                Map.of("ROOST_TASK_ID", job.path("id").asString()), limits, false, egress);
    }

    /** Where the time between the claim answer and the task's process went, on this node's clock. */
    private static Map<String, Object> startup(Instant received, StartTimings t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("claimReceivedAt", received.toString());
        m.put("launchedAt", t.launchedAt().toString());
        m.put("prepareMicros", t.prepare().toNanos() / 1000);
        m.put("launchMicros", t.launch().toNanos() / 1000);
        m.put("warm", t.warm());
        return m;
    }

    private static String millis(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f", d.toNanos() / 1e6);
    }

    private static Map<String, Object> egress(EgressSummary e) {
        List<Map<String, Object>> connections = new ArrayList<>();
        for (EgressConnection c : e.connections()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("startedAt", c.startedAt().toString());
            m.put("kind", c.kind().name());
            m.put("host", c.host());
            m.put("port", c.port());
            m.put("decision", c.decision().name());
            m.put("reason", c.reason().name());
            m.put("bytesSent", c.bytesSent());
            m.put("bytesReceived", c.bytesReceived());
            m.put("durationMs", c.duration().toMillis());
            connections.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", e.enabled());
        m.put("allowed", e.allowed());
        m.put("denied", e.denied());
        m.put("failed", e.failed());
        m.put("bytesSent", e.bytesSent());
        m.put("bytesReceived", e.bytesReceived());
        m.put("connections", connections);
        m.put("unlisted", e.unlisted());
        return m;
    }

    private void fail(Running task, String code, String reason, boolean retry) {
        log.println("Task " + task.id + " could not run: " + code + ": " + reason);
        retrying(System.nanoTime() + REPORT_PATIENCE.toNanos(), () -> link.post("/api/v1/nodes/self/jobs/" + task.id + "/fail",
                Map.of("leaseToken", task.token, "code", code, "reason", reason, "retry", retry), Duration.ofSeconds(30)));
    }

    /**
     * Runs {@code step} until it succeeds, the server says the lease is lost, or the deadline
     * passes; an unreachable server (restarting, say) is waited for. True when the step succeeded.
     */
    private boolean retrying(long deadline, Runnable step) {
        long backoff = 250;
        while (true) {
            try {
                step.run();
                return true;
            } catch (ProblemException e) {
                if ("LEASE_LOST".equals(e.code())) {
                    return false;
                }
                log.println("The server refused a report: " + e.code() + ": " + e.problem().detail());
                return false;
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.UNREACHABLE || System.nanoTime() > deadline || closed.get()) {
                    log.println("Giving up a report: " + e.getMessage());
                    return false;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                backoff = Math.min(2000, backoff * 2);
            }
        }
    }

    // ---- output

    private void uploadWhileRunning(Running task) {
        while (!task.finished && !task.lost) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            if (task.finished) {
                return;
            }
            try {
                flush(task, false);
            } catch (CliException | ProblemException e) {
                if (e instanceof ProblemException p && "LEASE_LOST".equals(p.code())) {
                    task.lost = true;
                    RunningJob job = task.job;
                    if (job != null) {
                        job.cancel();
                    }
                    return;
                }
                // Unreachable for now: the chunks stay pending and go with a later flush.
            }
        }
    }

    /** Uploads pending output; with {@code last}, also an incomplete UTF-8 tail. */
    private void flush(Running task, boolean last) {
        synchronized (task.uploadLock) {
            task.output.drainInto(task.pending, last);
            if (task.pending.isEmpty()) {
                return;
            }
            // A few chunks per request keep each body well under the server's request limit, even
            // when JSON escaping inflates control characters six-fold.
            while (!task.pending.isEmpty()) {
                List<Map<String, Object>> batch = new ArrayList<>(task.pending.subList(0, Math.min(8, task.pending.size())));
                link.post("/api/v1/nodes/self/jobs/" + task.id + "/output", Map.of("leaseToken", task.token, "chunks", batch),
                        Duration.ofSeconds(30));
                task.pending.subList(0, batch.size()).clear();
            }
        }
    }

    // ---- leases

    private void leaseLoop() {
        while (!closed.get()) {
            try {
                Thread.sleep(leaseHeartbeatMillis);
            } catch (InterruptedException e) {
                return;
            }
            List<Running> tasks = List.copyOf(running.values());
            if (tasks.isEmpty()) {
                continue;
            }
            List<Map<String, Object>> leases = tasks.stream()
                    .map(t -> Map.<String, Object>of("jobId", t.id, "leaseToken", t.token)).toList();
            try {
                JsonNode answer = link.post("/api/v1/nodes/self/leases", Map.of("leases", leases), Duration.ofSeconds(15));
                leaseHeartbeatMillis = Math.max(200, answer.path("leaseHeartbeatMillis").asLong(leaseHeartbeatMillis));
                for (JsonNode status : answer.path("leases")) {
                    Running task = running.get(status.path("jobId").asString());
                    if (task == null) {
                        continue;
                    }
                    if (status.path("status").asString("").equals("LOST")) {
                        if (!task.lost) {
                            log.println("Lost the lease on task " + task.id + "; stopping it");
                        }
                        task.lost = true;
                        cancel(task);
                    } else if (status.path("cancelRequested").asBoolean(false) && !task.cancelRequested) {
                        log.println("Task " + task.id + " was cancelled; stopping it");
                        task.cancelRequested = true;
                        cancel(task);
                    }
                }
            } catch (CliException | ProblemException e) {
                if (e instanceof CliException c && c.exitCode() == ExitCodes.FAILED) {
                    return;
                }
                log.println("Extending task leases failed: " + e.getMessage() + "; trying again");
            } catch (RuntimeException e) {
                log.println("Extending task leases failed: " + e);
            }
        }
    }

    private static void cancel(Running task) {
        RunningJob job = task.job;
        if (job != null) {
            job.cancel();
        }
    }

    /** Stops claiming and kills what runs (their leases expire and other nodes take them over), and the waiting jails. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        if (claimer != null) {
            claimer.interrupt();
        }
        if (beater != null) {
            beater.interrupt();
        }
        for (Running task : running.values()) {
            task.lost = true;
            cancel(task);
        }
        sandbox.close(); // the jails waiting for tasks
    }

    /** One task this node holds. Fields written by one thread and read by others are volatile. */
    private static final class Running {
        final String id;
        final String token;
        final int attempt;
        final Instant receivedAt;
        final OutputBuffer output = new OutputBuffer();
        final List<Map<String, Object>> pending = new ArrayList<>();
        final Object uploadLock = new Object();
        volatile RunningJob job;
        volatile boolean lost;
        volatile boolean cancelRequested;
        volatile boolean finished;

        Running(String id, String token, int attempt, Instant receivedAt) {
            this.id = id;
            this.token = token;
            this.attempt = attempt;
            this.receivedAt = receivedAt;
        }
    }

    /**
     * A task's output as it comes from the sandbox: runs of one stream in order, cut into
     * numbered chunks when drained. A UTF-8 character split across two reads is held back until
     * its end arrives, so each chunk of text is whole text; a chunk that is not UTF-8 goes as its
     * bytes (base64), so nothing is mangled.
     */
    static final class OutputBuffer implements OutputListener {
        private final List<Object[]> runs = new ArrayList<>();
        private int nextSeq;

        @Override
        public synchronized void onOutput(Stream stream, byte[] chunk) {
            String name = stream == Stream.STDOUT ? "stdout" : "stderr";
            if (!runs.isEmpty() && runs.get(runs.size() - 1)[0].equals(name)) {
                ((ByteArrayOutputStream) runs.get(runs.size() - 1)[1]).writeBytes(chunk);
            } else {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                bytes.writeBytes(chunk);
                runs.add(new Object[] {name, bytes});
            }
        }

        synchronized void drainInto(List<Map<String, Object>> chunks, boolean last) {
            List<Object[]> keep = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                String stream = (String) runs.get(i)[0];
                byte[] bytes = ((ByteArrayOutputStream) runs.get(i)[1]).toByteArray();
                int usable = last || i < runs.size() - 1 ? bytes.length : completeUtf8Prefix(bytes);
                for (int at = 0; at < usable; ) {
                    int end = Math.min(usable, at + CHUNK_BYTES);
                    if (end < usable) {
                        end = at + completeUtf8Prefix(java.util.Arrays.copyOfRange(bytes, at, end));
                        if (end == at) {
                            end = Math.min(usable, at + CHUNK_BYTES);
                        }
                    }
                    byte[] slice = java.util.Arrays.copyOfRange(bytes, at, end);
                    // Text goes as text; bytes that are not UTF-8 go as they are, in base64.
                    chunks.add(utf8(slice) ? Map.of("seq", nextSeq++, "stream", stream, "text", new String(slice, StandardCharsets.UTF_8))
                            : Map.of("seq", nextSeq++, "stream", stream, "base64", java.util.Base64.getEncoder().encodeToString(slice)));
                    at = end;
                }
                if (usable < bytes.length) {
                    ByteArrayOutputStream rest = new ByteArrayOutputStream();
                    rest.write(bytes, usable, bytes.length - usable);
                    keep.add(new Object[] {stream, rest});
                }
            }
            runs.clear();
            runs.addAll(keep);
        }

        private static boolean utf8(byte[] bytes) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes));
                return true;
            } catch (java.nio.charset.CharacterCodingException e) {
                return false;
            }
        }

        /** How many leading bytes end on a character boundary (drops at most three bytes of a started character). */
        static int completeUtf8Prefix(byte[] bytes) {
            int n = bytes.length;
            for (int back = 1; back <= Math.min(3, n); back++) {
                int b = bytes[n - back] & 0xff;
                if ((b & 0xc0) == 0x80) {
                    continue; // a continuation byte: look further back for the lead
                }
                int length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
                return length > back ? n - back : n;
            }
            return n;
        }
    }
}
