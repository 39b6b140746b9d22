package dev.roost.server.testing;

import dev.roost.server.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** A small HTTP client for API tests: JSON in, status, headers and body out. */
public final class ApiClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final String token;

    public ApiClient(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    public record Response(int status, Map<String, List<String>> headers, String body) {
        public JsonNode json() {
            return Json.MAPPER.readTree(body);
        }

        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        /**
         * The model gateway's error code (in {@code error.code} in the OpenAI and Anthropic formats;
         * Gemini's {@code error.code} is the HTTP status, so its header is read), or null.
         */
        public String gatewayCode() {
            try {
                JsonNode code = json().path("error").path("code");
                return code.isString() ? code.asString() : header("x-roost-error-code").orElse(null);
            } catch (RuntimeException e) {
                return null;
            }
        }

        /** The problem document's code, or null when the body is not a problem. */
        public String code() {
            try {
                JsonNode node = json();
                return node.has("code") ? node.get("code").asString() : null;
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    public String token() {
        return token;
    }

    public ApiClient withToken(String other) {
        return new ApiClient(baseUrl, other);
    }

    public Response get(String path) {
        return send("GET", path, null, null, Map.of());
    }

    public Response delete(String path) {
        return send("DELETE", path, null, null, Map.of());
    }

    public Response post(String path, Object body) {
        return send("POST", path, json(body), "application/json", Map.of());
    }

    public Response post(String path, Object body, Map<String, String> headers) {
        return send("POST", path, json(body), "application/json", headers);
    }

    public Response put(String path, Object body) {
        return send("PUT", path, json(body), "application/json", Map.of());
    }

    public Response patch(String path, Object body) {
        return send("PATCH", path, json(body), "application/json", Map.of());
    }

    public Response putText(String path, String body, String contentType) {
        return send("PUT", path, body.getBytes(StandardCharsets.UTF_8), contentType, Map.of());
    }

    /** A GET whose body is kept as bytes (downloads). */
    public HttpResponse<byte[]> getBytes(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response send(String method, String path, byte[] body, String contentType, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        headers.forEach(b::header);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] json(Object body) {
        if (body == null) {
            return null;
        }
        if (body instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (body instanceof byte[] raw) {
            return raw;
        }
        return Json.encode(body);
    }
}
