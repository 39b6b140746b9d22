package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/**
 * Watches one streamed answer's cost for a key with a budget, so that a stream which would take
 * the key past its budget is ended between two events instead of running on unpaid. The cost is
 * estimated while the stream runs: input tokens as the provider reported them, or about one per
 * four bytes of the request until it does; output tokens as reported, or at least one per
 * streamed event. Confined to the thread relaying the stream.
 */
final class StreamBudget {
    private final long budgetMicros;
    private final Price price;
    private final long inputEstimate;
    private final java.util.function.LongSupplier spentByOthers;
    private TokenCounts estimate = TokenCounts.NONE;

    /**
     * @param spentByOthers what the key has spent in its period so far, this stream not included
     */
    StreamBudget(Budget budget, Price price, int requestBytes, java.util.function.LongSupplier spentByOthers) {
        this.budgetMicros = requireNonNull(budget, "budget is null").micros();
        this.price = requireNonNull(price, "price is null");
        this.inputEstimate = Math.max(1, requestBytes / 4);
        this.spentByOthers = requireNonNull(spentByOthers, "spentByOthers is null");
    }

    /** After an event: true when the stream has used up what is left of the budget. */
    boolean exhausted(TokenCounts reported, int events) {
        long input = reported.input() > 0 ? reported.input() : inputEstimate;
        estimate = new TokenCounts(input, Math.max(reported.output(), events), Math.min(reported.cached(), input));
        return spentByOthers.getAsLong() + price.cost(estimate) >= budgetMicros;
    }

    /** The tokens to meter for a stream that was cut: what the provider reported, or the estimate when larger. */
    TokenCounts tokens(TokenCounts reported) {
        return UsageParser.max(reported, estimate);
    }

    /**
     * The last event a client gets when its stream is cut, in the wire format it speaks: an
     * {@code error} event (Anthropic, OpenAI Responses) or an {@code error} chunk followed by
     * {@code [DONE]} (OpenAI chat), each carrying the code {@code BUDGET_EXCEEDED}.
     */
    static byte[] endEvent(Endpoint endpoint, String message) {
        String quoted = new String(RequestFields.quote(message), StandardCharsets.UTF_8);
        String event = switch (endpoint.format()) {
            case ANTHROPIC -> "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":"
                    + quoted + "}}\n\n";
            case OPENAI, GEMINI -> endpoint == Endpoint.RESPONSES
                    ? "event: error\ndata: {\"type\":\"error\",\"code\":\"BUDGET_EXCEEDED\",\"message\":" + quoted
                            + ",\"param\":null}\n\n"
                    : "data: {\"error\":{\"message\":" + quoted + ",\"type\":\"insufficient_quota\",\"param\":null,"
                            + "\"code\":\"BUDGET_EXCEEDED\"}}\n\ndata: [DONE]\n\n";
        };
        return event.getBytes(StandardCharsets.UTF_8);
    }
}
