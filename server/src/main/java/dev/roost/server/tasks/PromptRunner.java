package dev.roost.server.tasks;

import static java.util.Objects.requireNonNull;

import dev.roost.gateway.Endpoint;
import dev.roost.gateway.GatewayRequest;
import dev.roost.gateway.GatewayResponse;
import dev.roost.gateway.ModelGateway;
import dev.roost.server.config.TaskSettings;
import dev.roost.server.gateway.InferenceReadiness;
import dev.roost.server.gateway.ManagedKeys;
import dev.roost.server.http.Json;
import dev.roost.server.tasks.TaskDocuments.Outcome;
import dev.roost.store.Database;
import dev.roost.store.jobs.ClaimRequest;
import dev.roost.store.jobs.Completion;
import dev.roost.store.jobs.JobQueue;
import dev.roost.store.jobs.Lease;
import dev.roost.store.jobs.LeaseAnswer;
import dev.roost.store.jobs.Reported;
import dev.roost.store.tasks.TaskRepository;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The background duty that answers prompt tasks: it claims {@value #KIND} jobs from the durable
 * queue (nodes never do: their claims take {@code task} jobs only), sends each prompt to the
 * workspace's default model (the model alias {@value InferenceReadiness#DEFAULT_ALIAS}) through
 * the model gateway, in process, with the workspace's own prompt-task virtual key, and records the
 * model's answer as the task's stdout. The prompt is only ever text in a model request: it is
 * never executed.
 *
 * <p>Tasks keep the queue's semantics: the runner holds a lease and extends it while the model
 * answers (a server that dies mid-prompt loses it and the reaper hands the job on), a cancel
 * reaches it with the lease heartbeat, the task's timeout applies, 429/5xx answers are retried
 * with the queue's back-off, other refusals (budget, allowlist, no default model) fail the task
 * at once with the gateway's sentence. Usage is metered by the gateway against that key.
 *
 * <p>The claim loop runs on one thread; each prompt on a virtual thread of its own, at most
 * {@code concurrency} at once.
 */
public final class PromptRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PromptRunner.class);
    /** The job kind of prompt tasks. */
    public static final String KIND = "prompt";
    /** Output kept per stream of a prompt's answer. */
    static final int MAX_ANSWER_BYTES = 1024 * 1024;
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    private static final int MAX_TOKENS = 4096;
    private static final int CHUNK_CHARS = 16 * 1024;

    private final Database database;
    private final JobQueue queue;
    private final WorkSignal signal;
    private final TaskSettings settings;
    private final ModelGateway gateway;
    private final ManagedKeys keys;
    private final InferenceReadiness readiness;
    private final Clock clock;
    private final String owner;
    private final int concurrency;
    private final Semaphore slots;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running;
    private Thread loop;

    public PromptRunner(Database database, JobQueue queue, WorkSignal signal, TaskSettings settings, ModelGateway gateway,
            ManagedKeys keys, InferenceReadiness readiness, Clock clock, int concurrency) {
        this.database = requireNonNull(database, "database is null");
        this.queue = requireNonNull(queue, "queue is null");
        this.signal = requireNonNull(signal, "signal is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.gateway = requireNonNull(gateway, "gateway is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.readiness = requireNonNull(readiness, "readiness is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be positive");
        }
        this.concurrency = concurrency;
        this.slots = new Semaphore(concurrency);
        this.owner = "server:" + UUID.randomUUID();
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        loop = Thread.ofPlatform().name("roost-prompt-runner").daemon().start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                long generation = signal.generation();
                int free = slots.availablePermits();
                List<Lease> leases = free == 0 ? List.of() : queue.claim(new ClaimRequest(owner, free, Map.of(), Long.MAX_VALUE,
                        Long.MAX_VALUE, settings.lease()).ofKinds(Set.of(KIND)));
                for (Lease lease : leases) {
                    slots.acquire();
                    executor.submit(() -> {
                        try {
                            run(lease);
                        } catch (RuntimeException e) {
                            log.warn("Prompt task {} failed unexpectedly; the lease runs out and the queue retries it", lease.jobId(), e);
                        } finally {
                            slots.release();
                        }
                    });
                }
                if (leases.isEmpty()) {
                    signal.awaitAfter(generation, Duration.ofSeconds(1));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("Claiming prompt tasks failed; trying again: {}", e.toString());
                    sleepQuietly(Duration.ofSeconds(1));
                }
            }
        }
    }

    /** What the model (or the gateway) answered. */
    private record Answer(int status, byte[] body, long bodyBytes, String errorCode) {
    }

    private void run(Lease lease) {
        long started = System.nanoTime();
        TaskSpec spec = Json.decode(lease.job().payload().getBytes(StandardCharsets.UTF_8), TaskSpec.class);
        Duration timeout = spec.timeoutSeconds() == null ? DEFAULT_TIMEOUT : Duration.ofSeconds(spec.timeoutSeconds());
        log.info("Prompt task {} (attempt {}) is sent to the default model of its workspace", lease.jobId(), lease.job().attempts());
        Future<Answer> call = executor.submit(() -> ask(lease, spec));
        Lease held = lease;
        while (true) {
            try {
                Answer answer = call.get(settings.leaseHeartbeat().toMillis(), TimeUnit.MILLISECONDS);
                record(held, answer, System.nanoTime() - started);
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() - started > timeout.toNanos()) {
                    call.cancel(true);
                    finish(held, 124, "", "The model did not answer within the task's timeout of " + timeout.toSeconds() + " s.\n",
                            true, System.nanoTime() - started);
                    return;
                }
                LeaseAnswer beat = queue.extend(held, settings.lease());
                switch (beat) {
                    case LeaseAnswer.Lost lost -> {
                        call.cancel(true);
                        log.info("Prompt task {}: the lease was lost; leaving it to whoever holds it now", lease.jobId());
                        return;
                    }
                    case LeaseAnswer.Extended extended -> {
                        held = held.extendedTo(extended.expiresAt());
                        if (extended.cancelRequested()) {
                            call.cancel(true);
                            queue.failWithoutRetry(held, "cancelled while running");
                            signal.signal();
                            return;
                        }
                    }
                }
            } catch (ExecutionException e) {
                log.warn("Prompt task {}: the prompt could not be sent; retried while attempts remain", lease.jobId(), e.getCause());
                queue.fail(held, "the prompt could not be sent: " + e.getCause().getClass().getSimpleName());
                signal.signal();
                return;
            } catch (InterruptedException e) {
                call.cancel(true);
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Sends the prompt through the gateway, in process, as the workspace's prompt-task key. */
    private Answer ask(Lease lease, TaskSpec spec) throws IOException {
        UUID workspaceId = lease.job().workspaceId();
        InferenceReadiness.Status status = readiness.forWorkspace(workspaceId);
        if (status.defaultModel() == null) {
            // No default model at all (removed since the prompt was queued): no retry would help. A default
            // model whose providers seem down is still tried: the gateway's own answer (502, 504) is retried.
            byte[] body = ("{\"error\":{\"code\":\"INFERENCE_UNAVAILABLE\",\"message\":" + Json.encodeToString(status.reason()) + "}}")
                    .getBytes(StandardCharsets.UTF_8);
            return new Answer(503, body, body.length, "INFERENCE_UNAVAILABLE");
        }
        String key = database.transaction(s -> {
            String workspace = s.workspaces().findById(workspaceId).map(w -> w.name()).orElse(workspaceId.toString());
            return keys.tasksKey(s, workspaceId, workspace, "prompt-task-" + lease.jobId(), clock.instant());
        });
        boolean anthropic = "anthropic".equals(status.format()) || status.format() == null && status.targets().stream()
                .findFirst().map(t -> "anthropic".equals(t.format())).orElse(false);
        ObjectNode request = Json.MAPPER.createObjectNode();
        request.put("model", InferenceReadiness.DEFAULT_ALIAS);
        if (anthropic) {
            request.put("max_tokens", MAX_TOKENS);
        }
        ObjectNode message = request.putArray("messages").addObject();
        message.put("role", "user");
        message.put("content", spec.prompt());
        Map<String, String> headers = anthropic
                ? Map.of("authorization", "Bearer " + key, "content-type", "application/json", "anthropic-version", "2023-06-01")
                : Map.of("authorization", "Bearer " + key, "content-type", "application/json");
        GatewayResponse response = gateway.handle(new GatewayRequest(anthropic ? Endpoint.MESSAGES : Endpoint.CHAT_COMPLETIONS, null,
                name -> headers.get(name.toLowerCase(Locale.ROOT)), Json.MAPPER.writeValueAsBytes(request), System.nanoTime()));
        CappedBuffer out = new CappedBuffer(MAX_ANSWER_BYTES * 4L);
        response.body().writeTo(out);
        return new Answer(response.status(), out.bytes(), out.total, response.headers().get("x-roost-error-code"));
    }

    private void record(Lease lease, Answer answer, long nanos) {
        if (answer.status() == 200) {
            String text;
            try {
                text = answerText(Json.MAPPER.readTree(answer.body()));
            } catch (RuntimeException e) {
                finish(lease, 1, "", "The model's answer could not be read (" + e.getClass().getSimpleName() + ").\n", false, nanos);
                return;
            }
            finish(lease, 0, text, "", false, nanos);
            return;
        }
        String message = errorMessage(answer);
        String code = answer.errorCode() != null ? answer.errorCode() : "UPSTREAM_ERROR";
        String reason = code + ": " + message;
        boolean retry = answer.status() == 429 || answer.status() >= 500 && !"INFERENCE_UNAVAILABLE".equals(code);
        Reported reported = database.transaction(s -> {
            Reported r = s.jobs().fail(lease, reason, retry, queue.retryPolicy(), clock.instant());
            if (r instanceof Reported.Recorded) {
                s.tasks().appendOutput(lease.jobId(), lease.job().attempts(), chunks("stderr", reason + "\n", 0), clock.instant());
            }
            return r;
        });
        log.info("Prompt task {} attempt {}: the gateway answered {} {}{}", lease.jobId(), lease.job().attempts(), answer.status(), code,
                reported instanceof Reported.LeaseLost ? " (lease lost, not recorded)" : retry ? " (retried while attempts remain)" : "");
        signal.signal();
    }

    /** Records a finished attempt: its output, the outcome and the job's success, in one transaction. */
    private void finish(Lease lease, int exitCode, String stdout, String stderr, boolean timedOut, long nanos) {
        byte[] out = cap(stdout);
        byte[] err = cap(stderr);
        Outcome outcome = new Outcome(exitCode, null, false, timedOut, false, nanos / 1_000_000, (long) stdout.getBytes(
                StandardCharsets.UTF_8).length, (long) stderr.getBytes(StandardCharsets.UTF_8).length, false, null, null);
        String result = Json.encodeToString(outcome);
        Reported reported = database.transaction(s -> {
            Reported r = s.jobs().complete(List.of(new Completion(lease, result)), clock.instant()).get(0);
            if (r instanceof Reported.Recorded) {
                List<TaskRepository.NewChunk> chunks = new ArrayList<>(chunks("stdout", new String(out, StandardCharsets.UTF_8), 0));
                chunks.addAll(chunks("stderr", new String(err, StandardCharsets.UTF_8), chunks.size()));
                s.tasks().appendOutput(lease.jobId(), lease.job().attempts(), chunks, clock.instant());
                s.tasks().recordResult(lease.jobId(), lease.job().attempts(), owner, result, clock.instant());
            }
            return r;
        });
        log.info("Prompt task {} attempt {} ended: exit {}{}", lease.jobId(), lease.job().attempts(), exitCode,
                reported instanceof Reported.LeaseLost ? " (lease lost, not recorded)" : "");
        signal.signal();
    }

    private static byte[] cap(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_ANSWER_BYTES) {
            return bytes;
        }
        // Cut at a character boundary.
        int end = MAX_ANSWER_BYTES;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return java.util.Arrays.copyOf(bytes, end);
    }

    private static List<TaskRepository.NewChunk> chunks(String stream, String text, int firstSeq) {
        List<TaskRepository.NewChunk> chunks = new ArrayList<>();
        int seq = firstSeq;
        for (int at = 0; at < text.length(); ) {
            int end = Math.min(text.length(), at + CHUNK_CHARS);
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            chunks.add(new TaskRepository.NewChunk(seq++, stream, text.substring(at, end).getBytes(StandardCharsets.UTF_8)));
            at = end;
        }
        return chunks;
    }

    /** The text of an OpenAI chat completion or an Anthropic message. */
    static String answerText(JsonNode answer) {
        JsonNode choices = answer.path("choices");
        if (choices.isArray() && !choices.isEmpty()) {
            JsonNode content = choices.get(0).path("message").path("content");
            return content.isString() ? content.asString() : "";
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : answer.path("content")) {
            if ("text".equals(block.path("type").asString(""))) {
                text.append(block.path("text").asString(""));
            }
        }
        if (text.isEmpty() && !answer.path("content").isArray()) {
            throw new IllegalArgumentException("neither choices nor content");
        }
        return text.toString();
    }

    private static String errorMessage(Answer answer) {
        try {
            JsonNode error = Json.MAPPER.readTree(answer.body()).path("error");
            String message = error.path("message").asString(null);
            if (message != null) {
                return message;
            }
        } catch (RuntimeException e) {
            // not JSON: fall through
        }
        return "the gateway answered HTTP " + answer.status();
    }

    /** Keeps the first {@code limit} bytes written and counts the rest. */
    private static final class CappedBuffer extends OutputStream {
        private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        private final long limit;
        long total;

        CappedBuffer(long limit) {
            this.limit = limit;
        }

        @Override
        public void write(int b) {
            if (total++ < limit) {
                kept.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            long room = Math.max(0, limit - total);
            kept.write(b, off, (int) Math.min(room, len));
            total += len;
        }

        byte[] bytes() {
            return kept.toByteArray();
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    int concurrency() {
        return concurrency;
    }
}
