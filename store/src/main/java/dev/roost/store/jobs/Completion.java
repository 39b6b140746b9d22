package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

/** A successful outcome to record for a lease; {@code result} is JSON (or null). */
public record Completion(Lease lease, String result) {
    public Completion {
        requireNonNull(lease, "lease is null");
    }
}
