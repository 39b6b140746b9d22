package dev.roost.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.roost.core.secret.SecretValue;
import dev.roost.server.logging.JsonLineEncoder;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Canary secret values go through every secret route, good requests and bad, and through the
 * runtime's resolve; none may show up, in plain text, hex or base64, in any log line, any
 * answer, any row of any table (the secrets rows' bytes included) or any file in the home.
 */
class SecretValuesStayOutTest {
    private static final String BASE = "/api/v1/workspaces/acme/secrets/";

    @Test
    void secretValuesNeverReachLogsAnswersRowsOrFiles() throws IOException {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        Level accessLevel = context.getLogger("roost.access").getLevel();
        Level roostLevel = context.getLogger("dev.roost").getLevel();
        context.getLogger("roost.access").setLevel(Level.DEBUG);
        context.getLogger("dev.roost").setLevel(Level.TRACE);
        List<String> canaries = new ArrayList<>();
        List<Response> answers = new ArrayList<>();
        try (TestRoost roost = TestRoost.start(c -> c.withReconcilerEnabled(false))) { // the test runs the containers
            roost.createWorkspace("acme", "team");
            ApiClient admin = roost.admin();
            String first = canary(canaries, "json");
            String second = canary(canaries, "raw");
            String third = canary(canaries, "update");
            String guess = canary(canaries, "guess");
            String text = canary(canaries, "text");

            answers.add(admin.put(BASE + "bot-token", Map.of("value", first)));
            answers.add(admin.put(BASE + "bot-token", Map.of("value", first)));
            answers.add(admin.send("PUT", BASE + "tls-key", bytes("\u0000\u0001" + second + "\u00ff"), "application/octet-stream",
                    Map.of()));
            answers.add(admin.put(BASE + "bot-token", Map.of("value", third)));
            answers.add(admin.send("PUT", BASE + "plain", bytes(text), "text/plain", Map.of()));
            answers.add(admin.post(BASE + "bot-token/verify", Map.of("value", third), Map.of("Idempotency-Key", "canary-verify")));
            answers.add(admin.post(BASE + "bot-token/verify", Map.of("value", guess), Map.of("Idempotency-Key", "canary-verify-2")));
            answers.add(admin.post(BASE + "bot-token/verify", Map.of("value", first)));
            answers.add(admin.send("POST", BASE + "tls-key/verify", bytes(second), "application/octet-stream", Map.of()));
            answers.add(admin.post(BASE + "missing/verify", Map.of("value", guess)));

            // Refused requests that carry a value.
            answers.add(admin.send("PUT", BASE + "bad", bytes("{\"value\": \"" + canary(canaries, "unterminated")),
                    "application/json", Map.of()));
            answers.add(admin.send("PUT", BASE + "bad", bytes("{\"value\": " + canary(canaries, "unquoted") + "}"),
                    "application/json", Map.of()));
            answers.add(admin.send("PUT", BASE + "bad", bytes("{\"" + canary(canaries, "as-a-key") + "\": 1}"),
                    "application/json", Map.of()));
            answers.add(admin.send("PUT", BASE + "bad", bytes("{\"value\": [\"" + canary(canaries, "in-a-list") + "\"]}"),
                    "application/json", Map.of()));
            answers.add(admin.send("PUT", BASE + "bad", bytes("value=" + canary(canaries, "form")),
                    "application/x-www-form-urlencoded", Map.of()));
            byte[] oversized = new byte[64 * 1024 + 10];
            Arrays.fill(oversized, (byte) '.');
            byte[] marker = bytes(canary(canaries, "oversized"));
            System.arraycopy(marker, 0, oversized, 100, marker.length);
            answers.add(admin.send("PUT", BASE + "bad", oversized, "application/octet-stream", Map.of()));
            answers.add(admin.put(BASE + "Invalid Name".replace(" ", "%20"), Map.of("value", canary(canaries, "bad-name"))));

            // Use the secret from a manifest, read it every way there is, try to delete it.
            String manifest = """
                    apiVersion: roost/v1
                    kind: AgentInstance
                    metadata: {name: bot, workspace: acme, environment: dev}
                    spec:
                      runtime: {image: registry.example/bot:1.0.0, cpu: 250m, memory: 128Mi, env: {TOKEN: "secret:bot-token"}}
                    """;
            answers.add(admin.putText("/api/v1/workspaces/acme/instances/bot", manifest, "application/yaml"));
            answers.add(admin.get("/api/v1/workspaces/acme/instances/bot"));
            // The running agent prints its token: logs, read and followed, show it masked.
            var containers = new dev.roost.server.testing.FakeContainers(roost);
            String container = containers.start("acme", "bot", 0);
            containers.runtime().emit(container, dev.roost.runtime.LogLine.Stream.STDOUT, "token " + third);
            answers.add(admin.get("/api/v1/workspaces/acme/instances/bot/logs"));
            containers.runtime().stopBehindBack(container);
            answers.add(admin.get("/api/v1/workspaces/acme/instances/bot/logs?follow=true"));
            assertThat(answers.getLast().body()).contains("token ****");
            answers.add(admin.get("/api/v1/workspaces/acme/secrets"));
            answers.add(admin.get(BASE + "bot-token"));
            answers.add(admin.get(BASE + "tls-key"));
            answers.add(admin.delete(BASE + "bot-token"));
            answers.add(admin.delete(BASE + "plain"));
            answers.add(admin.get("/api/v1/workspaces/acme/audit?limit=500"));
            answers.add(admin.get("/api/v1/audit?limit=500"));

            // The runtime's way in returns the value, and logs nothing of it.
            UUID acme = roost.server().database().read(s -> s.workspaces().findByName("acme").orElseThrow().id());
            Map<String, SecretValue> resolved = roost.server().database().read(s -> roost.server().secrets()
                    .resolve(s, acme, List.of("bot-token", "tls-key")));
            try (SecretValue token = resolved.get("bot-token"); SecretValue tls = resolved.get("tls-key")) {
                assertThat(new String(token.chars())).isEqualTo(third);
                assertThat(token.toString()).doesNotContain(third);
                assertThat(tls.bytes()).startsWith(0, 1);
            }

            List<String> tables = roost.server().database().read(s -> s.handle().createQuery(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").mapTo(String.class).list());
            assertThat(tables).contains("secrets", "audit_log", "idempotency_keys");
            StringBuilder rows = new StringBuilder();
            for (String table : tables) {
                List<String> tableRows = roost.server().database().read(s -> s.handle()
                        .createQuery("SELECT t::text FROM \"" + table + "\" t").mapTo(String.class).list());
                rows.append(String.join("\n", tableRows)).append('\n');
            }
            List<byte[]> secretBytes = roost.server().database().read(s -> s.handle().createQuery(
                    "SELECT ciphertext || nonce || convert_to(fingerprint, 'UTF8') FROM secrets").mapTo(byte[].class).list());
            assertThat(secretBytes).hasSize(2);
            long idempotencyRows = roost.server().database().read(s -> s.handle()
                    .createQuery("SELECT count(*) FROM idempotency_keys").mapTo(Long.class).one());
            assertThat(idempotencyRows).as("verify keeps no idempotency record").isZero();

            StringBuilder files = new StringBuilder();
            try (Stream<Path> walk = Files.walk(roost.home())) {
                for (Path file : walk.filter(Files::isRegularFile).toList()) {
                    files.append(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
                }
            }

            JsonLineEncoder encoder = new JsonLineEncoder();
            encoder.setContext(context);
            encoder.start();
            StringBuilder logs = new StringBuilder();
            for (ILoggingEvent e : captured.list) {
                logs.append(new String(encoder.encode(e), StandardCharsets.UTF_8));
            }
            assertThat(captured.list).as("the scenario produced log lines to inspect").isNotEmpty();
            assertThat(answers).as("every answer was read").allSatisfy(r -> assertThat(r.status()).isLessThan(500));

            for (String canary : canaries) {
                for (String form : forms(canary)) {
                    assertThat(logs.toString()).as("logs").doesNotContain(form);
                    assertThat(rows.toString()).as("stored rows").doesNotContain(form);
                    assertThat(files.toString()).as("files in the home").doesNotContain(form);
                    for (Response answer : answers) {
                        assertThat(answer.body()).as("an answer").doesNotContain(form);
                    }
                }
                for (byte[] stored : secretBytes) {
                    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).as("bytes of a secrets row").doesNotContain(canary);
                }
            }
        } finally {
            root.detachAppender(captured);
            context.getLogger("roost.access").setLevel(accessLevel);
            context.getLogger("dev.roost").setLevel(roostLevel);
        }
    }

    private static String canary(List<String> canaries, String where) {
        // Letters and digits only: a parser quoting "the token it did not expect" quotes all of it.
        String value = "canary" + where.replace("-", "") + UUID.randomUUID().toString().substring(0, 8);
        canaries.add(value);
        return value;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The canary as text, as hex (how PostgreSQL shows bytea) and as base64. */
    private static List<String> forms(String canary) {
        byte[] raw = bytes(canary);
        return List.of(canary, HexFormat.of().formatHex(raw), Base64.getEncoder().encodeToString(raw).replace("=", ""));
    }
}
