package dev.roost.server.tasks;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.node.Node;
import dev.roost.core.node.NodeScheduling;
import dev.roost.server.config.TaskSettings;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Json;
import dev.roost.server.http.Reply;
import dev.roost.server.tasks.TaskDocuments.ArtifactUpload;
import dev.roost.server.tasks.TaskDocuments.AttachmentFile;
import dev.roost.server.tasks.TaskDocuments.ChunkBody;
import dev.roost.server.tasks.TaskDocuments.ClaimAnswer;
import dev.roost.server.tasks.TaskDocuments.ClaimBody;
import dev.roost.server.tasks.TaskDocuments.ClaimedJob;
import dev.roost.server.tasks.TaskDocuments.CompleteBody;
import dev.roost.server.tasks.TaskDocuments.FailBody;
import dev.roost.server.tasks.TaskDocuments.LeaseBeat;
import dev.roost.server.tasks.TaskDocuments.LeaseBeatAnswer;
import dev.roost.server.tasks.TaskDocuments.LeaseRefBody;
import dev.roost.server.tasks.TaskDocuments.LeaseStatus;
import dev.roost.server.tasks.TaskDocuments.Outcome;
import dev.roost.server.tasks.TaskDocuments.OutputStored;
import dev.roost.server.tasks.TaskDocuments.OutputUpload;
import dev.roost.server.tasks.TaskDocuments.Reported;
import dev.roost.store.Database;
import dev.roost.store.jobs.ClaimRequest;
import dev.roost.store.jobs.Completion;
import dev.roost.store.jobs.Job;
import dev.roost.store.jobs.JobQueue;
import dev.roost.store.jobs.Lease;
import dev.roost.store.tasks.TaskRepository;
import dev.roost.store.tasks.TaskRepository.HeldLease;
import dev.roost.store.tasks.TaskRepository.NewChunk;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of tasks, under {@code /api/v1/nodes/self/}, for the node JWT only: claim work
 * (long-poll), extend leases in one batch (the answer carries cancels), upload output chunks and
 * artifacts, and report the outcome. Every report names the lease token the claim returned; a
 * token that is no longer the job's is answered 409 LEASE_LOST and changes nothing, so an
 * outcome is recorded exactly once even when a node that lost its lease reports late.
 */
public final class NodeJobRoutes {
    private static final Logger log = LoggerFactory.getLogger(NodeJobRoutes.class);
    private static final String SELF = "/api/v1/nodes/self";
    static final int MAX_CAPACITY = 64;
    static final int MAX_WAIT_SECONDS = 30;
    static final int MAX_LEASES_PER_BEAT = 1000;
    static final int MAX_CHUNKS_PER_UPLOAD = 256;
    /** Output kept per attempt and stream; the node's sandbox caps below it, this bounds a misbehaving node. */
    static final long MAX_STREAM_BYTES = 2L * 1024 * 1024;
    static final int MAX_ARTIFACTS = 100;
    static final long MAX_ARTIFACT_BYTES = 4L * 1024 * 1024;
    static final long MAX_ARTIFACTS_BYTES = 16L * 1024 * 1024;

    private final Database database;
    private final JobQueue queue;
    private final WorkSignal signal;
    private final TaskSettings settings;

