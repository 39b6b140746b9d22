package dev.roost.server.auth;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits login attempts per client address and per (address, username), so neither a
 * password-guessing run against one account nor a spray across many accounts gets far.
 * Kept in memory per server process; the table is cleared when it grows large, which only
 * ever forgets limits, never adds them.
 */
public final class LoginRateLimiter {
    private static final int MAX_TRACKED = 50_000;

    private final int perAccountPerMinute;
    private final int perAddressPerMinute;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public LoginRateLimiter(int perAccountPerMinute, int perAddressPerMinute) {
        if (perAccountPerMinute < 1 || perAddressPerMinute < 1) {
            throw new IllegalArgumentException("login rate limits must be at least 1 per minute");
        }
        this.perAccountPerMinute = perAccountPerMinute;
        this.perAddressPerMinute = perAddressPerMinute;
    }

    /** Counts one attempt; throws RATE_LIMITED with the wait time when over either limit. */
    public void acquire(String address, String username) {
        if (buckets.size() > MAX_TRACKED) {
            buckets.clear();
        }
        String account = "a:" + address + "\u0000" + (username == null ? "" : username.toLowerCase(Locale.ROOT));
        for (String key : List.of("i:" + address, account)) {
            int limit = key.startsWith("i:") ? perAddressPerMinute : perAccountPerMinute;
            Bucket bucket = buckets.computeIfAbsent(key, k -> Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(limit).refillGreedy(limit, Duration.ofMinutes(1)).build())
                    .build());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                long seconds = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
                throw new RoostException(ErrorCode.RATE_LIMITED,
                        "Too many sign-in attempts. Wait " + seconds + " seconds and try again.", List.of(),
                        Map.of("retryAfterSeconds", seconds));
            }
        }
    }
}
