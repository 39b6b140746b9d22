package dev.roost.bench;

import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.RunningJob;
import dev.roost.sandbox.SandboxAvailability;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.bubblewrap.BubblewrapSandbox;
import dev.roost.sandbox.bubblewrap.BubblewrapSettings;
import dev.roost.sandbox.egress.EgressProxy;
import dev.roost.sandbox.egress.EgressSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Latency of starting a sandboxed job, measured in one run against {@code docker run} of the
 * same command:
 *
 * <ul>
 *   <li><b>start</b>: from {@code Sandbox.start()} (or from starting the {@code docker run}
 *       process) to the first byte the job prints, i.e. to the job's process running;</li>
 *   <li><b>round trip</b>: from the same moment to the complete result, clean-up included
 *       (for Docker: the {@code docker run --rm} process ending).</li>
 * </ul>
 *
 * The job is {@code echo ready}. Docker runs {@code docker run --rm --network none IMAGE echo ready}
 * with the test image from {@code scripts/build-test-image.sh}. Samples alternate between the
 * two so both see the same machine.
 *
 * <p>Egress, in the same run: the same job with {@code egressAllow} (so its jail also gets the
 * egress socket and starts the bridge before the job), with the perl bridge and with the Java
 * bridge, alternating with jobs without egress; the extra start latency is the difference of
 * the p50s. The bridge's memory (RSS and PSS, read by a job from its own {@code /proc}) is what
 * it adds to the job's memory use. Run through {@code bench/sandbox.sh}. Options:
 * {@code --runs N} (sandbox samples, default 200), {@code --docker-runs N} (default 50),
 * {@code --egress-runs N} (samples per bridge, default 100), {@code --skip-docker},
 * {@code --skip-egress}, {@code --work DIR}.
 */
public final class SandboxBenchmark {
    static final Duration START_TARGET = Duration.ofMillis(20);
    static final String IMAGE = "roost-test/busybox:1";

    public static void main(String[] args) throws Exception {
        int runs = 200;
        int dockerRuns = 50;
        int egressRuns = 100;
        boolean docker = true;
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "roost-sandbox-bench-" + ProcessHandle.current().pid());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--docker-runs" -> dockerRuns = Integer.parseInt(args[++i]);
                case "--skip-docker" -> docker = false;
                case "--egress-runs" -> egressRuns = Integer.parseInt(args[++i]);
                case "--skip-egress" -> egressRuns = 0;
                case "--work" -> work = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "Roost sandbox benchmark, %d cores, JDK %s%n",
                java.lang.Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        BubblewrapSandbox sandbox = new BubblewrapSandbox(BubblewrapSettings.defaults(work.resolve("jobs")));
        SandboxAvailability availability = sandbox.probe();
        System.out.println(availability.summary());
        if (!availability.usable()) {
            System.exit(2);
        }
        String dockerProblem = docker ? dockerProblem() : "skipped (--skip-docker)";
        if (dockerProblem != null) {
            System.out.println("docker run: " + dockerProblem);
        }

        SandboxJob job = SandboxJob.argv("bench", "echo", "ready");
        // The same jobs in jails set up ahead and waiting, as a node runs tasks.
        BubblewrapSandbox warm = new BubblewrapSandbox(BubblewrapSettings.defaults(work.resolve("warm"))
                .withWarmJails(BubblewrapSettings.NODE_WARM_JAILS));
        warm.probe();
        // Warm-up: JIT, page cache, the first cgroup and directory creations.
        for (int i = 0; i < 20; i++) {
            sandboxSample(sandbox, job);
            sandboxSample(warm, job);
        }
        if (dockerProblem == null) {
            for (int i = 0; i < 3; i++) {
                dockerSample();
            }
        }

