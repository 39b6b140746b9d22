package dev.roost.bench;

import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.RoostServer;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.reconcile.Reconciler;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * What it costs to run instances, measured in one run:
 *
 * <ol>
 *   <li>create to RUNNING of one instance on Docker, through the API and through the CLI
 *       ({@code roost apply -f}), against a bare {@code docker run -d} of the same image with the
 *       same limits and hardening, measured alternately in the same run;</li>
 *   <li>time to converge 50 instances created back to back;</li>
 *   <li>one full reconciler pass over 10,000 unchanged instances on the in-memory fake runtime.</li>
 * </ol>
 *
 * Run through {@code bench/runtime.sh}. Options: {@code --repo DIR}, {@code --work DIR},
 * {@code --runs N} (create-to-RUNNING samples, default 5), {@code --converge N} (default 50),
 * {@code --resync N} (default 10000), {@code --skip-docker}, then {@code --} and the server's JVM options.
 */
public final class RuntimeBenchmark {
    static final Duration CREATE_TARGET = Duration.ofSeconds(2);
    static final Duration RESYNC_TARGET = Duration.ofSeconds(1);
    static final String IMAGE = "roost-test/busybox:1";
    static final String WORKSPACE = "rtbench";
    static final String PASSWORD = "runtime-benchmark-admin";

    private final Path repo;
    private final Path work;
    private final int runs;
    private final int converge;
    private final int resync;
    private final boolean docker;
    private final List<String> jvmOptions;
    private final List<String[]> summary = new ArrayList<>();
    private final long started = System.nanoTime();

