package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.util.function.UnaryOperator;

/**
 * One client request to the data plane: the endpoint, the raw query string (or null), a header
 * lookup (case-insensitive), the body exactly as received, and when it arrived
 * ({@link System#nanoTime()}).
 */
public record GatewayRequest(Endpoint endpoint, String query, UnaryOperator<String> headers, byte[] body, long arrivedNanos) {
    public GatewayRequest {
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(headers, "headers is null");
        requireNonNull(body, "body is null");
    }

    public String header(String name) {
        return headers.apply(name);
    }
}