        List<Long> sandboxStart = new ArrayList<>();
        List<Long> sandboxRoundTrip = new ArrayList<>();
        List<Long> warmStart = new ArrayList<>();
        List<Long> warmRoundTrip = new ArrayList<>();
        List<Long> dockerStart = new ArrayList<>();
        List<Long> dockerRoundTrip = new ArrayList<>();
        int every = dockerProblem == null && dockerRuns > 0 ? Math.max(1, runs / dockerRuns) : Integer.MAX_VALUE;
        long began = System.nanoTime();
        for (int i = 0; i < runs; i++) {
            long[] s = sandboxSample(sandbox, job);
            sandboxStart.add(s[0]);
            sandboxRoundTrip.add(s[1]);
            awaitWaiting(warm);
            long[] w = sandboxSample(warm, job);
            warmStart.add(w[0]);
            warmRoundTrip.add(w[1]);
            if (dockerProblem == null && i % every == 0 && dockerStart.size() < dockerRuns) {
                long[] d = dockerSample();
                dockerStart.add(d[0]);
                dockerRoundTrip.add(d[1]);
            }
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "%-44s %8s %8s %8s %8s %8s%n", "figure (ms)", "samples", "p50", "p90", "p99", "max");
        row("sandbox: start() to job running", sandboxStart);
        row("sandbox: start() to result (clean-up done)", sandboxRoundTrip);
        row("warm jail: start() to job running", warmStart);
        row("warm jail: start() to result (clean-up done)", warmRoundTrip);
        if (!dockerStart.isEmpty()) {
            row("docker run --rm: start to container running", dockerStart);
            row("docker run --rm: start to exit", dockerRoundTrip);
        }
        System.out.println();
        long p50 = percentile(sandboxStart, 50);
        System.out.printf(Locale.ROOT, "sandbox start p50 %s ms, target <= %d ms: %s%n", ms(p50), START_TARGET.toMillis(),
                p50 <= START_TARGET.toNanos() ? "met" : "MISSED");
        if (!dockerStart.isEmpty()) {
            System.out.printf(Locale.ROOT, "docker/sandbox ratio: start p50 %.1fx, p99 %.1fx; round trip p50 %.1fx, p99 %.1fx%n",
                    ratio(dockerStart, sandboxStart, 50), ratio(dockerStart, sandboxStart, 99),
                    ratio(dockerRoundTrip, sandboxRoundTrip, 50), ratio(dockerRoundTrip, sandboxRoundTrip, 99));
        }
        System.out.printf(Locale.ROOT, "warm jail start p50 %s ms (cold / warm: %.1fx)%n", ms(percentile(warmStart, 50)),
                ratio(sandboxStart, warmStart, 50));
        warm.close();
        if (egressRuns > 0) {
            egress(work, job, egressRuns);
        }
        System.out.printf(Locale.ROOT, "total benchmark time %.1f s%n", (System.nanoTime() - began) / 1e9);
        deleteTree(work);
    }

    /**
     * Jobs with egress (perl and Java bridges) against the same job without, alternating, and the
     * bridges' memory. Nothing is reached: the job only starts and prints, as above.
     */
    private static void egress(Path work, SandboxJob job, int runs) throws Exception {
        System.out.println();
        System.out.println("Egress: the same job with egressAllow, so its jail also starts the bridge on 127.0.0.1:3128 first");
        List<EgressSettings.Bridge> bridges = List.of(EgressSettings.Bridge.PERL, EgressSettings.Bridge.JAVA);
        List<EgressProxy> proxies = new ArrayList<>();
        List<BubblewrapSandbox> sandboxes = new ArrayList<>();
        try {
            for (EgressSettings.Bridge bridge : bridges) {
                EgressProxy proxy = new EgressProxy(EgressSettings.defaults().withBridge(bridge));
                proxies.add(proxy);
                BubblewrapSandbox s = new BubblewrapSandbox(BubblewrapSettings.defaults(work.resolve("egress-" + bridge)), proxy);
                SandboxAvailability a = s.probe();
                if (!s.egressAvailable()) {
                    System.out.println("egress with the " + bridge + " bridge: not available: " + a.summary());
                    return;
                }
                sandboxes.add(s);
            }
            BubblewrapSandbox plain = new BubblewrapSandbox(BubblewrapSettings.defaults(work.resolve("egress-none")));
            plain.probe();
            SandboxJob withEgress = job.withEgressAllow(List.of("example.com"));
            for (int i = 0; i < 10; i++) {
                sandboxSample(plain, job);
                for (BubblewrapSandbox s : sandboxes) {
                    sandboxSample(s, withEgress);
                }
            }
            List<Long> noneStart = new ArrayList<>();
            List<Long> noneRound = new ArrayList<>();
            List<List<Long>> start = List.of(new ArrayList<>(), new ArrayList<>());
            List<List<Long>> round = List.of(new ArrayList<>(), new ArrayList<>());
            for (int i = 0; i < runs; i++) {
                long[] n = sandboxSample(plain, job);
                noneStart.add(n[0]);
                noneRound.add(n[1]);
                for (int b = 0; b < sandboxes.size(); b++) {
                    long[] e = sandboxSample(sandboxes.get(b), withEgress);
                    start.get(b).add(e[0]);
                    round.get(b).add(e[1]);
                }
            }
            System.out.printf(Locale.ROOT, "%-44s %8s %8s %8s %8s %8s%n", "figure (ms)", "samples", "p50", "p90", "p99", "max");
            row("no egress: start() to job running", noneStart);
            row("no egress: start() to result", noneRound);
            for (int b = 0; b < sandboxes.size(); b++) {
                String name = bridges.get(b).name().toLowerCase(Locale.ROOT);
                row("egress, " + name + " bridge: start() to job running", start.get(b));
                row("egress, " + name + " bridge: start() to result", round.get(b));
            }
            System.out.println();
            for (int b = 0; b < sandboxes.size(); b++) {
                String name = bridges.get(b).name().toLowerCase(Locale.ROOT);
                long extra = percentile(start.get(b), 50) - percentile(noneStart, 50);
                long[] memory = bridgeMemory(sandboxes.get(b), withEgress);
                System.out.printf(Locale.ROOT, "%s bridge: +%s ms start p50 (%.1fx the job without egress), +%s ms round trip p50;"
                                + " bridge memory RSS %.1f MiB, PSS %.1f MiB (median of 5)%n", name, ms(extra),
                        ratio(start.get(b), noneStart, 50), ms(percentile(round.get(b), 50) - percentile(noneRound, 50)),
                        memory[0] / 1024.0, memory[1] / 1024.0);
            }
        } finally {
            proxies.forEach(EgressProxy::close);
        }
    }

    /** The bridge's RSS and PSS in KiB, as the job sees them in its own /proc (median of 5 jobs). */
    private static long[] bridgeMemory(BubblewrapSandbox sandbox, SandboxJob job) throws InterruptedException {
        SandboxJob probe = SandboxJob.script("bench-memory", """
                for d in /proc/[0-9]*; do
                    # PID 1 is bubblewrap, whose arguments name the bridge too.
                    [ "$d" = /proc/1 ] && continue
                    if tr '\\0' ' ' < $d/cmdline 2>/dev/null | grep -q -e egress-bridge -e JailForwarder; then
                        awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {print r, p}' $d/smaps_rollup
                    fi
                done
                """).withEgressAllow(job.egressAllow());
        List<Long> rss = new ArrayList<>();
        List<Long> pss = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            SandboxResult r = sandbox.run(probe);
            String[] f = r.stdout().text().strip().split("\\s+");
            if (f.length != 2) {
                throw new IllegalStateException("cannot read the bridge's memory: " + r.stdout().text() + r.stderr().text());
            }
            rss.add(Long.parseLong(f[0]));
            pss.add(Long.parseLong(f[1]));
        }
        return new long[] {percentile(rss, 50), percentile(pss, 50)};
    }

    /** Nanoseconds to the first output byte, and to the result. */
    /** Waits (up to a second) until a jail waits, so a warm sample measures a warm start, as on a node between tasks. */
    private static void awaitWaiting(BubblewrapSandbox sandbox) throws InterruptedException {
        for (int i = 0; i < 100 && !sandbox.hasWaitingJail(); i++) {
            Thread.sleep(10);
        }
    }

    static long[] sandboxSample(BubblewrapSandbox sandbox, SandboxJob job) throws InterruptedException {
        CompletableFuture<Long> firstByte = new CompletableFuture<>();
        long t0 = System.nanoTime();
        RunningJob running = sandbox.start(job, (stream, chunk) -> {
            if (stream == OutputListener.Stream.STDOUT) {
                firstByte.complete(System.nanoTime());
            }
        });
        SandboxResult result = running.await(Duration.ofSeconds(30)).orElseThrow();
        long t1 = System.nanoTime();
        if (!result.succeeded() || !result.stdout().text().equals("ready\n")) {
            throw new IllegalStateException("benchmark job failed: exit " + result.exitCode() + " " + result.stderr().text());
        }
        return new long[] {firstByte.join() - t0, t1 - t0};
    }

    static long[] dockerSample() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("docker", "run", "--rm", "--network", "none", IMAGE, "echo", "ready")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long first;
        try (InputStream in = p.getInputStream()) {
            if (in.read() < 0) {
                throw new IllegalStateException("docker run printed nothing");
            }
            first = System.nanoTime();
            in.readAllBytes();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("docker run failed");
        }
        return new long[] {first - t0, System.nanoTime() - t0};
    }

    /** Why docker cannot be measured, or null when it can (the test image is built when missing). */
    static String dockerProblem() {
        try {
            if (run("docker", "image", "inspect", IMAGE) == 0) {
                return null;
            }
            Path script = Path.of("scripts/build-test-image.sh");
            if (Files.isRegularFile(script) && run("bash", script.toString()) == 0 && run("docker", "image", "inspect", IMAGE) == 0) {
                return null;
            }
            return "skipped: no Docker daemon answers or the image " + IMAGE + " is missing (scripts/build-test-image.sh)";
        } catch (IOException e) {
            return "skipped: docker is not installed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "skipped: interrupted";
        }
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static void row(String name, List<Long> samples) {
        System.out.printf(Locale.ROOT, "%-44s %8d %8s %8s %8s %8s%n", name, samples.size(), ms(percentile(samples, 50)),
                ms(percentile(samples, 90)), ms(percentile(samples, 99)), ms(percentile(samples, 100)));
    }

    static long percentile(List<Long> samples, int p) {
        long[] sorted = samples.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double ratio(List<Long> docker, List<Long> sandbox, int p) {
        return (double) percentile(docker, p) / percentile(sandbox, p);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
