package dev.roost.gateway;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Token counts from provider answers, in either wire format: a whole JSON body, or the
 * {@code data:} events of a stream (OpenAI's last chat chunk or {@code response.completed};
 * Anthropic's {@code message_start} and cumulative {@code message_delta}). Counts from several
 * events are merged by taking the largest value of each, which fits both formats' rules.
 */
public final class UsageParser {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private UsageParser() {
    }

    /** The usage in one JSON document, or null when it has none (or is not JSON). */
    public static TokenCounts fromJson(byte[] bytes, int offset, int length) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes, offset, length);
        } catch (RuntimeException e) {
            return null;
        }
        return fromNode(node);
    }

    static TokenCounts fromNode(JsonNode node) {
        if (node != null && node.isArray()) { // Gemini's stream without alt=sse: one array of answers
            TokenCounts most = null;
            for (JsonNode element : node) {
                most = max(most, fromNode(element));
            }
            return most;
        }
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode metadata = node.get("usageMetadata");
        if (metadata != null && metadata.isObject()) { // Gemini: thoughts are billed as output
            return new TokenCounts(metadata.path("promptTokenCount").asLong(0), metadata.path("candidatesTokenCount").asLong(0)
                    + metadata.path("thoughtsTokenCount").asLong(0), metadata.path("cachedContentTokenCount").asLong(0));
        }
        JsonNode usage = node.get("usage");
        if (usage == null || !usage.isObject()) {
            JsonNode inner = node.has("response") ? node.get("response") : node.get("message");
            usage = inner == null ? null : inner.get("usage");
        }
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long cacheRead = usage.path("cache_read_input_tokens").asLong(0);
        long cacheWrite = usage.path("cache_creation_input_tokens").asLong(0);
        long input;
        long cached;
        if (usage.has("prompt_tokens")) { // OpenAI chat completions and embeddings
            input = usage.path("prompt_tokens").asLong(0);
            cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        } else if (usage.has("input_tokens_details")) { // OpenAI responses
            input = usage.path("input_tokens").asLong(0);
            cached = usage.path("input_tokens_details").path("cached_tokens").asLong(0);
        } else { // Anthropic: input_tokens excludes the cache reads and writes
            input = usage.path("input_tokens").asLong(0) + cacheRead + cacheWrite;
            cached = cacheRead;
        }
        long output = usage.has("completion_tokens") ? usage.path("completion_tokens").asLong(0)
                : usage.path("output_tokens").asLong(0);
        return new TokenCounts(input, output, cached);
    }

    static TokenCounts max(TokenCounts a, TokenCounts b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return new TokenCounts(Math.max(a.input(), b.input()), Math.max(a.output(), b.output()),
                Math.max(a.cached(), b.cached()));
    }
}
