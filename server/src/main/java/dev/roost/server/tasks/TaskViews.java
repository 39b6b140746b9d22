package dev.roost.server.tasks;

import dev.roost.core.error.RoostException;
import dev.roost.core.node.Node;
import dev.roost.server.http.Json;
import dev.roost.server.tasks.TaskDocuments.ArtifactView;
import dev.roost.server.tasks.TaskDocuments.Outcome;
import dev.roost.server.tasks.TaskDocuments.StreamView;
import dev.roost.server.tasks.TaskDocuments.TaskResultView;
import dev.roost.server.tasks.TaskDocuments.TaskView;
import dev.roost.store.Session;
import dev.roost.store.jobs.Job;
import dev.roost.store.tasks.TaskRepository;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Turns stored jobs and their task rows into the documents the API shows. */
final class TaskViews {
    private TaskViews() {
    }

    static TaskSpec spec(Job job) {
        return Json.decode(job.payload().getBytes(StandardCharsets.UTF_8), TaskSpec.class);
    }

    static Optional<Outcome> outcome(Session session, Job job) {
        return session.tasks().result(job.id()).map(r -> Json.decode(r.resultJson().getBytes(StandardCharsets.UTF_8), Outcome.class));
    }

    /** QUEUED, RUNNING, SUCCEEDED (ran and exited 0), FAILED (exited otherwise, or could not run) or CANCELLED. */
    static String state(Session session, Job job) {
        return switch (job.state()) {
            case QUEUED -> "QUEUED";
            case LEASED -> "RUNNING";
            case FAILED -> "FAILED";
            case CANCELLED -> "CANCELLED";
            case SUCCEEDED -> outcome(session, job).map(TaskViews::succeeded).orElse(true) ? "SUCCEEDED" : "FAILED";
        };
    }

    private static boolean succeeded(Outcome o) {
        return o.exitCode() != null && o.exitCode() == 0 && !Boolean.TRUE.equals(o.timedOut())
                && !Boolean.TRUE.equals(o.oomKilled()) && !Boolean.TRUE.equals(o.cancelled());
    }

    static TaskView view(Session session, String workspace, Job job) {
        TaskSpec spec = spec(job);
        Optional<Outcome> outcome = job.state().isFinal() ? outcome(session, job) : Optional.empty();
        UUID nodeId = nodeId(job.leaseOwner());
        String nodeName = nodeId == null ? null : session.nodes().find(nodeId).map(Node::name).orElse(null);
        return new TaskView(job.id(), workspace, state(session, job), spec.mode(), spec.submittedBy(), job.attempts(),
                job.maxAttempts(), nodeId, nodeName, job.cancelRequested(), job.failureReason(),
                outcome.map(Outcome::exitCode).orElse(null), spec.timeoutSeconds(), spec.egressAllow(),
                spec.attachments() == null ? List.of() : spec.attachments().stream().map(TaskSpec.AttachmentEntry::name).toList(),
                job.createdAt(), job.startedAt(), job.finishedAt());
    }

    static TaskResultView result(Session session, Job job, int streamBytes) {
        Optional<TaskRepository.StoredResult> stored = session.tasks().result(job.id());
        Optional<Outcome> outcome = stored.map(r -> Json.decode(r.resultJson().getBytes(StandardCharsets.UTF_8), Outcome.class));
        // Output of the attempt that counted; without a result (failed or cancelled before one), of the last attempt.
        int attempt = stored.map(TaskRepository.StoredResult::attempt).orElse(Math.max(1, job.attempts()));
        TaskRepository.StreamText out = session.tasks().streamText(job.id(), attempt, "stdout", streamBytes);
        TaskRepository.StreamText err = session.tasks().streamText(job.id(), attempt, "stderr", streamBytes);
        Outcome o = outcome.orElse(new Outcome(null, null, false, false, false, null, null, null, false, null, null));
        long stdoutBytes = o.stdoutBytes() != null ? Math.max(o.stdoutBytes(), out.totalBytes()) : out.totalBytes();
        long stderrBytes = o.stderrBytes() != null ? Math.max(o.stderrBytes(), err.totalBytes()) : err.totalBytes();
        List<ArtifactView> artifacts = session.tasks().artifacts(job.id(), attempt).stream()
                .map(a -> new ArtifactView(a.path(), a.size(), a.sha256())).toList();
        UUID nodeId = stored.map(r -> nodeId(r.nodeId())).orElse(nodeId(job.leaseOwner()));
        String nodeName = nodeId == null ? null : session.nodes().find(nodeId).map(Node::name).orElse(null);
        return new TaskResultView(job.id(), state(session, job), o.exitCode(), o.signal(), Boolean.TRUE.equals(o.oomKilled()),
                Boolean.TRUE.equals(o.timedOut()), Boolean.TRUE.equals(o.cancelled()) || job.state() == dev.roost.store.jobs.JobState.CANCELLED,
                o.durationMs(), streamView(out, stdoutBytes), streamView(err, stderrBytes),
                artifacts, Boolean.TRUE.equals(o.artifactsTruncated()), o.egress(), stored.isPresent() ? attempt : null,
                nodeId, nodeName, job.failureReason(), job.finishedAt(), o.startup());
    }

    private static StreamView streamView(TaskRepository.StreamText kept, long total) {
        boolean text = kept.cut() ? Utf8.validUpToCut(kept.bytes()) : Utf8.valid(kept.bytes());
        return new StreamView(kept.text(), total, total > kept.bytes().length,
                text ? null : java.util.Base64.getEncoder().encodeToString(kept.bytes()));
    }

    static UUID nodeId(String leaseOwner) {
        if (leaseOwner == null) {
            return null;
        }
        try {
            return UUID.fromString(leaseOwner);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static UUID parseId(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw RoostException.notFound("Task " + Json.abbreviate(text));
        }
    }

    /** Null when {@code path} is a relative file path inside the working directory; else what is wrong with it. */
    static String relativePathProblem(String path) {
        if (path == null || path.isEmpty()) {
            return "must be a relative file path such as data/input.csv";
        }
        if (path.length() > 255 || path.indexOf('\0') >= 0 || path.startsWith("/") || path.endsWith("/")) {
            return "must be a relative file path of at most 255 characters, not starting or ending with /";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return "must not contain empty, '.' or '..' segments";
            }
            if (segment.chars().anyMatch(Character::isISOControl)) {
                return "must not contain control characters";
            }
        }
        return null;
    }
}
