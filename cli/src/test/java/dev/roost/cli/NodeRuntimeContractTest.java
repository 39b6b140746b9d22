package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.cli.node.NodeAgent;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeContract;
import dev.roost.runtime.sandbox.JailHooks;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxRuntimeSettings;
import dev.roost.runtime.sandbox.SandboxTestSupport;
import dev.roost.server.jails.NodeRuntime;
import dev.roost.server.testing.TestRoost;
import dev.roost.store.Database;
import dev.roost.store.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The shared runtime contract against {@link NodeRuntime}: a real server (real PostgreSQL), a
 * real node agent in this JVM that joined it with a join token, and real bubblewrap jails on the
 * node. Every action goes server → database → the node's sync → the node's sandbox runtime and
 * back. The "behind the back" hooks act on the node's jails directly, then wait until the node
 * reported what they did (a remote runtime learns of it with the node's next sync).
 */
class NodeRuntimeContractTest extends RuntimeContract {
    private static TestRoost roost;
    private static NodeAgent agent;
    private static Thread agentThread;
    private static final ByteArrayOutputStream agentLog = new ByteArrayOutputStream();
    private static SandboxRuntime probe;

    @BeforeAll
    static void start() {
        SandboxRuntimeSettings settings = SandboxTestSupport.settings("nc") /* short: the forwarder socket path must stay below 100 bytes */;
        probe = new SandboxRuntime(settings);
        SandboxTestSupport.requireSandbox(probe); // builds the test images, or skips with what to install
        roost = TestRoost.start();
        String token = roost.admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1)).json().get("token").asString();
        agent = new NodeAgent(roost.url(), TaskTestNodes.stateDir("jails"), new PrintStream(agentLog, true, StandardCharsets.UTF_8),
                Clock.systemUTC(), NodeAgent.TaskOptions.disabled()).withJails(settings);
        agentThread = Thread.ofPlatform().name("test-node-jails").daemon(true)
                .start(() -> agent.run(token, "jail-node", Map.of(), Long.MAX_VALUE));
        await().atMost(Duration.ofSeconds(30)).until(() -> roost.server().database()
                .read(s -> !s.nodeJails().hosts(Optional.empty()).isEmpty()));
    }

    @BeforeEach
    void sandboxWorks() {
        SandboxTestSupport.requireSandbox(probe);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (agent != null) {
            agent.stop();
            agentThread.interrupt();
            agentThread.join(5000);
        }
        if (roost != null) {
            roost.close();
        }
    }

    private static SandboxRuntime node() {
        return agent.jails().orElseThrow().runtime();
    }

    private static String local(String containerId) {
        return NodeRuntime.localId(containerId);
    }

    @Override
    protected Runtime runtime() {
        return roost.server().nodeRuntime();
    }

    @Override
    protected String image() {
        return SandboxTestSupport.IMAGE;
    }

    @Override
    protected String unhealthyImage() {
        return SandboxTestSupport.UNHEALTHY_IMAGE;
    }

    @Override
    protected String missingImage() {
        return SandboxTestSupport.MISSING_IMAGE;
    }

    @Override
    protected void exitBehindBack(String containerId, int exitCode) {
        JailHooks.exit(node(), local(containerId), exitCode);
    }

    @Override
    protected void killBehindBack(String containerId) {
        JailHooks.kill(node(), local(containerId));
    }

    @Override
    protected void removeBehindBack(String containerId) {
        JailHooks.remove(node(), local(containerId));
        await().atMost(WAIT).until(() -> runtime().observe().stream().noneMatch(c -> c.containerId().equals(containerId)));
    }

    @Override
    protected void changeMemoryBehindBack(String containerId, long bytes) {
        JailHooks.setMemory(node(), local(containerId), bytes);
        await().atMost(WAIT).until(() -> runtime().observe().stream().filter(c -> c.containerId().equals(containerId))
                .anyMatch(c -> !c.drift().isEmpty()));
    }

    @Override
    protected void writeLog(String containerId, LogLine.Stream stream, String text) {
        JailHooks.writeLog(node(), local(containerId), stream, text);
        // Then the node uploads it with its next sync.
        await().atMost(WAIT).until(() -> {
            try (var lines = runtime().logs(containerId, new dev.roost.runtime.LogRequest(100, false))) {
                for (Optional<LogLine> l = lines.next(Duration.ofSeconds(1)); l.isPresent(); l = lines.next(Duration.ofSeconds(1))) {
                    if (l.get().text().equals(text)) {
                        return true;
                    }
                }
                return false;
            }
        });
    }

    @Override
    protected Optional<String> environmentOf(String containerId, String name) {
        return JailHooks.environmentOf(node(), local(containerId), name);
    }

    @Override
    protected boolean hasVolumes(UUID instanceId) {
        return JailHooks.hasVolumes(node(), instanceId);
    }

    @Override
    protected Runtime unavailableRuntime() {
        Database closed = TestPostgres.get().newDatabase();
        closed.close();
        return new NodeRuntime(closed, Clock.systemUTC(), NodeRuntime.Settings.defaults(), workspace -> dev.roost.runtime.SecretSource.NONE);
    }

    @Override
    protected void cleanUp(Collection<UUID> instanceIds) {
        if (roost == null) {
            return;
        }
        for (ObservedContainer c : runtime().observe()) {
            if (instanceIds.contains(c.instanceId())) {
                try {
                    runtime().apply(new dev.roost.core.deploy.RuntimeAction.RemoveContainer(c.instanceId(), c.containerId(), "clean up"),
                            dev.roost.runtime.SecretSource.NONE);
                } catch (RuntimeException e) {
                    // best effort
                }
            }
        }
        if (agent != null && agent.jails().isPresent()) {
            node().purge(instanceIds);
        }
    }

    static String agentLog() {
        return agentLog.toString(StandardCharsets.UTF_8);
    }
}
