package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.RoostException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A job to submit. {@code payload} is a JSON document of at most {@link #MAX_PAYLOAD_BYTES}.
 * With an {@code idempotencyKey}, submitting the same request again returns the first job;
 * a different request under the same key is refused.
 *
 * @param priority orders jobs within their workspace only (higher first)
 * @param maxAttempts how many claims the job may use, the first included (1 to 100)
 */
public record JobRequest(UUID workspaceId, String kind, String payload, int priority, int maxAttempts,
        Requirements requirements, String idempotencyKey) {
    public static final int MAX_PAYLOAD_BYTES = 256 * 1024;
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    public JobRequest {
        requireNonNull(workspaceId, "workspaceId is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(payload, "payload is null");
        requireNonNull(requirements, "requirements is null");
        if (kind.isEmpty() || kind.length() > 100) {
            throw RoostException.invalid("/kind", "A job kind is 1 to 100 characters.");
        }
        if (payload.length() > MAX_PAYLOAD_BYTES || payload.getBytes(StandardCharsets.UTF_8).length > MAX_PAYLOAD_BYTES) {
            throw RoostException.invalid("/payload", "A job payload is at most " + MAX_PAYLOAD_BYTES / 1024 + " KiB of JSON.");
        }
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw RoostException.invalid("/maxAttempts", "maxAttempts is between 1 and 100.");
        }
        if (priority < Short.MIN_VALUE || priority > Short.MAX_VALUE) {
            throw RoostException.invalid("/priority", "priority is between -32768 and 32767.");
        }
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 200)) {
            throw RoostException.invalid("/idempotencyKey", "An idempotency key is 1 to 200 characters.");
        }
    }

    /** A job with default priority and attempts, no requirements and no idempotency key. */
    public static JobRequest of(UUID workspaceId, String kind, String payload) {
        return new JobRequest(workspaceId, kind, payload, 0, DEFAULT_MAX_ATTEMPTS, Requirements.NONE, null);
    }

    public JobRequest withIdempotencyKey(String key) {
        return new JobRequest(workspaceId, kind, payload, priority, maxAttempts, requirements, key);
    }

    public JobRequest withMaxAttempts(int attempts) {
        return new JobRequest(workspaceId, kind, payload, priority, attempts, requirements, idempotencyKey);
    }

    public JobRequest withPriority(int newPriority) {
        return new JobRequest(workspaceId, kind, payload, newPriority, maxAttempts, requirements, idempotencyKey);
    }

    public JobRequest withRequirements(Requirements newRequirements) {
        return new JobRequest(workspaceId, kind, payload, priority, maxAttempts, newRequirements, idempotencyKey);
    }
}
