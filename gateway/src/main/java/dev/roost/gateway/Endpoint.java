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
    COUNT_TOKENS("/v1/messages/count_tokens", ApiFormat.ANTHROPIC, "/v1/messages/count_tokens", false),
    /** Gemini's methods take the model from the path: {@code /v1beta/models/MODEL:METHOD}. */
    GEMINI_GENERATE("/v1beta/models/{model}:generateContent", ApiFormat.GEMINI, ":generateContent", true),
    GEMINI_STREAM("/v1beta/models/{model}:streamGenerateContent", ApiFormat.GEMINI, ":streamGenerateContent", true),
    GEMINI_COUNT_TOKENS("/v1beta/models/{model}:countTokens", ApiFormat.GEMINI, ":countTokens", false);

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

    /** Appended to the provider's base URL for {@code model} (Gemini names the model in the path). */
    public String upstreamPath(String model) {
        return format == ApiFormat.GEMINI ? "/v1beta/models/" + model + upstreamPath : upstreamPath;
    }

    /** The Gemini endpoint for a method name ({@code generateContent}, …), or null when there is none. */
    public static Endpoint geminiMethod(String method) {
        return switch (method) {
            case "generateContent" -> GEMINI_GENERATE;
            case "streamGenerateContent" -> GEMINI_STREAM;
            case "countTokens" -> GEMINI_COUNT_TOKENS;
            default -> null;
        };
    }

    /** Whether the endpoint generates text (long first-byte timeout) rather than answering at once. */
    public boolean generates() {
        return generates;
    }
}
