package dev.roost.gateway;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key rate limits on this server, with Bucket4j token buckets: requests per minute are
 * taken before a request goes upstream; tokens per minute are charged after the answer (its
 * size is known only then), and a key whose token bucket is empty waits until it refills.
 * Thread-safe.
 */
final class KeyLimits {
    private final ConcurrentHashMap<UUID, Bucket> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<UUID, Bucket> tokens = new ConcurrentHashMap<>();

    /** Zero when the request may go; otherwise how long to wait, in nanoseconds. */
    long admit(VirtualKey key) {
        if (key.rpm() != null) {
            Bucket bucket = requests.computeIfAbsent(key.id(), id -> perMinute(key.rpm()));
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                return Math.max(1, probe.getNanosToWaitForRefill());
            }
        }
        if (key.tpm() != null) {
            Bucket bucket = tokens.computeIfAbsent(key.id(), id -> perMinute(key.tpm()));
            if (bucket.getAvailableTokens() <= 0) {
                io.github.bucket4j.EstimationProbe probe = bucket.estimateAbilityToConsume(1);
                return Math.max(1, probe.getNanosToWaitForRefill());
            }
        }
        return 0;
    }

    /** Charges the tokens an answer used to the key's tokens-per-minute bucket (it may go below zero). */
    void charge(VirtualKey key, long used) {
        if (key.tpm() != null && used > 0) {
            tokens.computeIfAbsent(key.id(), id -> perMinute(key.tpm())).consumeIgnoringRateLimits(used);
        }
    }

    private static Bucket perMinute(int n) {
        return Bucket.builder().addLimit(Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofMinutes(1)).build())
                .build();
    }
}
