package dev.roost.store.jobs;

/** The answer to a submission: the job, and whether it was created now or found by its idempotency key. */
public record Submission(Job job, boolean created) {
}
