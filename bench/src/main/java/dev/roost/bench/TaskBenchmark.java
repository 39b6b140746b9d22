package dev.roost.bench;

import dev.roost.cli.node.NodeAgent;
import dev.roost.server.RoostServer;
import dev.roost.server.config.NodeSettings;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.logging.LogSetup;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tasks end to end, in one run: a Roost server (embedded PostgreSQL) and a local node in this
 * JVM, the client talking HTTP to the server and the node claiming over HTTP, each task run
 * under bubblewrap with cgroup limits.
 *
 * <ul>
 *   <li><b>submit → process start</b>: from just before {@code POST …/tasks} to the moment the
 *       task's first process runs in its jail (it prints {@code date +%s%N}; same machine, same
 *       clock), one task at a time on a warm node (after warm-up tasks), p50/p90/p99. Next to it,
 *       {@code docker run --rm --network none} of a command (start to its first output byte),
 *       alternating samples. Target: task p50 ≤ 20 ms.</li>
 *   <li><b>round trip</b>: from the same moment until the client, following the output, sees the
 *       task end.</li>
 *   <li><b>throughput</b>: {@code --burst N} tasks ({@code true}) submitted at once by 4 clients,
 *       run by the node with concurrency 4, until all have ended: tasks per second; next to it
 *       as many {@code docker run} as 4 parallel runners get done per second.</li>
 * </ul>
 *
 * Run through {@code bench/tasks.sh}. Options: {@code --runs N} (latency samples, default 100),
 * {@code --docker-runs N} (default 30), {@code --burst N} (default 200), {@code --skip-docker}.
 */
public final class TaskBenchmark {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PASSWORD = "task-bench-password";
    private static final int CONCURRENCY = 4;

