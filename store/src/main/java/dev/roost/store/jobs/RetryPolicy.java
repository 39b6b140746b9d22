package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Exponential back-off between attempts: after attempt {@code n} failed, the job waits
 * {@code min(max, base * 2^(n-1))} before it can be claimed again.
 */
public record RetryPolicy(Duration base, Duration max) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(5), Duration.ofMinutes(10));

    public RetryPolicy {
        requireNonNull(base, "base is null");
        requireNonNull(max, "max is null");
        if (base.isNegative() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("back-off needs 0 <= base <= max");
        }
    }

    /** The wait after attempt {@code attempt} (1 for the first) failed. */
    public Duration delayAfter(int attempt) {
        double millis = base.toMillis() * Math.pow(2, Math.max(0, attempt - 1));
        return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
    }
}
