package dev.roost.store.tasks;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Rows;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What tasks keep beside their job (V7__tasks.sql): attachments, streamed output, artifacts and
 * the one recorded result; and the node's side of a lease (is this token still the job's, for
 * this node; extend many leases at once). Runs inside the caller's transaction.
 */
public final class TaskRepository {
    /** The kind of the jobs that are tasks. */
    public static final String KIND = "task";
    /** Bytes of one stored output chunk. */
    public static final int MAX_CHUNK_BYTES = 256 * 1024;

    private final Handle handle;

    public TaskRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /** A lease as a node names it: the job and the token its claim returned. */
    public record LeaseRef(UUID jobId, UUID token) {
        public LeaseRef {
            requireNonNull(jobId, "jobId is null");
            requireNonNull(token, "token is null");
        }
    }

    /** A lease the calling node still holds: the job's workspace and the attempt it is running. */
    public record HeldLease(UUID jobId, UUID workspaceId, int attempt) {
    }

    /** The answer to one lease of a batched heartbeat. */
    public record LeaseState(UUID jobId, boolean held, Instant expiresAt, boolean cancelRequested) {
    }

    /** One stored output chunk. */
    public record OutputChunk(int attempt, int seq, String stream, byte[] data, Instant receivedAt) {
    }

    /** A chunk as the node sends it. */
    public record NewChunk(int seq, String stream, byte[] data) {
        public NewChunk {
            requireNonNull(stream, "stream is null");
            requireNonNull(data, "data is null");
        }
    }

    /** An artifact without its content. */
    public record ArtifactInfo(String path, long size, String sha256) {
    }

    /** The recorded outcome: the attempt that counted, the node that ran it, and the result document. */
    public record StoredResult(int attempt, String nodeId, String resultJson, Instant recordedAt) {
    }

    public void insertAttachments(UUID jobId, Map<String, byte[]> files) {
        for (var file : files.entrySet()) {
            handle.createUpdate("INSERT INTO task_attachments (job_id, name, content) VALUES (:job, :name, :content)")
                    .bind("job", jobId).bind("name", file.getKey()).bind("content", file.getValue()).execute();
        }
    }

