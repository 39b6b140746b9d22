package dev.roost.store.jobs;

/**
 * Where a job is in its life. QUEUED and LEASED change; SUCCEEDED, FAILED and CANCELLED are
 * final: nothing moves a job out of them.
 */
public enum JobState {
    /** Waiting for a node; claimable once its {@code runAfter} has passed. */
    QUEUED,
    /** Held by one node under a lease token until the lease expires. */
    LEASED,
    SUCCEEDED,
    /** Out of attempts, or failed without a retry; the reason is kept. */
    FAILED,
    CANCELLED;

    public boolean isFinal() {
        return switch (this) {
            case QUEUED, LEASED -> false;
            case SUCCEEDED, FAILED, CANCELLED -> true;
        };
    }
}
