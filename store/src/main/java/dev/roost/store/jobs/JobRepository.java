package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SQL of the job queue (table {@code jobs}, V5__jobs.sql). Every method takes the time to
 * use as {@code now}, so one clock decides leases and back-off. {@link JobQueue} runs these in
 * their own transactions; a caller that must submit together with other writes (a task and its
 * audit entry) uses {@code session.jobs()} inside its transaction.
 */
public final class JobRepository {
    /** The channel a submission notifies: a hint that work may be waiting, never a promise. */
    public static final String CHANNEL = "roost_jobs";
    static final int MAX_RESULT_BYTES = 256 * 1024;
    static final int MAX_REASON_CHARS = 4000;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };
    // Starts with a space: text blocks drop the one after RETURNING.
    private static final String COLUMNS = " " + """
            j.id, j.workspace_id, j.kind, j.payload::text AS payload, j.state, j.priority, j.attempts, j.max_attempts,
            j.run_after, j.lease_owner, j.lease_token, j.lease_expires_at, j.required_labels::text AS required_labels,
            j.cpu_millis, j.memory_bytes, j.idempotency_key, j.cancel_requested, j.result::text AS result,
            j.failure_reason, j.created_at, j.started_at, j.finished_at""";

    private final Handle handle;

    public JobRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /**
     * Inserts the jobs in one statement and notifies {@link #CHANNEL} once. A request whose
     * idempotency key is already taken in its workspace returns the job stored under it, or is
     * refused with IDEMPOTENCY_KEY_REUSED when it differs from that job's request (then nothing
     * of this call is kept once the transaction rolls back).
     */
    public List<Submission> submit(List<JobRequest> requests, Instant now) {
        if (requests.isEmpty()) {
            return List.of();
        }
        int n = requests.size();
        List<UUID> ids = new ArrayList<>(n);
        List<UUID> workspaces = new ArrayList<>(n);
        List<String> kinds = new ArrayList<>(n);
        List<String> payloads = new ArrayList<>(n);
        List<Integer> priorities = new ArrayList<>(n);
        List<Integer> maxAttempts = new ArrayList<>(n);
        List<String> labels = new ArrayList<>(n);
        List<Long> cpus = new ArrayList<>(n);
        List<Long> memories = new ArrayList<>(n);
        List<String> keys = new ArrayList<>(n);
        for (JobRequest r : requests) {
            requireJson(r.payload(), "/payload");
            ids.add(UUID.randomUUID());
            workspaces.add(r.workspaceId());
            kinds.add(r.kind());
            payloads.add(r.payload());
            priorities.add(r.priority());
            maxAttempts.add(r.maxAttempts());
            labels.add(JSON.writeValueAsString(r.requirements().labels()));
            cpus.add(r.requirements().cpuMillis());
            memories.add(r.requirements().memoryBytes());
            keys.add(r.idempotencyKey());
        }
        Map<UUID, Job> inserted = new HashMap<>();
        handle.createQuery("""
                        INSERT INTO jobs AS j (id, workspace_id, kind, payload, state, priority, attempts, max_attempts,
                            run_after, required_labels, cpu_millis, memory_bytes, idempotency_key, created_at)
                        SELECT r.id, r.workspace_id, r.kind, CAST(r.payload AS jsonb), 'QUEUED', r.priority, 0,
                            r.max_attempts, :now, CAST(r.labels AS jsonb), r.cpu, r.memory, r.key, :now
                        FROM unnest(:ids, :workspaces, :kinds, :payloads, :priorities, :maxAttempts, :labels, :cpus,
                            :memories, :keys) AS r(id, workspace_id, kind, payload, priority, max_attempts, labels, cpu,
                            memory, key)
                        ON CONFLICT (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                        RETURNING """ + COLUMNS)
                .bind("now", Rows.timestamp(now))
                .bindArray("ids", UUID.class, ids)
                .bindArray("workspaces", UUID.class, workspaces)
                .bindArray("kinds", String.class, kinds)
                .bindArray("payloads", String.class, payloads)
                .bindArray("priorities", Integer.class, priorities)
                .bindArray("maxAttempts", Integer.class, maxAttempts)
                .bindArray("labels", String.class, labels)
                .bindArray("cpus", Long.class, cpus)
                .bindArray("memories", Long.class, memories)
                .bindArray("keys", String.class, keys)
                .map((rs, ctx) -> map(rs))
                .forEach(job -> inserted.put(job.id(), job));
        List<Submission> answers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Job job = inserted.get(ids.get(i));
            // Not inserted: its key was taken, by an earlier submission or by an earlier request of this call.
            answers.add(job != null ? new Submission(job, true) : new Submission(existingFor(requests.get(i)), false));
        }
        handle.execute("NOTIFY " + CHANNEL);
        return answers;
    }

    /** The job stored under the request's idempotency key, if it was submitted with the same request. */
    private Job existingFor(JobRequest request) {
        record Found(Job job, boolean same) {
        }
        Found found = handle.createQuery("SELECT " + COLUMNS + """
                        , (j.kind = :kind AND j.payload = CAST(:payload AS jsonb) AND j.priority = :priority
                            AND j.max_attempts = :maxAttempts AND j.required_labels = CAST(:labels AS jsonb)
                            AND j.cpu_millis = :cpu AND j.memory_bytes = :memory) AS same
                        FROM jobs j WHERE j.workspace_id = :w AND j.idempotency_key = :key""")
                .bind("w", request.workspaceId()).bind("key", request.idempotencyKey())
                .bind("kind", request.kind()).bind("payload", request.payload()).bind("priority", request.priority())
                .bind("maxAttempts", request.maxAttempts())
                .bind("labels", JSON.writeValueAsString(request.requirements().labels()))
                .bind("cpu", request.requirements().cpuMillis()).bind("memory", request.requirements().memoryBytes())
                .map((rs, ctx) -> new Found(map(rs), rs.getBoolean("same")))
                .findOne()
                .orElseThrow(() -> new IllegalStateException("job with idempotency key vanished during submission"));
        if (!found.same()) {
            throw new RoostException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "The idempotency key '" + request.idempotencyKey()
                    + "' was already used in this workspace for a different job (" + found.job().id()
                    + "). Send the same request to get that job again, or use a new key for a new job.");
        }
        return found.job();
    }

    /**
     * Leases up to {@code request.capacity()} claimable jobs to the node in one statement. It may
     * lease fewer although more are ready (each workspace offers only about its fair part of the
     * batch); {@link JobQueue#claim} then claims again for the rest.
     *
     * <p>Fairness: every workspace with queued work offers its own queue head first (its order is
     * priority, then age), and a job's turn is its position in its workspace's queue plus the
     * number of jobs the workspace already has leased. The batch takes the lowest turns, so a
     * workspace with a thousand queued or running jobs cannot keep one with a few waiting. Equal
     * turns of different workspaces are taken in random order: by age, the workspace with the
     * older backlog would always win them. Rows another claim has locked are skipped, never
     * waited for. The jobs taken together must fit in the node's free CPU and memory.
     */
    public List<Lease> claim(ClaimRequest request, Instant now) {
        if (request.capacity() == 0) {
            return List.of();
        }
        Instant expires = now.plus(request.leaseDuration());
        return handle.createQuery("""
                        WITH RECURSIVE ready(workspace_id) AS (
                            (SELECT workspace_id FROM jobs WHERE state = 'QUEUED' ORDER BY workspace_id LIMIT 1)
                            UNION ALL
                            SELECT (SELECT q.workspace_id FROM jobs q
                                    WHERE q.state = 'QUEUED' AND q.workspace_id > ready.workspace_id
                                    ORDER BY q.workspace_id LIMIT 1)
                            FROM ready WHERE ready.workspace_id IS NOT NULL
                        ), tenants AS (
                            SELECT ready.workspace_id,
                                   (SELECT count(*) FROM jobs l WHERE l.state = 'LEASED'
                                        AND l.workspace_id = ready.workspace_id) AS leased
                            FROM ready WHERE ready.workspace_id IS NOT NULL
                        ), shares AS (
                            -- How many rows each workspace locks: about its fair part of the batch
                            -- (turns up to the level all would reach if each had enough work), plus
                            -- slack; never more than the batch. Locking the whole batch in every
                            -- workspace would cost a lock per row per workspace.
                            SELECT workspace_id, leased,
                                   LEAST(:capacity, GREATEST(0, ceil((sum(leased) OVER () + :capacity)
                                           / count(*) OVER ()::numeric) - leased)
                                       + ceil(:capacity / count(*) OVER ()::numeric))::integer AS take
                            FROM tenants
                        ), candidates AS (
                            SELECT c.id, c.workspace_id, c.priority, c.run_after, c.cpu_millis, c.memory_bytes, w.leased
                            FROM shares w CROSS JOIN LATERAL (
                                SELECT q.id, q.workspace_id, q.priority, q.run_after, q.cpu_millis, q.memory_bytes
                                FROM jobs q
                                WHERE q.state = 'QUEUED' AND q.workspace_id = w.workspace_id AND q.run_after <= :now
                                  AND q.required_labels <@ CAST(:labels AS jsonb)
                                  AND q.cpu_millis <= :cpu AND q.memory_bytes <= :memory
                                  AND (cardinality(CAST(:kinds AS text[])) = 0 OR q.kind = ANY(CAST(:kinds AS text[])))
                                ORDER BY q.priority DESC, q.run_after, q.id
                                LIMIT w.take
                                FOR UPDATE SKIP LOCKED) c
                        ), ranked AS (
                            SELECT id, cpu_millis, memory_bytes, random() AS tie,
                                   leased + row_number() OVER (PARTITION BY workspace_id
                                                               ORDER BY priority DESC, run_after, id) AS turn
                            FROM candidates
                        ), ordered AS (
                            SELECT id,
                                   row_number() OVER w AS seq,
                                   sum(cpu_millis) OVER w AS cpu_total,
                                   sum(memory_bytes) OVER w AS memory_total
                            FROM ranked
                            WINDOW w AS (ORDER BY turn, tie, id)
                        ), chosen AS (
                            SELECT id FROM ordered
                            WHERE seq <= :capacity AND cpu_total <= :cpu AND memory_total <= :memory
                        )
                        UPDATE jobs j
                        SET state = 'LEASED', attempts = j.attempts + 1, lease_owner = :node,
                            lease_token = gen_random_uuid(), lease_expires_at = :expires,
                            started_at = :now
                        FROM chosen
                        WHERE j.id = chosen.id AND j.state = 'QUEUED'
                        RETURNING """ + COLUMNS)
                .bind("now", Rows.timestamp(now))
                .bind("expires", Rows.timestamp(expires))
                .bind("labels", JSON.writeValueAsString(request.labels()))
                .bind("cpu", request.freeCpuMillis())
                .bind("memory", request.freeMemoryBytes())
                .bind("capacity", request.capacity())
                .bind("kinds", request.kinds().stream().sorted().toArray(String[]::new))
                .bind("node", request.nodeId())
                .map((rs, ctx) -> new Lease(map(rs), rs.getObject("lease_token", UUID.class), request.nodeId(), expires))
                .list();
    }

    /** A heartbeat: extends the lease to {@code now + duration} while the token is still the job's. */
    public LeaseAnswer extend(Lease lease, Duration duration, Instant now) {
        Instant expires = now.plus(duration);
        return handle.createQuery("""
                        UPDATE jobs SET lease_expires_at = :expires
                        WHERE id = :id AND lease_token = :token AND state = 'LEASED'
                        RETURNING cancel_requested""")
                .bind("expires", Rows.timestamp(expires)).bind("id", lease.jobId()).bind("token", lease.token())
                .mapTo(Boolean.class)
                .findOne()
                .<LeaseAnswer>map(cancel -> new LeaseAnswer.Extended(lease.jobId(), expires, cancel))
                .orElseGet(() -> new LeaseAnswer.Lost(lease.jobId()));
    }

    /** Records successes, each only while its token is the job's; one answer per completion, in order. */
    public List<Reported> complete(List<Completion> completions, Instant now) {
        if (completions.isEmpty()) {
            return List.of();
        }
        List<UUID> ids = new ArrayList<>(completions.size());
        List<UUID> tokens = new ArrayList<>(completions.size());
        List<String> results = new ArrayList<>(completions.size());
        for (Completion c : completions) {
            if (c.result() != null) {
                requireJson(c.result(), "/result");
                if (c.result().length() > MAX_RESULT_BYTES
                        || c.result().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_RESULT_BYTES) {
                    throw RoostException.invalid("/result", "A job result is at most " + MAX_RESULT_BYTES / 1024
                            + " KiB of JSON; cap the output it carries.");
                }
            }
            ids.add(c.lease().jobId());
            tokens.add(c.lease().token());
            results.add(c.result());
        }
        Map<UUID, Job> done = new HashMap<>();
        handle.createQuery("""
                        UPDATE jobs j
                        SET state = 'SUCCEEDED', result = CAST(r.result AS jsonb), finished_at = :now,
                            lease_token = NULL, lease_expires_at = NULL
                        FROM unnest(:ids, :tokens, :results) AS r(id, token, result)
                        WHERE j.id = r.id AND j.lease_token = r.token AND j.state = 'LEASED'
                        RETURNING """ + COLUMNS)
                .bind("now", Rows.timestamp(now))
                .bindArray("ids", UUID.class, ids)
                .bindArray("tokens", UUID.class, tokens)
                .bindArray("results", String.class, results)
                .map((rs, ctx) -> map(rs))
                .forEach(job -> done.put(job.id(), job));
        List<Reported> answers = new ArrayList<>(completions.size());
        for (UUID id : ids) {
            Job job = done.get(id);
            answers.add(job == null ? new Reported.LeaseLost(id) : new Reported.Recorded(job));
        }
        return answers;
    }

    /**
     * Records a failed attempt. The job is queued again after the back-off while attempts remain
     * and {@code retry} is true; otherwise it is FAILED with the reason. A job whose cancel was
     * requested becomes CANCELLED instead.
     */
    public Reported fail(Lease lease, String reason, boolean retry, RetryPolicy policy, Instant now) {
        String why = truncate(requireNonNull(reason, "reason is null"));
        // The SET expressions read the row as locked by this UPDATE, so a cancel committed just
        // before is seen.
        String retrying = "(NOT j.cancel_requested AND :retry AND j.attempts < j.max_attempts)";
        return handle.createQuery("""
                        UPDATE jobs j
                        SET state = CASE WHEN j.cancel_requested THEN 'CANCELLED'
                                         WHEN %1$s THEN 'QUEUED' ELSE 'FAILED' END,
                            run_after = CASE WHEN %1$s THEN :now + LEAST(:maxMs,
                                :baseMs * power(2, j.attempts - 1)) * interval '1 millisecond' ELSE j.run_after END,
                            finished_at = CASE WHEN %1$s THEN NULL ELSE CAST(:now AS timestamptz) END,
                            failure_reason = :reason, lease_token = NULL, lease_expires_at = NULL
                        WHERE j.id = :id AND j.lease_token = :token AND j.state = 'LEASED'
                        RETURNING """.formatted(retrying) + COLUMNS)
                .bind("now", Rows.timestamp(now)).bind("id", lease.jobId()).bind("token", lease.token())
                .bind("reason", why).bind("retry", retry)
                .bind("baseMs", (double) policy.base().toMillis()).bind("maxMs", (double) policy.max().toMillis())
                .map((rs, ctx) -> map(rs))
                .findOne()
                .<Reported>map(Reported.Recorded::new)
                .orElseGet(() -> new Reported.LeaseLost(lease.jobId()));
    }

    /**
     * Cancels a job of the workspace: a queued job is CANCELLED at once; a leased one is marked
     * so its holder learns it from its next heartbeat; a final job is left as it is. Empty when
     * the workspace has no such job.
     */
    public Optional<Job> cancel(UUID workspaceId, UUID jobId, Instant now) {
        return handle.createQuery("""
                        UPDATE jobs j
                        SET state = CASE WHEN j.state = 'QUEUED' THEN 'CANCELLED' ELSE j.state END,
                            finished_at = CASE WHEN j.state = 'QUEUED' THEN CAST(:now AS timestamptz) ELSE j.finished_at END,
                            cancel_requested = j.cancel_requested OR j.state IN ('QUEUED', 'LEASED')
                        WHERE j.id = :id AND j.workspace_id = :w
                        RETURNING """ + COLUMNS)
                .bind("now", Rows.timestamp(now)).bind("id", jobId).bind("w", workspaceId)
                .map((rs, ctx) -> map(rs))
                .findOne();
    }

    /**
     * Takes back leases that expired before {@code now}, at most {@code limit}: each job is queued
     * again after the back-off (its attempt is used up), or FAILED when it has no attempts left,
     * or CANCELLED when a cancel was requested.
     */
    public List<Job> reapExpired(Instant now, int limit, RetryPolicy policy) {
        return handle.createQuery("""
                        WITH expired AS (
                            SELECT id, CASE WHEN cancel_requested THEN 'CANCELLED'
                                            WHEN attempts < max_attempts THEN 'QUEUED'
                                            ELSE 'FAILED' END AS state
                            FROM jobs
                            WHERE state = 'LEASED' AND lease_expires_at < :now
                            ORDER BY lease_expires_at
                            LIMIT :limit
                            FOR UPDATE SKIP LOCKED
                        )
                        UPDATE jobs j
                        SET state = expired.state,
                            run_after = CASE WHEN expired.state = 'QUEUED' THEN :now + LEAST(:maxMs,
                                :baseMs * power(2, j.attempts - 1)) * interval '1 millisecond' ELSE j.run_after END,
                            finished_at = CASE WHEN expired.state = 'QUEUED' THEN NULL ELSE CAST(:now AS timestamptz) END,
                            failure_reason = 'the lease of node ' || j.lease_owner || ' expired (attempt ' || j.attempts
                                || ' of ' || j.max_attempts || ')',
                            lease_token = NULL, lease_expires_at = NULL
                        FROM expired
                        WHERE j.id = expired.id
                        RETURNING """ + COLUMNS)
                .bind("now", Rows.timestamp(now)).bind("limit", limit)
                .bind("baseMs", (double) policy.base().toMillis()).bind("maxMs", (double) policy.max().toMillis())
                .map((rs, ctx) -> map(rs))
                .list();
    }

    /** How many jobs {@code owner} holds under a lease now. */
    public int countLeasedBy(String owner) {
        return handle.createQuery("SELECT count(*) FROM jobs WHERE state = 'LEASED' AND lease_owner = :owner")
                .bind("owner", owner).mapTo(Integer.class).one();
    }

    /**
     * Takes back every lease {@code owner} holds, because the node is being drained: each job is
     * queued again at once and its attempt does not count ({@code max_attempts} grows by one, so
     * attempt numbers, and each attempt's output, stay apart), or CANCELLED when a cancel was
     * requested. The node learns it at its next lease heartbeat (LOST) and stops the job; nothing
     * it reports for it is kept.
     */
    public List<Job> handBack(String owner, Instant now) {
        List<Job> jobs = handle.createQuery("""
                        UPDATE jobs j
                        SET state = CASE WHEN j.cancel_requested THEN 'CANCELLED' ELSE 'QUEUED' END,
                            max_attempts = CASE WHEN j.cancel_requested THEN j.max_attempts ELSE j.max_attempts + 1 END,
                            run_after = CASE WHEN j.cancel_requested THEN j.run_after ELSE CAST(:now AS timestamptz) END,
                            finished_at = CASE WHEN j.cancel_requested THEN CAST(:now AS timestamptz) ELSE NULL END,
                            failure_reason = 'handed back by draining node ' || j.lease_owner || ' (attempt ' || j.attempts
                                || ', not counted)',
                            lease_token = NULL, lease_expires_at = NULL
                        WHERE j.state = 'LEASED' AND j.lease_owner = :owner
                        RETURNING """ + COLUMNS)
                .bind("now", Rows.timestamp(now)).bind("owner", owner)
                .map((rs, ctx) -> map(rs))
                .list();
        if (!jobs.isEmpty()) {
            handle.execute("NOTIFY " + CHANNEL);
        }
        return jobs;
    }

    public Optional<Job> find(UUID workspaceId, UUID jobId) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM jobs j WHERE j.id = :id AND j.workspace_id = :w")
                .bind("id", jobId).bind("w", workspaceId)
                .map((rs, ctx) -> map(rs))
                .findOne();
    }

    /** A job by id alone, whatever its workspace (for node routes, which know the job but not its workspace). */
    public Optional<Job> findById(UUID jobId) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM jobs j WHERE j.id = :id")
                .bind("id", jobId)
                .map((rs, ctx) -> map(rs))
                .findOne();
    }

    /**
     * A workspace's jobs of one kind, newest first, at most {@code limit}; with a cursor, only
     * those older than it (created before {@code beforeCreatedAt}, or at the same time with a
     * smaller id).
     */
    public List<Job> listByKind(UUID workspaceId, String kind, int limit, Instant beforeCreatedAt, UUID beforeId) {
        return listByKinds(workspaceId, List.of(kind), limit, beforeCreatedAt, beforeId);
    }

    /** As {@link #listByKind}, for jobs of any of {@code kinds}. */
    public List<Job> listByKinds(UUID workspaceId, List<String> kinds, int limit, Instant beforeCreatedAt, UUID beforeId) {
        String after = beforeCreatedAt == null ? "" : " AND (j.created_at, j.id) < (:before, :beforeId)";
        var query = handle.createQuery("SELECT " + COLUMNS + " FROM jobs j WHERE j.workspace_id = :w "
                        + "AND j.kind = ANY(CAST(:kinds AS text[]))" + after + " ORDER BY j.created_at DESC, j.id DESC LIMIT :limit")
                .bind("w", workspaceId).bind("kinds", kinds.toArray(String[]::new)).bind("limit", limit);
        if (beforeCreatedAt != null) {
            query.bind("before", Rows.timestamp(beforeCreatedAt)).bind("beforeId", beforeId);
        }
        return query.map((rs, ctx) -> map(rs)).list();
    }

    /** The job a workspace submitted under {@code idempotencyKey}, if any. */
    public Optional<Job> findByIdempotencyKey(UUID workspaceId, String idempotencyKey) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM jobs j WHERE j.workspace_id = :w AND j.idempotency_key = :key")
                .bind("w", workspaceId).bind("key", idempotencyKey)
                .map((rs, ctx) -> map(rs))
                .findOne();
    }

    /** The jobs a lease holder (a node's id) holds now, oldest lease first, at most {@code limit}: what a node runs. */
    public List<Job> listLeasedBy(String leaseOwner, int limit) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM jobs j WHERE j.state = 'LEASED' AND j.lease_owner = :owner"
                        + " ORDER BY j.started_at NULLS LAST, j.id LIMIT :limit")
                .bind("owner", leaseOwner).bind("limit", limit)
                .map((rs, ctx) -> map(rs))
                .list();
    }

    /** How many jobs are in each state (every state present, zero when none). */
    public Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(s, 0L);
        }
        handle.createQuery("SELECT state, count(*) AS n FROM jobs GROUP BY state")
                .map((rs, ctx) -> Map.entry(JobState.valueOf(rs.getString("state")), rs.getLong("n")))
                .forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    private static void requireJson(String text, String pointer) {
        try {
            JSON.readTree(text);
        } catch (JacksonException e) {
            throw RoostException.invalid(pointer, "Not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String truncate(String reason) {
        return reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS - 1) + "…";
    }

    static Job map(ResultSet rs) throws SQLException {
        return new Job(
                rs.getObject("id", UUID.class),
                rs.getObject("workspace_id", UUID.class),
                rs.getString("kind"),
                rs.getString("payload"),
                JobState.valueOf(rs.getString("state")),
                rs.getInt("priority"),
                rs.getInt("attempts"),
                rs.getInt("max_attempts"),
                Rows.instant(rs, "run_after"),
                rs.getString("lease_owner"),
                Rows.instant(rs, "lease_expires_at"),
                new Requirements(JSON.readValue(rs.getString("required_labels"), LABELS), rs.getLong("cpu_millis"),
                        rs.getLong("memory_bytes")),
                rs.getString("idempotency_key"),
                rs.getBoolean("cancel_requested"),
                rs.getString("result"),
                rs.getString("failure_reason"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "started_at"),
                Rows.instant(rs, "finished_at"));
    }
}
