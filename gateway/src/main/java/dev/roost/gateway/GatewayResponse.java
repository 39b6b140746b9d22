package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * The data plane's answer: status, headers, content type, and a body that writes itself to the
 * client, flushing as it goes (a stream is relayed chunk by chunk). The body must be written
 * exactly once: usage is recorded when it finishes, however it finishes.
 */
public record GatewayResponse(int status, Map<String, String> headers, String contentType, Body body) {
    public GatewayResponse {
        requireNonNull(headers, "headers is null");
        requireNonNull(contentType, "contentType is null");
        requireNonNull(body, "body is null");
        headers = Map.copyOf(headers);
    }

    @FunctionalInterface
    public interface Body {
        /** Writes the body; an {@link IOException} from {@code out} means the client went away. */
        void writeTo(OutputStream out) throws IOException;
    }

    static GatewayResponse bytes(int status, Map<String, String> headers, String contentType, byte[] bytes,
            Runnable whenWritten) {
        return new GatewayResponse(status, headers, contentType, out -> {
            try {
                out.write(bytes);
                out.flush();
            } finally {
                whenWritten.run();
            }
        });
    }
}
