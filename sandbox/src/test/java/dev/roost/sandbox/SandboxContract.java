package dev.roost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Sandbox} must do, run against each adapter. A subclass supplies the sandbox
 * (skipping, with a reason, where it cannot run) and one that cannot run at all.
 *
 * <p>Jobs use only what a Debian-like {@code /usr} has: {@code /bin/sh}, coreutils.
 */
public abstract class SandboxContract {
    /** Upper bound for any one job in these tests; they finish in far less. */
    protected static final Duration WAIT = Duration.ofSeconds(60);

    protected abstract Sandbox sandbox();

    /** A sandbox that cannot jail (e.g. its jail tool is missing). */
    protected abstract Sandbox unavailableSandbox();

    protected SandboxResult run(SandboxJob job) throws InterruptedException {
        return run(job, OutputListener.NONE);
    }

    protected SandboxResult run(SandboxJob job, OutputListener listener) throws InterruptedException {
        RunningJob running = sandbox().start(job, listener);
        return running.await(WAIT).orElseThrow(() -> new AssertionError("the job did not end within " + WAIT));
    }

    protected static SandboxJob script(String body) {
        return SandboxJob.script("contract", body);
    }

    /** A number that marks one test's processes, so the host's process table can be searched for them. */
    protected static String marker() {
        return "3600." + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
    }

    /** Host processes whose command line holds {@code marker}. */
    protected static List<String> hostProcessesWith(String marker) {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmdline.contains(marker)) {
                        found.add(p.getFileName() + ": " + cmdline);
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return found;
    }

    // ---- running and exit codes ---------------------------------------------------------

    @Test
    void a_script_runs_and_its_output_comes_back() throws Exception {
        SandboxResult r = run(script("echo hello; echo oops >&2"));

        assertThat(r.exitCode()).isZero();
        assertThat(r.succeeded()).isTrue();
        assertThat(r.stdout().text()).isEqualTo("hello\n");
        assertThat(r.stderr().text()).isEqualTo("oops\n");
        assertThat(r.signal()).isEmpty();
        assertThat(r.timedOut() || r.cancelled() || r.oomKilled()).isFalse();
        assertThat(r.duration()).isPositive();
    }

    @Test
    void argv_runs_without_a_shell_and_exit_codes_come_back() throws Exception {
        SandboxResult seven = run(SandboxJob.argv("contract", "/bin/sh", "-c", "exit 7"));
        SandboxResult literal = run(SandboxJob.argv("contract", "echo", "$HOME", "a b", "*"));

        assertThat(seven.exitCode()).isEqualTo(7);
        assertThat(seven.signal()).isEmpty();
        assertThat(seven.succeeded()).isFalse();
        assertThat(literal.stdout().text()).isEqualTo("$HOME a b *\n");
    }

