package dev.roost.cli.client;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/** What a request sends: bytes and their content type. */
public record RequestBody(byte[] bytes, String contentType) {
    public RequestBody {
        requireNonNull(bytes, "bytes is null");
        requireNonNull(contentType, "contentType is null");
    }

    public static RequestBody json(Object value) {
        return new RequestBody(ApiJson.encode(value), "application/json");
    }

    public static RequestBody text(String text, String contentType) {
        return new RequestBody(text.getBytes(StandardCharsets.UTF_8), contentType);
    }
}