    public NodeJobRoutes(Database database, JobQueue queue, WorkSignal signal, TaskSettings settings) {
        this.database = requireNonNull(database, "database is null");
        this.queue = requireNonNull(queue, "queue is null");
        this.signal = requireNonNull(signal, "signal is null");
        this.settings = requireNonNull(settings, "settings is null");
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post(SELF + "/claim", Access.NODE,
                                "Claim tasks for this node, waiting up to waitSeconds for one (long-poll)", this::claim)
                        .accepts(ClaimBody.class).returns(ClaimAnswer.class),
                ApiRoute.post(SELF + "/leases", Access.NODE,
                                "Extend this node's leases in one batch; the answer says which are lost and which to cancel",
                                this::leases)
                        .accepts(LeaseBeat.class).returns(LeaseBeatAnswer.class),
                ApiRoute.post(SELF + "/jobs/{id}/output", Access.NODE, "Upload numbered output chunks of a held job",
                        this::output).accepts(OutputUpload.class).returns(OutputStored.class),
                ApiRoute.post(SELF + "/jobs/{id}/artifacts", Access.NODE, "Upload one artifact (a file from out/) of a held job",
                        this::artifact).accepts(ArtifactUpload.class),
                ApiRoute.post(SELF + "/jobs/{id}/complete", Access.NODE,
                                "Report how a held job's process ended; 409 LEASE_LOST when the lease is no longer this node's",
                                this::complete)
                        .accepts(CompleteBody.class).returns(Reported.class),
                ApiRoute.post(SELF + "/jobs/{id}/fail", Access.NODE,
                                "Report that a held job could not run (retried while attempts remain unless retry is false)",
                                this::fail)
                        .accepts(FailBody.class).returns(Reported.class));
    }

    // ---- claim

    private Object claim(Call call) {
        ClaimBody body = call.bodyOr(ClaimBody.class, new ClaimBody(null, null, null, null));
        new Checks()
                .that(body.capacity() == null || body.capacity() >= 0 && body.capacity() <= MAX_CAPACITY, "/capacity",
                        "must be between 0 and " + MAX_CAPACITY)
                .that(body.freeCpuMillis() == null || body.freeCpuMillis() >= 0, "/freeCpuMillis", "must not be negative")
                .that(body.freeMemoryBytes() == null || body.freeMemoryBytes() >= 0, "/freeMemoryBytes", "must not be negative")
                .that(body.waitSeconds() == null || body.waitSeconds() >= 0 && body.waitSeconds() <= MAX_WAIT_SECONDS,
                        "/waitSeconds", "must be between 0 and " + MAX_WAIT_SECONDS)
                .throwIfAny();
        UUID nodeId = call.principal().nodeId();
        Node node = call.session().nodes().find(nodeId).orElseThrow(() -> RoostException.notFound("Node " + nodeId));
        var capabilities = Json.decode(node.capabilitiesJson().getBytes(StandardCharsets.UTF_8),
                dev.roost.server.nodes.NodeDocuments.Capabilities.class);
        if (capabilities.sandboxes() == null || capabilities.sandboxes().isEmpty()) {
            throw new RoostException(ErrorCode.SANDBOX_UNAVAILABLE, "Node " + node.name() + " reported no usable sandbox, so "
                    + "it is given no tasks: Roost never runs a task unsandboxed. Install bubblewrap on the node and restart it.");
        }
        Map<String, String> labels = capabilities.labels() == null ? Map.of() : capabilities.labels();
        ClaimRequest request = new ClaimRequest(nodeId.toString(), body.capacity() == null ? 1 : body.capacity(), labels,
                body.freeCpuMillis() == null ? Long.MAX_VALUE : body.freeCpuMillis(),
                body.freeMemoryBytes() == null ? Long.MAX_VALUE : body.freeMemoryBytes(), settings.lease())
                .ofKinds(java.util.Set.of(TaskRepository.KIND)); // prompt jobs are the server's own, never a node's
        Duration wait = Duration.ofSeconds(body.waitSeconds() == null ? 0 : body.waitSeconds());
        // The wait happens after this request's transaction, so a waiting node holds no connection.
        return Reply.streamed("application/json", ctx -> answerClaim(ctx, nodeId, request, wait));
    }

    private void answerClaim(Context ctx, UUID nodeId, ClaimRequest request, Duration wait) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        List<Lease> leases = List.of();
        try {
            leases = waitForWork(nodeId, request, deadline);
        } catch (org.jdbi.v3.core.ConnectionException e) {
            // The server is stopping (its pool closed under a waiting claim): nothing was leased.
            log.debug("A waiting claim of node {} ended: {}", nodeId, e.getMessage());
        }
        List<ClaimedJob> jobs = new ArrayList<>(leases.size());
        for (Lease lease : leases) {
            TaskSpec spec = TaskViews.spec(lease.job());
            // Most tasks have no attachments: no second query for them on the way to the node.
            Map<String, byte[]> files = spec.attachments() == null || spec.attachments().isEmpty() ? Map.of()
                    : database.read(s -> s.tasks().attachments(lease.jobId()));
            List<AttachmentFile> attachments = files.entrySet().stream()
                    .map(f -> new AttachmentFile(f.getKey(), Base64.getEncoder().encodeToString(f.getValue()))).toList();
            jobs.add(new ClaimedJob(lease.jobId(), lease.job().workspaceId(), lease.token(), lease.job().attempts(),
                    lease.expiresAt(), spec, attachments));
            log.info("Task {} (attempt {}) leased to node {}", lease.jobId(), lease.job().attempts(), nodeId);
        }
        ctx.result(Json.encode(new ClaimAnswer(jobs, settings.lease().toMillis(), settings.leaseHeartbeat().toMillis())));
    }

    /** Claims until something is leased or the deadline passes; sleeps on the work signal in between. */
    private List<Lease> waitForWork(UUID nodeId, ClaimRequest request, long deadline) throws InterruptedException {
        List<Lease> leases = List.of();
        while (request.capacity() > 0) {
            long generation = signal.generation();
            // Whether the node may take work, and the claim, in one transaction: one round trip fewer on the way to a task.
            Optional<List<Lease>> claimed = queue.claimOnce(request, s -> s.nodes().find(nodeId)
                    .map(n -> n.scheduling() == NodeScheduling.SCHEDULABLE && n.removedAt() == null).orElse(false));
            if (claimed.isEmpty()) {
                break;
            }
            leases = claimed.get();
            long left = deadline - System.nanoTime();
            if (!leases.isEmpty() || left <= 0) {
                break;
            }
            signal.awaitAfter(generation, Duration.ofNanos(Math.min(left, Duration.ofSeconds(1).toNanos())));
        }
        return leases;
    }

    private Object leases(Call call) {
        LeaseBeat beat = call.body(LeaseBeat.class);
        Checks checks = new Checks().required("/leases", beat.leases());
        if (beat.leases() != null) {
            checks.that(beat.leases().size() <= MAX_LEASES_PER_BEAT, "/leases", "must hold at most " + MAX_LEASES_PER_BEAT);
            for (int i = 0; i < beat.leases().size(); i++) {
                LeaseRefBody ref = beat.leases().get(i);
                checks.that(ref != null && ref.jobId() != null && ref.leaseToken() != null, "/leases/" + i,
                        "needs jobId and leaseToken");
            }
        }
        checks.throwIfAny();
        List<TaskRepository.LeaseRef> refs = beat.leases().stream()
                .map(r -> new TaskRepository.LeaseRef(r.jobId(), r.leaseToken())).toList();
        List<LeaseStatus> answers = call.session().tasks()
                .extend(call.principal().nodeId().toString(), refs, settings.lease(), call.now()).stream()
                .map(a -> new LeaseStatus(a.jobId(), a.held() ? "HELD" : "LOST", a.cancelRequested(), a.expiresAt()))
                .toList();
        return new LeaseBeatAnswer(answers, settings.leaseHeartbeat().toMillis());
    }

    // ---- reports

    private HeldLease held(Call call, UUID token) {
        if (token == null) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "Name the lease with the leaseToken the claim returned.",
                    List.of(new FieldError("/leaseToken", "is required")));
        }
        UUID jobId = TaskViews.parseId(call.path("id"));
        return call.session().tasks().held(jobId, token, call.principal().nodeId().toString())
                .orElseThrow(() -> new RoostException(ErrorCode.LEASE_LOST, "This node no longer holds the lease on job " + jobId
                        + " (it expired and the job was taken back, or its outcome is recorded). Stop working on it; "
                        + "nothing more it reports will be kept."));
    }

    private Object output(Call call) {
        OutputUpload upload = call.body(OutputUpload.class);
        Checks checks = new Checks().required("/chunks", upload.chunks());
        if (upload.chunks() != null) {
            checks.that(upload.chunks().size() <= MAX_CHUNKS_PER_UPLOAD, "/chunks",
                    "must hold at most " + MAX_CHUNKS_PER_UPLOAD + " chunks");
            for (int i = 0; i < upload.chunks().size(); i++) {
                ChunkBody c = upload.chunks().get(i);
                String at = "/chunks/" + i;
                checks.that(c != null && c.seq() != null && c.seq() >= 0, at + "/seq", "must be a number from 0")
                        .that(c != null && ("stdout".equals(c.stream()) || "stderr".equals(c.stream())), at + "/stream",
                                "must be stdout or stderr")
                        .that(c != null && (c.text() == null) != (c.base64() == null), at, "needs text or base64, not both");
                if (c != null && c.text() != null) {
                    checks.that(!c.text().isEmpty() && c.text().length() <= TaskRepository.MAX_CHUNK_BYTES / 4, at + "/text",
                            "must be 1 to " + TaskRepository.MAX_CHUNK_BYTES / 4 + " characters");
                }
                if (c != null && c.base64() != null) {
                    byte[] data = decode(c.base64());
                    checks.that(data != null && data.length >= 1 && data.length <= TaskRepository.MAX_CHUNK_BYTES, at + "/base64",
                            "must be 1 to " + TaskRepository.MAX_CHUNK_BYTES + " bytes in base64");
                }
            }
        }
        checks.throwIfAny();
        HeldLease lease = held(call, upload.leaseToken());
        long stdout = call.session().tasks().outputBytes(lease.jobId(), lease.attempt(), "stdout");
        long stderr = call.session().tasks().outputBytes(lease.jobId(), lease.attempt(), "stderr");
        List<NewChunk> kept = new ArrayList<>();
        int dropped = 0;
        for (ChunkBody c : upload.chunks()) {
            byte[] data = c.text() != null ? c.text().getBytes(StandardCharsets.UTF_8) : decode(c.base64());
            boolean out = c.stream().equals("stdout");
            long used = out ? stdout : stderr;
            if (used + data.length > MAX_STREAM_BYTES) {
                dropped++;
                continue;
            }
            if (out) {
                stdout += data.length;
            } else {
                stderr += data.length;
            }
            kept.add(new NewChunk(c.seq(), c.stream(), data));
        }
        int stored = call.session().tasks().appendOutput(lease.jobId(), lease.attempt(), kept, call.now());
        return afterCommit(new OutputStored(stored, dropped));
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private Object artifact(Call call) {
        ArtifactUpload upload = call.body(ArtifactUpload.class);
        String problem = TaskViews.relativePathProblem(upload.path());
        new Checks().that(problem == null, "/path", problem == null ? "" : problem).required("/content", upload.content())
                .throwIfAny();
        byte[] content = decode(upload.content());
        if (content == null) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "The artifact content is not valid base64.",
                    List.of(new FieldError("/content", "must be base64")));
        }
        HeldLease lease = held(call, upload.leaseToken());
        long[] totals = call.session().tasks().artifactTotals(lease.jobId(), lease.attempt());
        if (content.length > MAX_ARTIFACT_BYTES || totals[0] >= MAX_ARTIFACTS || totals[1] + content.length > MAX_ARTIFACTS_BYTES) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "A task keeps at most " + MAX_ARTIFACTS + " artifacts of "
                    + MAX_ARTIFACT_BYTES / (1024 * 1024) + " MiB each and " + MAX_ARTIFACTS_BYTES / (1024 * 1024)
                    + " MiB together; this one does not fit. Report the result with artifactsTruncated.",
                    List.of(new FieldError("/content", "over the artifact caps")));
        }
        call.session().tasks().putArtifact(lease.jobId(), lease.attempt(), upload.path(), content);
        return null;
    }

    private Object complete(Call call) {
        CompleteBody body = call.body(CompleteBody.class);
        Outcome o = body.outcome();
        Checks checks = new Checks().required("/outcome", o);
        if (o != null) {
            checks.that(o.exitCode() != null && o.exitCode() >= 0 && o.exitCode() <= 255, "/outcome/exitCode",
                            "must be between 0 and 255")
                    .that(o.signal() == null || o.signal() >= 1 && o.signal() <= 64, "/outcome/signal", "must be 1 to 64")
                    .that(o.durationMs() == null || o.durationMs() >= 0, "/outcome/durationMs", "must not be negative")
                    .that(o.egress() == null || o.egress().connections() == null || o.egress().connections().size() <= 200,
                            "/outcome/egress/connections", "must list at most 200 connections");
        }
        checks.throwIfAny();
        HeldLease held = held(call, body.leaseToken());
        Job job = call.session().jobs().findById(held.jobId()).orElseThrow();
        Lease lease = new Lease(job, body.leaseToken(), call.principal().nodeId().toString(), call.now());
        String result = Json.encodeToString(o);
        dev.roost.store.jobs.Reported reported = Boolean.TRUE.equals(o.cancelled())
                // A cancelled run is no success: with the cancel requested the queue records CANCELLED.
                ? call.session().jobs().fail(lease, "cancelled while running", false, queue.retryPolicy(), call.now())
                : call.session().jobs().complete(List.of(new Completion(lease, result)), call.now()).get(0);
        return switch (reported) {
            case dev.roost.store.jobs.Reported.LeaseLost lost -> throw new RoostException(ErrorCode.LEASE_LOST,
                    "This node no longer holds the lease on job " + lost.jobId() + "; its outcome was not recorded.");
            case dev.roost.store.jobs.Reported.Recorded recorded -> {
                call.session().tasks().recordResult(held.jobId(), held.attempt(), lease.nodeId(), result, call.now());
                log.info("Task {} attempt {} ended on node {}: exit {}", held.jobId(), held.attempt(), lease.nodeId(),
                        o.exitCode());
                yield afterCommit(new Reported(held.jobId(), TaskViews.state(call.session(), recorded.job()),
                        recorded.job().attempts()));
            }
        };
    }

    /**
     * The answer, written after the request's transaction committed, and only then the signal to
     * those following task output: woken before the commit they would read the old state.
     */
    private Reply afterCommit(Object body) {
        return Reply.streamed("application/json", ctx -> {
            signal.signal();
            ctx.result(Json.encode(body));
        });
    }

    private Object fail(Call call) {
        FailBody body = call.body(FailBody.class);
        new Checks().required("/reason", body.reason()).maxLength("/reason", body.reason(), 4000)
                .maxLength("/code", body.code(), 64).throwIfAny();
        HeldLease held = held(call, body.leaseToken());
        Job job = call.session().jobs().findById(held.jobId()).orElseThrow();
        Lease lease = new Lease(job, body.leaseToken(), call.principal().nodeId().toString(), call.now());
        String reason = (body.code() == null ? "" : body.code() + ": ") + body.reason();
        dev.roost.store.jobs.Reported reported = call.session().jobs().fail(lease, reason, !Boolean.FALSE.equals(body.retry()),
                queue.retryPolicy(), call.now());
        return switch (reported) {
            case dev.roost.store.jobs.Reported.LeaseLost lost -> throw new RoostException(ErrorCode.LEASE_LOST,
                    "This node no longer holds the lease on job " + lost.jobId() + "; the failure was not recorded.");
            case dev.roost.store.jobs.Reported.Recorded recorded -> {
                log.info("Task {} attempt {} could not run on node {}: {} (now {})", held.jobId(), held.attempt(), lease.nodeId(),
                        reason, recorded.job().state());
                yield afterCommit(new Reported(held.jobId(), TaskViews.state(call.session(), recorded.job()),
                        recorded.job().attempts()));
            }
        };
    }
}
