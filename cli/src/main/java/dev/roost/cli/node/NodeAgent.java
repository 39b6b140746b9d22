package dev.roost.cli.node;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import dev.roost.cli.client.Credentials;
import dev.roost.cli.client.ProblemException;
import dev.roost.cli.client.RoostClient;
import dev.roost.server.Version;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The heartbeat half of a worker node: joins (or resumes from its state directory), then
 * heartbeats at the interval the server asks for, renewing its short-lived node JWT before it
 * expires and saving each rotated refresh credential before using the new JWT. Confined to the
 * thread that calls {@link #run}. Running jobs is not part of it yet.
 */
public final class NodeAgent {
    /** Renew when less than this share of the JWT's life is left. */
    private static final double RENEW_AT_REMAINING = 0.3;

    private final String server;
    private final NodeStateFile state;
    private final MachineFacts facts;
    private final PrintStream log;
    private final Clock clock;
    private final RoostClient anonymous;

    private String nodeId;
    private String name;
    private String nodeToken;
    private Instant tokenIssuedAt;
    private Instant tokenExpiresAt;
    private Duration heartbeatInterval = Duration.ofSeconds(10);

    public NodeAgent(String server, Path stateDir, PrintStream log, Clock clock) {
        this.server = requireNonNull(server, "server is null");
        this.state = new NodeStateFile(requireNonNull(stateDir, "stateDir is null"));
        this.facts = new MachineFacts(stateDir);
        this.log = requireNonNull(log, "log is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.anonymous = new RoostClient(server, Credentials.NONE, Version.current());
    }

    /**
     * Joins with {@code joinToken} (or, when null, resumes the saved identity) and heartbeats
     * {@code maxHeartbeats} times or until interrupted. Returns the exit code.
     */
    public int run(String joinToken, String requestedName, Map<String, String> labels, long maxHeartbeats) {
        Map<String, Object> capabilities = facts.capabilities(labels);
        var saved = state.load();
        if (joinToken != null) {
            if (saved.isPresent()) {
                log.println("This machine was joined before as node " + saved.get().name() + "; joining again as a new node.");
            }
            String chosen = requestedName != null ? requestedName : MachineFacts.defaultName();
            JsonNode joined = anonymous.post("/api/v1/nodes/join",
                    Map.of("token", joinToken, "name", chosen, "capabilities", capabilities)).json();
            accept(joined);
            log.println("Joined " + server + " as node " + name + " (id " + nodeId + "); identity saved in " + state.path());
        } else if (saved.isPresent()) {
            if (!server.equals(saved.get().server())) {
                throw new CliException(ExitCodes.USAGE, "The saved node identity belongs to " + saved.get().server()
                        + ", not " + server + ". Join with a token to join this server.");
            }
            renew(saved.get().refreshCredential());
            log.println("Resumed node " + name + " (id " + nodeId + ") at " + server);
        } else {
            throw new CliException(ExitCodes.USAGE, "No join token. Pass --token, set ROOST_JOIN_TOKEN, or use --token-stdin "
                    + "(create one with: roost node token create --ttl 1h).");
        }

        Map<String, Object> reported = capabilities;
        long appliedVersion = 0;
        boolean sendCapabilities = false;
        String lastState = null;
        for (long beat = 0; beat < maxHeartbeats; beat++) {
            if (beat > 0 && !sleep(heartbeatInterval)) {
                break;
            }
            Instant now = clock.instant();
            if (tokenExpiresAt != null && Duration.between(now, tokenExpiresAt).toMillis()
                    < Duration.between(tokenIssuedAt, tokenExpiresAt).toMillis() * RENEW_AT_REMAINING) {
                renew(state.load().orElseThrow().refreshCredential());
            }
            Map<String, Object> current = beat == 0 ? capabilities : facts.capabilities(labels);
            if (!current.equals(reported)) {
                sendCapabilities = true;
                reported = current;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("load", facts.load(0));
            body.put("appliedConfigVersion", appliedVersion);
            if (sendCapabilities) {
                body.put("capabilities", current);
            }
            JsonNode answer;
            try {
                answer = heartbeat(body);
            } catch (CliException e) {
                if (e.exitCode() != ExitCodes.UNREACHABLE) {
                    throw e;
                }
                log.println("Heartbeat failed: " + e.getMessage() + "; trying again in " + heartbeatInterval.toSeconds() + " s");
                continue;
            }
            sendCapabilities = false;
            long version = answer.path("configVersion").asLong();
            if (version != appliedVersion) {
                // This agent holds no work yet, so taking a config is only recording it; the next beat acknowledges it.
                appliedVersion = version;
                log.println("Applied node config version " + version + ": " + answer.path("config"));
            }
            String stateNow = answer.path("state").asString() + "/" + answer.path("scheduling").asString();
            if (!stateNow.equals(lastState)) {
                log.println("Node " + name + " is " + stateNow.replace("/", ", "));
                lastState = stateNow;
            }
            long seconds = answer.path("heartbeatIntervalSeconds").asLong(10);
            heartbeatInterval = Duration.ofSeconds(Math.max(1, seconds));
        }
        return ExitCodes.OK;
    }

    private JsonNode heartbeat(Map<String, Object> body) {
        try {
            return nodeClient().post("/api/v1/nodes/self/heartbeat", body).json();
        } catch (ProblemException e) {
            if ("TOKEN_INVALID".equals(e.code())) {
                throw new CliException(ExitCodes.AUTH, "The server no longer accepts this node (" + e.problem().detail()
                        + "). Join again with a new join token: roost node join --token-stdin");
            }
            if (!"TOKEN_EXPIRED".equals(e.code())) {
                throw e;
            }
            renew(state.load().orElseThrow().refreshCredential());
            return nodeClient().post("/api/v1/nodes/self/heartbeat", body).json();
        }
    }

    private RoostClient nodeClient() {
        return new RoostClient(server, new Credentials.ApiToken(nodeToken), Version.current());
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
        heartbeatInterval = Duration.ofSeconds(Math.max(1, credentials.path("heartbeatIntervalSeconds").asLong(10)));
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
