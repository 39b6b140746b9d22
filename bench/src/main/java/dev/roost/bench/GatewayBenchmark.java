package dev.roost.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The model gateway's added latency: an open-loop load at a fixed rate (1,000 requests/s by
 * default) of {@code POST /v1/chat/completions}, first straight to a local upstream that
 * answers at once, then through a Roost server (started as {@code roost up} would start it) to
 * the same upstream, in the same run; then the same for a streamed answer's first byte. It
 * prints p50 and p99 of each and the difference, which is what the gateway adds (key check,
 * routing, a second HTTP hop on loopback, metering).
 *
 * <p>Run through {@code bench/gateway.sh}. Options: {@code --repo DIR}, {@code --rate N},
 * {@code --warmup SECONDS}, {@code --measure SECONDS}, then {@code --} and the server's JVM options.
 */
public final class GatewayBenchmark {
    private static final String PASSWORD = "gateway-bench-admin-password";
    private static final byte[] ANSWER = """
            {"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model",
             "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}""".getBytes(StandardCharsets.UTF_8);
    private static final byte[] STREAM = ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n"
            + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n")
            .getBytes(StandardCharsets.UTF_8);
    private static final String REQUEST = "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_REQUEST = "{\"model\":\"bench-model\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}";

    private final Path repo;
    private final double rate;
    private final int warmup;
    private final int measure;
    private final List<String> jvmOptions;
    private final List<String[]> summary = new ArrayList<>();

    private GatewayBenchmark(Path repo, double rate, int warmup, int measure, List<String> jvmOptions) {
        this.repo = repo;
        this.rate = rate;
        this.warmup = warmup;
        this.measure = measure;
        this.jvmOptions = jvmOptions;
    }

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(".").toAbsolutePath().normalize();
        double rate = 1000;
        int warmup = 10;
        int measure = 20;
        List<String> jvm = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo" -> repo = Path.of(args[++i]).toAbsolutePath().normalize();
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--measure" -> measure = Integer.parseInt(args[++i]);
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
        new GatewayBenchmark(repo, rate, warmup, measure, jvm).run();
        System.exit(0);
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "Roost gateway benchmark, %d cores, JDK %s, %s req/s open loop%n",
                java.lang.Runtime.getRuntime().availableProcessors(), System.getProperty("java.runtime.version"), fmt(rate));
        Path work = repo.resolve("bench/target/gateway-bench");
        FoundationBenchmark.deleteRecursively(work);
        Files.createDirectories(work);
        Server upstream = upstream();
        String upstreamUrl = "http://127.0.0.1:" + ((ServerConnector) upstream.getConnectors()[0]).getLocalPort();
        Path jar = repo.resolve("cli/target/roost.jar");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        try (RoostServerProcess server = RoostServerProcess.start(java, jvmOptions, jar, work.resolve("home"),
                work.resolve("server.log"), PASSWORD, Map.of("ROOST_RUNTIME", "none"));
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2)).build()) {
            System.out.printf(Locale.ROOT, "server ready in %s%n", FoundationBenchmark.seconds(server.timeToReady()));
            BenchApi api = BenchApi.login(client, server.baseUrl(), "admin", PASSWORD);
            check(api.post("/api/v1/workspaces", "{\"name\":\"bench\",\"plan\":\"business\",\"owner\":\"admin\"}"));
            check(api.post("/api/v1/workspaces/bench/providers", "{\"name\":\"local\",\"kind\":\"openai-compatible\","
                    + "\"baseUrl\":\"" + upstreamUrl + "/v1\"}"));
            check(api.post("/api/v1/workspaces/bench/providers", "{\"name\":\"local-stream\",\"kind\":"
                    + "\"openai-compatible\",\"baseUrl\":\"" + upstreamUrl + "/stream/v1\"}"));
            check(api.put("/api/v1/workspaces/bench/models/bench-stream", "{\"targets\":[{\"provider\":\"local-stream\","
                    + "\"model\":\"bench-model\"}]}"));
            String key = BenchApi.parse(check(api.post("/api/v1/workspaces/bench/keys", "{\"name\":\"bench\"}")).body())
                    .get("secret").asString();

            OpenLoopLoad load = new OpenLoopLoad(client);
            HttpRequest direct = post(upstreamUrl + "/v1/chat/completions", REQUEST, null);
            HttpRequest gateway = post(server.baseUrl() + "/v1/chat/completions", REQUEST, key);
            System.out.printf(Locale.ROOT, "warm-up: %d s through the gateway, %d s direct (not counted)%n", warmup, warmup / 2);
            load.run("warm-up gateway", rate, Duration.ofSeconds(warmup), i -> gateway);
            load.run("warm-up direct", rate, Duration.ofSeconds(Math.max(1, warmup / 2)), i -> direct);

            OpenLoopLoad.Result d = load.run("direct", rate, Duration.ofSeconds(measure), i -> direct);
            OpenLoopLoad.Result g = load.run("gateway", rate, Duration.ofSeconds(measure), i -> gateway);
            report(d);
            report(g);
            compare("non-streaming", d, g, 0.3, 2.0);

            HttpRequest directStream = post(upstreamUrl + "/stream/v1/chat/completions", STREAM_REQUEST, null);
            HttpRequest gatewayStream = post(server.baseUrl() + "/v1/chat/completions",
                    STREAM_REQUEST.replace("bench-model", "bench-stream"), key);
            OpenLoopLoad.Result ds = load.run("direct, streamed", rate, Duration.ofSeconds(measure / 2), i -> directStream);
            OpenLoopLoad.Result gs = load.run("gateway, streamed", rate, Duration.ofSeconds(measure / 2), i -> gatewayStream);
            report(ds);
            report(gs);
            compare("streamed (whole answer)", ds, gs, Double.NaN, Double.NaN);

            long rss = server.rssKiB().orElse(-1);
            summary.add(new String[] {"server RSS after load", (rss / 1024) + " MiB", "400 MiB",
                    String.format(Locale.ROOT, "%.2f", rss / 1024.0 / 400)});
        } finally {
            upstream.stop();
        }
        System.out.println();
        System.out.println("Summary (ratio = measured / target; at or below 1.00 meets the target)");
        System.out.println("-".repeat(100));
        System.out.printf(Locale.ROOT, "%-48s %-22s %-10s %s%n", "figure", "measured", "target", "ratio");
        for (String[] row : summary) {
            System.out.printf(Locale.ROOT, "%-48s %-22s %-10s %s%n", (Object[]) row);
        }
        System.out.println("-".repeat(100));
        System.out.println("Load generator, upstream and server share this machine's cores: on a small machine the");
        System.out.println("figures include the load generator's own scheduling noise.");
    }

    private void compare(String what, OpenLoopLoad.Result direct, OpenLoopLoad.Result gateway, double p50Target,
            double p99Target) {
        double p50 = (gateway.percentile(0.50) - direct.percentile(0.50)) / 1e6;
        double p99 = (gateway.percentile(0.99) - direct.percentile(0.99)) / 1e6;
        summary.add(row("added latency " + what + " p50", p50, p50Target));
        summary.add(row("added latency " + what + " p99", p99, p99Target));
        summary.add(new String[] {"  direct p50 / p99 (" + what + ")", ms(direct.percentile(0.5)) + " / "
                + ms(direct.percentile(0.99)), "", ""});
        summary.add(new String[] {"  gateway p50 / p99 (" + what + ")", ms(gateway.percentile(0.5)) + " / "
                + ms(gateway.percentile(0.99)), "", ""});
        summary.add(new String[] {"  gateway achieved rate, errors", fmt(gateway.achievedRate()) + " req/s, "
                + gateway.errors(), "", ""});
    }

    private static String[] row(String name, double millis, double target) {
        return new String[] {name, String.format(Locale.ROOT, "%.3f ms", millis),
                Double.isNaN(target) ? "" : target + " ms",
                Double.isNaN(target) ? "" : String.format(Locale.ROOT, "%.2f", Math.max(0, millis) / target)};
    }

    private static void report(OpenLoopLoad.Result r) {
        System.out.printf(Locale.ROOT, "%-22s %6d requests at %s req/s: p50 %s, p90 %s, p99 %s, max %s, errors %d%s%n",
                r.name(), r.scheduled(), fmt(r.achievedRate()), ms(r.percentile(0.5)), ms(r.percentile(0.9)),
                ms(r.percentile(0.99)), ms(r.max()), r.errors(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.0f", value);
    }

    private static HttpRequest post(String url, String body, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        return b.build();
    }

    private static BenchApi.Response check(BenchApi.Response r) {
        if (r.status() / 100 != 2) {
            throw new IllegalStateException("set-up request failed: " + r.status() + " " + r.body());
        }
        return r;
    }

    /**
     * An OpenAI-compatible upstream on loopback that answers at once: a whole chat completion
     * on {@code /v1/chat/completions}, a short event stream on {@code /stream/v1/chat/completions}.
     */
    private static Server upstream() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("bench-upstream");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
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
