package dev.roost.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;

/**
 * How the server runs tasks on nodes: a claim holds a job for {@code lease} unless the node's
 * lease heartbeats extend it; a failed or expired attempt waits {@code retryBase}, doubling up
 * to {@code retryMax}, for at most {@code maxAttempts} attempts; the reaper takes back expired
 * leases every {@code reaperInterval}.
 */
public record TaskSettings(Duration lease, Duration retryBase, Duration retryMax, int maxAttempts, Duration reaperInterval) {
    public static final TaskSettings DEFAULTS = new TaskSettings(Duration.ofSeconds(30), Duration.ofSeconds(5),
            Duration.ofMinutes(10), 3, Duration.ofSeconds(2));

    public TaskSettings {
        requireNonNull(lease, "lease is null");
        requireNonNull(retryBase, "retryBase is null");
        requireNonNull(retryMax, "retryMax is null");
        requireNonNull(reaperInterval, "reaperInterval is null");
        if (lease.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new IllegalArgumentException("a task lease must last at least 2s so nodes can heartbeat it in time");
        }
        if (retryBase.isNegative() || retryMax.compareTo(retryBase) < 0) {
            throw new IllegalArgumentException("task retries need 0 <= retry base <= retry max");
        }
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("task max attempts must be between 1 and 100, got " + maxAttempts);
        }
        if (reaperInterval.isNegative() || reaperInterval.isZero()) {
            throw new IllegalArgumentException("the task reaper interval must be positive");
        }
    }

    /** How often a node extends its leases: a third of the lease, at most every 2 seconds (cancels arrive with it). */
    public Duration leaseHeartbeat() {
        Duration third = lease.dividedBy(3);
        return third.compareTo(Duration.ofSeconds(2)) < 0 ? third : Duration.ofSeconds(2);
    }

    static TaskSettings fromEnvironment(Map<String, String> env, java.util.function.BiFunction<String, Duration, Duration> read) {
        String attempts = env.get("ROOST_TASK_MAX_ATTEMPTS");
        int maxAttempts;
        try {
            maxAttempts = attempts == null || attempts.isBlank() ? DEFAULTS.maxAttempts() : Integer.parseInt(attempts.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ROOST_TASK_MAX_ATTEMPTS must be a whole number, got '" + attempts + "'");
        }
        return new TaskSettings(
                read.apply("ROOST_TASK_LEASE", DEFAULTS.lease()),
                read.apply("ROOST_TASK_RETRY_BASE", DEFAULTS.retryBase()),
                read.apply("ROOST_TASK_RETRY_MAX", DEFAULTS.retryMax()),
                maxAttempts,
                read.apply("ROOST_TASK_REAPER_INTERVAL", DEFAULTS.reaperInterval()));
    }
}
