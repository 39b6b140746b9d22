package dev.roost.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The model gateway against a local upstream that answers at once, and side by side with the
 * Portkey gateway on the same load, in one run:
 * <ol>
 * <li>open loop at a fixed rate (1,000 requests/s by default) of {@code POST /v1/chat/completions}:
 * straight to the upstream, through Roost, through Portkey; the latency each gateway adds is the
 * difference of its percentiles from the direct ones;
 * <li>the same for a streamed answer, measured to the first byte of the body (time to first byte);
 * <li>a closed loop (clients sending back to back) for the most requests per second each
 * sustains;
 * </ol>
 * with each server's peak memory during its load, and the CPU time and (Roost) heap allocation
 * each spends per request, which say more than latencies on a machine that other work loads.
 *
 * <p>Run through {@code bench/gateway.sh}. Options: {@code --repo DIR}, {@code --rate N},
 * {@code --warmup SECONDS}, {@code --measure SECONDS}, {@code --clients N},
 * {@code --throughput SECONDS}, {@code --portkey DIR} (its npm install folder), then
 * {@code --} and the Roost server's JVM options.
 */
public final class GatewayBenchmark {
    private static final String PASSWORD = "gateway-bench-admin-password";
    private static final byte[] ANSWER = """
            {"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model",
             "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}""".getBytes(StandardCharsets.UTF_8);
    private static final byte[] STREAM = ("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":"
            + "1700000000,\"model\":\"bench-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":"
            + "null}]}\n\ndata: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"bench-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1,"
            + "\"total_tokens\":13}}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
    private static final String REQUEST = "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_REQUEST = "{\"model\":\"bench-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}";

    private final Path repo;
    private final double rate;
    private final int warmup;
    private final int measure;
    private final int clients;
    private final int throughputSeconds;
    private final Path portkeyFolder;
    private final List<String> jvmOptions;
    private final List<String[]> summary = new ArrayList<>();

    private GatewayBenchmark(Path repo, double rate, int warmup, int measure, int clients, int throughputSeconds,
            Path portkeyFolder, List<String> jvmOptions) {
        this.repo = repo;
        this.rate = rate;
        this.warmup = warmup;
        this.measure = measure;
        this.clients = clients;
        this.throughputSeconds = throughputSeconds;
        this.portkeyFolder = portkeyFolder;
        this.jvmOptions = jvmOptions;
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(".").toAbsolutePath().normalize();
        double rate = 1000;
        int warmup = 10;
        int measure = 12;
        int clients = 32;
        int throughput = 8;
        Path portkey = null;
        List<String> jvm = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--measure" -> measure = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--throughput" -> throughput = Integer.parseInt(args[++i]);
                case "--portkey" -> portkey = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--" -> {
                    jvm.addAll(List.of(args).subList(i + 1, args.length));
                    i = args.length;
                }
                default -> {
                    System.err.println("gateway benchmark: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (portkey == null) {
            portkey = repo.resolve("bench/target/portkey");
        }
        new GatewayBenchmark(repo, rate, warmup, measure, clients, throughput, portkey, jvm).run();
        System.exit(0);
    }

    /** One gateway under test: how to reach it, and how to read what its process spends. */
    private record Subject(String name, RawHttp.Pool pool, RawHttp.Request plain, RawHttp.Request stream, long pid) {
    }

    /** What a server process spent over one phase. */
    private record Spent(long cpuMillis, double allocatedBytes) {
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "Roost gateway benchmark, %d cores, JDK %s; load average at start: %s%n",
                java.lang.Runtime.getRuntime().availableProcessors(), System.getProperty("java.runtime.version"), loadAverage());
        Path work = repo.resolve("bench/target/gateway-bench");
        FoundationBenchmark.deleteRecursively(work);
        Files.createDirectories(work);
        Server upstream = upstream();
        int upstreamPort = ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
        String upstreamUrl = "http://127.0.0.1:" + upstreamPort;
        Path jar = repo.resolve("cli/target/roost.jar");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        StringBuilder portkeyMissing = new StringBuilder();
        CpuShare.Snapshot machineAtStart = CpuShare.take(List.of());
        try (RoostServerProcess server = RoostServerProcess.start(java, jvmOptions, jar, work.resolve("home"),
                work.resolve("server.log"), PASSWORD, Map.of("ROOST_RUNTIME", "none"));
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2)).build();
                RawHttp.Pool direct = new RawHttp.Pool("127.0.0.1", upstreamPort)) {
            System.out.printf(Locale.ROOT, "Roost server ready in %s%n", FoundationBenchmark.seconds(server.timeToReady()));
            BenchApi api = BenchApi.login(client, server.baseUrl(), "admin", PASSWORD);
            String key = setUp(api, upstreamUrl);
            Optional<PortkeyProcess> portkey = PortkeyProcess.start(portkeyFolder, work.resolve("portkey.log"), portkeyMissing);
            System.out.println(portkey.isPresent() ? "Portkey listening on port " + portkey.get().port()
                    : "Portkey left out: " + portkeyMissing);

            Subject directSubject = new Subject("direct", direct, RawHttp.Request.post(upstreamUrl + "/v1/chat/completions",
                    REQUEST, Map.of()), RawHttp.Request.post(upstreamUrl + "/stream/v1/chat/completions",
                    STREAM_REQUEST.replace("bench-stream", "bench-model"), Map.of()), -1);
            int roostPort = Integer.parseInt(server.baseUrl().substring(server.baseUrl().lastIndexOf(':') + 1));
            Subject roost = new Subject("Roost", new RawHttp.Pool("127.0.0.1", roostPort),
                    RawHttp.Request.post(server.baseUrl() + "/v1/chat/completions", REQUEST, Map.of("Authorization",
                            "Bearer " + key)),
                    RawHttp.Request.post(server.baseUrl() + "/v1/chat/completions", STREAM_REQUEST, Map.of("Authorization",
                            "Bearer " + key)), server.pid());
            Subject peer = portkey.map(p -> new Subject("Portkey", new RawHttp.Pool("127.0.0.1", p.port()),
                    RawHttp.Request.post("http://127.0.0.1:" + p.port() + "/v1/chat/completions", REQUEST,
                            portkeyHeaders(upstreamUrl + "/v1")),
                    RawHttp.Request.post("http://127.0.0.1:" + p.port() + "/v1/chat/completions",
                            STREAM_REQUEST.replace("bench-stream", "bench-model"), portkeyHeaders(upstreamUrl + "/stream/v1")),
                    p.pid())).orElse(null);

            PeakRss peaks = new PeakRss(server.pid(), portkey.map(PortkeyProcess::pid).orElse(-1L));
            try (peaks) {
                System.out.printf(Locale.ROOT, "warm-up: %d s through Roost%s, %d s direct (not counted)%n", warmup,
                        peer == null ? "" : ", " + warmup + " s through Portkey", Math.max(1, warmup / 3));
                HttpLoad.openLoop("warm-up", roost.pool(), roost.plain(), rate, Duration.ofSeconds(warmup));
                HttpLoad.openLoop("warm-up", roost.pool(), roost.stream(), rate, Duration.ofSeconds(Math.max(1, warmup / 3)));
                if (peer != null) {
                    HttpLoad.openLoop("warm-up", peer.pool(), peer.plain(), rate, Duration.ofSeconds(warmup));
                }
                HttpLoad.openLoop("warm-up", direct, directSubject.plain(), rate, Duration.ofSeconds(Math.max(1, warmup / 3)));

                System.out.printf(Locale.ROOT, "%n1. open loop, %s req/s, %d s each, not streamed%n", fmt(rate), measure);
                Map<String, HttpLoad.Result> plain = new LinkedHashMap<>();
                Map<String, Spent> plainSpent = new LinkedHashMap<>();
                for (Subject s : subjects(directSubject, roost, peer)) {
                    Spent before = spent(s, api);
                    HttpLoad.Result r = HttpLoad.openLoop(s.name(), s.pool(), s.plain(), rate, Duration.ofSeconds(measure));
                    plainSpent.put(s.name(), minus(spent(s, api), before));
                    plain.put(s.name(), r);
                    report(r, false, plainSpent.get(s.name()));
                }

                int streamSeconds = Math.max(2, measure / 2);
                System.out.printf(Locale.ROOT, "%n2. open loop, %s req/s, %d s each, streamed (time to first byte)%n",
                        fmt(rate), streamSeconds);
                Map<String, HttpLoad.Result> streamed = new LinkedHashMap<>();
                for (Subject s : subjects(directSubject, roost, peer)) {
                    Spent before = spent(s, api);
                    HttpLoad.Result r = HttpLoad.openLoop(s.name(), s.pool(), s.stream(), rate,
                            Duration.ofSeconds(streamSeconds));
                    streamed.put(s.name(), r);
                    report(r, true, minus(spent(s, api), before));
                }

                System.out.printf(Locale.ROOT, "%n3. closed loop, %d clients, %d s each, not streamed%n", clients,
                        throughputSeconds);
                Map<String, HttpLoad.Result> closed = new LinkedHashMap<>();
                Map<String, Spent> closedSpent = new LinkedHashMap<>();
                for (Subject s : subjects(directSubject, roost, peer)) {
                    Spent before = spent(s, api);
                    HttpLoad.Result r = HttpLoad.closedLoop(s.name(), s.pool(), s.plain(), clients,
                            Duration.ofSeconds(throughputSeconds));
                    closedSpent.put(s.name(), minus(spent(s, api), before));
                    closed.put(s.name(), r);
                    report(r, false, closedSpent.get(s.name()));
                }
                summarise(plain, plainSpent, streamed, closed, closedSpent, peaks, peer != null);
            } finally {
                roost.pool().close();
                if (peer != null) {
                    peer.pool().close();
                }
                if (portkey.isPresent()) {
                    portkey.get().close();
                }
            }
        } finally {
            upstream.stop();
        }
        CpuShare.Snapshot machineAtEnd = CpuShare.take(List.of());
        printSummary(machineAtStart, machineAtEnd, portkeyMissing);
    }

    private static List<Subject> subjects(Subject direct, Subject roost, Subject peer) {
        List<Subject> all = new ArrayList<>(List.of(direct, roost));
        if (peer != null) {
            all.add(peer);
        }
        return all;
    }

    private static Map<String, String> portkeyHeaders(String customHost) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer sk-bench-upstream");
        headers.put("x-portkey-provider", "openai");
        headers.put("x-portkey-custom-host", customHost);
        return headers;
    }

    private static String setUp(BenchApi api, String upstreamUrl) throws IOException, InterruptedException {
        check(api.post("/api/v1/workspaces", "{\"name\":\"bench\",\"plan\":\"business\",\"owner\":\"admin\"}"));
        check(api.post("/api/v1/workspaces/bench/providers", "{\"name\":\"local\",\"kind\":\"openai-compatible\","
                + "\"baseUrl\":\"" + upstreamUrl + "/v1\"}"));
        check(api.post("/api/v1/workspaces/bench/providers", "{\"name\":\"local-stream\",\"kind\":"
                + "\"openai-compatible\",\"baseUrl\":\"" + upstreamUrl + "/stream/v1\"}"));
        check(api.put("/api/v1/workspaces/bench/models/bench-stream", "{\"targets\":[{\"provider\":\"local-stream\","
                + "\"model\":\"bench-model\"}]}"));
        return BenchApi.parse(check(api.post("/api/v1/workspaces/bench/keys", "{\"name\":\"bench\"}")).body())
                .get("secret").asString();
    }

    private Spent spent(Subject s, BenchApi api) throws IOException, InterruptedException {
        if (s.pid() < 0) {
            return new Spent(0, 0);
        }
        long cpu = ProcessMemory.cpuMillis(s.pid());
        double allocated = Double.NaN;
        if (s.name().equals("Roost")) {
            BenchApi.Response metrics = api.get("/metrics");
            for (String line : metrics.body().split("\n")) {
                if (line.startsWith("jvm_gc_memory_allocated_bytes_total")) {
                    allocated = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return new Spent(cpu, allocated);
    }

    private static Spent minus(Spent after, Spent before) {
        return new Spent(after.cpuMillis() - before.cpuMillis(), after.allocatedBytes() - before.allocatedBytes());
    }

    private static void report(HttpLoad.Result r, boolean firstByte, Spent spent) {
        String perRequest = "";
        if (spent.cpuMillis() > 0 && r.requests() > 0) {
            perRequest = String.format(Locale.ROOT, "; server CPU %.0f µs/request", spent.cpuMillis() * 1000.0 / r.requests());
            if (!Double.isNaN(spent.allocatedBytes()) && spent.allocatedBytes() > 0) {
                perRequest += String.format(Locale.ROOT, ", %.1f KiB allocated/request",
                        spent.allocatedBytes() / 1024 / r.requests());
            }
        }
        System.out.printf(Locale.ROOT, "  %-8s %6d requests, %6s req/s: %s p50 %s, p90 %s, p99 %s, max %s; errors %d%s%s%n",
                r.name(), r.requests(), fmt(r.throughput()), firstByte ? "first byte" : "answer",
                ms(firstByte ? r.firstByte(0.5) : r.p(0.5)), ms(firstByte ? r.firstByte(0.9) : r.p(0.9)),
                ms(firstByte ? r.firstByte(0.99) : r.p(0.99)), ms(firstByte ? r.firstByte(1.0) : r.p(1.0)), r.errors(),
                r.firstError() == null ? "" : " (first: " + r.firstError() + ")", perRequest);
    }

    private void summarise(Map<String, HttpLoad.Result> plain, Map<String, Spent> plainSpent,
            Map<String, HttpLoad.Result> streamed, Map<String, HttpLoad.Result> closed, Map<String, Spent> closedSpent,
            PeakRss peaks, boolean withPeer) {
        HttpLoad.Result d = plain.get("direct");
        HttpLoad.Result ds = streamed.get("direct");
        for (double q : new double[] {0.5, 0.99}) {
            String name = q == 0.5 ? "p50" : "p99";
            double target = q == 0.5 ? 0.3 : 2.0;
            added("added latency, not streamed, " + name, d.p(q), plain.get("Roost").p(q),
                    withPeer ? plain.get("Portkey").p(q) : null, target);
        }
        // A gateway that fails most streamed requests has no time to first byte worth printing.
        HttpLoad.Result peerStreamed = withPeer ? streamed.get("Portkey") : null;
        boolean peerStreams = peerStreamed != null && peerStreamed.errors() * 2 < peerStreamed.requests();
        for (double q : new double[] {0.5, 0.99}) {
            String name = q == 0.5 ? "p50" : "p99";
            double target = q == 0.5 ? 0.3 : 2.0;
            added("added time to first byte, streamed, " + name, ds.firstByte(q), streamed.get("Roost").firstByte(q),
                    peerStreams ? peerStreamed.firstByte(q) : null, target);
        }
        if (peerStreamed != null && !peerStreams) {
            summary.add(new String[] {"  Portkey streamed: " + peerStreamed.errors() + " of " + peerStreamed.requests()
                    + " failed", "", "(" + OpenLoopLoad.abbreviate(String.valueOf(peerStreamed.firstError())) + ")", "", ""});
        }
        double roostMax = closed.get("Roost").throughput();
        Double peerMax = withPeer ? closed.get("Portkey").throughput() : null;
        summary.add(new String[] {"max throughput (" + clients + " clients, req/s)", fmt(roostMax),
                peerMax == null ? "-" : fmt(peerMax), withPeer ? "≥ 3× Portkey" : "",
                peerMax == null ? "" : ratio(3 * peerMax / roostMax)});
        if (peerMax != null) {
            summary.add(new String[] {"  Roost / Portkey throughput", String.format(Locale.ROOT, "%.2f×", roostMax / peerMax),
                    "", "", ""});
        }
        summary.add(new String[] {"  direct to the upstream (req/s)", fmt(closed.get("direct").throughput()), "", "", ""});
        double roostMb = peaks.roostKiB.get() * 1024 / 1e6;
        summary.add(new String[] {"peak memory under load (RSS, MB)", String.format(Locale.ROOT, "%.0f", roostMb),
                withPeer ? String.format(Locale.ROOT, "%.0f", peaks.peerKiB.get() * 1024 / 1e6) : "-", "≤ 400 MB",
                ratio(roostMb / 400)});
        summary.add(new String[] {"server CPU per request (µs, closed loop)", perRequest(closedSpent.get("Roost"),
                closed.get("Roost")), withPeer ? perRequest(closedSpent.get("Portkey"), closed.get("Portkey")) : "-", "",
                ""});
        Spent roostPlain = plainSpent.get("Roost");
        summary.add(new String[] {"heap allocated per request (KiB, open loop)", String.format(Locale.ROOT, "%.1f",
                roostPlain.allocatedBytes() / 1024 / plain.get("Roost").requests()), "-", "", ""});
    }

    private static String perRequest(Spent spent, HttpLoad.Result r) {
        return r.requests() == 0 ? "-" : String.format(Locale.ROOT, "%.0f", spent.cpuMillis() * 1000.0 / r.requests());
    }

    private void added(String name, long direct, long roost, Long peer, double targetMillis) {
        double roostAdded = (roost - direct) / 1e6;
        summary.add(new String[] {name, String.format(Locale.ROOT, "%.3f ms", roostAdded),
                peer == null ? "-" : String.format(Locale.ROOT, "%.3f ms", (peer - direct) / 1e6), "≤ " + targetMillis + " ms",
                ratio(Math.max(0, roostAdded) / targetMillis)});
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f", r);
    }

    private void printSummary(CpuShare.Snapshot start, CpuShare.Snapshot end, StringBuilder portkeyMissing) {
        System.out.println();
        System.out.println("Summary (ratio = Roost against the target; at or below 1.00 meets it)");
        System.out.println("-".repeat(110));
        System.out.printf(Locale.ROOT, "%-46s %-14s %-14s %-16s %s%n", "figure", "Roost", "Portkey", "target", "ratio");
        for (String[] row : summary) {
            System.out.printf(Locale.ROOT, "%-46s %-14s %-14s %-16s %s%n", (Object[]) row);
        }
        System.out.println("-".repeat(110));
        if (!portkeyMissing.isEmpty()) {
            System.out.println("Portkey was left out: " + portkeyMissing);
        }
        System.out.printf(Locale.ROOT, "Load average at the end: %s; CPU used by other processes during the run: %s%n",
                loadAverage(), CpuShare.others(start, end) < 0 ? "unknown"
                        : String.format(Locale.ROOT, "%.0f%% of the machine", 100 * CpuShare.others(start, end)));
        System.out.println("The load generator, the upstream and both gateways share this machine's cores: on a small or");
        System.out.println("busy machine the latencies include everyone's scheduling; CPU per request is the steadier figure.");
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.0f", value);
    }

    private static BenchApi.Response check(BenchApi.Response r) {
        if (r.status() / 100 != 2) {
            throw new IllegalStateException("set-up request failed: " + r.status() + " " + r.body());
        }
        return r;
    }

    /** Samples two processes' resident memory every 100 ms and keeps the largest. */
    private static final class PeakRss implements AutoCloseable {
        final AtomicLong roostKiB = new AtomicLong();
        final AtomicLong peerKiB = new AtomicLong();
        private final Thread sampler;

        PeakRss(long roostPid, long peerPid) {
            sampler = Thread.ofPlatform().daemon().name("peak-rss").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    sample(roostPid, roostKiB);
                    if (peerPid > 0) {
                        sample(peerPid, peerKiB);
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        private static void sample(long pid, AtomicLong peak) {
            OptionalLong rss = ProcessMemory.rssKiB(pid);
            if (rss.isPresent()) {
                peak.accumulateAndGet(rss.getAsLong(), Math::max);
            }
        }

        @Override
        public void close() {
            sampler.interrupt();
        }
    }

    /**
     * An OpenAI-compatible upstream on loopback that answers at once: a whole chat completion
     * on {@code /v1/chat/completions}, a short event stream on {@code /stream/v1/chat/completions}.
     */
    private static Server upstream() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("bench-upstream");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                boolean stream = request.getHttpURI().getPath().startsWith("/stream/");
                byte[] answer = stream ? STREAM : ANSWER;
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, stream ? "text/event-stream" : "application/json");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, answer.length);
                response.write(true, java.nio.ByteBuffer.wrap(answer), callback);
                return true;
            }
        });
        server.start();
        return server;
    }
}
