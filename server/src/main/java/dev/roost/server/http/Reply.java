package dev.roost.server.http;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A response with a status other than 200, extra headers, or a non-JSON body. {@code body} is
 * serialised as JSON unless {@code raw} is set; a {@code stream} writes the body itself.
 */
public record Reply(int status, Object body, String contentType, byte[] raw, Map<String, String> headers, Stream stream) {
    public Reply {
        requireNonNull(contentType, "contentType is null");
        headers = Map.copyOf(headers);
    }

    public Reply(int status, Object body, String contentType, byte[] raw, Map<String, String> headers) {
        this(status, body, contentType, raw, headers, null);
    }

    /**
     * A body written as it is produced (server-sent events). It runs after the handler returned,
     * on the request thread, with the request's read session already closed; status, headers and
     * content type are set before it starts. It ends when it returns or throws (a client that went
     * away shows as an {@link java.io.IOException} on write).
     */
    @FunctionalInterface
    public interface Stream {
        void writeTo(io.javalin.http.Context ctx) throws Exception;
    }

    /** A streamed answer with status 200. */
    public static Reply streamed(String contentType, Stream stream) {
        return new Reply(200, null, contentType, null, Map.of(), requireNonNull(stream, "stream is null"));
    }

    public static Reply json(int status, Object body) {
        return new Reply(status, body, "application/json", null, Map.of());
    }

    public static Reply created(Object body) {
        return json(201, body);
    }

    public static Reply text(int status, String contentType, String text) {
        return new Reply(status, null, contentType, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), Map.of());
    }

    /**
     * An error answer that still commits the request's transaction (e.g. a reused refresh
     * token: the error is returned and the revocation of its family is kept).
     */
    public static Reply problem(dev.roost.core.error.RoostException error) {
        return new Reply(error.code().httpStatus(), error, Problems.CONTENT_TYPE, null, Map.of());
    }

    public Reply withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new Reply(status, body, contentType, raw, copy, stream);
    }
}
