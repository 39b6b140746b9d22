package dev.roost.gateway;

/**
 * Tokens of one request. {@code input} counts every prompt token, cached ones included
 * ({@code cached} is the part of {@code input} served from the provider's prompt cache).
 */
public record TokenCounts(long input, long output, long cached) {
    public static final TokenCounts NONE = new TokenCounts(0, 0, 0);

    public long total() {
        return input + output;
    }

    public TokenCounts plus(TokenCounts other) {
        return new TokenCounts(input + other.input, output + other.output, cached + other.cached);
    }
}
