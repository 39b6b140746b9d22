package dev.roost.gateway;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds of model provider the gateway knows: each speaks one wire format, and has a base
 * URL used when none is given. Base URLs follow the providers' own SDK conventions: OpenAI-style
 * ones end in {@code /v1}, Anthropic's and Gemini's do not.
 */
public enum ProviderKind {
    OPENAI("openai", ApiFormat.OPENAI, "https://api.openai.com/v1"),
    ANTHROPIC("anthropic", ApiFormat.ANTHROPIC, "https://api.anthropic.com"),
    GEMINI("gemini", ApiFormat.GEMINI, "https://generativelanguage.googleapis.com"),
    OPENROUTER("openrouter", ApiFormat.OPENAI, "https://openrouter.ai/api/v1"),
    OLLAMA("ollama", ApiFormat.OPENAI, "http://127.0.0.1:11434/v1"),
    OPENAI_COMPATIBLE("openai-compatible", ApiFormat.OPENAI, null);

    private final String wireName;
    private final ApiFormat format;
    private final String defaultBaseUrl;

    ProviderKind(String wireName, ApiFormat format, String defaultBaseUrl) {
        this.wireName = wireName;
        this.format = format;
        this.defaultBaseUrl = defaultBaseUrl;
    }

    /** How the API, the CLI and the database name this kind. */
    public String wireName() {
        return wireName;
    }

    public ApiFormat format() {
        return format;
    }

    /** The base URL when none is given; empty for kinds that have no public default. */
    public Optional<String> defaultBaseUrl() {
        return Optional.ofNullable(defaultBaseUrl);
    }

    /** Whether the provider needs an API key (a local Ollama does not). */
    public boolean needsKey() {
        return this != OLLAMA && this != OPENAI_COMPATIBLE;
    }

    public static Optional<ProviderKind> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.wireName.equals(wanted)).findFirst();
    }

    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(ProviderKind::wireName).toList());
    }
}
