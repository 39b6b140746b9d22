package dev.roost.server.tasks;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The JSON documents of the task API and of the node's side of it. */
public final class TaskDocuments {
    private TaskDocuments() {
    }

    // ---- what users send and read

    /**
     * A task to run. {@code mode} is {@code commands} (argv lists, run without a shell),
     * {@code script} (a {@code /bin/sh} script body) or {@code prompt} (text for a model, never executed).
     */
    public record TaskRequest(String mode, List<List<String>> commands, String script, String prompt, Integer timeoutSeconds,
            Long cpuMillis, Long memoryBytes, Map<String, String> nodeLabels, List<AttachmentInput> attachments,
            String idempotencyKey, List<String> egressAllow, Integer maxAttempts) {
    }

    /** A file for the working directory: {@code content} in {@code encoding} ({@code base64}, the default, or {@code utf-8}). */
    public record AttachmentInput(String name, String content, String encoding) {
    }

    /** A task as the API shows it. */
    public record TaskView(UUID id, String workspace, String state, String mode, String submittedBy, int attempts,
            int maxAttempts, UUID nodeId, String nodeName, boolean cancelRequested, String failureReason, Integer exitCode,
            Integer timeoutSeconds, List<String> egressAllow, List<String> attachments, Instant createdAt, Instant startedAt,
            Instant finishedAt) {
    }

    public record TaskPage(List<TaskView> items, String next) {
        public TaskPage {
            items = List.copyOf(items);
        }
    }

    /**
     * One stream of a finished task: its text up to the cap, how many bytes it wrote, and whether
     * the text is cut. Output that is not UTF-8 shows in {@code text} with U+FFFD for what is not
     * text, and byte for byte in {@code base64} (absent for text).
     */
    public record StreamView(String text, long bytes, boolean truncated, String base64) {
    }

    public record ArtifactView(String path, long size, String sha256) {
    }

    /** A finished task's artifacts (of the attempt that counted), in path order. */
    public record ArtifactPage(UUID id, List<ArtifactView> artifacts) {
    }

    /** A finished task's outcome. */
    public record TaskResultView(UUID id, String state, Integer exitCode, Integer signal, boolean oomKilled, boolean timedOut,
            boolean cancelled, Long durationMs, StreamView stdout, StreamView stderr, List<ArtifactView> artifacts,
            boolean artifactsTruncated, EgressView egress, Integer attempt, UUID nodeId, String nodeName, String failureReason,
            Instant finishedAt, StartupView startup) {
    }

    /**
     * Where a task's start went, as the node measured it on its own clock: when the claim answer
     * reached it, when the jail's process was launched (or a waiting jail released), how long the
     * working directory, attachments and cgroup took, and the launch itself.
     */
    public record StartupView(Instant claimReceivedAt, Instant launchedAt, Long prepareMicros, Long launchMicros, Boolean warm) {
    }

    /** What the task did through the node's egress proxy. */
    public record EgressView(boolean enabled, long allowed, long denied, long failed, long bytesSent, long bytesReceived,
            List<EgressConnectionView> connections, long unlisted) {
    }

    public record EgressConnectionView(Instant startedAt, String kind, String host, int port, String decision, String reason,
            long bytesSent, long bytesReceived, Long durationMs) {
    }

    /** One chunk of output; {@code base64} holds its exact bytes when they are not UTF-8 text (then {@code text} shows U+FFFD). */
    public record OutputChunkView(int attempt, int seq, String stream, String text, Instant receivedAt, String base64) {
    }

    public record OutputPage(UUID id, String state, List<OutputChunkView> chunks, String next) {
    }

    // ---- what nodes send and read

    /** A node asking for work: how many jobs it can start now and what it has free; waits up to {@code waitSeconds}. */
    public record ClaimBody(Integer capacity, Long freeCpuMillis, Long freeMemoryBytes, Integer waitSeconds) {
    }

    public record ClaimAnswer(List<ClaimedJob> jobs, long leaseMillis, long leaseHeartbeatMillis) {
    }

    /** A job the node now holds: keep {@code leaseToken} from the job, it is the node's right to report. */
    public record ClaimedJob(UUID id, UUID workspaceId, UUID leaseToken, int attempt, Instant leaseExpiresAt, TaskSpec spec,
            List<AttachmentFile> attachments) {
        @Override
        public String toString() {
            return "ClaimedJob[id=" + id + ", attempt=" + attempt + "]"; // never the token
        }
    }

    public record AttachmentFile(String name, String content) {
    }

    public record LeaseRefBody(UUID jobId, UUID leaseToken) {
    }

    public record LeaseBeat(List<LeaseRefBody> leases) {
    }

    /** {@code status} HELD (go on; stop when {@code cancelRequested}) or LOST (stop; nothing reported will count). */
    public record LeaseStatus(UUID jobId, String status, boolean cancelRequested, Instant expiresAt) {
    }

    public record LeaseBeatAnswer(List<LeaseStatus> leases, long leaseHeartbeatMillis) {
    }

    /** A chunk of output: UTF-8 text in {@code text}, or, for bytes that are not, {@code base64}; one of the two. */
    public record ChunkBody(Integer seq, String stream, String text, String base64) {
    }

    public record OutputUpload(UUID leaseToken, List<ChunkBody> chunks) {
    }

    public record OutputStored(int stored, int dropped) {
    }

    public record ArtifactUpload(UUID leaseToken, String path, String content) {
    }

    /** How the sandboxed process ended, as the node saw it. */
    public record Outcome(Integer exitCode, Integer signal, Boolean oomKilled, Boolean timedOut, Boolean cancelled, Long durationMs,
            Long stdoutBytes, Long stderrBytes, Boolean artifactsTruncated, EgressView egress, StartupView startup) {
    }

    public record CompleteBody(UUID leaseToken, Outcome outcome) {
    }

    /** The job could not run: {@code code} (e.g. SANDBOX_UNAVAILABLE) and why; {@code retry} false when another attempt cannot help. */
    public record FailBody(UUID leaseToken, String code, String reason, Boolean retry) {
    }

    public record Reported(UUID id, String state, int attempts) {
    }
}
