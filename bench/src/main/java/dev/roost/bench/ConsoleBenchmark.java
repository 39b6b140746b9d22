package dev.roost.bench;

import dev.roost.server.RoostServer;
import dev.roost.server.auth.OpaqueTokens;
import dev.roost.server.config.RoostConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web console's cost, measured in one run on a server in this process: render time of the
 * instances list (one page of 100 rows out of {@code --instances}, default 1,000) and of an
 * instance page with {@code --versions} (default 100) manifest versions, each next to the API
 * call that returns the same data (the baseline, measured alternately in the same run), and the
 * weight of each main page with the files it loads, plus a check that no page asks another site
 * for anything. Render time is measured as the time to the whole answer over loopback, one
 * request at a time. Run through {@code bench/console.sh}.
 */
public final class ConsoleBenchmark {
    static final Duration RENDER_TARGET = Duration.ofMillis(50);
    static final long WEIGHT_TARGET = 150 * 1024;
    static final String WORKSPACE = "consolebench";
    static final String PASSWORD = "console-benchmark-admin";
    private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"([^\"]+\\.(?:js|css))\"");
    private static final Pattern EXTERNAL = Pattern.compile("(?:src|href|action)=\"((?:https?:)?//[^\"]*)\"");

    public static void main(String[] args) throws Exception {
        int instances = 1000;
        int versions = 100;
        int samples = 300;
        Path work = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--instances" -> instances = Integer.parseInt(args[++i]);
                case "--versions" -> versions = Integer.parseInt(args[++i]);
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (work == null) {
            work = Files.createTempDirectory("roost-console-bench-");
        }
        new ConsoleBenchmark().run(work, instances, versions, samples);
    }

    private void run(Path work, int instances, int versions, int samples) throws Exception {
        dev.roost.server.logging.LogSetup.configure(dev.roost.server.logging.LogSetup.Format.TEXT, "warn");
        RoostConfig config = RoostConfig.fromEnvironment(Map.of()).withHome(work.resolve("home")).withPort(0)
                .withAdminPassword(PASSWORD).withRuntime("none");
        List<String[]> summary = new ArrayList<>();
        try (RoostServer server = RoostServer.start(config); HttpClient client = HttpClient.newHttpClient()) {
            BenchApi api = BenchApi.login(client, server.url(), "admin", PASSWORD);
            check(api.post("/api/v1/workspaces", """
                    {"name":"%s","plan":"business","owner":"admin","quota":{"maxInstances":20000,"maxCpuPerInstance":"1",\
                    "maxMemoryPerInstance":"1Gi","maxCpuTotal":"20000","maxMemoryTotal":"20000Gi"}}""".formatted(WORKSPACE)), 201);
            long t0 = System.nanoTime();
            int total = instances;
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int first = t;
                    done.add(pool.submit(() -> {
                        for (int i = first; i < total; i += 4) {
                            String name = String.format(Locale.ROOT, "agent-%05d", i);
                            check(api.put(path(name), manifest(name, 0)), 201);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            for (int v = 1; v < versions; v++) {
                check(api.put(path("agent-00000"), manifest("agent-00000", v)), 200);
            }
            System.out.printf("Made %d instances and %d versions of agent-00000 in %.1f s%n", instances, versions,
                    (System.nanoTime() - t0) / 1e9);

            String cookie = session(server);
            String base = server.url();
            String list = "/console/w/" + WORKSPACE + "/instances";
            String detail = list + "/agent-00000";
            Map<String, Get> measured = new LinkedHashMap<>();
            measured.put("console: instances list (100 of " + instances + " rows)", new Get(base + list, cookie, null));
            measured.put("api: GET instances?limit=100 (baseline)", new Get(base + "/api/v1/workspaces/" + WORKSPACE + "/instances?limit=100",
                    null, api.token()));
            measured.put("console: instance page (" + versions + " versions)", new Get(base + detail, cookie, null));
            measured.put("api: GET instance + versions + events + audit (baseline)", new Get(null, null, api.token()));
            String apiBase = "/api/v1/workspaces/" + WORKSPACE + "/instances/agent-00000";
            List<String> detailApi = List.of(apiBase, apiBase + "/versions", apiBase + "/events?limit=30",
                    "/api/v1/workspaces/" + WORKSPACE + "/audit?resourceType=instance&resourceId=agent-00000&limit=30");

            Map<String, List<Long>> times = new LinkedHashMap<>();
            measured.keySet().forEach(k -> times.put(k, new ArrayList<>()));
            for (int round = 0; round < samples + 30; round++) {
                for (var entry : measured.entrySet()) {
                    long nanos = entry.getValue().url() == null
                            ? sumOf(client, base, detailApi, api.token())
                            : time(client, entry.getValue());
                    if (round >= 30) { // the first rounds warm the JIT and the pool
                        times.get(entry.getKey()).add(nanos);
                    }
                }
            }
            System.out.println();
            System.out.println("Render time, " + samples + " sequential requests each, alternating (loopback, whole answer):");
            Map<String, long[]> percentiles = new LinkedHashMap<>();
            for (var entry : times.entrySet()) {
                long p50 = percentile(entry.getValue(), 50);
                long p99 = percentile(entry.getValue(), 99);
                percentiles.put(entry.getKey(), new long[] {p50, p99});
                System.out.printf("  %-60s p50 %7s  p99 %7s%n", entry.getKey(), millis(p50), millis(p99));
            }
            List<String> keys = new ArrayList<>(percentiles.keySet());
            for (int i = 0; i < keys.size(); i += 2) {
                long[] console = percentiles.get(keys.get(i));
                long[] baseline = percentiles.get(keys.get(i + 1));
                summary.add(new String[] {keys.get(i) + " p99", millis(console[1]), String.format(Locale.ROOT, "%.2f× target (≤ 50 ms)%s",
                        console[1] / (double) RENDER_TARGET.toNanos(), console[1] <= RENDER_TARGET.toNanos() ? "" : "  NOT MET"),
                        String.format(Locale.ROOT, "%.1f× its API baseline (p99 %s)", console[1] / (double) baseline[1], millis(baseline[1]))});
            }

            System.out.println();
            System.out.println("Page weight (HTML plus the script and style files it loads; gzip as sent to a browser that accepts it):");
            Map<String, String> pages = new LinkedHashMap<>();
            pages.put("sign-in", "/console/login");
            pages.put("instances list", list);
            pages.put("instance page", detail);
            pages.put("diff", detail + "/diff?from=1&to=" + versions);
            pages.put("edit", detail + "/edit");
            pages.put("logs", detail + "/logs");
            pages.put("wizard: templates", "/console/w/" + WORKSPACE + "/new");
            pages.put("wizard: details", "/console/w/" + WORKSPACE + "/new?template=telegram-bot");
            pages.put("audit", "/console/w/" + WORKSPACE + "/audit");
            pages.put("settings", "/console/w/" + WORKSPACE + "/settings");
            pages.put("tasks", "/console/w/" + WORKSPACE + "/tasks");
            pages.put("new task", "/console/w/" + WORKSPACE + "/tasks/new");
            pages.put("gateway keys", "/console/w/" + WORKSPACE + "/gateway/keys");
            pages.put("gateway providers", "/console/w/" + WORKSPACE + "/gateway/providers");
            pages.put("gateway usage", "/console/w/" + WORKSPACE + "/gateway/usage");
            pages.put("nodes", "/console/nodes");
            long heaviest = 0;
            String heaviestPage = "";
            Set<String> external = new LinkedHashSet<>();
            for (var page : pages.entrySet()) {
                boolean signIn = page.getKey().equals("sign-in");
                Fetched html = fetch(client, base + page.getValue(), signIn ? null : cookie, false);
                Fetched gz = fetch(client, base + page.getValue(), signIn ? null : cookie, true);
                check(html.status(), 200);
                long raw = html.bytes();
                long zipped = gz.bytes();
                Matcher m = EXTERNAL.matcher(html.body());
                while (m.find()) {
                    external.add(page.getKey() + ": " + m.group(1));
                }
                Matcher a = ASSET.matcher(html.body());
                while (a.find()) {
                    raw += fetch(client, base + a.group(1), null, false).bytes();
                    zipped += fetch(client, base + a.group(1), null, true).bytes();
                }
                System.out.printf("  %-20s HTML %7s  with files %7s  (gzip: %7s)%n", page.getKey(), kib(html.bytes()), kib(raw), kib(zipped));
                if (zipped > heaviest) {
                    heaviest = zipped;
                    heaviestPage = page.getKey();
                }
                long transferred = gz.gzipped() ? zipped : raw;
                if (transferred > WEIGHT_TARGET) {
                    summary.add(new String[] {"page weight: " + page.getKey(), kib(transferred), "NOT MET (≤ 150 KiB)", ""});
                }
            }
            summary.add(new String[] {"heaviest page as transferred: " + heaviestPage, kib(heaviest),
                    String.format(Locale.ROOT, "%.2f× target (≤ 150 KiB)", heaviest / (double) WEIGHT_TARGET), ""});
            summary.add(new String[] {"requests to other sites", Integer.toString(external.size()), external.isEmpty() ? "none" : "NOT MET: "
                    + external, ""});
        }
        System.out.println();
        System.out.println("Summary:");
        for (String[] row : summary) {
            System.out.printf("  %-62s %9s  %s  %s%n", row[0], row[1], row[2], row[3]);
        }
    }

    private record Get(String url, String cookie, String token) {
    }

    private record Fetched(int status, long bytes, String body, boolean gzipped) {
    }

    private static long time(HttpClient client, Get get) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(get.url())).timeout(Duration.ofSeconds(30));
        if (get.cookie() != null) {
            b.header("Cookie", get.cookie());
        }
        if (get.token() != null) {
            b.header("Authorization", "Bearer " + get.token());
        }
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        long nanos = System.nanoTime() - t0;
        check(r.statusCode(), 200);
        return nanos;
    }

    private static long sumOf(HttpClient client, String base, List<String> paths, String token) throws IOException, InterruptedException {
        long total = 0;
        for (String p : paths) {
            total += time(client, new Get(base + p, null, token));
        }
        return total;
    }

    private static Fetched fetch(HttpClient client, String url, String cookie, boolean gzip) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (gzip) {
            b.header("Accept-Encoding", "gzip");
        }
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        boolean zipped = r.headers().firstValue("Content-Encoding").map(e -> e.contains("gzip")).orElse(false);
        return new Fetched(r.statusCode(), r.body().length, zipped ? "" : new String(r.body(), java.nio.charset.StandardCharsets.UTF_8),
                zipped);
    }

    /** A console session for the admin, made in the database as a sign-in would. */
    private static String session(RoostServer server) {
        String token = OpaqueTokens.generate("roost_cs_");
        server.database().transaction(s -> {
            UUID admin = s.users().findByUsername("admin").orElseThrow().id();
            s.consoleSessions().insert(UUID.randomUUID(), admin, OpaqueTokens.hash(token), OpaqueTokens.generate(""), Instant.now(),
                    Instant.now().plus(Duration.ofHours(2)));
            return null;
        });
        return "roost_console=" + token;
    }

    private static String path(String name) {
        return "/api/v1/workspaces/" + WORKSPACE + "/instances/" + name;
    }

    private static String manifest(String name, int revision) {
        return """
                {"apiVersion":"roost/v1","kind":"AgentInstance","metadata":{"name":"%s","workspace":"%s","environment":"prod",
                "labels":{"team":"t%d","tier":"bench"}},"spec":{"runtime":{"image":"registry.example/agent:1.%d.0","cpu":"100m",
                "memory":"64Mi","env":{"REVISION":"%d","LOG_LEVEL":"info"}}}}""".formatted(name, WORKSPACE, name.hashCode() % 7 & 7,
                revision, revision);
    }

    private static void check(BenchApi.Response r, int status) {
        if (r.status() != status) {
            throw new IllegalStateException("expected " + status + ", got " + r.status() + ": " + r.body());
        }
    }

    private static void check(int got, int status) {
        if (got != status) {
            throw new IllegalStateException("expected " + status + ", got " + got);
        }
    }

    private static long percentile(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