    /** The task's attachments, by name in name order. */
    public Map<String, byte[]> attachments(UUID jobId) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        handle.createQuery("SELECT name, content FROM task_attachments WHERE job_id = :job ORDER BY name")
                .bind("job", jobId)
                .map((rs, ctx) -> Map.entry(rs.getString("name"), rs.getBytes("content")))
                .forEach(e -> files.put(e.getKey(), e.getValue()));
        return files;
    }

    /**
     * The lease when {@code token} is still the job's current one and {@code nodeId} holds it;
     * empty when the lease was lost (expired and taken back, or the outcome is recorded). Locks
     * the job's row until the transaction ends, so a reaper cannot take it back meanwhile.
     */
    public Optional<HeldLease> held(UUID jobId, UUID token, String nodeId) {
        return handle.createQuery("""
                        SELECT id, workspace_id, attempts FROM jobs
                        WHERE id = :id AND lease_token = :token AND lease_owner = :node AND state = 'LEASED'
                        FOR SHARE""")
                .bind("id", jobId).bind("token", token).bind("node", nodeId)
                .map((rs, ctx) -> new HeldLease(rs.getObject("id", UUID.class), rs.getObject("workspace_id", UUID.class),
                        rs.getInt("attempts")))
                .findOne();
    }

    /**
     * A batched heartbeat: every lease the node still holds lasts {@code duration} from now; one
     * answer per lease, in order, saying whether it is still held and whether a cancel was asked.
     */
    public List<LeaseState> extend(String nodeId, List<LeaseRef> leases, Duration duration, Instant now) {
        if (leases.isEmpty()) {
            return List.of();
        }
        Instant expires = now.plus(duration);
        List<UUID> ids = leases.stream().map(LeaseRef::jobId).toList();
        List<UUID> tokens = leases.stream().map(LeaseRef::token).toList();
        Map<LeaseRef, Boolean> extended = new java.util.HashMap<>();
        handle.createQuery("""
                        UPDATE jobs j SET lease_expires_at = :expires
                        FROM unnest(:ids, :tokens) AS l(id, token)
                        WHERE j.id = l.id AND j.lease_token = l.token AND j.lease_owner = :node AND j.state = 'LEASED'
                        RETURNING j.id, j.lease_token, j.cancel_requested""")
                .bind("expires", Rows.timestamp(expires)).bind("node", nodeId)
                .bindArray("ids", UUID.class, ids).bindArray("tokens", UUID.class, tokens)
                .map((rs, ctx) -> Map.entry(new LeaseRef(rs.getObject("id", UUID.class), rs.getObject("lease_token", UUID.class)),
                        rs.getBoolean("cancel_requested")))
                .forEach(e -> extended.put(e.getKey(), e.getValue()));
        List<LeaseState> answers = new ArrayList<>(leases.size());
        for (LeaseRef lease : leases) {
            Boolean cancel = extended.get(lease);
            answers.add(cancel == null ? new LeaseState(lease.jobId(), false, null, false)
                    : new LeaseState(lease.jobId(), true, expires, cancel));
        }
        return answers;
    }

    /** Stores chunks of one attempt; a chunk whose number is already stored is skipped. Returns how many were new. */
    public int appendOutput(UUID jobId, int attempt, List<NewChunk> chunks, Instant now) {
        int added = 0;
        for (NewChunk c : chunks) {
            added += handle.createUpdate("""
                            INSERT INTO task_output (job_id, attempt, seq, stream, data, received_at)
                            VALUES (:job, :attempt, :seq, :stream, :data, :now)
                            ON CONFLICT (job_id, attempt, seq) DO NOTHING""")
                    .bind("job", jobId).bind("attempt", attempt).bind("seq", c.seq()).bind("stream", c.stream())
                    .bind("data", c.data()).bind("now", Rows.timestamp(now))
                    .execute();
        }
        return added;
    }

    /** Bytes of output stored for one attempt and stream. */
    public long outputBytes(UUID jobId, int attempt, String stream) {
        return handle.createQuery("""
                        SELECT coalesce(sum(octet_length(data)), 0) FROM task_output
                        WHERE job_id = :job AND attempt = :attempt AND stream = :stream""")
                .bind("job", jobId).bind("attempt", attempt).bind("stream", stream)
                .mapTo(Long.class).one();
    }

    /**
     * Output chunks after the cursor ({@code attempt}, {@code seq}), in attempt and then chunk
     * order, at most {@code limit}. Start with attempt 0 and seq -1 for everything.
     */
    public List<OutputChunk> output(UUID jobId, int afterAttempt, int afterSeq, int limit) {
        return handle.createQuery("""
                        SELECT attempt, seq, stream, data, received_at FROM task_output
                        WHERE job_id = :job AND (attempt, seq) > (:attempt, :seq)
                        ORDER BY attempt, seq LIMIT :limit""")
                .bind("job", jobId).bind("attempt", afterAttempt).bind("seq", afterSeq).bind("limit", limit)
                .map((rs, ctx) -> new OutputChunk(rs.getInt("attempt"), rs.getInt("seq"), rs.getString("stream"),
                        rs.getBytes("data"), Rows.instant(rs, "received_at")))
                .list();
    }

    /** One attempt's output of one stream, up to {@code maxBytes}; the text and whether more was stored. */
    /** A stream's first bytes ({@code bytes}, up to the limit) as text, all it wrote, and whether the kept bytes are cut. */
    public record StreamText(String text, long totalBytes, boolean cut, byte[] bytes) {
    }

    public StreamText streamText(UUID jobId, int attempt, String stream, int maxBytes) {
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        long[] total = {0};
        handle.createQuery("""
                        SELECT data FROM task_output WHERE job_id = :job AND attempt = :attempt AND stream = :stream
                        ORDER BY seq""")
                .bind("job", jobId).bind("attempt", attempt).bind("stream", stream)
                .map((rs, ctx) -> rs.getBytes("data"))
                .forEach(data -> {
                    total[0] += data.length;
                    int room = maxBytes - kept.size();
                    if (room > 0) {
                        kept.write(data, 0, Math.min(room, data.length));
                    }
                });
        return new StreamText(kept.toString(StandardCharsets.UTF_8), total[0], total[0] > kept.size(), kept.toByteArray());
    }

    /** Stores (or replaces, for a retried upload) one artifact of an attempt. */
    public void putArtifact(UUID jobId, int attempt, String path, byte[] content) {
        handle.createUpdate("""
                        INSERT INTO task_artifacts (job_id, attempt, path, size, sha256, content)
                        VALUES (:job, :attempt, :path, :size, :sha, :content)
                        ON CONFLICT (job_id, attempt, path) DO UPDATE
                        SET size = excluded.size, sha256 = excluded.sha256, content = excluded.content""")
                .bind("job", jobId).bind("attempt", attempt).bind("path", path).bind("size", (long) content.length)
                .bind("sha", sha256(content)).bind("content", content)
                .execute();
    }

    /** The artifacts of one attempt, in path order. */
    public List<ArtifactInfo> artifacts(UUID jobId, int attempt) {
        return handle.createQuery("""
                        SELECT path, size, sha256 FROM task_artifacts WHERE job_id = :job AND attempt = :attempt ORDER BY path""")
                .bind("job", jobId).bind("attempt", attempt)
                .map((rs, ctx) -> new ArtifactInfo(rs.getString("path"), rs.getLong("size"), rs.getString("sha256")))
                .list();
    }

    /** How many artifacts, and how many bytes, an attempt has stored. */
    public long[] artifactTotals(UUID jobId, int attempt) {
        return handle.createQuery("""
                        SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM task_artifacts
                        WHERE job_id = :job AND attempt = :attempt""")
                .bind("job", jobId).bind("attempt", attempt)
                .map((rs, ctx) -> new long[] {rs.getLong("n"), rs.getLong("bytes")})
                .one();
    }

    public Optional<byte[]> artifactContent(UUID jobId, int attempt, String path) {
        return handle.createQuery("SELECT content FROM task_artifacts WHERE job_id = :job AND attempt = :attempt AND path = :path")
                .bind("job", jobId).bind("attempt", attempt).bind("path", path)
                .map((rs, ctx) -> rs.getBytes("content"))
                .findOne();
    }

    /** Records the outcome; the caller has just recorded the queue's report for the same lease. */
    public void recordResult(UUID jobId, int attempt, String nodeId, String resultJson, Instant now) {
        handle.createUpdate("""
                        INSERT INTO task_results (job_id, attempt, node_id, result, recorded_at)
                        VALUES (:job, :attempt, :node, CAST(:result AS jsonb), :now)""")
                .bind("job", jobId).bind("attempt", attempt).bind("node", nodeId).bind("result", resultJson)
                .bind("now", Rows.timestamp(now))
                .execute();
    }

    public Optional<StoredResult> result(UUID jobId) {
        return handle.createQuery("SELECT attempt, node_id, result::text AS result, recorded_at FROM task_results WHERE job_id = :job")
                .bind("job", jobId)
                .map((rs, ctx) -> new StoredResult(rs.getInt("attempt"), rs.getString("node_id"), rs.getString("result"),
                        Rows.instant(rs, "recorded_at")))
                .findOne();
    }

    /** How many results are recorded for a job: 0 or 1 (tests check "exactly once" with it). */
    public int resultCount(UUID jobId) {
        return handle.createQuery("SELECT count(*) FROM task_results WHERE job_id = :job").bind("job", jobId)
                .mapTo(Integer.class).one();
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
