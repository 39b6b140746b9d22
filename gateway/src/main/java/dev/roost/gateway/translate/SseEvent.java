package dev.roost.gateway.translate;

/** One server-sent event: its {@code event:} name (null when none) and its {@code data:} lines joined by newlines. */
public record SseEvent(String event, String data) {
}