    public static void main(String[] args) throws Exception {
        int runs = 100;
        int dockerRuns = 30;
        int burst = 200;
        boolean docker = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--docker-runs" -> dockerRuns = Integer.parseInt(args[++i]);
                case "--burst" -> burst = Integer.parseInt(args[++i]);
                case "--skip-docker" -> docker = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        LogSetup.configure(LogSetup.Format.TEXT, "warn");
        Path home = Files.createTempDirectory("roost-task-bench-");
        RoostConfig config = RoostConfig.fromEnvironment(Map.of()).withHome(home).withPort(0).withRuntime("none")
                .withAdminPassword(PASSWORD).withNodes(new NodeSettings(Duration.ofMinutes(10), Duration.ofDays(30),
                        Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(5)));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (RoostServer server = RoostServer.start(config)) {
            String url = server.url();
            BenchApi api = BenchApi.login(http, url, "admin", PASSWORD);
            check(api.post("/api/v1/workspaces", "{\"name\":\"bench\",\"plan\":\"business\",\"owner\":\"admin\"}"), 201);
            String token = BenchApi.parse(check(api.post("/api/v1/nodes/tokens", "{\"ttl\":\"10m\",\"uses\":1}"), 201).body())
                    .get("token").asString();
            Path state = Files.createTempDirectory("roost-task-bench-node-");
            ByteArrayOutputStream nodeLog = new ByteArrayOutputStream();
            NodeAgent agent = new NodeAgent(url, state, new PrintStream(nodeLog, true, StandardCharsets.UTF_8), Clock.systemUTC(),
                    NodeAgent.TaskOptions.fromEnvironment(System.getenv(), state));
            Thread node = Thread.ofPlatform().daemon(true).start(() -> agent.run(token, "bench-node", Map.of(), Long.MAX_VALUE));
            awaitLog(nodeLog, "Running tasks", Duration.ofSeconds(30));
            String nodeId = BenchApi.parse(api.get("/api/v1/nodes").body()).get(0).get("id").asString();
            check(api.put("/api/v1/nodes/" + nodeId + "/config", "{\"concurrency\":" + CONCURRENCY + "}"), 200);
            awaitLog(nodeLog, "Applied node config version 2", Duration.ofSeconds(30));

            String dockerProblem = docker ? SandboxBenchmark.dockerProblem() : "skipped (--skip-docker)";
            System.out.printf(Locale.ROOT, "Roost tasks end to end: server + embedded PostgreSQL + local node over HTTP, "
                    + "bubblewrap; %d CPUs%n", Runtime.getRuntime().availableProcessors());
            if (dockerProblem != null) {
                System.out.println("docker run: " + dockerProblem);
            }
            for (int i = 0; i < 10; i++) {
                sample(http, url, api);
            }
            List<Sample> samples = new ArrayList<>();
            List<Long> bare = new ArrayList<>();
            dev.roost.sandbox.bubblewrap.BubblewrapSandbox sandbox = new dev.roost.sandbox.bubblewrap.BubblewrapSandbox(
                    dev.roost.sandbox.bubblewrap.BubblewrapSettings.fromEnvironment(System.getenv(),
                            Files.createTempDirectory("roost-task-bench-bare-")));
            dev.roost.sandbox.SandboxJob echo = dev.roost.sandbox.SandboxJob.argv("bench", "echo", "ready");
            for (int i = 0; i < 5; i++) {
                SandboxBenchmark.sandboxSample(sandbox, echo);
            }
            List<Long> dockerStart = new ArrayList<>();
            List<Long> dockerRound = new ArrayList<>();
            int every = dockerProblem == null && dockerRuns > 0 ? Math.max(1, runs / dockerRuns) : Integer.MAX_VALUE;
            for (int i = 0; i < runs; i++) {
                samples.add(sample(http, url, api));
                bare.add(SandboxBenchmark.sandboxSample(sandbox, echo)[0]);
                if (dockerProblem == null && i % every == 0 && dockerStart.size() < dockerRuns) {
                    long[] d = SandboxBenchmark.dockerSample();
                    dockerStart.add(d[0]);
                    dockerRound.add(d[1]);
                }
            }
            sandbox.close();
            List<Long> start = samples.stream().map(Sample::start).toList();
            List<Long> roundTrip = samples.stream().map(Sample::roundTrip).toList();
            long warm = samples.stream().filter(Sample::warm).count();
            System.out.printf(Locale.ROOT, "%n%-48s %8s %8s %8s %8s %8s%n", "latency (ms)", "samples", "p50", "p90", "p99", "max");
            row("task: submit -> process start", start);
            row("  submit -> claimed (claim transaction begins)", samples.stream().map(Sample::claimed).toList());
            row("  claimed -> claim answer at the node", samples.stream().map(Sample::toNode).toList());
            row("  claim answer -> jail launched", samples.stream().map(Sample::toLaunch).toList());
            row("    of which job prepared (dir, files, cgroup)", samples.stream().map(Sample::prepare).toList());
            row("    of which launch (release or spawn)", samples.stream().map(Sample::launch).toList());
            row("  jail launched -> process start", samples.stream().map(Sample::jail).toList());
            row("  (submit request, POST -> 201 at the client)", samples.stream().map(Sample::submitRequest).toList());
            row("task: submit -> end seen by the client", roundTrip);
            row("bare sandbox, same node: start() -> output", bare);
            if (!dockerStart.isEmpty()) {
                row("docker run: start -> first output byte", dockerStart);
                row("docker run: start -> exit", dockerRound);
            }
            System.out.printf(Locale.ROOT, "%d of %d tasks started in a waiting (warm) jail%n", warm, samples.size());
            long p50 = SandboxBenchmark.percentile(start, 50);
            System.out.printf(Locale.ROOT, "%nRoost's part of the task start, p50: %.1f ms (task start / bare sandbox start: %.1fx)%n",
                    (p50 - SandboxBenchmark.percentile(bare, 50)) / 1e6, ratio(start, bare, 50));
            System.out.printf(Locale.ROOT, "%ntask start p50 %.1f ms: target <= 20 ms %s%n", p50 / 1e6, p50 <= 20_000_000 ? "met"
                    : "NOT met");
            if (!dockerStart.isEmpty()) {
                System.out.printf(Locale.ROOT, "docker run / task, p50: start %.1fx, round trip %.1fx; p99: start %.1fx%n",
                        ratio(dockerStart, start, 50), ratio(dockerRound, roundTrip, 50), ratio(dockerStart, start, 99));
            }

            double tasksPerSecond = throughput(http, url, api, burst);
            System.out.printf(Locale.ROOT, "%nthroughput: %d tasks (true) from 4 clients, node concurrency %d: %.1f tasks/s%n",
                    burst, CONCURRENCY, tasksPerSecond);
            if (dockerProblem == null) {
                double dockerPerSecond = dockerThroughput(Math.max(CONCURRENCY * 5, Math.min(40, dockerRuns)));
                System.out.printf(Locale.ROOT, "docker run, 4 at a time: %.1f runs/s; tasks / docker runs: %.1fx%n",
                        dockerPerSecond, tasksPerSecond / dockerPerSecond);
            }
            agent.stop();
            node.interrupt();
            node.join(10_000);
        }
    }

    /**
     * One task, one at a time, in nanoseconds: submit → process start, submit → end seen, and the
     * steps in between: the submit request, submit → claimed (the claim's transaction), claimed →
     * claim answer at the node, answer → jail launched (of which preparing the job and the launch
     * itself), launched → process running. The node's steps come from the result's {@code startup}.
     */
    private record Sample(long start, long roundTrip, long submitRequest, long claimed, long toNode, long toLaunch, long prepare,
                          long launch, long jail, boolean warm) {
    }