    @Test
    void a_job_killed_by_a_signal_reports_it() throws Exception {
        SandboxResult r = run(script("kill -9 $$"));

        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.signal()).hasValue(9);
        assertThat(r.oomKilled()).isFalse();
    }

    @Test
    void a_missing_program_fails_the_job_not_the_sandbox() throws Exception {
        SandboxResult r = run(SandboxJob.argv("contract", "/nonexistent/program"));

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr().text()).contains("/nonexistent/program");
    }

    // ---- environment, input, working directory ----------------------------------------------

    @Test
    void the_environment_is_exactly_the_given_one_over_the_base() throws Exception {
        SandboxResult r = run(script("env").withEnvironment(Map.of("ROOST_TEST", "42", "LANG", "C")));

        List<String> lines = r.stdout().text().lines().toList();
        assertThat(lines).contains("ROOST_TEST=42", "LANG=C", "HOME=/work", "TMPDIR=/tmp");
        assertThat(lines).anyMatch(l -> l.startsWith("PATH=") && l.contains("/usr/bin"));
        // Nothing of the node's environment: only the given names and what the shell itself sets.
        Set<String> allowed = Set.of("ROOST_TEST", "LANG", "HOME", "TMPDIR", "PATH", "PWD", "SHLVL", "OLDPWD", "_");
        assertThat(lines).allSatisfy(l -> assertThat(allowed).contains(l.substring(0, l.indexOf('='))));
        for (var e : System.getenv().entrySet()) {
            if (!allowed.contains(e.getKey())) {
                assertThat(lines).doesNotContain(e.getKey() + "=" + e.getValue());
            }
        }
    }

    @Test
    void standard_input_is_empty_so_a_reader_ends_at_once() throws Exception {
        SandboxResult r = run(script("cat; echo \"cat=$?\"; read line; echo \"read=$?\"")
                .withLimits(SandboxLimits.DEFAULT.withTimeout(Duration.ofSeconds(20))));

        assertThat(r.timedOut()).isFalse();
        assertThat(r.stdout().text()).isEqualTo("cat=0\nread=1\n");
    }

    @Test
    void attachments_are_in_the_working_directory() throws Exception {
        byte[] binary = {0, 1, 2, (byte) 255};
        SandboxResult r = run(script("pwd; cat input.txt; od -An -tu1 data/more.bin | tr -s ' '; ls -a out")
                .withAttachments(Map.of("input.txt", "hello\n".getBytes(StandardCharsets.UTF_8), "data/more.bin", binary)));

        assertThat(r.exitCode()).as(r.stderr().text()).isZero();
        assertThat(r.stdout().text()).isEqualTo("/work\nhello\n 0 1 2 255\n.\n..\n");
    }

    @Test
    void each_job_gets_a_fresh_working_directory() throws Exception {
        run(script("echo left > left-behind.txt; echo left > /tmp/left-behind.txt"));

        SandboxResult r = run(script("ls -A; ls -A /tmp"));

        assertThat(r.stdout().text()).isEqualTo("out\n");
    }

    // ---- output --------------------------------------------------------------------------

    @Test
    void output_beyond_the_cap_is_counted_and_dropped() throws Exception {
        ByteArrayOutputStream heard = new ByteArrayOutputStream();
        SandboxResult r = run(script("head -c 5000 /dev/zero | tr '\\0' a; head -c 300 /dev/zero | tr '\\0' b >&2")
                .withLimits(SandboxLimits.DEFAULT.withOutputCapBytes(1000)), (stream, chunk) -> {
                    if (stream == OutputListener.Stream.STDOUT) {
                        synchronized (heard) {
                            heard.writeBytes(chunk);
                        }
                    }
                });

        assertThat(r.stdout().bytes()).hasSize(1000).containsOnly((byte) 'a');
        assertThat(r.stdout().totalBytes()).isEqualTo(5000);
        assertThat(r.stdout().truncated()).isTrue();
        assertThat(r.stderr().text()).hasSize(300).matches("b+");
        assertThat(r.stderr().truncated()).isFalse();
        synchronized (heard) {
            assertThat(heard.toByteArray()).isEqualTo(r.stdout().bytes());
        }
    }

    @Test
    void endless_output_is_not_buffered() throws Exception {
        AtomicLong heard = new AtomicLong();
        SandboxResult r = run(script("head -c 200000000 /dev/zero")
                .withLimits(SandboxLimits.DEFAULT.withOutputCapBytes(4096).withMemoryBytes(64L << 20)),
                (stream, chunk) -> heard.addAndGet(chunk.length));

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout().totalBytes()).isEqualTo(200_000_000L);
        assertThat(r.stdout().bytes()).hasSize(4096);
        assertThat(heard).hasValue(4096);
    }

    @Test
    void output_reaches_the_listener_while_the_job_runs() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        RunningJob job = sandbox().start(script("echo first; sleep 2; echo second"), (stream, chunk) -> {
            if (new String(chunk, StandardCharsets.UTF_8).contains("first")) {
                first.countDown();
            }
        });

        assertThat(first.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(job.result()).isNotDone();
        assertThat(job.await(WAIT).orElseThrow().stdout().text()).isEqualTo("first\nsecond\n");
    }

    // ---- time, cancel, limits ------------------------------------------------------------------

    @Test
    void the_timeout_kills_the_whole_tree() throws Exception {
        String marker = marker();
        SandboxResult r = run(script("sleep " + marker + " & (setsid sleep " + marker + " &); echo started; sleep " + marker)
                .withLimits(SandboxLimits.DEFAULT.withTimeout(Duration.ofSeconds(1))));

        assertThat(r.timedOut()).isTrue();
        assertThat(r.cancelled()).isFalse();
        assertThat(r.stdout().text()).isEqualTo("started\n");
        assertThat(r.duration()).isLessThan(Duration.ofSeconds(10));
        assertThat(r.signal()).hasValue(9);
        assertThat(hostProcessesWith(marker)).isEmpty();
    }

    @Test
    void background_children_end_with_the_job() throws Exception {
        String marker = marker();
        SandboxResult r = run(script("sleep " + marker + " & (setsid sleep " + marker + " &); echo started"));

        assertThat(r.exitCode()).isZero();
        assertThat(r.duration()).isLessThan(Duration.ofSeconds(10));
        assertThat(hostProcessesWith(marker)).isEmpty();
    }

    @Test
    void cancel_kills_the_job() throws Exception {
        String marker = marker();
        CountDownLatch started = new CountDownLatch(1);
        RunningJob job = sandbox().start(script("sleep " + marker + " & echo started; sleep " + marker),
                (stream, chunk) -> started.countDown());
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        job.cancel();
        SandboxResult r = job.await(WAIT).orElseThrow();

        assertThat(r.cancelled()).isTrue();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.succeeded()).isFalse();
        assertThat(hostProcessesWith(marker)).isEmpty();
        job.cancel(); // after the end: nothing happens
    }

    @Test
    void a_memory_bomb_is_killed_and_reported_as_oom() throws Exception {
        SandboxResult r = run(script("tail /dev/zero; echo \"tail=$?\"")
                .withLimits(SandboxLimits.DEFAULT.withMemoryBytes(64L << 20).withTimeout(Duration.ofSeconds(30))));

        assertThat(r.oomKilled()).isTrue();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.stdout().text()).isEqualTo("tail=137\n");
    }

    @Test
    void the_pid_limit_stops_a_job_from_forking_without_end() throws Exception {
        String marker = marker();
        SandboxResult r = run(script("i=0; while [ $i -lt 200 ]; do sleep " + marker + " & i=$((i+1)); echo $i; done")
                .withLimits(SandboxLimits.DEFAULT.withPids(32).withTimeout(Duration.ofSeconds(30))));

        List<Integer> started = r.stdout().text().lines().map(Integer::parseInt).toList();
        assertThat(r.timedOut()).isFalse();
        assertThat(started).isNotEmpty();
        assertThat(started.getLast()).isLessThan(32);
        assertThat(r.stderr().text()).containsIgnoringCase("fork");
        assertThat(hostProcessesWith(marker)).isEmpty();
    }

    // ---- artifacts ---------------------------------------------------------------------------

    @Test
    void regular_files_under_out_come_back_as_artifacts() throws Exception {
        SandboxResult r = run(script("""
                mkdir -p out/sub
                echo a > out/a.txt
                printf 'bin' > out/sub/b.bin
                ln -s /etc/passwd out/link
                ln -s / out/rootdir
                mkfifo out/fifo
                echo not-out > elsewhere.txt
                """));

        assertThat(r.exitCode()).as(r.stderr().text()).isZero();
        assertThat(r.artifacts()).extracting(SandboxResult.Artifact::path).containsExactly("a.txt", "sub/b.bin");
        assertThat(r.artifacts().get(0).text()).isEqualTo("a\n");
        assertThat(r.artifacts().get(1).content()).isEqualTo("bin".getBytes(StandardCharsets.UTF_8));
        assertThat(r.artifactsTruncated()).isFalse();
        assertThat(r.workingDirectory()).isEmpty();
    }

    @Test
    void artifacts_are_bounded_in_count_and_size() throws Exception {
        String body = "for i in 1 2 3; do echo $i > out/$i.txt; done; head -c 5000 /dev/zero > out/4-big.bin";
        SandboxResult byCount = run(script(body).withLimits(SandboxLimits.DEFAULT.withArtifacts(2, 1 << 20)));
        SandboxResult bySize = run(script(body).withLimits(SandboxLimits.DEFAULT.withArtifacts(100, 1000)));

        assertThat(byCount.artifacts()).extracting(SandboxResult.Artifact::path).containsExactly("1.txt", "2.txt");
        assertThat(byCount.artifactsTruncated()).isTrue();
        assertThat(bySize.artifacts()).extracting(SandboxResult.Artifact::path).containsExactly("1.txt", "2.txt", "3.txt");
        assertThat(bySize.artifactsTruncated()).isTrue();
    }

    @Test
    void a_kept_working_directory_is_left_for_inspection() throws Exception {
        SandboxResult r = run(script("printf kept > note.txt").keepingWorkingDirectory());

        Path dir = r.workingDirectory().orElseThrow();
        assertThat(dir.resolve("note.txt")).hasContent("kept");
        deleteTree(dir.getParent());
    }

    // ---- refusing -----------------------------------------------------------------------------

    @Test
    void a_sandbox_that_cannot_jail_refuses_to_run() {
        Sandbox broken = unavailableSandbox();

        SandboxAvailability a = broken.probe();

        assertThat(a.usable()).isFalse();
        assertThat(a.problems()).isNotEmpty();
        assertThat(a.summary()).contains("not usable");
        assertThatThrownBy(() -> broken.start(script("echo must-not-run"), OutputListener.NONE))
                .isInstanceOf(SandboxUnavailable.class).hasMessageContaining("runs none");
    }

    @Test
    void a_usable_sandbox_says_what_it_uses() {
        SandboxAvailability a = sandbox().probe();

        assertThat(a.usable()).as(a.summary()).isTrue();
        assertThat(a.version()).isPresent();
        assertThat(a.cgroupVersion()).isNotEqualTo(SandboxAvailability.CgroupVersion.NONE);
        assertThat(a.cgroupControllers()).contains("memory", "pids");
    }

    protected static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    protected static byte[] repeat(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }
}