    private RuntimeBenchmark(Path repo, Path work, int runs, int converge, int resync, boolean docker, List<String> jvmOptions) {
        this.repo = repo;
        this.work = work;
        this.runs = runs;
        this.converge = converge;
        this.resync = resync;
        this.docker = docker;
        this.jvmOptions = jvmOptions;
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(".").toAbsolutePath().normalize();
        Path work = null;
        int runs = 5;
        int converge = 50;
        int resync = 10_000;
        boolean docker = true;
        List<String> jvm = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--work" -> work = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--converge" -> converge = Integer.parseInt(args[++i]);
                case "--resync" -> resync = Integer.parseInt(args[++i]);
                case "--skip-docker" -> docker = false;
                case "--" -> {
                    jvm.addAll(List.of(args).subList(i + 1, args.length));
                    i = args.length;
                }
                default -> {
                    System.err.println("runtime benchmark: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (work == null) {
            work = repo.resolve("bench/target/runtime-bench");
        }
        try {
            new RuntimeBenchmark(repo, work, runs, converge, resync, docker, jvm).run();
        } catch (IllegalStateException e) {
            System.out.flush();
            System.err.println("\nruntime benchmark failed: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    private void run() throws Exception {
        FoundationBenchmark.deleteRecursively(work);
        Files.createDirectories(work);
        System.out.printf(Locale.ROOT, "Roost runtime benchmark, %d cores, JDK %s%n", java.lang.Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.runtime.version"));
        if (docker) {
            dockerPart();
        } else {
            log("--skip-docker: the Docker figures are not measured");
        }
        resyncPart();
        System.out.println();
        System.out.println("Summary (ratio = measured / target; at or below 1.00 meets the target)");
        System.out.println("-".repeat(110));
        System.out.printf(Locale.ROOT, "%-58s %-30s %-10s %s%n", "figure", "measured", "target", "ratio");
        for (String[] row : summary) {
            System.out.printf(Locale.ROOT, "%-58s %-30s %-10s %s%n", (Object[]) row);
        }
        System.out.println("-".repeat(110));
        System.out.printf(Locale.ROOT, "total benchmark time %s%n", FoundationBenchmark.seconds(Duration.ofNanos(System.nanoTime() - started)));
    }

    // ---- Docker: create to RUNNING, and converging many ------------------------------------

    private void dockerPart() throws Exception {
        section("Docker: create to RUNNING, against a bare docker run of the same image");
        String version = exec(List.of("docker", "version", "--format", "{{.Server.Version}}"), Duration.ofSeconds(10)).trim();
        log("Docker daemon %s; image %s", version, IMAGE);
        exec(List.of("bash", repo.resolve("scripts/build-test-image.sh").toString()), Duration.ofMinutes(2));
        Path jar = repo.resolve("cli/target/roost.jar");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try (RoostServerProcess server = RoostServerProcess.start(java, jvmOptions, jar, work.resolve("home"),
                work.resolve("server.log"), PASSWORD, Map.of("ROOST_RUNTIME", "docker", "ROOST_RECONCILE_INTERVAL", "5s"));
                HttpClient client = HttpClient.newHttpClient()) {
            log("server ready in %s", FoundationBenchmark.seconds(server.timeToReady()));
            BenchApi api = BenchApi.login(client, server.baseUrl(), "admin", PASSWORD);
            check(api.post("/api/v1/workspaces", """
                    {"name":"%s","plan":"business","owner":"admin","quota":{"maxInstances":1000,"maxCpuPerInstance":"1",\
                    "maxMemoryPerInstance":"1Gi","maxCpuTotal":"1000","maxMemoryTotal":"1000Gi"}}""".formatted(WORKSPACE)), 201);
            String token = BenchApi.parse(check(api.post("/api/v1/tokens", "{\"name\":\"bench\"}"), 201)).get("token").asString();

            // Warm both paths once (image cache, JIT), then alternate so drift on the machine falls on both alike.
            bareDockerRun("warm");
            createToRunning(api, "warm");
            List<Duration> bare = new ArrayList<>();
            List<Duration> roost = new ArrayList<>();
            for (int i = 1; i <= runs; i++) {
                bare.add(bareDockerRun("bare-" + i));
                roost.add(createToRunning(api, "one-" + i));
                log("run %d/%d: docker run -d %s, Roost API create to RUNNING %s", i, runs,
                        FoundationBenchmark.seconds(bare.get(bare.size() - 1)), FoundationBenchmark.seconds(roost.get(roost.size() - 1)));
            }
            List<Duration> cli = new ArrayList<>();
            cliCreateToRunning(api, server.baseUrl(), token, java, jar, "cli-warm"); // writes the class-data archive
            for (int i = 1; i <= Math.min(3, runs); i++) {
                cli.add(cliCreateToRunning(api, server.baseUrl(), token, java, jar, "cli-" + i));
                log("CLI run %d: roost apply -f, to RUNNING %s", i, FoundationBenchmark.seconds(cli.get(cli.size() - 1)));
            }
            Duration bareMedian = FoundationBenchmark.median(bare);
            Duration roostMedian = FoundationBenchmark.median(roost);
            Duration cliMedian = FoundationBenchmark.median(cli);
            summary.add(row("bare docker run -d (same image, limits, hardening), median", FoundationBenchmark.seconds(bareMedian)));
            summary.add(target("API create to RUNNING, median of " + runs, roostMedian, CREATE_TARGET));
            summary.add(row("  ratio to bare docker run", String.format(Locale.ROOT, "%.2fx", (double) roostMedian.toNanos() / bareMedian.toNanos())));
            summary.add(target("CLI roost apply -f to RUNNING (incl. CLI JVM start), median", cliMedian, CREATE_TARGET));

            section("Docker: " + converge + " instances created back to back, until all are RUNNING");
            long t0 = System.nanoTime();
            for (int i = 0; i < converge; i++) {
                check(api.put(instancePath(String.format(Locale.ROOT, "many-%03d", i)), manifest(String.format(Locale.ROOT, "many-%03d", i))), 201);
            }
            long created = System.nanoTime() - t0;
            int running;
            do {
                Thread.sleep(50);
                running = countRunning(api, "many-");
                if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(5)) {
                    throw new IllegalStateException("only " + running + " of " + converge + " instances RUNNING after 5 minutes");
                }
            } while (running < converge);
            Duration all = Duration.ofNanos(System.nanoTime() - t0);
            log("%d created in %s, all RUNNING after %s", converge, FoundationBenchmark.seconds(Duration.ofNanos(created)),
                    FoundationBenchmark.seconds(all));
            summary.add(row("converge " + converge + " instances from scratch (first create to all RUNNING)",
                    FoundationBenchmark.seconds(all) + String.format(Locale.ROOT, "  (%.1f instances/s)", converge / (all.toNanos() / 1e9))));

            section("Clean-up: deleting the instances through Roost");
            JsonNode list = BenchApi.parse(check(api.get("/api/v1/workspaces/" + WORKSPACE + "/instances?limit=500"), 200));
            for (JsonNode item : list.get("items")) {
                api.delete(instancePath(item.get("name").asString()));
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!exec(List.of("docker", "ps", "-aq", "--filter", "label=roost.workspace=" + WORKSPACE), Duration.ofSeconds(30)).isBlank()
                    && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            log("containers of the benchmark left: %s", exec(List.of("docker", "ps", "-aq", "--filter",
                    "label=roost.workspace=" + WORKSPACE), Duration.ofSeconds(30)).lines().count());
            server.stop();
        }
    }

    private Duration bareDockerRun(String name) throws Exception {
        String container = "roost-bench-" + name + "-" + ProcessHandle.current().pid();
        long t0 = System.nanoTime();
        exec(List.of("docker", "run", "-d", "--name", container, "--network", "none", "--read-only", "--tmpfs", "/tmp:size=64m",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--pids-limit", "256", "--memory", "64m",
                "--memory-swap", "64m", "--cpus", "0.1", "--user", "65534:65534", IMAGE), Duration.ofSeconds(60));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        exec(List.of("docker", "rm", "-f", container), Duration.ofSeconds(60));
        return took;
    }

    private Duration createToRunning(BenchApi api, String name) throws Exception {
        long t0 = System.nanoTime();
        check(api.put(instancePath(name), manifest(name)), 201);
        awaitRunning(api, name);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private Duration cliCreateToRunning(BenchApi api, String url, String token, Path java, Path jar, String name) throws Exception {
        Path file = work.resolve(name + ".json");
        Files.writeString(file, manifest(name));
        List<String> command = new ArrayList<>(List.of(java.toString()));
        command.addAll(clientOptions());
        command.addAll(List.of("-jar", jar.toString(), "apply", "-f", file.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("ROOST_"));
        env.put("ROOST_SERVER", url);
        env.put("ROOST_TOKEN", token);
        env.put("ROOST_WORKSPACE", WORKSPACE);
        env.put("ROOST_CONFIG_DIR", work.resolve("cli-config").toString());
        long t0 = System.nanoTime();
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException("roost apply failed: " + output);
        }
        awaitRunning(api, name);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** The launcher's options for client commands (./roost): a class-data archive, SerialGC, C1 only. */
    private List<String> clientOptions() {
        return List.of("-XX:SharedArchiveFile=" + work.resolve("cli-apply.jsa"), "-XX:+AutoCreateSharedArchive", "-Xlog:cds*=off",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms32m", "-Xmx512m");
    }

    private static void awaitRunning(BenchApi api, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            BenchApi.Response r = api.get(instancePath(name));
            if (r.status() == 200) {
                JsonNode instance = BenchApi.parse(r.body()).get("instance");
                String status = instance.get("status").asString();
                if (status.equals("RUNNING")) {
                    return;
                }
                if (status.equals("DEGRADED") || status.equals("DOWN")) {
                    throw new IllegalStateException(name + " is " + status + ": " + instance.get("statusReason").asString());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not RUNNING after 2 minutes: " + r.body());
            }
            Thread.sleep(5);
        }
    }

    private static int countRunning(BenchApi api, String prefix) throws Exception {
        JsonNode list = BenchApi.parse(check(api.get("/api/v1/workspaces/" + WORKSPACE + "/instances?limit=500"), 200));
        int n = 0;
        for (JsonNode item : list.get("items")) {
            if (item.get("name").asString().startsWith(prefix) && item.get("status").asString().equals("RUNNING")) {
                n++;
            }
        }
        return n;
    }

    private static String instancePath(String name) {
        return "/api/v1/workspaces/" + WORKSPACE + "/instances/" + name;
    }

    private static String manifest(String name) {
        return """
                {"apiVersion":"roost/v1","kind":"AgentInstance","metadata":{"name":"%s","workspace":"%s",\
                "environment":"prod"},"spec":{"runtime":{"image":"%s","cpu":"100m","memory":"64Mi"},\
                "network":{"egress":"NONE"}}}""".formatted(name, WORKSPACE, IMAGE);
    }

    // ---- Fake runtime: one full pass over many unchanged instances --------------------------

    private void resyncPart() throws Exception {
        section("Fake runtime: a full reconciler pass over " + resync + " unchanged instances");
        // The server runs in this process: only its warnings go to the console.
        dev.roost.server.logging.LogSetup.configure(dev.roost.server.logging.LogSetup.Format.TEXT, "warn");
        FakeRuntime fake = new FakeRuntime().withImage(IMAGE);
        RoostConfig config = RoostConfig.fromEnvironment(Map.of()).withHome(work.resolve("resync-home")).withPort(0)
                .withAdminPassword(PASSWORD).withReconcileInterval(Duration.ofHours(1)).withRuntime("fake");
        try (RoostServer server = RoostServer.start(config, java.time.Clock.systemUTC(), fake);
                HttpClient client = HttpClient.newHttpClient()) {
            BenchApi api = BenchApi.login(client, server.url(), "admin", PASSWORD);
            check(api.post("/api/v1/workspaces", """
                    {"name":"%s","plan":"business","owner":"admin","quota":{"maxInstances":20000,"maxCpuPerInstance":"1",\
                    "maxMemoryPerInstance":"1Gi","maxCpuTotal":"20000","maxMemoryTotal":"20000Gi"}}""".formatted(WORKSPACE)), 201);
            long t0 = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int first = t;
                    done.add(pool.submit(() -> {
                        for (int i = first; i < resync; i += 4) {
                            String name = String.format(Locale.ROOT, "agent-%05d", i);
                            check(api.put(instancePath(name), manifest(name)), 201);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            log("%d instances created in %s", resync, FoundationBenchmark.seconds(Duration.ofNanos(System.nanoTime() - t0)));
            Reconciler reconciler = server.reconciler().orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (fake.observe().size() < resync) {
                reconciler.reconcileNow();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the fake runtime holds only " + fake.observe().size() + " containers after 10 minutes");
                }
            }
            // Settle: passes until one writes no event.
            long before;
            do {
                before = events(server);
                reconciler.reconcileNow();
            } while (events(server) != before);
            log("converged: %d containers on the fake runtime, %d deployment events", fake.observe().size(), before);
            List<Duration> passes = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                long p0 = System.nanoTime();
                Reconciler.PassOutcome outcome = reconciler.reconcileNow();
                passes.add(Duration.ofNanos(System.nanoTime() - p0));
                if (outcome != Reconciler.PassOutcome.DONE) {
                    throw new IllegalStateException("pass " + i + " ended " + outcome);
                }
            }
            long after = events(server);
            log("pass times: %s; events written by them: %d", String.join(", ", passes.stream()
                    .map(d -> FoundationBenchmark.millis(d.toNanos())).toList()), after - before);
            Duration median = FoundationBenchmark.median(passes);
            summary.add(target("full pass over " + resync + " unchanged instances (fake), median of 7", median, RESYNC_TARGET));
            summary.add(row("  events or status writes by those passes", Long.toString(after - before)));
        }
    }

    private static long events(RoostServer server) {
        return server.database().read(s -> s.handle().createQuery("SELECT count(*) FROM deployment_events").mapTo(Long.class).one());
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static String check(BenchApi.Response response, int expected) {
        if (response.status() != expected) {
            throw new IllegalStateException("expected " + expected + ", got " + response.status() + ": " + response.body());
        }
        return response.body();
    }

    private static String exec(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static String[] row(String figure, String value) {
        return new String[] {figure, value, "", ""};
    }

    private static String[] target(String figure, Duration value, Duration target) {
        double ratio = (double) value.toNanos() / target.toNanos();
        return new String[] {figure, FoundationBenchmark.seconds(value), "<= " + FoundationBenchmark.seconds(target),
            String.format(Locale.ROOT, "%.2f  %s", ratio, ratio <= 1.0 ? "meets" : "MISSES")};
    }

    private void section(String title) {
        System.out.println();
        System.out.println("## " + title);
    }

    private void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - started) / 1e9, String.format(Locale.ROOT, format, args));
    }
}
