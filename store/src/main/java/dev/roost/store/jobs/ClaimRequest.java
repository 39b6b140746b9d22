package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;

/**
 * A node asking for work: at most {@code capacity} jobs whose required labels it carries and
 * whose CPU and memory together fit in what it has free, each leased for {@code leaseDuration}.
 * With {@code kinds}, only jobs of those kinds (nodes take {@code task} jobs; the server's prompt
 * runner takes {@code prompt} jobs); empty: any kind.
 */
public record ClaimRequest(String nodeId, int capacity, Map<String, String> labels, long freeCpuMillis,
        long freeMemoryBytes, Duration leaseDuration, java.util.Set<String> kinds) {
    public static final int MAX_CAPACITY = 1000;

    public ClaimRequest {
        requireNonNull(nodeId, "nodeId is null");
        labels = Map.copyOf(requireNonNull(labels, "labels is null"));
        requireNonNull(leaseDuration, "leaseDuration is null");
        kinds = java.util.Set.copyOf(requireNonNull(kinds, "kinds is null"));
        if (nodeId.isEmpty() || nodeId.length() > 200) {
            throw new IllegalArgumentException("a node id is 1 to 200 characters");
        }
        if (capacity < 0 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be between 0 and " + MAX_CAPACITY + ", not " + capacity);
        }
        if (freeCpuMillis < 0 || freeMemoryBytes < 0) {
            throw new IllegalArgumentException("free resources cannot be negative");
        }
        if (leaseDuration.isNegative() || leaseDuration.isZero()) {
            throw new IllegalArgumentException("a lease must last longer than zero");
        }
    }

    /** A claim for jobs of any kind. */
    public ClaimRequest(String nodeId, int capacity, Map<String, String> labels, long freeCpuMillis, long freeMemoryBytes,
            Duration leaseDuration) {
        this(nodeId, capacity, labels, freeCpuMillis, freeMemoryBytes, leaseDuration, java.util.Set.of());
    }

    /** This claim, for jobs of {@code onlyKinds} only. */
    public ClaimRequest ofKinds(java.util.Set<String> onlyKinds) {
        return new ClaimRequest(nodeId, capacity, labels, freeCpuMillis, freeMemoryBytes, leaseDuration, onlyKinds);
    }

    /** What is left of this request after {@code taken} were leased: less capacity, less free CPU and memory. */
    ClaimRequest withCapacity(int remaining, java.util.List<Lease> taken) {
        long cpu = freeCpuMillis;
        long memory = freeMemoryBytes;
        for (Lease lease : taken) {
            cpu -= lease.job().requirements().cpuMillis();
            memory -= lease.job().requirements().memoryBytes();
        }
        return new ClaimRequest(nodeId, remaining, labels, Math.max(0, cpu), Math.max(0, memory), leaseDuration, kinds);
    }

    /** A node with no labels and no resource limits. */
    public static ClaimRequest of(String nodeId, int capacity, Duration leaseDuration) {
        return new ClaimRequest(nodeId, capacity, Map.of(), Long.MAX_VALUE, Long.MAX_VALUE, leaseDuration);
    }
}