    private static Sample sample(HttpClient http, String url, BenchApi api) throws Exception {
        Instant submitted = Instant.now();
        long t0 = System.nanoTime();
        BenchApi.Response r = api.post("/api/v1/workspaces/bench/tasks",
                "{\"mode\":\"commands\",\"commands\":[[\"date\",\"+%s%N\"]]}");
        long submitRequest = System.nanoTime() - t0;
        check(r, 201);
        String id = BenchApi.parse(r.body()).get("id").asString();
        StringBuilder out = new StringBuilder();
        follow(http, url, api, id, out);
        long t1 = System.nanoTime();
        long started = Long.parseLong(out.toString().strip());
        long submittedAt = nanos(submitted);
        JsonNode view = BenchApi.parse(api.get("/api/v1/workspaces/bench/tasks/" + id).body());
        long claimed = nanos(Instant.parse(view.get("startedAt").asString()));
        JsonNode startup = BenchApi.parse(api.get("/api/v1/workspaces/bench/tasks/" + id + "/result").body()).path("startup");
        long received = nanos(Instant.parse(startup.path("claimReceivedAt").asString()));
        long launched = nanos(Instant.parse(startup.path("launchedAt").asString()));
        return new Sample(started - submittedAt, t1 - t0, submitRequest, claimed - submittedAt, received - claimed,
                launched - received, startup.path("prepareMicros").asLong() * 1000, startup.path("launchMicros").asLong() * 1000,
                started - launched, startup.path("warm").asBoolean());
    }

    private static long nanos(Instant at) {
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }

    /** Follows a task's output until its end event; collects standard output. */
    private static void follow(HttpClient http, String url, BenchApi api, String id, StringBuilder out) throws Exception {
        HttpRequest request = api.getRequest("/api/v1/workspaces/bench/tasks/" + id + "/output?follow=true");
        HttpRequest streaming = HttpRequest.newBuilder(request.uri()).headers(request.headers().map().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("Authorization"))
                .flatMap(e -> e.getValue().stream().map(v -> new String[] {e.getKey(), v})).flatMap(java.util.Arrays::stream)
                .toArray(String[]::new)).timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<java.io.InputStream> response = http.send(streaming, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            String event = "";
            while ((line = in.readLine()) != null) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    JsonNode data = JSON.readTree(line.substring(5));
                    if (event.equals("output") && data.path("stream").asString("").equals("stdout")) {
                        out.append(data.path("text").asString(""));
                    } else if (event.equals("end")) {
                        if (!data.path("state").asString("").equals("SUCCEEDED")) {
                            throw new IllegalStateException("task " + id + " ended " + data);
                        }
                        return;
                    }
                }
            }
        }
        throw new IllegalStateException("the output stream of task " + id + " ended early");
    }

    private static double throughput(HttpClient http, String url, BenchApi api, int count) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(4);
        long t0 = System.nanoTime();
        List<Future<String>> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(clients.submit(() -> BenchApi.parse(check(api.post("/api/v1/workspaces/bench/tasks",
                    "{\"mode\":\"commands\",\"commands\":[[\"true\"]]}"), 201).body()).get("id").asString()));
        }
        List<Future<?>> done = new ArrayList<>();
        for (Future<String> id : ids) {
            String task = id.get();
            done.add(clients.submit(() -> {
                follow(http, url, api, task, new StringBuilder());
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        long elapsed = System.nanoTime() - t0;
        clients.shutdown();
        return count / (elapsed / 1e9);
    }

    private static double dockerThroughput(int count) throws Exception {
        ExecutorService runners = Executors.newFixedThreadPool(CONCURRENCY);
        long t0 = System.nanoTime();
        List<Future<long[]>> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(runners.submit(SandboxBenchmark::dockerSample));
        }
        for (Future<long[]> f : all) {
            f.get();
        }
        long elapsed = System.nanoTime() - t0;
        runners.shutdown();
        return count / (elapsed / 1e9);
    }

    private static BenchApi.Response check(BenchApi.Response r, int status) {
        if (r.status() != status) {
            throw new IllegalStateException("expected " + status + ", got " + r.status() + ": " + r.body());
        }
        return r;
    }

    private static void awaitLog(ByteArrayOutputStream log, String text, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!log.toString(StandardCharsets.UTF_8).contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node did not log '" + text + "':\n" + log.toString(StandardCharsets.UTF_8));
            }
            Thread.sleep(50);
        }
    }

    private static void row(String name, List<Long> samples) {
        System.out.printf(Locale.ROOT, "%-48s %8d %8s %8s %8s %8s%n", name, samples.size(), ms(SandboxBenchmark.percentile(samples, 50)),
                ms(SandboxBenchmark.percentile(samples, 90)), ms(SandboxBenchmark.percentile(samples, 99)),
                ms(SandboxBenchmark.percentile(samples, 100)));
    }

    private static double ratio(List<Long> a, List<Long> b, int p) {
        return (double) SandboxBenchmark.percentile(a, p) / SandboxBenchmark.percentile(b, p);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
