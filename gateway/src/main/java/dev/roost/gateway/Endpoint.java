package dev.roost.gateway;

/**
 * The client-facing endpoints of the gateway: the path clients call, the wire format, the path
 * appended to a provider's base URL, and which per-route timeout applies.
 */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions", ApiFormat.OPENAI, "/chat/completions", true),
    RESPONSES("/v1/responses", ApiFormat.OPENAI, "/responses", true),
    EMBEDDINGS("/v1/embeddings", ApiFormat.OPENAI, "/embeddings", false),
    MODELS("/v1/models", ApiFormat.OPENAI, "/models", false),
    MESSAGES("/v1/messages", ApiFormat.ANTHROPIC, "/v1/messages", true),
    COUNT_TOKENS("/v1/messages/count_tokens", ApiFormat.ANTHROPIC, "/v1/messages/count_tokens", false);

    private final String path;
    private final ApiFormat format;
    private final String upstreamPath;
    private final boolean generates;

    Endpoint(String path, ApiFormat format, String upstreamPath, boolean generates) {
        this.path = path;
        this.format = format;
        this.upstreamPath = upstreamPath;
        this.generates = generates;
    }

    public String path() {
        return path;
    }

    public ApiFormat format() {
        return format;
    }

    /** Appended to the provider's base URL. */
    public String upstreamPath() {
        return upstreamPath;
    }

    /** Whether the endpoint generates text (long first-byte timeout) rather than answering at once. */
    public boolean generates() {
        return generates;
    }
}
