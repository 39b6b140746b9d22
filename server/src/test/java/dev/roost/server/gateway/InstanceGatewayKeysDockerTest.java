package dev.roost.server.gateway;

import static dev.roost.server.gateway.FakeProvider.json;
import static dev.roost.server.gateway.FakeProvider.openAiChat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.roost.gateway.GatewaySettings;
import dev.roost.runtime.docker.DockerTestSupport;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * A real Docker container calls Roost's model gateway with nothing but the environment the
 * reconciler injected: busybox {@code wget} lists {@code $OPENAI_BASE_URL/models} and asks for a
 * chat completion with {@code $OPENAI_API_KEY}, through the instance's GATEWAY_ONLY network, and
 * gets through to a local provider. The requests are the instance's usage; the key is in no API
 * answer, audit entry or server log line, is masked in the instance's logs, and is revoked when
 * the instance is deleted. Skipped (or failed, under {@code ROOST_REQUIRE_DOCKER=1}) without a daemon.
 */
class InstanceGatewayKeysDockerTest {
    private static final String BASE = "/api/v1/workspaces/acme/instances/";
    /** The agent: a models list, a chat completion, the key echoed (the logs must mask it), then it idles. */
    private static final String SCRIPT = """
            wget -q -O - --header "Authorization: Bearer $OPENAI_API_KEY" "$OPENAI_BASE_URL/models"; echo
            wget -q -O - --header "x-api-key: $ANTHROPIC_API_KEY" --header "Content-Type: application/json" \
              --post-data '{"model":"chat","messages":[{"role":"user","content":"hello"}]}' "$OPENAI_BASE_URL/chat/completions"; echo
            echo "agent key=$OPENAI_API_KEY"
            trap 'exit 0' TERM
            while true; do sleep 1; done
            """;

    private static TestRoost roost;
    private static ApiClient admin;
    private static DockerClient docker;
    private static FakeProvider provider;
    private static ListAppender<ILoggingEvent> logs;

    @BeforeAll
    static void start() throws IOException {
        DockerTestSupport.requireDocker();
        docker = DockerTestSupport.client();
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        provider = new FakeProvider(r -> json(openAiChat("gpt-test", "Hello from the model", 12, 5, 0)));
        int port = freePort();
        // The gateway must listen where containers reach it: the host side of each instance network.
        roost = TestRoost.start(c -> c.withRuntime("docker").withBindAddress("0.0.0.0").withPort(port)
                .withDockerSettings(DockerTestSupport.settings().withGatewayPort(port))
                .withReconcileInterval(Duration.ofSeconds(1))
                .withGateway(GatewaySettings.DEFAULTS.withUsageFlushInterval(Duration.ofMillis(50))));
        roost.createWorkspace("acme", "business");
        admin = roost.admin();
        ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local", "kind", "openai-compatible",
                "baseUrl", provider.url() + "/v1")));
        ok(admin.put("/api/v1/workspaces/acme/models/chat", Map.of("targets",
                List.of(Map.of("provider", "local", "model", "gpt-test")))));
    }

    @AfterAll
    static void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        if (roost != null) {
            roost.close();
        }
        if (provider != null) {
            provider.close();
        }
        if (docker != null) {
            DockerTestSupport.cleanUpRun(docker);
            docker.close();
        }
    }

    @Test
    void aContainerReachesTheGatewayWithItsInjectedKeyAndTheKeyStaysInside() {
        String manifest = """
                {"apiVersion": "roost/v1", "kind": "AgentInstance",
                 "metadata": {"name": "agent", "workspace": "acme", "environment": "dev"},
                 "spec": {"runtime": {"image": "%s", "cpu": "200m", "memory": "64Mi", "command": ["sh", "-c", %s]},
                          "model": {"defaultModel": "chat"},
                          "network": {"egress": "GATEWAY_ONLY"}}}""".formatted(DockerTestSupport.IMAGE,
                tools.jackson.databind.json.JsonMapper.builder().build().writeValueAsString(SCRIPT));
        ApiClient.Response applied = admin.putText(BASE + "agent", manifest, "application/json");
        assertThat(applied.status()).as(applied.body()).isEqualTo(201);

        // The agent's own calls went through: its log holds the models list and the model's answer.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            String body = admin.get(BASE + "agent/logs?tail=100").body();
            assertThat(body).contains("agent key=").contains("Hello from the model").contains("\\\"id\\\":\\\"chat\\\"");
        });
        String containerId = runningContainer();
        String key = DockerTestSupport.environmentOf(docker, containerId, "OPENAI_API_KEY").orElseThrow();
        assertThat(key).startsWith("roost_vk_");
        assertThat(DockerTestSupport.environmentOf(docker, containerId, "OPENAI_BASE_URL")).contains(
                "http://gateway.roost.internal:" + roost.server().port() + "/v1");
        assertThat(DockerTestSupport.environmentOf(docker, containerId, "ANTHROPIC_API_KEY")).contains(key);
        assertThat(provider.received()).anySatisfy(r -> assertThat(r.body()).contains("gpt-test"));

        // Masked in the instance's logs; absent from every answer, the audit log and the server's log lines.
        // (a read of the logs returns what Docker hands over within a moment: wait for the last line)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(admin.get(BASE + "agent/logs?tail=100").body()).contains("agent key=****"));
        for (String path : List.of(BASE + "agent", BASE + "agent/plan", BASE + "agent/events?limit=500", BASE + "agent/logs?tail=100",
                "/api/v1/workspaces/acme/keys", "/api/v1/workspaces/acme/audit?limit=500")) {
            assertThat(admin.get(path).body()).as(path).doesNotContain(key).doesNotContain(key.substring(9));
        }
        assertThat(logs.list).noneSatisfy(e -> assertThat(e.getFormattedMessage() + e.getThrowableProxy()).contains(key.substring(9)));

        // The calls are the instance's usage.
        roost.server().modelGateway().flushUsage();
        JsonNode usage = admin.get("/api/v1/workspaces/acme/usage?groupBy=instance").json();
        JsonNode row = null;
        for (JsonNode r : usage.get("rows")) {
            if ("agent".equals(r.get("group").get("instance").asString())) {
                row = r;
            }
        }
        assertThat(row).as(usage.toString()).isNotNull();
        assertThat(row.get("requests").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(row.get("inputTokens").asLong()).isGreaterThanOrEqualTo(12);

        // Deleting the instance revokes the key.
        assertThat(admin.delete(BASE + "agent").status()).isIn(200, 202);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            ApiClient.Response refused = roost.anonymous().send("GET", "/v1/models", null, null,
                    Map.of("Authorization", "Bearer " + key));
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.gatewayCode()).isEqualTo("GATEWAY_KEY_REVOKED");
        });
    }

    private static String runningContainer() {
        List<Container> running = docker.listContainersCmd()
                .withLabelFilter(Map.of(DockerTestSupport.RUN_LABEL, DockerTestSupport.run(), "roost.instance", "agent"))
                .exec();
        assertThat(running).hasSize(1);
        return running.get(0).getId();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void ok(ApiClient.Response r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
    }
}
