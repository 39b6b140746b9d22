package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** What an upstream model costs, in micro-dollars per million tokens of each kind. */
public record Price(String model, long inputMicros, long outputMicros, long cachedInputMicros, String updatedBy,
        Instant updatedAt) {
    public Price {
        requireNonNull(model, "model is null");
        if (inputMicros < 0 || outputMicros < 0 || cachedInputMicros < 0) {
            throw new IllegalArgumentException("prices are zero or more");
        }
    }

    /**
     * The cost of one request in micro-dollars, rounded up. Cached input tokens are part of the
     * input count in both wire formats' accounting here, and are charged at the cached rate.
     */
    public long cost(TokenCounts tokens) {
        long uncached = Math.max(0, tokens.input() - tokens.cached());
        long total = multiply(uncached, inputMicros) + multiply(tokens.cached(), cachedInputMicros)
                + multiply(tokens.output(), outputMicros);
        return (total + 999_999) / 1_000_000;
    }

    private static long multiply(long tokens, long microsPerMillion) {
        return Math.multiplyExact(tokens, microsPerMillion);
    }
}
