package dev.roost.cli;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.node.NodeAgent;
import dev.roost.core.audit.AuditEvent;
import dev.roost.core.node.Node;
import dev.roost.server.RoostServer;
import dev.roost.server.auth.OpaqueTokens;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The node {@code roost up} starts next to its server, in the same process, so that on one
 * machine {@code roost run -- echo hi} just works. It keeps its identity in
 * {@code <home>/node}; the first time (or when that identity is no longer accepted) the server
 * mints it a one-use join token directly, so no token ever travels or is shown. Its tasks run
 * in bubblewrap like any node's; without a usable sandbox it runs none and says why.
 */
final class LocalNode implements AutoCloseable {
    static final String NAME = "local";

    private final RoostServer server;
    private final Path stateDir;
    private final PrintStream log;
    private final Map<String, String> env;
    private final Thread thread;
    private volatile NodeAgent agent;
    private volatile boolean closed;

    private LocalNode(RoostServer server, Path stateDir, PrintStream log, Map<String, String> env) {
        this.server = requireNonNull(server, "server is null");
        this.stateDir = requireNonNull(stateDir, "stateDir is null");
        this.log = requireNonNull(log, "log is null");
        this.env = Map.copyOf(env);
        this.thread = Thread.ofPlatform().name("roost-local-node").daemon(true).unstarted(this::run);
    }

    static LocalNode start(RoostServer server, Path stateDir, PrintStream log, Map<String, String> env) {
        LocalNode node = new LocalNode(server, stateDir, log, env);
        node.thread.start();
        return node;
    }

    private void run() {
        boolean fresh = !Files.exists(stateDir.resolve("node.json"));
        for (int attempt = 0; attempt < 2 && !closed; attempt++) {
            NodeAgent current = new NodeAgent(localUrl(), stateDir, log, Clock.systemUTC(),
                    NodeAgent.TaskOptions.fromEnvironment(env, stateDir));
            // Sandboxed instances placed on this node use the server's sandbox images.
            current.withJails(NodeAgent.jailSettings(env, stateDir).withImages(
                    dev.roost.runtime.sandbox.SandboxRuntimeSettings.fromEnvironment(env, server.config().home()).images()));
            agent = current;
            try {
                current.run(fresh ? mintJoinToken() : null, NAME, Map.of("roost.dev/local", "true"), Long.MAX_VALUE);
                return;
            } catch (CliException e) {
                if (closed) {
                    return;
                }
                if (e.exitCode() != ExitCodes.AUTH && e.exitCode() != ExitCodes.USAGE) {
                    log.println("The local node stopped: " + e.getMessage());
                    return;
                }
                log.println("The local node's saved identity is not accepted any more (" + e.getMessage() + "); joining again");
                fresh = true;
            } catch (RuntimeException e) {
                log.println("The local node stopped: " + e);
                return;
            }
        }
    }

    /** The server's own listening address: the public URL (behind a proxy, say) is not for a node in the same process. */
    private String localUrl() {
        String bind = server.config().bindAddress();
        String host = bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind;
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
    }

    /** A one-use join token made in the database; an earlier local node of this name is removed first. */
    private String mintJoinToken() {
        String token = OpaqueTokens.generate(OpaqueTokens.JOIN_TOKEN_PREFIX);
        Instant now = Instant.now();
        server.database().transaction(s -> {
            for (Node node : s.nodes().list()) {
                if (node.name().equals(NAME) && node.removedAt() == null) {
                    s.nodes().remove(node.id(), now);
                    s.audit().append(new AuditEvent("roost up", "node.remove", "node", node.id().toString(), null, "roost-up",
                            Map.of("name", NAME, "reason", "replaced by a new local node"), List.of()));
                }
            }
            var stored = s.nodes().insertJoinToken(OpaqueTokens.hash(token), token.substring(0, 16), "roost up", now,
                    now.plus(Duration.ofMinutes(10)), 1);
            s.audit().append(new AuditEvent("roost up", "node.join-token.create", "node-join-token", stored.id().toString(),
                    null, "roost-up", Map.of("for", "the local node", "maxUses", 1), List.of()));
            return null;
        });
        return token;
    }

    @Override
    public void close() {
        closed = true;
        NodeAgent current = agent;
        if (current != null) {
            current.stop();
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
