package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * What a node must offer to run a job: every one of these labels with the same value, and at
 * least this much free CPU and memory.
 */
public record Requirements(Map<String, String> labels, long cpuMillis, long memoryBytes) {
    public static final Requirements NONE = new Requirements(Map.of(), 0, 0);

    public Requirements {
        labels = Map.copyOf(requireNonNull(labels, "labels is null"));
        if (cpuMillis < 0 || memoryBytes < 0) {
            throw new IllegalArgumentException("resources cannot be negative");
        }
    }
}
