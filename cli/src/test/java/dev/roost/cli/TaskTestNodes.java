package dev.roost.cli;

import static org.assertj.core.api.Assertions.fail;

import dev.roost.cli.node.NodeAgent;
import dev.roost.sandbox.SandboxAvailability;
import dev.roost.sandbox.bubblewrap.BubblewrapSandbox;
import dev.roost.sandbox.bubblewrap.BubblewrapSettings;
import dev.roost.sandbox.egress.EgressNetwork;
import dev.roost.sandbox.egress.EgressSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** What the task tests share: a place for node state, the sandbox check, and an in-process node. */
final class TaskTestNodes {
    private TaskTestNodes() {
    }

    /** A fresh state directory for a node (short: the egress socket path must stay short). */
    static Path stateDir(String name) {
        try {
            Path base = Files.createDirectories(Path.of("/tmp", "roost-task-tests"));
            base.toFile().setExecutable(true, false);
            Path dir = Files.createTempDirectory(base, name + "-");
            dir.toFile().setExecutable(true, false);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Skips the test (fails it under ROOST_REQUIRE_SANDBOX=1) unless bubblewrap can run jobs here. */
    static void requireSandbox() {
        SandboxAvailability a = new BubblewrapSandbox(BubblewrapSettings.defaults(stateDir("probe").resolve("work"))).probe();
        if (!a.usable()) {
            if ("1".equals(System.getenv("ROOST_REQUIRE_SANDBOX"))) {
                fail("Task tests need the sandbox: " + a.summary() + " (ROOST_REQUIRE_SANDBOX=1 makes this a failure)");
            }
            Assumptions.abort("Task tests skipped: " + a.summary() + ". Install bubblewrap (apt-get install bubblewrap).");
        }
    }

    /** A node running in this JVM on its own thread; {@link #close()} stops it. */
    static final class InProcessNode implements AutoCloseable {
        final NodeAgent agent;
        final Thread thread;
        final ByteArrayOutputStream log = new ByteArrayOutputStream();

        InProcessNode(String server, String joinToken, String name, Map<String, String> labels, EgressNetwork network) {
            Path state = stateDir(name);
            // As a node runs by default: with jails waiting for tasks.
            NodeAgent.TaskOptions options = new NodeAgent.TaskOptions(true, BubblewrapSettings.defaults(state.resolve("work"))
                    .withWarmJails(BubblewrapSettings.NODE_WARM_JAILS), EgressSettings.defaults(), network);
            PrintStream out = new PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8);
            agent = new NodeAgent(server, state, out, Clock.systemUTC(), options);
            thread = Thread.ofPlatform().name("test-node-" + name).daemon(true)
                    .start(() -> agent.run(joinToken, name, labels, Long.MAX_VALUE));
        }

        String log() {
            return log.toString(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws InterruptedException {
            agent.stop();
            thread.interrupt();
            thread.join(5000);
        }
    }
}
