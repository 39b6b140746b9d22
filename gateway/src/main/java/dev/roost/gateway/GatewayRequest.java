package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.util.function.UnaryOperator;

/**
 * One client request to the data plane: the endpoint, the raw query string (or null), a header
 * lookup (case-insensitive), the body exactly as received, when it arrived
 * ({@link System#nanoTime()}), and the model named in the path (Gemini's endpoints; else null).
 */
public record GatewayRequest(Endpoint endpoint, String query, UnaryOperator<String> headers, byte[] body, long arrivedNanos,
        String pathModel) {
    public GatewayRequest {
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(headers, "headers is null");
        requireNonNull(body, "body is null");
    }

    /** A request whose model is in its body (the OpenAI and Anthropic endpoints). */
    public GatewayRequest(Endpoint endpoint, String query, UnaryOperator<String> headers, byte[] body, long arrivedNanos) {
        this(endpoint, query, headers, body, arrivedNanos, null);
    }

    /** The value of a query parameter (URL-decoded), or null. */
    public String queryParameter(String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                return java.net.URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The query string without the parameter {@code name} (a key sent as {@code ?key=} must not go upstream), or null. */
    public String queryWithout(String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        StringBuilder kept = new StringBuilder();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (!(eq < 0 ? pair : pair.substring(0, eq)).equals(name) && !pair.isEmpty()) {
                kept.append(kept.isEmpty() ? "" : "&").append(pair);
            }
        }
        return kept.isEmpty() ? null : kept.toString();
    }

    public String header(String name) {
        return headers.apply(name);
    }
}
