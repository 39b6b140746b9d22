package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.UUID;

/**
 * A node's hold on a job: the token is new for every claim, and only the current token may
 * extend the lease or report the outcome. A node must keep it secret from the job it runs.
 */
public record Lease(Job job, UUID token, String nodeId, Instant expiresAt) {
    public Lease {
        requireNonNull(job, "job is null");
        requireNonNull(token, "token is null");
        requireNonNull(nodeId, "nodeId is null");
        requireNonNull(expiresAt, "expiresAt is null");
    }

    public UUID jobId() {
        return job.id();
    }

    /** This lease with the expiry a heartbeat granted. */
    public Lease extendedTo(Instant newExpiry) {
        return new Lease(job, token, nodeId, newExpiry);
    }
}
