package dev.roost.sandbox.bubblewrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.RunningJob;
import dev.roost.sandbox.Sandbox;
import dev.roost.sandbox.SandboxContract;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxLimits;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.StartTimings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole sandbox contract again, each job run in a jail that was set up before it and
 * waited (warm), plus what only warm jails have: limits set at release, clean-up on close.
 */
class WarmJailContractTest extends SandboxContract {
    private static BubblewrapSandbox sandbox;

    @BeforeAll
    static void create() {
        sandbox = new BubblewrapSandbox(BubblewrapSettings.defaults(BubblewrapTestSupport.runRoot().resolve("warm"))
                .withWarmJails(2));
    }

    @AfterAll
    static void close() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @BeforeEach
    void sandboxUsable() {
        BubblewrapTestSupport.requireSandbox(sandbox);
    }

    @Override
    protected Sandbox sandbox() {
        return sandbox;
    }

    @Override
    protected Sandbox unavailableSandbox() {
        return new BubblewrapSandbox(BubblewrapSettings.defaults(BubblewrapTestSupport.runRoot().resolve("warm-broken"))
                .withBubblewrap(Path.of("/nonexistent/bwrap")).withWarmJails(2));
    }

    /** Waits until a jail waits, so the job surely takes one, and checks that it did. */
    @Override
    protected SandboxResult run(SandboxJob job, OutputListener listener) throws InterruptedException {
        awaitWaitingJail();
        RunningJob running = sandbox.start(job, listener);
        StartTimings started = running.started().join();
        assertThat(started.warm()).as("the job ran in a waiting jail").isTrue();
        return running.await(WAIT).orElseThrow(() -> new AssertionError("the job did not end within " + WAIT));
    }

    private static void awaitWaitingJail() throws InterruptedException {
        until(() -> sandbox.waitingJails() > 0);
    }

    @Test
    void a_job_gets_its_own_limits_not_those_of_the_waiting_jail() throws Exception {
        // A waiting jail may use 64 MiB; this job's buffer alone is 100 MiB, so it runs only with its own 256 MiB.
        SandboxResult big = run(SandboxJob.argv("warm", "dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1")
                .withLimits(SandboxLimits.DEFAULT.withMemoryBytes(256L << 20).withTimeout(Duration.ofSeconds(30))));
        SandboxResult small = run(SandboxJob.argv("warm", "dd", "if=/dev/zero", "of=/dev/null", "bs=48M", "count=1")
                .withLimits(SandboxLimits.DEFAULT.withMemoryBytes(16L << 20).withTimeout(Duration.ofSeconds(30))));

        assertThat(big.exitCode()).as(big.stderr().text()).isZero();
        assertThat(small.oomKilled()).isTrue();
    }

    @Test
    void the_start_says_how_long_each_step_took() throws Exception {
        awaitWaitingJail();
        RunningJob running = sandbox.start(SandboxJob.argv("warm", "true"), OutputListener.NONE);
        StartTimings t = running.started().join();
        running.await(WAIT).orElseThrow();

        assertThat(t.warm()).isTrue();
        assertThat(t.prepare()).isPositive();
        assertThat(t.launch()).isPositive();
        assertThat(t.launchedAt()).isBetween(java.time.Instant.now().minusSeconds(60), java.time.Instant.now());
    }

    @Test
    void a_job_with_egress_starts_cold_and_the_waiting_jails_stay() throws Exception {
        awaitWaitingJail();
        // This sandbox has no egress proxy: such a job is refused before any jail is touched.
        int waiting = sandbox.waitingJails();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sandbox.start(SandboxJob.argv("warm", "true")
                .withEgressAllow(List.of("example.com")), OutputListener.NONE))
                .isInstanceOf(dev.roost.sandbox.SandboxUnavailable.class);
        assertThat(sandbox.waitingJails()).isEqualTo(waiting);
    }

    @Test
    void closing_removes_the_waiting_jails_and_later_jobs_start_cold() throws Exception {
        Path root = BubblewrapTestSupport.runRoot().resolve("warm-close-" + System.nanoTime());
        BubblewrapSandbox closing = new BubblewrapSandbox(BubblewrapSettings.defaults(root).withWarmJails(3));
        BubblewrapTestSupport.requireSandbox(closing);
        until(() -> closing.waitingJails() == 3);
        assertThat(entries(root)).filteredOn(n -> n.startsWith("warm-")).hasSize(3);

        closing.close();

        until(() -> entries(root).stream().allMatch(n -> n.startsWith(".etc-")));
        RunningJob later = closing.start(SandboxJob.argv("warm", "echo", "cold"), OutputListener.NONE);
        assertThat(later.started().join().warm()).isFalse();
        assertThat(later.await(WAIT).orElseThrow().stdout().text()).isEqualTo("cold\n");
        assertThat(closing.waitingJails()).isZero();
    }

    private static List<String> entries(Path root) {
        try (Stream<Path> list = Files.list(root)) {
            return list.map(p -> p.getFileName().toString()).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s");
            }
            Thread.sleep(20);
        }
    }
}
