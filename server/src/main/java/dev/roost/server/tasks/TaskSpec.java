package dev.roost.server.tasks;

import java.util.List;

/**
 * What a task runs and with what, as stored in its job's payload and handed to the node that
 * claims it. Exactly one of {@code commands} and {@code script} is set, or, for a prompt task
 * (never handed to a node), {@code prompt}. Limits left null take
 * the node's defaults. Attachments are listed by name, size and SHA-256 (so resubmitting with
 * the same idempotency key but other files is refused); their content is stored beside the job.
 */
public record TaskSpec(String mode, List<List<String>> commands, String script, Integer timeoutSeconds, Long cpuMillis,
        Long memoryBytes, List<String> egressAllow, List<AttachmentEntry> attachments, String submittedBy, String prompt) {

    public record AttachmentEntry(String name, long size, String sha256) {
    }
}
