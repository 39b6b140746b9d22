package dev.roost.store.jobs;

import java.time.Instant;
import java.util.UUID;

/** The answer to a heartbeat. */
public sealed interface LeaseAnswer {
    /** The lease now lasts until {@code expiresAt}; when {@code cancelRequested}, stop the job and report it. */
    record Extended(UUID jobId, Instant expiresAt, boolean cancelRequested) implements LeaseAnswer {
    }

    /** The token is no longer the job's: stop working on it, nothing it reports will be recorded. */
    record Lost(UUID jobId) implements LeaseAnswer {
    }
}
