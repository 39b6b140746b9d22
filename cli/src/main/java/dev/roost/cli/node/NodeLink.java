package dev.roost.cli.node;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import dev.roost.cli.client.ApiJson;
import dev.roost.cli.client.Credentials;
import dev.roost.cli.client.Problem;
import dev.roost.cli.client.ProblemException;
import dev.roost.cli.client.RoostClient;
import dev.roost.server.Version;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * A node's authenticated line to its server: holds the short-lived node JWT, renews it before
 * it runs out (or when the server says it expired), and saves each rotated refresh credential
 * before using the new JWT. Thread-safe: the heartbeat loop and the task worker share it, and a
 * renewal happens once however many threads find the token stale (presenting a used refresh
 * credential twice would revoke the node).
 */
public final class NodeLink {
    /** Renew when less than this share of the JWT's life is left. */
    private static final double RENEW_AT_REMAINING = 0.3;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final String server;
    private final NodeStateFile state;
    private final Clock clock;
    private final RoostClient anonymous;
    private final HttpClient http;

    private String nodeId;
    private String name;
    private String nodeToken;
    private Instant tokenIssuedAt;
    private Instant tokenExpiresAt;
    private long heartbeatIntervalSeconds = 10;

    public NodeLink(String server, NodeStateFile state, Clock clock) {
        this.server = requireNonNull(server, "server is null");
        this.state = requireNonNull(state, "state is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.anonymous = new RoostClient(server, Credentials.NONE, Version.current());
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public String server() {
        return server;
    }

    public synchronized String nodeId() {
        return nodeId;
    }

    public synchronized String name() {
        return name;
    }

    public synchronized long heartbeatIntervalSeconds() {
        return heartbeatIntervalSeconds;
    }

    /** Joins with a join token; the answer's identity and credentials are saved and used from now on. */
    public synchronized void join(String joinToken, String nodeName, Map<String, Object> capabilities) {
        accept(anonymous.post("/api/v1/nodes/join", Map.of("token", joinToken, "name", nodeName,
                "capabilities", capabilities)).json());
    }

    /** Resumes the saved identity: exchanges its refresh credential for a new JWT. */
    public synchronized void resume() {
        renew(state.load().orElseThrow(() -> new CliException(ExitCodes.USAGE, "No saved node identity in " + state.path()))
                .refreshCredential());
    }

    /**
     * POSTs JSON with the node JWT and returns the answer (a missing node for 204). An
     * unreachable server is a {@link CliException} with {@link ExitCodes#UNREACHABLE}; an error
     * answer a {@link ProblemException}; a JWT the server no longer accepts a {@link CliException}
     * with {@link ExitCodes#AUTH}.
     */
    public JsonNode post(String path, Object body, Duration timeout) {
        String token = currentToken();
        Answer answer = send(path, body, timeout, token);
        if (answer.status() == 401 && "TOKEN_EXPIRED".equals(answer.problem().code())) {
            renewIfStill(token);
            answer = send(path, body, timeout, currentToken());
        }
        if (answer.status() == 401 && "TOKEN_INVALID".equals(answer.problem().code())) {
            throw new CliException(ExitCodes.AUTH, "The server no longer accepts this node (" + answer.problem().detail()
                    + "). Join again with a new join token: roost node join --token-stdin");
        }
        if (answer.status() / 100 != 2) {
            throw new ProblemException(answer.problem());
        }
        return answer.json();
    }

    private record Answer(int status, byte[] body, String requestId) {
        Problem problem() {
            return Problem.from(status, body, requestId);
        }

        JsonNode json() {
            return body.length == 0 ? MissingNode.getInstance() : ApiJson.MAPPER.readTree(body);
        }
    }

    private Answer send(String path, Object body, Duration timeout, String token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("User-Agent", "roost-node/" + Version.current())
                .POST(HttpRequest.BodyPublishers.ofByteArray(ApiJson.MAPPER.writeValueAsBytes(body)))
                .build();
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("X-Request-Id").orElse(null));
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNREACHABLE, "Cannot reach " + server + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
    }

    private synchronized String currentToken() {
        if (nodeToken == null) {
            throw new IllegalStateException("the node has not joined yet");
        }
        Instant now = clock.instant();
        if (tokenExpiresAt != null && Duration.between(now, tokenExpiresAt).toMillis()
                < Duration.between(tokenIssuedAt, tokenExpiresAt).toMillis() * RENEW_AT_REMAINING) {
            renew(state.load().orElseThrow().refreshCredential());
        }
        return nodeToken;
    }

    private synchronized void renewIfStill(String staleToken) {
        if (staleToken.equals(nodeToken)) {
            renew(state.load().orElseThrow().refreshCredential());
        }
    }

    private void renew(String refreshCredential) {
        try {
            accept(anonymous.post("/api/v1/nodes/renew", Map.of("refreshCredential", refreshCredential)).json());
        } catch (ProblemException e) {
            // Not a user session: "sign in again" would be the wrong advice.
            throw new CliException(ExitCodes.AUTH, "The server refused this node's credentials ("
                    + e.problem().detail() + "). Join again with a new join token: roost node join --token-stdin");
        }
    }

    /** Takes a join or renewal answer: saves the new refresh credential first, then uses the new JWT. */
    private void accept(JsonNode credentials) {
        nodeId = credentials.path("nodeId").asString();
        name = credentials.path("name").asString();
        state.save(new NodeStateFile.Saved(server, nodeId, name, credentials.path("refreshCredential").asString()));
        nodeToken = credentials.path("nodeToken").asString();
        tokenIssuedAt = clock.instant();
        tokenExpiresAt = tokenIssuedAt.plusSeconds(credentials.path("expiresIn").asLong(600));
        heartbeatIntervalSeconds = Math.max(1, credentials.path("heartbeatIntervalSeconds").asLong(10));
    }
}
