package dev.roost.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.roost.server.logging.JsonLineEncoder;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Canary values (a password, the tokens it yields, an API token, a credential pasted into a
 * manifest) go through sign-in, refresh, token creation, failed sign-ins and refused
 * manifests; none of them may show up in any log line, audit entry, stored row or later answer.
 */
class SecretsStayOutTest {
    private static final String CANARY_PASSWORD = "canary-password-7f3a9c";
    private static final String CANARY_KEY = "sk-ant-api03-CANARYcanaryCANARYcanary0123456789abcdef";

    @Test
    void canariesNeverReachLogsAuditOrResponses() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        ch.qos.logback.classic.Level accessLevel = context.getLogger("roost.access").getLevel();
        context.getLogger("roost.access").setLevel(ch.qos.logback.classic.Level.DEBUG);
        List<String> secrets = new ArrayList<>(List.of(CANARY_PASSWORD, CANARY_KEY));
        List<String> laterResponses = new ArrayList<>();
        try (TestRoost roost = TestRoost.start(c -> c.withAdminPassword(CANARY_PASSWORD))) {
            ApiClient anon = roost.anonymous();
            Response login = anon.post("/api/v1/auth/login", Map.of("username", "admin", "password", CANARY_PASSWORD));
            assertThat(login.status()).isEqualTo(200);
            String access = login.json().get("accessToken").asString();
            String refresh = login.json().get("refreshToken").asString();
            secrets.add(access);
            secrets.add(refresh);
            ApiClient admin = anon.withToken(access);

            laterResponses.add(anon.post("/api/v1/auth/login", Map.of("username", "admin", "password", CANARY_PASSWORD + "x")).body());
            laterResponses.add(anon.post("/api/v1/auth/login", Map.of("username", CANARY_PASSWORD, "password", CANARY_PASSWORD)).body());
            // A body broken right at the password: the parser's message would quote it.
            laterResponses.add(anon.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":" + CANARY_PASSWORD + "}").body());
            laterResponses.add(anon.post("/api/v1/auth/login", "{\"username\":\"admin\",\"password\":" + CANARY_PASSWORD.length()
                    + ", \"x\":\"" + CANARY_PASSWORD + "\"").body());
            Response rotated = anon.post("/api/v1/auth/refresh", Map.of("refreshToken", refresh));
            secrets.add(rotated.json().get("refreshToken").asString());
            laterResponses.add(anon.post("/api/v1/auth/refresh", Map.of("refreshToken", refresh)).body()); // reuse

            Response token = admin.post("/api/v1/tokens", Map.of("name", "canary"), Map.of("Idempotency-Key", "canary-1"));
            String apiToken = token.json().get("token").asString();
            secrets.add(apiToken);
            laterResponses.add(admin.post("/api/v1/tokens", Map.of("name", "canary"), Map.of("Idempotency-Key", "canary-1")).body());
            laterResponses.add(anon.withToken(apiToken).get("/api/v1/auth/me").body());
            laterResponses.add(admin.get("/api/v1/tokens").body());

            roost.createWorkspace("acme", "team");
            String manifest = """
                    apiVersion: roost/v1
                    kind: AgentInstance
                    metadata: {name: leaky, workspace: acme, environment: dev}
                    spec:
                      runtime:
                        image: registry.example/bot:1.0.0
                        cpu: 250m
                        memory: 128Mi
                        env: {ANTHROPIC_API_KEY: "%s"}
                    """.formatted(CANARY_KEY);
            laterResponses.add(admin.putText("/api/v1/workspaces/acme/instances/leaky", manifest, "application/yaml").body());
            laterResponses.add(admin.putText("/api/v1/workspaces/acme/instances/leaky",
                    manifest.replace("env: {", "command: [\"--key\", \"" + CANARY_KEY + "\"]\n    env: {"), "application/yaml").body());
            laterResponses.add(admin.get("/api/v1/audit?limit=500").body());

            String database = roost.server().database().read(s -> String.join("\n", s.handle().createQuery("""
                    SELECT concat_ws('|', u::text) FROM users u UNION ALL SELECT concat_ws('|', t::text) FROM api_tokens t
                    UNION ALL SELECT concat_ws('|', r::text) FROM refresh_tokens r UNION ALL SELECT concat_ws('|', a::text) FROM audit_log a
                    UNION ALL SELECT concat_ws('|', i::text) FROM idempotency_keys i
                    UNION ALL SELECT concat_ws('|', m::text) FROM manifest_versions m""").mapTo(String.class).list()));

            JsonLineEncoder encoder = new JsonLineEncoder();
            encoder.setContext(context);
            encoder.start();
            StringBuilder logs = new StringBuilder();
            for (ILoggingEvent e : captured.list) {
                logs.append(new String(encoder.encode(e), StandardCharsets.UTF_8));
            }
            assertThat(captured.list).as("the scenario produced log lines to inspect").isNotEmpty();
            for (String secret : secrets) {
                assertThat(logs.toString()).as("logs").doesNotContain(secret);
                assertThat(database).as("stored rows").doesNotContain(secret);
                for (String body : laterResponses) {
                    assertThat(body).as("a later API answer").doesNotContain(secret);
                }
            }
        } finally {
            root.detachAppender(captured);
            context.getLogger("roost.access").setLevel(accessLevel);
        }
    }
}
