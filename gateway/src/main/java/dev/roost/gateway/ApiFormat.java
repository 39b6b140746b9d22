package dev.roost.gateway;

/** The wire formats the gateway speaks to clients and providers. */
public enum ApiFormat {
    OPENAI,
    ANTHROPIC,
    GEMINI
}
