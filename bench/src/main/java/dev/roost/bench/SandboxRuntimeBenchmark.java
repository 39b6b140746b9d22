package dev.roost.bench;

import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Health;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.PortRef;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.SecretSource;
import dev.roost.runtime.docker.DockerRuntime;
import dev.roost.runtime.docker.DockerSettings;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxRuntimeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One instance replica on the sandbox runtime against the same on Docker, in one run, samples
 * alternating so both see the same machine:
 *
 * <ul>
 *   <li><b>create to healthy</b>: from {@code CreateContainer} to the first passing HTTP probe
 *       of the test image's {@code /cgi-bin/healthz} (image check included);</li>
 *   <li><b>remove</b>: {@code RemoveContainer} of the running replica (stop with SIGTERM, then clean-up);</li>
 *   <li><b>memory</b>: what the sandbox adds per jail besides the workload's own processes — the
 *       supervisor's RSS, and the port forwarder's once a probe has used it.</li>
 * </ul>
 *
 * Run through {@code bench/sandbox-runtime.sh}. Options: {@code --runs N} (default 20),
 * {@code --images DIR} (sandbox images, built by {@code scripts/build-test-image.sh --sandbox}),
 * {@code --skip-docker}.
 */
public final class SandboxRuntimeBenchmark {
    static final String IMAGE = "roost-test/busybox:1";
    static final Health.Probe PROBE = new Health.Http("/cgi-bin/healthz", new PortRef.ByNumber(8080));

    public static void main(String[] args) throws Exception {
        int runs = 20;
        Path images = null;
        boolean docker = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--images" -> images = Path.of(args[++i]);
                case "--skip-docker" -> docker = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (images == null) {
            throw new IllegalArgumentException("--images DIR is required (bench/sandbox-runtime.sh builds them)");
        }
        Path work = Path.of("/tmp", "roost-sbxrt-bench-" + ProcessHandle.current().pid());
        Files.createDirectories(work);
        work.toFile().setExecutable(true, false);
        SandboxRuntimeSettings settings = SandboxRuntimeSettings.defaults(work).withImages(images);
        try (SandboxRuntime sandbox = new SandboxRuntime(settings)) {
            SandboxRuntime.Status status = sandbox.probe();
            if (!status.usable()) {
                System.err.println("The sandbox runtime cannot run here: " + status.detail());
                System.exit(1);
            }
            DockerRuntime dockerRuntime = null;
            if (docker) {
                DockerSettings ds = DockerSettings.fromEnvironment(System.getenv());
                DockerRuntime.DaemonStatus daemon = DockerRuntime.probeDaemon(ds);
                if (daemon.answers()) {
                    dockerRuntime = DockerRuntime.connect(ds);
                } else {
                    System.out.println("No Docker sample: " + daemon.detail());
                }
            }
            System.out.printf(Locale.ROOT, "Sandbox runtime: %s%n%d samples each, alternating%n%n", status.detail(), runs);
            List<Long> sandboxUp = new ArrayList<>();
            List<Long> sandboxDown = new ArrayList<>();
            List<Long> dockerUp = new ArrayList<>();
            List<Long> dockerDown = new ArrayList<>();
            List<Long> shimRss = new ArrayList<>();
            List<Long> forwarderRss = new ArrayList<>();
            sample(sandbox, null, null, null, null); // warm-up: class loading, first probe
            for (int i = 0; i < runs; i++) {
                sample(sandbox, sandboxUp, sandboxDown, shimRss, forwarderRss);
                if (dockerRuntime != null) {
                    sample(dockerRuntime, dockerUp, dockerDown, null, null);
                }
            }
            print("create to healthy", sandboxUp, dockerUp);
            print("remove", sandboxDown, dockerDown);
            System.out.printf(Locale.ROOT, "%nper jail, besides the workload: supervisor RSS p50 %.1f MiB, port forwarder RSS p50 %.1f MiB%n",
                    percentile(shimRss, 50) / 1024.0, percentile(forwarderRss, 50) / 1024.0);
            if (dockerRuntime != null) {
                dockerRuntime.close();
            }
        } finally {
            deleteQuietly(work);
            deleteQuietly(settings.secretRoot());
        }
    }

    private static void sample(Runtime runtime, List<Long> up, List<Long> down, List<Long> shimRss, List<Long> forwarderRss)
            throws InterruptedException {
        UUID id = UUID.randomUUID();
        WorkloadSpec spec = new WorkloadSpec(id, "bench", "bench", 1, IMAGE, RuntimeSpec.PullPolicy.IF_NOT_PRESENT, List.of(),
                new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), OptionalLong.of(500), OptionalLong.of(64L << 20),
                WorkloadSpec.DEFAULT_PIDS_LIMIT, 1, List.of(), Network.DEFAULT, Optional.empty());
        long start = System.nanoTime();
        runtime.apply(new RuntimeAction.EnsureImage(id, IMAGE, RuntimeSpec.PullPolicy.IF_NOT_PRESENT, "bench"), SecretSource.NONE);
        String container = runtime.apply(new RuntimeAction.CreateContainer(spec, 0, "bench"), SecretSource.NONE).orElseThrow();
        ProbeResult result = runtime.probe(container, PROBE, 8080, Duration.ofSeconds(2));
        while (!result.healthy()) {
            if (System.nanoTime() - start > Duration.ofSeconds(30).toNanos()) {
                throw new IllegalStateException(runtime.name() + ": not healthy within 30 s: " + result.detail());
            }
            Thread.sleep(5);
            result = runtime.probe(container, PROBE, 8080, Duration.ofSeconds(2));
        }
        long healthy = System.nanoTime();
        if (shimRss != null && runtime instanceof SandboxRuntime) {
            for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
                String args = p.info().arguments().map(a -> String.join(" ", a)).orElse("");
                if (args.contains("jail-shim.pl") && args.contains(container)) {
                    rss(p.pid()).ifPresent(shimRss::add);
                } else if (args.contains("port-forwarder.pl") && args.contains(container)) {
                    rss(p.pid()).ifPresent(forwarderRss::add);
                }
            }
        }
        runtime.apply(new RuntimeAction.RemoveContainer(id, container, "bench"), SecretSource.NONE);
        runtime.apply(new RuntimeAction.RemoveVolumes(id, "bench"), SecretSource.NONE);
        long removed = System.nanoTime();
        if (up != null) {
            up.add(healthy - start);
            down.add(removed - healthy);
        }
    }

    private static OptionalLong rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // gone
        }
        return OptionalLong.empty();
    }

    private static void print(String what, List<Long> sandbox, List<Long> docker) {
        double s50 = percentile(sandbox, 50) / 1e6;
        double s90 = percentile(sandbox, 90) / 1e6;
        if (docker.isEmpty()) {
            System.out.printf(Locale.ROOT, "%-18s sandbox p50 %7.1f ms  p90 %7.1f ms%n", what, s50, s90);
            return;
        }
        double d50 = percentile(docker, 50) / 1e6;
        double d90 = percentile(docker, 90) / 1e6;
        System.out.printf(Locale.ROOT, "%-18s sandbox p50 %7.1f ms  p90 %7.1f ms | docker p50 %7.1f ms  p90 %7.1f ms | docker/sandbox p50 %.1fx%n",
                what, s50, s90, d50, d90, d50 / s50);
    }

    private static double percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = values.stream().sorted(Comparator.naturalOrder()).toList();
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static void deleteQuietly(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            // best effort
        }
    }
}
