package dev.roost.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The foundation benchmark: start-up, memory and API latency of {@code roost up}, measured in
 * one run against the targets, with the JDK's default JVM options as the baseline for the
 * launcher's options. Run it with {@code bench/foundation.sh}, which builds Roost and passes
 * the launcher's default JVM options after {@code --}.
 *
 * <pre>
 * FoundationBenchmark --repo DIR [--warm-runs 3] [--idle-seconds 5] [--instances 10000]
 *     [--rate 500] [--warmup-seconds 15] [--measure-seconds 20] [--seed-threads 16]
 *     [--no-baseline] [--keep] [--variant NAME=OPTIONS]... -- LAUNCHER_JVM_OPTIONS...
 * </pre>
 *
 * {@code @ARCHIVE@} in JVM options stands for a class-data archive file in the work directory,
 * so the cold start really starts without one, as a first {@code ./roost up} does.
 */
public final class FoundationBenchmark {
    static final Duration WARM_START_TARGET = Duration.ofSeconds(3);
    static final long SERVER_IDLE_RSS_TARGET_MIB = 350;
    static final Duration LIST_P99_TARGET = Duration.ofMillis(10);
    static final String ADMIN = "admin";
    static final String WORKSPACE = "bench";

    private final Options options;
    private final Path java;
    private final Path jar;
    private final String adminPassword = "bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-Pw";
    private final long benchStart = System.nanoTime();
    private final List<Row> summary = new ArrayList<>();
    private final List<RoostServerProcess> running = new ArrayList<>();
    private int logCounter;

