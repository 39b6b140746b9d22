package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import java.util.Map;

/**
 * A refusal the gateway answers itself, before or instead of an upstream answer. It is written
 * in the wire format of the endpoint the client called, so its SDK reports it as it would a
 * provider's error, with Roost's stable code inside.
 */
public final class GatewayError extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, String> headers;

    public GatewayError(ErrorCode code, String message) {
        this(code, message, Map.of());
    }

    public GatewayError(ErrorCode code, String message, Map<String, String> headers) {
        super(requireNonNull(message, "message is null"), null, false, false);
        this.code = requireNonNull(code, "code is null");
        this.headers = Map.copyOf(headers);
    }

    public ErrorCode code() {
        return code;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
