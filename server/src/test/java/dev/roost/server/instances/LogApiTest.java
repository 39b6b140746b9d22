package dev.roost.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.workspace.Role;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.FakeContainers;
import dev.roost.server.testing.TestRoost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** GET …/instances/{name}/logs on the fake runtime: tail, replicas, errors, masking, and following over SSE. */
class LogApiTest {
    private static final String CANARY = "canary-log-secret-5b1e7d";
    private static final String LOGS = "/api/v1/workspaces/acme/instances/%s/logs";
    private static TestRoost roost;
    private static ApiClient operator;
    private static FakeContainers containers;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withReconcilerEnabled(false)); // the test runs the containers
        roost.createWorkspace("acme", "business");
        ApiClient admin = roost.admin();
        assertThat(admin.put("/api/v1/workspaces/acme/secrets/bot-token", Map.of("value", CANARY)).status()).isLessThan(300);
        for (String name : List.of("bot", "idle", "pair")) {
            Response r = admin.putText("/api/v1/workspaces/acme/instances/" + name, """
                    apiVersion: roost/v1
                    kind: AgentInstance
                    metadata: {name: %s, workspace: acme, environment: dev}
                    spec:
                      runtime: {image: registry.example/bot:1.0.0, cpu: 250m, memory: 128Mi, replicas: 2,
                                env: {TOKEN: "secret:bot-token"}}
                    """.formatted(name), "application/yaml");
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }
        operator = roost.member("acme", "ophelia", Role.OPERATOR);
        containers = new FakeContainers(roost);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static FakeRuntime fake() {
        return containers.runtime();
    }

    @Test
    void returnsTheLastLinesWithTimeStreamAndReplica() {
        String id = containers.start("acme", "bot", 0);
        for (int i = 1; i <= 5; i++) {
            fake().emit(id, i % 2 == 0 ? LogLine.Stream.STDERR : LogLine.Stream.STDOUT, "line " + i);
        }
        Response all = operator.get(LOGS.formatted("bot"));
        assertThat(all.status()).as(all.body()).isEqualTo(200);
        JsonNode page = all.json();
        assertThat(page.get("instance").asString()).isEqualTo("bot");
        assertThat(page.get("containerId").asString()).isEqualTo(id);
        assertThat(page.get("state").asString()).isEqualTo("RUNNING");
        assertThat(page.get("lines")).hasSize(5);
        JsonNode second = page.get("lines").get(1);
        assertThat(second.get("text").asString()).isEqualTo("line 2");
        assertThat(second.get("stream").asString()).isEqualTo("stderr");
        assertThat(second.get("replica").asInt()).isZero();
        assertThat(second.get("time").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

        JsonNode last2 = operator.get(LOGS.formatted("bot") + "?tail=2").json().get("lines");
        assertThat(last2).extracting(l -> l.get("text").asString()).containsExactly("line 4", "line 5");
        assertThat(operator.get(LOGS.formatted("bot") + "?tail=0").json().get("lines")).isEmpty();
    }

    @Test
    void badParametersAreRefusedWithAPointer() {
        for (String query : List.of("tail=-1", "tail=10001", "tail=lots", "replica=-1", "follow=maybe")) {
            Response r = operator.get(LOGS.formatted("bot") + "?" + query);
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
            String name = query.substring(0, query.indexOf('='));
            assertThat(r.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/query/" + name);
        }
    }

    @Test
    void choosesTheReplicaAskedFor() {
        String zero = containers.start("acme", "pair", 0);
        String one = containers.start("acme", "pair", 1);
        fake().emit(zero, LogLine.Stream.STDOUT, "from zero");
        fake().emit(one, LogLine.Stream.STDOUT, "from one");
        JsonNode page = operator.get(LOGS.formatted("pair") + "?replica=1").json();
        assertThat(page.get("replica").asInt()).isEqualTo(1);
        assertThat(page.get("lines").get(0).get("text").asString()).isEqualTo("from one");
        assertThat(page.get("lines").get(0).get("replica").asInt()).isEqualTo(1);
        assertThat(operator.get(LOGS.formatted("pair")).json().get("replica").asInt()).as("default: lowest running").isZero();

        fake().stopBehindBack(zero);
        assertThat(operator.get(LOGS.formatted("pair")).json().get("replica").asInt()).as("running before stopped").isEqualTo(1);
        Response stopped = operator.get(LOGS.formatted("pair") + "?replica=0");
        assertThat(stopped.json().get("state").asString()).as("a stopped container can still be read").isEqualTo("EXITED");
        assertThat(stopped.json().get("lines").get(0).get("text").asString()).isEqualTo("from zero");

        Response missing = operator.get(LOGS.formatted("pair") + "?replica=7");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/query/replica");
    }

    @Test
    void clearProblemsWithoutAContainerOrARuntime() {
        Response none = operator.get(LOGS.formatted("idle"));
        assertThat(none.status()).isEqualTo(409);
        assertThat(none.code()).isEqualTo("INSTANCE_NOT_RUNNING");
        assertThat(operator.get(LOGS.formatted("nobody")).status()).isEqualTo(404);

        fake().setAvailable(false);
        try {
            Response down = operator.get(LOGS.formatted("bot"));
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.code()).isEqualTo("RUNTIME_UNAVAILABLE");
        } finally {
            fake().setAvailable(true);
        }
    }

    @Test
    void secretValuesAreMaskedInEveryForm() throws Exception {
        String id = containers.start("acme", "bot", 1);
        String base64 = Base64.getEncoder().encodeToString(CANARY.getBytes(StandardCharsets.UTF_8));
        String basic = Base64.getEncoder().encodeToString(("bot:" + CANARY).getBytes(StandardCharsets.UTF_8));
        fake().emit(id, LogLine.Stream.STDOUT, "token=" + CANARY);
        fake().emit(id, LogLine.Stream.STDERR, "encoded " + base64 + " basic " + basic);
        fake().emit(id, LogLine.Stream.STDOUT, "harmless");

        Response r = operator.get(LOGS.formatted("bot") + "?replica=1");
        assertThat(r.status()).isEqualTo(200);
        List<String> texts = new ArrayList<>();
        r.json().get("lines").forEach(l -> texts.add(l.get("text").asString()));
        assertThat(texts).containsExactly("token=****", texts.get(1), "harmless");
        assertThat(texts.get(1)).startsWith("encoded **** basic ");
        for (String leaked : List.of(CANARY, base64.replace("=", ""), basic.substring(8, 30))) {
            assertThat(r.body()).doesNotContain(leaked);
        }

        try (SseClient sse = SseClient.open(roost.url() + LOGS.formatted("bot") + "?replica=1&follow=true", operator.token())) {
            assertThat(sse.event()).startsWith("event: open");
            fake().emit(id, LogLine.Stream.STDOUT, "live " + CANARY + " end");
            List<String> events = sse.eventsUntil(e -> e.contains("live "));
            assertThat(String.join("\n", events)).doesNotContain(CANARY).contains("live **** end");
        }
    }

    @Test
    void followStreamsNewLinesAndEndsWithTheContainer() throws Exception {
        String id = containers.start("acme", "bot", 0);
        fake().emit(id, LogLine.Stream.STDOUT, "before follow");
        try (SseClient sse = SseClient.open(roost.url() + LOGS.formatted("bot") + "?tail=1", operator.token(),
                Map.of("Accept", "text/event-stream"))) {
            assertThat(sse.contentType()).startsWith("text/event-stream");
            String open = sse.event();
            assertThat(open).startsWith("event: open").contains("\"containerId\":\"" + id + "\"");
            assertThat(sse.event()).startsWith("event: line").contains("before follow");
            fake().emit(id, LogLine.Stream.STDERR, "after follow");
            String line = sse.event();
            assertThat(line).startsWith("event: line").contains("\"text\":\"after follow\"").contains("\"stream\":\"stderr\"")
                    .contains("\"replica\":0");
            fake().crashBehindBack(id, 1, false);
            assertThat(sse.eventsUntil(e -> e.startsWith("event: end"))).last().asString().contains("ended");
            assertThat(sse.ended()).as("the server closes the stream after 'end'").isTrue();
        }
    }

    /** Reads server-sent events from a streaming GET on a background thread. */
    static final class SseClient implements AutoCloseable {
        private static final HttpClient HTTP = HttpClient.newHttpClient();
        private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        private final CompletableFuture<HttpResponse<Stream<String>>> response;
        private volatile boolean ended;
        private final Thread reader;

        private SseClient(CompletableFuture<HttpResponse<Stream<String>>> response) throws Exception {
            this.response = response;
            HttpResponse<Stream<String>> r = response.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            reader = Thread.ofVirtual().start(() -> {
                StringBuilder event = new StringBuilder();
                try {
                    r.body().forEach(line -> {
                        if (line.isEmpty()) {
                            if (!event.isEmpty() && !event.toString().startsWith(":")) {
                                events.add(event.toString());
                            }
                            event.setLength(0);
                        } else {
                            event.append(event.isEmpty() ? "" : "\n").append(line);
                        }
                    });
                } catch (RuntimeException e) {
                    // closed by the test
                }
                ended = true;
            });
        }

        static SseClient open(String url, String token) throws Exception {
            return open(url, token, Map.of());
        }

        static SseClient open(String url, String token, Map<String, String> headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
            headers.forEach(b::header);
            return new SseClient(HTTP.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines()));
        }

        String contentType() throws Exception {
            return response.get().headers().firstValue("Content-Type").orElse("");
        }

        String event() throws InterruptedException {
            String e = events.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("an event within 10 s").isNotNull();
            return e;
        }

        List<String> eventsUntil(java.util.function.Predicate<String> last) throws InterruptedException {
            List<String> seen = new ArrayList<>();
            while (true) {
                String e = event();
                seen.add(e);
                if (last.test(e)) {
                    return seen;
                }
            }
        }

        boolean ended() throws InterruptedException {
            reader.join(Duration.ofSeconds(10));
            return ended;
        }

        @Override
        public void close() {
            response.thenAccept(r -> r.body().close());
            reader.interrupt();
        }
    }
    @Test
    void aSecretThatNoLongerOpensIsAStableProblemNamingItNotAnInternalError() {
        ApiClient admin = roost.admin();
        assertThat(admin.put("/api/v1/workspaces/acme/secrets/sealed-token", Map.of("value", "tamper-canary-8c1f")).status())
                .isLessThan(300);
        Response created = admin.putText("/api/v1/workspaces/acme/instances/sealed", """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: sealed, workspace: acme, environment: dev}
                spec:
                  runtime: {image: registry.example/bot:1.0.0, cpu: 250m, memory: 128Mi, env: {TOKEN: "secret:sealed-token"}}
                """, "application/yaml");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        containers.start("acme", "sealed", 0);
        // One flipped bit in the stored ciphertext: AES-GCM's integrity check refuses it.
        roost.server().database().transaction(s -> s.handle().execute(
                "UPDATE secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE name = 'sealed-token'"));

        Response r = operator.get(LOGS.formatted("sealed"));
        assertThat(r.status()).as(r.body()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("SECRET_UNREADABLE");
        assertThat(r.json().get("detail").asString()).contains("sealed-token").contains("roost secret set")
                .doesNotContain("tamper-canary-8c1f");
    }
}
