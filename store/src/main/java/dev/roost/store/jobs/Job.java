package dev.roost.store.jobs;

import java.time.Instant;
import java.util.UUID;

/**
 * A job as stored. The lease token is not part of it: only the {@link Lease} handed to the
 * claiming node carries it, so a job read through the API cannot be used to report for it.
 *
 * @param payload and {@code result}: JSON text (as PostgreSQL normalises it)
 * @param leaseOwner the node that holds the lease, or held it last
 */
public record Job(UUID id, UUID workspaceId, String kind, String payload, JobState state, int priority, int attempts,
        int maxAttempts, Instant runAfter, String leaseOwner, Instant leaseExpiresAt, Requirements requirements,
        String idempotencyKey, boolean cancelRequested, String result, String failureReason, Instant createdAt,
        Instant startedAt, Instant finishedAt) {
}