    private FoundationBenchmark(Options options) {
        this.options = options;
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
        this.jar = options.repo.resolve("cli/target/roost.jar");
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("foundation benchmark: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        FoundationBenchmark benchmark = new FoundationBenchmark(options);
        Runtime.getRuntime().addShutdownHook(new Thread(benchmark::stopAll, "stop-servers"));
        try {
            benchmark.run();
        } catch (IllegalStateException e) {
            System.out.flush();
            System.err.println("\nfoundation benchmark failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private void run() throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist; build Roost first (bench/foundation.sh does)");
        }
        printHeader();
        Path home = options.work.resolve("home");
        deleteRecursively(options.work);
        Files.createDirectories(options.work);

        // 1. Start-up: cold (fresh home: initdb, and no class-data archive yet), then warm.
        section("Start-up: process spawn to the first 200 of /readyz");
        CpuShare.Snapshot startupBegin = CpuShare.take(livePids());
        List<String> launcher = withArchive(options.jvmOptions, "launcher");
        Start cold = startOnce("cold, launcher options", launcher, home);
        stop(cold.server, "cold");

        // Baseline and launcher runs alternate, so load from elsewhere on the machine falls on both alike.
        List<Start> baseline = new ArrayList<>();
        List<Start> warm = new ArrayList<>();
        long baselineIdleRss = -1;
        for (int i = 1; i <= options.warmRuns; i++) {
            if (options.baseline) {
                Start b = startOnce("warm " + i + "/" + options.warmRuns + ", JDK defaults (no options)", List.of(), home);
                baseline.add(b);
                if (i == options.warmRuns) {
                    baselineIdleRss = idleRss(b.server);
                }
                stop(b.server, "baseline");
            }
            Start s = startOnce("warm " + i + "/" + options.warmRuns + ", launcher options", launcher, home);
            warm.add(s);
            if (i < options.warmRuns) {
                stop(s.server, "warm");
            }
        }
        RoostServerProcess server = warm.get(warm.size() - 1).server;
        double othersStartup = CpuShare.others(startupBegin, CpuShare.take(livePids()));
        log("other processes used %s of the machine's CPU during the start-up runs", percent(othersStartup));

        Duration coldReady = cold.ready;
        Duration warmMedian = median(warm.stream().map(Start::ready).toList());
        summary.add(Row.info("cold start to ready (fresh home, initdb, no archive)", seconds(coldReady)));
        summary.add(Row.info("  CPU used until ready, cold / warm median", loggedMillis(cold.cpuMillis()) + " / "
                + loggedMillis(median(warm.stream().map(x -> Duration.ofMillis(x.cpuMillis())).toList()).toMillis())));
        summary.add(Row.target("warm start to ready, median of " + warm.size(), seconds(warmMedian)
                + "  (" + String.join(", ", warm.stream().map(s -> seconds(s.ready)).toList()) + ")",
                "<= " + seconds(WARM_START_TARGET), ratio(warmMedian.toNanos(), WARM_START_TARGET.toNanos())));
        if (!baseline.isEmpty()) {
            Duration baselineMedian = median(baseline.stream().map(Start::ready).toList());
            summary.add(Row.info("  baseline: warm start with JDK defaults, median", seconds(baselineMedian)
                    + "  (" + String.join(", ", baseline.stream().map(s -> seconds(s.ready)).toList()) + ")"));
            summary.add(Row.info("  launcher options vs JDK defaults (warm start)",
                    String.format(Locale.ROOT, "%.2fx the time", (double) warmMedian.toNanos() / baselineMedian.toNanos())));
        }

        // 2. Memory after a few seconds idle.
        section("Memory after " + options.idleSeconds + " s idle");
        long serverRss = idleRss(server);
        ProcessMemory.Sum postgres = server.postgresMemory();
        log("embedded PostgreSQL: %d processes, RSS sum %s, PSS sum %s", postgres.processes(), mib(postgres.rssKiB()),
                mib(postgres.pssKiB()));
        summary.add(Row.target("server idle RSS (java process)", mib(serverRss), "<= " + SERVER_IDLE_RSS_TARGET_MIB + " MiB",
                ratio(serverRss, SERVER_IDLE_RSS_TARGET_MIB * 1024)));
        if (baselineIdleRss > 0) {
            summary.add(Row.info("  baseline: idle RSS with JDK defaults", mib(baselineIdleRss)));
        }
        summary.add(Row.info("embedded PostgreSQL idle, " + postgres.processes() + " processes",
                "RSS sum " + mib(postgres.rssKiB()) + ", PSS sum " + mib(postgres.pssKiB())));

        // 3. API latency under an open-loop load.
        section("API latency at " + options.instances + " instances, open loop at " + fmt(options.rate) + " req/s");
        CpuShare.Snapshot latencyBegin = CpuShare.take(livePids());
        latency(server);
        double othersLatency = CpuShare.others(latencyBegin, CpuShare.take(livePids()));
        log("other processes used %s of the machine's CPU during the latency runs", percent(othersLatency));
        summary.add(Row.info("CPU used by other processes: start-up / latency", percent(othersStartup) + " / "
                + percent(othersLatency) + " of the machine (high skews every figure)"));

        stop(server, "final");
        running.clear();

        // 4. Optional comparison of JVM option sets (used to choose the launcher's defaults).
        if (!options.variants.isEmpty()) {
            compareVariants(home);
        }

        printSummary();
        if (!options.keep) {
            deleteRecursively(home);
        }
        log("logs of every server run are in %s", options.work);
    }

    // ---- start-up -------------------------------------------------------------------------

    private record Start(String label, RoostServerProcess server, Duration ready, RoostServerProcess.StartLog startLog) {
        long cpuMillis() {
            return server.cpuMillisAtReady();
        }
    }

    private Start startOnce(String label, List<String> jvmOptions, Path home) throws IOException, InterruptedException {
        Path logFile = options.work.resolve(String.format(Locale.ROOT, "server-%02d.log", ++logCounter));
        RoostServerProcess server = RoostServerProcess.start(java, jvmOptions, jar, home, logFile, adminPassword);
        running.add(server);
        RoostServerProcess.StartLog startLog = server.startLog();
        log("%-40s ready in %s  (CPU %s; PostgreSQL start %s, server start work %s)", label,
                seconds(server.timeToReady()), loggedMillis(server.cpuMillisAtReady()), loggedMillis(startLog.postgresMillis()),
                loggedMillis(startLog.serverStartMillis()));
        return new Start(label, server, server.timeToReady(), startLog);
    }

    private void stop(RoostServerProcess server, String label) throws InterruptedException {
        Duration took = server.stop();
        running.remove(server);
        if (label.equals("cold")) {
            log("%-40s stopped in %s (includes writing the class-data archive, if enabled)", "", seconds(took));
        }
    }

    private long idleRss(RoostServerProcess server) throws InterruptedException {
        Thread.sleep(Duration.ofSeconds(options.idleSeconds));
        long rss = server.rssKiB().orElseThrow(() -> new IllegalStateException("the server process is gone"));
        log("server pid %d: VmRSS %s after %d s idle", server.pid(), mib(rss), options.idleSeconds);
        return rss;
    }

    // ---- latency --------------------------------------------------------------------------

    private void latency(RoostServerProcess server) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build()) {
            BenchApi api = BenchApi.login(client, server.baseUrl(), ADMIN, adminPassword);
            OpenLoopLoad load = new OpenLoopLoad(client);

            // Baseline: the cheapest authenticated read there is (token check and one user
            // lookup), through the same HTTP stack, at the same rate.
            HttpRequest me = api.getRequest("/api/v1/auth/me");
            log("warm-up: %d s of GET /api/v1/auth/me at %s req/s (not counted)", options.warmupSeconds, fmt(options.rate));
            load.run("warm-up", options.rate, Duration.ofSeconds(options.warmupSeconds), i -> me);
            OpenLoopLoad.Result meResult = load.run("GET auth/me (baseline)", options.rate,
                    Duration.ofSeconds(options.measureSeconds), i -> me);
            report(meResult);
            summary.add(Row.info("baseline: GET /api/v1/auth/me p50 / p99 / max", latencies(meResult)));
            summary.add(Row.info("  auth/me achieved rate, errors", rateAndErrors(meResult)));

            instanceLatency(server, api, load, meResult);

            long rssAfter = server.rssKiB().orElse(-1);
            ProcessMemory.Sum postgres = server.postgresMemory();
            log("after load: server VmRSS %s; embedded PostgreSQL RSS sum %s, PSS sum %s", mib(rssAfter),
                    mib(postgres.rssKiB()), mib(postgres.pssKiB()));
            summary.add(Row.info("server RSS after load", mib(rssAfter)));
            summary.add(Row.info("embedded PostgreSQL after load", "RSS sum " + mib(postgres.rssKiB()) + ", PSS sum "
                    + mib(postgres.pssKiB())));
        }
    }

    /** List and get at {@code options.instances} stored instances; skipped while the routes do not exist. */
    private void instanceLatency(RoostServerProcess server, BenchApi api, OpenLoopLoad load, OpenLoopLoad.Result baseline)
            throws Exception {
        String figure = "list/get latency at " + options.instances + " instances";
        BenchApi.Response ws = api.post("/api/v1/workspaces", workspaceJson());
        if (ws.status() == 404 || ws.status() == 405) {
            skip(figure, "skipped: instance routes not available (" + ws.status() + " for POST /api/v1/workspaces)");
            return;
        }
        if (ws.status() != 201 && ws.status() != 200 && ws.status() != 409) {
            throw new IllegalStateException("creating workspace '" + WORKSPACE + "' failed: " + ws.status() + " "
                    + OpenLoopLoad.abbreviate(ws.body()));
        }
        String base = "/api/v1/workspaces/" + WORKSPACE + "/instances";
        BenchApi.Response first = api.put(base + "/" + instanceName(0), instanceJson(instanceName(0)));
        if (first.status() == 404 || first.status() == 405) {
            skip(figure, "skipped: instance routes not available (" + first.status() + ")");
            return;
        }
        if (first.status() != 201 && first.status() != 200) {
            throw new IllegalStateException("creating the first instance failed: " + first.status() + " "
                    + OpenLoopLoad.abbreviate(first.body()));
        }
        int seeded = seed(api, base);
        // Seeding wrote 10,000 instances, versions and audit entries at once; PostgreSQL's autovacuum
        // would otherwise start on them at some point in the next minute, in the middle of a latency
        // window. Run that maintenance now, as an operator's database would have had it.
        long vacuumStart = System.nanoTime();
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + server.postgresPort() + "/postgres", "postgres", "");
                Statement st = c.createStatement()) {
            st.execute("VACUUM ANALYZE");
        }
        log("VACUUM ANALYZE after seeding took %d ms", (System.nanoTime() - vacuumStart) / 1_000_000);

        BenchApi.Response page = api.get(base + "?limit=100");
        int pageItems = page.status() == 200 ? BenchApi.parse(page.body()).path("items").size() : -1;
        log("GET %s?limit=100 -> %d, %d items, %d bytes", base, page.status(), pageItems, page.body().length());

        HttpRequest list = api.getRequest(base + "?limit=100");
        log("warm-up: %d s at %s req/s, list and get alternating (not counted)", options.warmupSeconds, fmt(options.rate));
        OpenLoopLoad.Result warmup = load.run("warm-up", options.rate, Duration.ofSeconds(options.warmupSeconds),
                i -> i % 2 == 0 ? list : api.getRequest(base + "/" + randomInstance(seeded)));
        log("warm-up done: %d errors%s", warmup.errors(), warmup.firstError() == null ? "" : ", first: " + warmup.firstError());

        OpenLoopLoad.Result lists = load.run("GET instances?limit=100", options.rate,
                Duration.ofSeconds(options.measureSeconds), i -> list);
        report(lists);
        OpenLoopLoad.Result gets = load.run("GET instances/{name}", options.rate,
                Duration.ofSeconds(options.measureSeconds), i -> api.getRequest(base + "/" + randomInstance(seeded)));
        report(gets);

        summary.add(Row.target("list p99, 100-item page, " + fmt(options.rate) + " req/s", millis(lists.percentile(0.99)),
                "<= " + LIST_P99_TARGET.toMillis() + " ms", ratio(lists.percentile(0.99), LIST_P99_TARGET.toNanos())));
        summary.add(Row.info("  list p50 / p99 / max", latencies(lists)));
        summary.add(Row.info("  list p99 / auth/me p99 (same run)", String.format(Locale.ROOT, "%.2fx",
                (double) lists.percentile(0.99) / Math.max(1, baseline.percentile(0.99)))));
        summary.add(Row.info("  list achieved rate, errors", rateAndErrors(lists)));
        summary.add(Row.info("get p50 / p99 / max", latencies(gets)));
        summary.add(Row.info("  get achieved rate, errors", rateAndErrors(gets)));
    }

    private int seed(BenchApi api, String base) throws InterruptedException {
        int total = options.instances;
        AtomicInteger next = new AtomicInteger(1); // instance 0 exists already
        AtomicInteger done = new AtomicInteger(1);
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        ConcurrentMap<Integer, Integer> statuses = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        log("seeding %d instances with %d concurrent clients...", total, options.seedThreads);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < options.seedThreads; t++) {
                executor.execute(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < total) {
                        String name = instanceName(i);
                        try {
                            BenchApi.Response r = api.put(base + "/" + name, instanceJson(name));
                            statuses.merge(r.status(), 1, Integer::sum);
                            if (r.status() != 201 && r.status() != 200) {
                                errors.incrementAndGet();
                                firstError.compareAndSet(null, r.status() + " " + OpenLoopLoad.abbreviate(r.body()));
                            }
                        } catch (IOException | InterruptedException e) {
                            errors.incrementAndGet();
                            firstError.compareAndSet(null, e.toString());
                        }
                        int n = done.incrementAndGet();
                        if (n % 1000 == 0) {
                            double secs = (System.nanoTime() - t0) / 1e9;
                            log("  seeded %,d/%,d (%.0f/s)", n, total, n / secs);
                        }
                    }
                });
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        log("seeded %,d instances in %.1f s (%.0f/s), statuses %s, %d errors%s", total, secs, total / secs, statuses,
                errors.get(), firstError.get() == null ? "" : "; first: " + firstError.get());
        summary.add(Row.info("seeding " + total + " instances (" + options.seedThreads + " clients)",
                String.format(Locale.ROOT, "%.1f s, %.0f/s, %d errors", secs, total / secs, errors.get())));
        return total;
    }

    private void report(OpenLoopLoad.Result r) {
        log("%-26s %d requests: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s; %s/s achieved; %d errors%s; max send lag %s",
                r.name(), r.scheduled(), millis(r.percentile(0.50)), millis(r.percentile(0.90)), millis(r.percentile(0.99)),
                millis(r.percentile(0.999)), millis(r.max()), fmt(r.achievedRate()), r.errors(),
                r.firstError() == null ? "" : " (first: " + r.firstError() + ")", millis(r.maxSendLagNanos()));
    }

    private void skip(String figure, String message) {
        log("%s", message);
        summary.add(Row.info(figure, message));
    }

    private static String instanceName(int i) {
        return String.format(Locale.ROOT, "agent-%05d", i);
    }

    private static String randomInstance(int count) {
        return instanceName(ThreadLocalRandom.current().nextInt(count));
    }

    private static String workspaceJson() {
        return """
                {"name":"%s","plan":"business","owner":"%s","quota":{"maxInstances":20000,"maxCpuPerInstance":"1",\
                "maxMemoryPerInstance":"1Gi","maxCpuTotal":"20000","maxMemoryTotal":"20000Gi"}}""".formatted(WORKSPACE, ADMIN);
    }

    private static String instanceJson(String name) {
        return """
                {"apiVersion":"roost/v1","kind":"AgentInstance","metadata":{"name":"%s","workspace":"%s",\
                "environment":"prod","labels":{"team":"t1"}},"spec":{"runtime":{"image":"registry.example/agent:1.0.0",\
                "cpu":"100m","memory":"64Mi"}}}""".formatted(name, WORKSPACE);
    }

    // ---- JVM option variants ------------------------------------------------------------------

    private void compareVariants(Path home) throws Exception {
        section("JVM option sets: a training start each (writes the archive, if any), then " + options.warmRuns
                + " rounds of warm starts, one of each set per round; RSS after " + options.idleSeconds
                + " s idle in the last round");
        CpuShare.Snapshot begin = CpuShare.take(livePids());
        List<List<String>> jvm = new ArrayList<>();
        for (Variant v : options.variants) {
            jvm.add(withArchive(v.options(), "variant-" + v.name()));
            Start training = startOnce(v.name() + ": training", jvm.get(jvm.size() - 1), home);
            stop(training.server, "training");
        }
        int n = options.variants.size();
        List<List<Duration>> ready = new ArrayList<>();
        List<List<Duration>> cpu = new ArrayList<>();
        long[] rss = new long[n];
        for (int k = 0; k < n; k++) {
            ready.add(new ArrayList<>());
            cpu.add(new ArrayList<>());
        }
        for (int round = 1; round <= options.warmRuns; round++) {
            for (int k = 0; k < n; k++) {
                Start s = startOnce(options.variants.get(k).name() + ": warm " + round, jvm.get(k), home);
                ready.get(k).add(s.ready);
                cpu.get(k).add(Duration.ofMillis(s.cpuMillis()));
                if (round == options.warmRuns) {
                    rss[k] = idleRss(s.server);
                }
                stop(s.server, "variant");
            }
        }
        System.out.println();
        String format = "%-16s %-10s %-10s %-9s %-40s %s%n";
        System.out.printf(Locale.ROOT, format, "variant", "warm med", "CPU med", "idle RSS", "warm runs", "options");
        for (int k = 0; k < n; k++) {
            Variant v = options.variants.get(k);
            System.out.printf(Locale.ROOT, format, v.name(), seconds(median(ready.get(k))), seconds(median(cpu.get(k))),
                    mib(rss[k]), String.join(" ", ready.get(k).stream().map(FoundationBenchmark::seconds).toList()),
                    String.join(" ", v.options()));
        }
        System.out.printf(Locale.ROOT, "other processes used %s of the machine's CPU during these runs%n",
                percent(CpuShare.others(begin, CpuShare.take(livePids()))));
    }

    /** Replaces {@code @ARCHIVE@} by a class-data archive file of this run, removed first. */
    private List<String> withArchive(List<String> jvmOptions, String name) throws IOException {
        Path archive = options.work.resolve(name + ".jsa");
        Files.deleteIfExists(archive);
        return jvmOptions.stream().map(o -> o.replace("@ARCHIVE@", archive.toString())).toList();
    }

    // ---- output -------------------------------------------------------------------------------

    private void printHeader() throws IOException {
        System.out.println("Roost foundation benchmark");
        System.out.println("=".repeat(78));
        System.out.printf(Locale.ROOT, "machine   %d cores (%s), %s memory, %s %s %s%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), mib(memTotalKiB()), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("os.arch"));
        System.out.printf(Locale.ROOT, "JDK       %s %s (%s)%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("java.home"));
        System.out.printf(Locale.ROOT, "load avg  %s (before the run; other work on the machine skews every figure)%n",
                loadAverage());
        System.out.printf(Locale.ROOT, "server    %s -jar %s up --home <fresh dir> --port <free port>%n", java, jar);
        System.out.printf(Locale.ROOT, "launcher  JVM options: %s%n",
                options.jvmOptions.isEmpty() ? "(none)" : String.join(" ", options.jvmOptions));
        System.out.printf(Locale.ROOT, "plan      %d warm starts, %d s idle, %d instances, %s req/s open loop: %d s warm-up, "
                + "%d s list, %d s get%n", options.warmRuns, options.idleSeconds, options.instances, fmt(options.rate),
                options.warmupSeconds, options.measureSeconds, options.measureSeconds);
    }

    private void printSummary() {
        System.out.println();
        System.out.println("Summary (ratio = measured / target; at or below 1.00 meets the target)");
        System.out.println("-".repeat(110));
        System.out.printf(Locale.ROOT, "%-52s %-34s %-12s %s%n", "figure", "measured", "target", "ratio");
        for (Row row : summary) {
            System.out.printf(Locale.ROOT, "%-52s %-34s %-12s %s%n", row.figure, row.value, row.target, row.ratio);
        }
        System.out.println("-".repeat(110));
        System.out.printf(Locale.ROOT, "load avg after the run: %s; total benchmark time %s%n", loadAverage(),
                seconds(Duration.ofNanos(System.nanoTime() - benchStart)));
    }

    private record Row(String figure, String value, String target, String ratio) {
        static Row info(String figure, String value) {
            return new Row(figure, value, "", "");
        }

        static Row target(String figure, String value, String target, double ratio) {
            return new Row(figure, value, target,
                    String.format(Locale.ROOT, "%.2f  %s", ratio, ratio <= 1.0 ? "meets" : "MISSES"));
        }
    }

    private void section(String title) {
        System.out.println();
        System.out.println("## " + title);
    }

    private void log(String format, Object... args) {
        double t = (System.nanoTime() - benchStart) / 1e9;
        System.out.printf(Locale.ROOT, "[%6.1fs] %s%n", t, String.format(Locale.ROOT, format, args));
    }

    /** Our processes still running: the servers and their embedded PostgreSQL. */
    private List<Long> livePids() {
        List<Long> pids = new ArrayList<>();
        for (RoostServerProcess server : running) {
            pids.add(server.pid());
            try {
                pids.addAll(server.postgresProcesses());
            } catch (IOException e) {
                // stopping
            }
        }
        return pids;
    }

    static String percent(double share) {
        return share < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%", share * 100);
    }

    private void stopAll() {
        for (RoostServerProcess server : List.copyOf(running)) {
            try {
                server.close();
            } catch (Exception e) {
                // exiting anyway
            }
        }
    }

    static Duration median(List<Duration> values) {
        List<Duration> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : sorted.get(n / 2 - 1).plus(sorted.get(n / 2)).dividedBy(2);
    }

    static double ratio(long value, long target) {
        return (double) value / target;
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    /** A duration the server logged, in whole milliseconds; -1 when it logged none. */
    static String loggedMillis(long millis) {
        return millis < 0 ? "n/a" : millis + " ms";
    }

    static String mib(long kib) {
        return kib < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", kib / 1024.0);
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String latencies(OpenLoopLoad.Result r) {
        return millis(r.percentile(0.5)) + " / " + millis(r.percentile(0.99)) + " / " + millis(r.max());
    }

    private static String rateAndErrors(OpenLoopLoad.Result r) {
        return fmt(Math.round(r.achievedRate() * 10) / 10.0) + " req/s, " + r.errors() + " errors of " + r.scheduled();
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static long memTotalKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    // ---- options --------------------------------------------------------------------------

    record Variant(String name, List<String> options) {
    }

    record Options(Path repo, Path work, List<String> jvmOptions, int warmRuns, int idleSeconds, int instances, double rate,
            int warmupSeconds, int measureSeconds, int seedThreads, boolean baseline, boolean keep, List<Variant> variants) {
        static final String USAGE = """
                usage: FoundationBenchmark --repo DIR [--work DIR] [--warm-runs N] [--idle-seconds N] [--instances N]
                         [--rate REQ_PER_S] [--warmup-seconds N] [--measure-seconds N] [--seed-threads N]
                         [--no-baseline] [--keep] [--variant NAME=JVM_OPTIONS]... [-- LAUNCHER_JVM_OPTIONS...]""";

        static Options parse(String[] args) {
            Path repo = Path.of(".");
            Path work = null;
            List<String> jvm = new ArrayList<>();
            int warmRuns = 3;
            int idle = 5;
            int instances = 10_000;
            double rate = 500;
            int warmup = 15;
            int measure = 20;
            int seedThreads = 16;
            boolean baseline = true;
            boolean keep = false;
            List<Variant> variants = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--" -> {
                        jvm.addAll(List.of(args).subList(i + 1, args.length));
                        i = args.length;
                    }
                    case "--repo" -> repo = Path.of(value(args, ++i, a));
                    case "--work" -> work = Path.of(value(args, ++i, a));
                    case "--warm-runs" -> warmRuns = positive(value(args, ++i, a), a);
                    case "--idle-seconds" -> idle = positive(value(args, ++i, a), a);
                    case "--instances" -> instances = positive(value(args, ++i, a), a);
                    case "--rate" -> rate = positive(value(args, ++i, a), a);
                    case "--warmup-seconds" -> warmup = positive(value(args, ++i, a), a);
                    case "--measure-seconds" -> measure = positive(value(args, ++i, a), a);
                    case "--seed-threads" -> seedThreads = positive(value(args, ++i, a), a);
                    case "--no-baseline" -> baseline = false;
                    case "--keep" -> keep = true;
                    case "--variant" -> {
                        String v = value(args, ++i, a);
                        int eq = v.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--variant takes NAME=JVM_OPTIONS, got '" + v + "'");
                        }
                        String opts = v.substring(eq + 1).trim();
                        variants.add(new Variant(v.substring(0, eq), opts.isEmpty() ? List.of() : List.of(opts.split("\\s+"))));
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            repo = repo.toAbsolutePath().normalize();
            if (work == null) {
                work = repo.resolve("bench/target/foundation");
            }
            return new Options(repo, work.toAbsolutePath().normalize(), List.copyOf(jvm), warmRuns, idle, instances, rate,
                    warmup, measure, seedThreads, baseline, keep, List.copyOf(variants));
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }

        private static int positive(String s, String name) {
            try {
                int v = Integer.parseInt(s);
                if (v > 0) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException(name + " takes a positive whole number, got '" + s + "'");
        }
    }
}
