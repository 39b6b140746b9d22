package dev.roost.cli.client;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Talks to one Roost server: JSON over HTTP with the caller's credentials. Every request carries
 * a User-Agent and its own {@code X-Request-Id}; every POST an {@code Idempotency-Key}, so the
 * retries after a dropped connection cannot do anything twice. Error answers become
 * {@link ProblemException}s; an unreachable server a {@link CliException} with exit code 5.
 */
public final class RoostClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int ATTEMPTS = 3;

    private final String server;
    private final Credentials credentials;
    private final HttpClient http;
    private final String version;

    public RoostClient(String server, Credentials credentials, String version) {
        this(server, credentials, HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build(), version);
    }

    private RoostClient(String server, Credentials credentials, HttpClient http, String version) {
        this.server = requireNonNull(server, "server is null");
        this.credentials = requireNonNull(credentials, "credentials is null");
        this.http = requireNonNull(http, "http is null");
        this.version = requireNonNull(version, "version is null");
    }

    public String server() {
        return server;
    }

    /** The same server without credentials. */
    public RoostClient anonymous() {
        return new RoostClient(server, Credentials.NONE, http, version);
    }

    public ApiResponse get(String path) {
        return send("GET", path, null);
    }

    public ApiResponse post(String path, Object json) {
        return send("POST", path, RequestBody.json(json));
    }

    public ApiResponse put(String path, Object json) {
        return send("PUT", path, RequestBody.json(json));
    }

    public ApiResponse patch(String path, Object json) {
        return send("PATCH", path, RequestBody.json(json));
    }

    public ApiResponse delete(String path) {
        return send("DELETE", path, null);
    }

    /** Sends a request and returns a 2xx answer; anything else is thrown as a {@link ProblemException}. */
    public ApiResponse send(String method, String path, RequestBody body) {
        String bearer = switch (credentials) {
            case Credentials.Anonymous a -> null;
            case Credentials.ApiToken t -> t.token();
            case SavedSession s -> s.accessToken(this);
        };
        Exchange answer = exchange(method, path, body, bearer, true);
        if (answer.status() == 401 && credentials instanceof SavedSession session
                && "TOKEN_EXPIRED".equals(answer.problem().code())) {
            answer = exchange(method, path, body, session.renew(this, bearer), true);
        }
        if (answer.status() / 100 != 2) {
            throw new ProblemException(answer.problem());
        }
        return answer.response();
    }

    /**
     * A streaming GET of server-sent events: hands each line of the body to {@code lines} until the
     * server ends the stream (or the process is interrupted). No overall timeout applies; an error
     * answer is thrown as a {@link ProblemException} before any line is handed on.
     */
    public void streamLines(String path, java.util.function.Consumer<String> lines) {
        String bearer = switch (credentials) {
            case Credentials.Anonymous a -> null;
            case Credentials.ApiToken t -> t.token();
            case SavedSession s -> s.accessToken(this);
        };
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path))
                    .header("Accept", "text/event-stream")
                    .header("User-Agent", "roost-cli/" + version)
                    .header("X-Request-Id", "cli-" + randomHex(8))
                    .GET();
            if (bearer != null) {
                builder.header("Authorization", "Bearer " + bearer);
            }
            HttpResponse<java.util.stream.Stream<String>> r;
            try {
                r = http.send(builder.build(), HttpResponse.BodyHandlers.ofLines());
            } catch (IOException | IllegalArgumentException e) {
                throw unreachable(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILED, "interrupted");
            }
            if (r.statusCode() / 100 != 2) {
                byte[] body;
                try (java.util.stream.Stream<String> text = r.body()) {
                    body = String.join("\n", text.toList()).getBytes(StandardCharsets.UTF_8);
                }
                Problem problem = Problem.from(r.statusCode(), body, r.headers().firstValue("X-Request-Id").orElse(null));
                if (attempt == 1 && r.statusCode() == 401 && credentials instanceof SavedSession session
                        && "TOKEN_EXPIRED".equals(problem.code())) {
                    bearer = session.renew(this, bearer);
                    continue;
                }
                throw new ProblemException(problem);
            }
            try (java.util.stream.Stream<String> text = r.body()) {
                text.forEach(lines);
            } catch (java.io.UncheckedIOException e) {
                throw new CliException(ExitCodes.UNREACHABLE, "the connection to " + server + " broke: " + reason(e));
            }
            return;
        }
    }

    /** Sends a GET without throwing on an error status, for probes like /readyz whose error answers have a body. */
    public ApiResponse probe(String path) {
        return exchange("GET", path, null, null, true).response();
    }

    /** One answer, successful or not; {@code problem} is set for an error status. */
    record Exchange(ApiResponse response, Problem problem) {
        int status() {
            return response.status();
        }
    }

    /**
     * Sends one request and returns whatever status came back. With {@code retry}, a connection
     * that dropped after the request went out is tried again with the same Idempotency-Key.
     */
    Exchange exchange(String method, String path, RequestBody body, String bearer, boolean retry) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json")
                .header("User-Agent", "roost-cli/" + version)
                .header("X-Request-Id", "cli-" + randomHex(8));
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        if (method.equals("POST")) {
            builder.header("Idempotency-Key", UUID.randomUUID().toString());
        }
        if (body != null) {
            builder.header("Content-Type", body.contentType());
            builder.method(method, HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest request = builder.build();
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                ApiResponse response = new ApiResponse(r.statusCode(), r.headers(), r.body());
                return new Exchange(response, r.statusCode() / 100 == 2 ? null
                        : Problem.from(r.statusCode(), r.body(), r.headers().firstValue("X-Request-Id").orElse(null)));
            } catch (IOException e) {
                if (!retry || !retryable(e) || attempt == ATTEMPTS) {
                    throw unreachable(e);
                }
                pause(attempt);
            } catch (IllegalArgumentException e) { // includes UnresolvedAddressException
                throw unreachable(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILED, "interrupted");
            }
        }
    }

    /** A connection that broke after it was made; a refused one or a timeout is not worth repeating. */
    private static boolean retryable(IOException e) {
        return !(e instanceof ConnectException) && !(e instanceof HttpTimeoutException)
                && !(e.getCause() instanceof ConnectException) && !(e.getCause() instanceof UnresolvedAddressException);
    }

    private CliException unreachable(Exception e) {
        return new CliException(ExitCodes.UNREACHABLE, "cannot reach the Roost server at " + server + ": " + reason(e)
                + "; is it running (roost up)?");
    }

    private static String reason(Throwable e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connecting timed out after " + CONNECT_TIMEOUT.toSeconds() + " s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof ConnectException) {
                return "connection refused";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    private URI uri(String path) {
        try {
            return URI.create(server + path);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "not a valid URL: " + server + path);
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(250L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** One path segment, percent-encoded. */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
