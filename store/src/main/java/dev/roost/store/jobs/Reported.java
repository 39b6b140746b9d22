package dev.roost.store.jobs;

import java.util.UUID;

/** The answer to a node reporting a job's outcome. */
public sealed interface Reported {
    /** The report was recorded; {@code job} is the job after it (QUEUED again when a retry is due). */
    record Recorded(Job job) implements Reported {
    }

    /**
     * Refused: the lease token is not the job's current one (the lease expired and the job was
     * re-queued or claimed by another node, or the outcome is already recorded).
     */
    record LeaseLost(UUID jobId) implements Reported {
    }
}
