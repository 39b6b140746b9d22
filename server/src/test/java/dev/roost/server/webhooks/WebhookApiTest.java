package dev.roost.server.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.roost.server.config.WebhookSettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.FakeContainers;
import dev.roost.server.testing.TestRoost;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * POST /hooks/{ws}/{instance}/<path> against the fake runtime, with a local HTTP server standing
 * in for the containers: signed calls reach it, everything else is refused before it.
 */
class WebhookApiTest {
    private static final String SIGNING = "canary-hook-signing-4c8e1a";
    private static final String SLACK_SIGNING = "canary-slack-signing-77d2f0";
    private static final String BOT_TOKEN = "123456:canary-telegram-bot-token";
    private static final int MAX_BODY = 4096;

    private static TestRoost roost;
    private static ApiClient anonymous;
    private static FakeContainers containers;
    private static HttpServer upstream;
    private static final BlockingQueue<Delivered> delivered = new LinkedBlockingQueue<>();
    private static final List<Response> answers = new ArrayList<>();

    record Delivered(String path, Map<String, String> headers, String body) {
    }

    @BeforeAll
    static void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
            String path = exchange.getRequestURI().getPath();
            delivered.add(new Delivered(path, headers, new String(body, StandardCharsets.UTF_8)));
            if (path.equals("/slow")) {
                try {
                    Thread.sleep(3000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] answer = ("got " + body.length + " bytes").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(202, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        upstream.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        upstream.start();

        roost = TestRoost.start(c -> c.withReconcilerEnabled(false).withWebhooks(new WebhookSettings(10, 20, MAX_BODY, Duration.ofSeconds(1))));
        roost.createWorkspace("acme", "business");
        ApiClient admin = roost.admin();
        anonymous = roost.anonymous();
        containers = new FakeContainers(roost);
        admin.put("/api/v1/workspaces/acme/secrets/hook-signing", Map.of("value", SIGNING));
        admin.put("/api/v1/workspaces/acme/secrets/slack-signing", Map.of("value", SLACK_SIGNING));
        admin.put("/api/v1/workspaces/acme/secrets/slack-bot", Map.of("value", "xoxb-canary-slack-bot"));
        admin.put("/api/v1/workspaces/acme/secrets/telegram-bot", Map.of("value", BOT_TOKEN));

        String network = "network: {inbound: WEBHOOK, ports: [{name: http, port: 8080}]}";
        apply(admin, "hook", "channels: {webhook: {path: /incoming, signingSecret: \"secret:hook-signing\", port: http}}", network);
        apply(admin, "busy", "channels: {webhook: {path: /incoming, signingSecret: \"secret:hook-signing\"}}", network);
        apply(admin, "slow", "channels: {webhook: {path: /slow, signingSecret: \"secret:hook-signing\"}}", network);
        apply(admin, "unreachable", "channels: {webhook: {path: /incoming, signingSecret: \"secret:hook-signing\"}}", network);
        apply(admin, "stopped", "channels: {webhook: {path: /incoming, signingSecret: \"secret:hook-signing\"}}", network);
        apply(admin, "closed", "channels: {}", "network: {inbound: NONE, ports: [{name: http, port: 8080}]}");
        apply(admin, "slackbot", "channels: {slack: {botToken: \"secret:slack-bot\", signingSecret: \"secret:slack-signing\"}}",
                network);
        apply(admin, "telebot", "channels: {telegram: {botToken: \"secret:telegram-bot\", mode: WEBHOOK}}", network);

        for (String name : List.of("hook", "busy", "slow", "slackbot", "telebot")) {
            containers.runtime().withEndpoint(containers.start("acme", name, 0), 8080, upstream.getAddress());
        }
        containers.start("acme", "unreachable", 0); // running, but the runtime offers no address
        String stopped = containers.start("acme", "stopped", 0);
        containers.runtime().withEndpoint(stopped, 8080, upstream.getAddress());
        containers.runtime().stopBehindBack(stopped);
    }

    private static void apply(ApiClient admin, String name, String channels, String network) {
        Response r = admin.putText("/api/v1/workspaces/acme/instances/" + name, """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: %s, workspace: acme, environment: dev}
                spec:
                  runtime: {image: registry.example/hook:1.0.0, cpu: 250m, memory: 128Mi}
                  %s
                  %s
                """.formatted(name, channels, network), "application/yaml");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        try {
            for (Response answer : answers) {
                for (String secret : List.of(SIGNING, SLACK_SIGNING, BOT_TOKEN)) {
                    assertThat(answer.body()).as("an answer").doesNotContain(secret);
                }
            }
        } finally {
            roost.close();
            upstream.stop(0);
        }
    }

    @BeforeEach
    void clear() {
        delivered.clear();
    }

    private static Response post(String path, String body, Map<String, String> headers) {
        Response r = anonymous.send("POST", path, body.getBytes(StandardCharsets.UTF_8), "application/json", headers);
        answers.add(r);
        return r;
    }

    private static Map<String, String> signed(String secret, long timestamp, String body) {
        String ts = Long.toString(timestamp);
        return Map.of("X-Roost-Timestamp", ts, "X-Roost-Signature",
                WebhookSignatures.sign(secret.getBytes(StandardCharsets.UTF_8), "sha256=", "", ts, ".",
                        body.getBytes(StandardCharsets.UTF_8)));
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static Delivered nextDelivery() throws InterruptedException {
        return delivered.poll(5, TimeUnit.SECONDS);
    }

    @Test
    void aSignedCallIsForwardedAndAnswered() throws InterruptedException {
        String body = "{\"event\":\"ping\"}";
        Map<String, String> headers = new HashMap<>(signed(SIGNING, now(), body));
        headers.put("X-Request-Id", "hook-test-1");
        headers.put("Authorization", "Bearer sender-own-token");
        Response r = post("/hooks/acme/hook/incoming", body, headers);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.body()).isEqualTo("got " + body.length() + " bytes");
        assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        Delivered d = nextDelivery();
        assertThat(d).isNotNull();
        assertThat(d.path()).isEqualTo("/incoming");
        assertThat(d.body()).isEqualTo(body);
        assertThat(d.headers()).containsEntry("x-request-id", "hook-test-1").containsEntry("content-type", "application/json")
                .containsKey("x-roost-signature").doesNotContainKey("authorization");
    }

    @Test
    void badMissingOrStaleSignaturesAreRefusedAndNotForwarded() throws InterruptedException {
        String body = "{\"event\":\"ping\"}";
        List<Map<String, String>> wrong = List.of(
                Map.of(),
                signed("not-the-secret", now(), body),
                signed(SIGNING, now(), body + " "),
                signed(SIGNING, now() - 301, body),
                signed(SIGNING, now() + 301, body),
                Map.of("X-Roost-Timestamp", Long.toString(now()), "X-Roost-Signature", "sha256=zz"),
                Map.of("X-Roost-Timestamp", "yesterday", "X-Roost-Signature", signed(SIGNING, now(), body).get("X-Roost-Signature")));
        for (Map<String, String> headers : wrong) {
            Response r = post("/hooks/acme/hook/incoming", body, headers);
            assertThat(r.status()).as(headers.toString()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("WEBHOOK_SIGNATURE_INVALID");
            assertThat(r.header("WWW-Authenticate")).isEmpty();
        }
        assertThat(post("/hooks/acme/hook/incoming", body, signed(SIGNING, now() - 299, body)).status())
                .as("inside the window").isEqualTo(202);
        assertThat(nextDelivery()).isNotNull();
        assertThat(delivered).as("nothing refused reached the container").isEmpty();
    }

    @Test
    void unknownTargetsAnd404() {
        String body = "{}";
        for (String path : List.of("/hooks/acme/nobody/incoming", "/hooks/acme/hook/other", "/hooks/nowhere/hook/incoming",
                "/hooks/acme/closed/incoming", "/hooks/acme/hook/slack/events", "/hooks/acme/hook/telegram")) {
            Response r = post(path, body, signed(SIGNING, now(), body));
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.code()).isEqualTo("NOT_FOUND");
        }
        assertThat(delivered).isEmpty();
    }

    @Test
    void tooLargeBodiesAre413() {
        String body = "x".repeat(MAX_BODY + 1);
        Response r = post("/hooks/acme/hook/incoming", body, signed(SIGNING, now(), body));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.code()).isEqualTo("BODY_TOO_LARGE");
        assertThat(delivered).isEmpty();
    }

    @Test
    void callsPerInstanceAreRateLimited() {
        String body = "{}";
        Response limited = null;
        for (int i = 0; i < 60 && limited == null; i++) {
            Response r = post("/hooks/acme/busy/incoming", body, signed(SIGNING, now(), body));
            if (r.status() == 429) {
                limited = r;
            }
        }
        assertThat(limited).as("a burst of 20 then 10 per second").isNotNull();
        assertThat(limited.code()).isEqualTo("RATE_LIMITED");
        assertThat(limited.header("Retry-After")).isPresent();
        assertThat(post("/hooks/acme/hook/incoming", body, signed(SIGNING, now(), body)).status())
                .as("other instances are not limited by it").isEqualTo(202);
    }

    @Test
    void containersThatCannotTakeTheCallAre503AndSlowOnes504() {
        String body = "{}";
        for (String name : List.of("unreachable", "stopped")) {
            Response r = post("/hooks/acme/" + name + "/incoming", body, signed(SIGNING, now(), body));
            assertThat(r.status()).as(name).isEqualTo(503);
            assertThat(r.code()).isEqualTo("WEBHOOK_TARGET_UNAVAILABLE");
        }
        Response slow = post("/hooks/acme/slow/slow", body, signed(SIGNING, now(), body));
        assertThat(slow.status()).isEqualTo(504);
        assertThat(slow.code()).isEqualTo("WEBHOOK_TARGET_TIMEOUT");
    }

    @Test
    void slackCallsAreCheckedWithSlacksScheme() throws InterruptedException {
        String body = "{\"type\":\"url_verification\",\"challenge\":\"abc\"}";
        String ts = Long.toString(now());
        String signature = WebhookSignatures.sign(SLACK_SIGNING.getBytes(StandardCharsets.UTF_8), "v0=", "v0:", ts, ":",
                body.getBytes(StandardCharsets.UTF_8));
        Response r = post("/hooks/acme/slackbot/slack/events", body,
                Map.of("X-Slack-Request-Timestamp", ts, "X-Slack-Signature", signature));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        Delivered d = nextDelivery();
        assertThat(d.path()).isEqualTo("/slack/events");
        assertThat(d.headers()).containsEntry("x-slack-signature", signature);

        Response forged = post("/hooks/acme/slackbot/slack/events", body,
                Map.of("X-Slack-Request-Timestamp", ts, "X-Slack-Signature", "v0=" + "0".repeat(64)));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(post("/hooks/acme/slackbot/slack/events", body, signed(SLACK_SIGNING, now(), body)).status())
                .as("Roost's scheme does not stand in for Slack's").isEqualTo(401);
        assertThat(delivered).isEmpty();
    }

    @Test
    void telegramCallsCarryTheDerivedSecretToken() throws InterruptedException {
        String token = WebhookSignatures.telegramSecretToken(BOT_TOKEN.getBytes(StandardCharsets.UTF_8), "acme", "telebot");
        assertThat(token).matches("[0-9a-f]{64}");
        String body = "{\"update_id\":1}";
        Response r = post("/hooks/acme/telebot/telegram", body, Map.of("X-Telegram-Bot-Api-Secret-Token", token));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(nextDelivery().path()).isEqualTo("/telegram");
        assertThat(post("/hooks/acme/telebot/telegram", body, Map.of("X-Telegram-Bot-Api-Secret-Token", token.substring(1) + "0"))
                .status()).isEqualTo(401);
        assertThat(post("/hooks/acme/telebot/telegram", body, Map.of()).status()).isEqualTo(401);
        assertThat(delivered).isEmpty();
    }

    @Test
    void outcomesAreCountedInMetrics() {
        String body = "{}";
        post("/hooks/acme/hook/incoming", body, Map.of());
        String metrics = roost.admin().get("/metrics").body();
        assertThat(metrics).containsPattern("roost_webhooks_total\\{[^}]*outcome=\"rejected\"[^}]*reason=\"signature\"");
    }
}
