package dev.roost.server.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import dev.roost.core.template.BuiltInTemplates;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.docker.DockerTestSupport;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ServerProcess;
import dev.roost.server.testing.TestRoost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Instances on the real Docker daemon, end to end through the API: the built-in templates
 * start, a signed webhook reaches the container, drift is healed, a version that cannot start
 * or never becomes healthy is rolled back, secrets stay out of everything but the container,
 * and a server killed with {@code kill -9} in the middle of a rollout converges when started
 * again. Skipped (or failed, under {@code ROOST_REQUIRE_DOCKER=1}) without a daemon.
 */
class DockerInstancesTest {
    private static final String IMAGE = DockerTestSupport.IMAGE;
    private static final Duration UP = Duration.ofSeconds(60);

    private static TestRoost roost;
    private static ApiClient operator;
    private static DockerClient docker;

    @BeforeAll
    static void start() {
        DockerTestSupport.requireDocker();
        docker = DockerTestSupport.client();
        roost = TestRoost.start(c -> c.withRuntime("docker").withDockerSettings(DockerTestSupport.settings())
                .withReconcileInterval(Duration.ofSeconds(1)));
        roost.createWorkspace("acme", "business");
        operator = roost.member("acme", "olga", Role.OPERATOR);
    }

    @AfterAll
    static void stop() throws Exception {
        if (roost != null) {
            roost.close();
        }
        if (docker != null) {
            DockerTestSupport.cleanUpRun(docker);
            docker.close();
        }
    }

    @Test
    void everyBuiltInTemplateStartsOnDocker() {
        Map<String, Map<String, String>> parameters = new LinkedHashMap<>();
        for (String template : BuiltInTemplates.NAMES) {
            Map<String, String> p = new HashMap<>(Map.of("image", IMAGE));
            if (template.equals("webhook-bot")) {
                p.put("path", "/cgi-bin/webhook");
            }
            parameters.put(template, p);
        }
        // Every template names its secrets in parameters ending in "Secret"; their defaults must exist.
        for (var template : BuiltInTemplates.all()) {
            template.parameters().stream().filter(p -> p.name().endsWith("Secret")).forEach(p -> {
                String secret = p.defaultValue().orElseThrow();
                operator.put("/api/v1/workspaces/acme/secrets/" + secret, Map.of("value", "value-of-" + secret));
            });
        }
        for (var entry : parameters.entrySet()) {
            ApiClient.Response created = operator.post("/api/v1/workspaces/acme/instances", Map.of("name", "t-" + entry.getKey(),
                    "template", entry.getKey(), "environment", "dev", "parameters", entry.getValue()));
            assertThat(created.status()).as(entry.getKey() + ": " + created.body()).isEqualTo(201);
        }
        // Each gets a running container; those whose first health check is due within the wait are RUNNING.
        await().atMost(UP).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (String template : parameters.keySet()) {
                JsonNode instance = instance("t-" + template);
                assertThat(runningContainers(instance)).as(template + " " + instance).hasSize(1);
                assertThat(instance.get("status").asString()).as(template + " " + instance).isIn("RUNNING", "CREATING");
            }
        });
        for (String template : List.of("telegram-bot", "slack-bot", "webhook-bot", "coding-agent")) {
            await().atMost(UP).untilAsserted(() -> assertThat(instance("t-" + template).get("status").asString())
                    .as(template).isEqualTo("RUNNING"));
        }
    }

    @Test
    void aWebhookBotServesSignedCallsHealsDriftAndKeepsItsSecretsInTheContainer() throws Exception {
        String canary = "canary-" + UUID.randomUUID();
        String signing = "signing-" + UUID.randomUUID();
        assertThat(operator.put("/api/v1/workspaces/acme/secrets/hook-signing", Map.of("value", signing)).status()).isEqualTo(201);
        assertThat(operator.put("/api/v1/workspaces/acme/secrets/hook-key", Map.of("value", canary)).status()).isEqualTo(201);
        ApiClient.Response created = operator.post("/api/v1/workspaces/acme/instances", Map.of("name", "hook", "template",
                "webhook-bot", "environment", "prod", "parameters", Map.of("image", IMAGE, "path", "/cgi-bin/webhook",
                        "signingSecret", "hook-signing")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        awaitStatus("hook", "RUNNING", 1);

        // The container as Docker has it: hardened, and the secret in its environment only.
        Container container = runningContainers(instance("hook")).get(0);
        InspectContainerResponse inspect = docker.inspectContainerCmd(container.getId()).exec();
        assertThat(inspect.getHostConfig().getReadonlyRootfs()).isTrue();
        assertThat(inspect.getHostConfig().getPortBindings() == null
                || inspect.getHostConfig().getPortBindings().getBindings().isEmpty()).as("no port published on the host").isTrue();
        assertThat(inspect.getConfig().getUser()).isEqualTo("65534:65534");
        // The template names a model and egress GATEWAY_ONLY: the instance has a gateway key of its own.
        assertThat(DockerTestSupport.environmentOf(docker, container.getId(), "OPENAI_API_KEY").orElseThrow()).startsWith("roost_vk_");

        // A signed call reaches the agent through Roost; an unsigned one does not.
        String body = "{\"hello\":\"from the sender\"}";
        ApiClient.Response relayed = roost.anonymous().send("POST", "/hooks/acme/hook/cgi-bin/webhook",
                body.getBytes(StandardCharsets.UTF_8), "application/json", signed(signing, body));
        assertThat(relayed.status()).as(relayed.body()).isEqualTo(200);
        assertThat(relayed.body()).contains("from the sender");
        assertThat(roost.anonymous().send("POST", "/hooks/acme/hook/cgi-bin/webhook", body.getBytes(StandardCharsets.UTF_8),
                "application/json", Map.of()).status()).isEqualTo(401);

        // A new version that prints the secret: it rolls out, and the logs mask the value.
        JsonNode manifest = operator.get("/api/v1/workspaces/acme/instances/hook").json().get("manifest");
        String yaml = manifest.toString().replace("\"LOG_LEVEL\":\"info\"", "\"LOG_LEVEL\":\"info\",\"ROOST_TEST_PRINT\":\"secret:hook-key\"");
        assertThat(operator.putText("/api/v1/workspaces/acme/instances/hook", yaml, "application/json").status()).isEqualTo(200);
        awaitStatus("hook", "RUNNING", 2);
        List<Container> afterRollout = runningContainers(instance("hook"));
        assertThat(afterRollout).hasSize(1);
        assertThat(afterRollout.get(0).getLabels()).as(operator.get("/api/v1/workspaces/acme/instances/hook/events?limit=200").body())
                .containsEntry("roost.version", "2");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                operator.get("/api/v1/workspaces/acme/instances/hook/logs?tail=50").body()).contains("ROOST_TEST_PRINT=****"));

        // Removed behind Roost's back: a drift event, and a new container.
        String gone = afterRollout.get(0).getId();
        docker.removeContainerCmd(gone).withForce(true).exec();
        await().atMost(UP).untilAsserted(() -> {
            List<Container> now = runningContainers(instance("hook"));
            assertThat(now).hasSize(1);
            assertThat(now.get(0).getId()).isNotEqualTo(gone);
            assertThat(instance("hook").get("status").asString()).isEqualTo("RUNNING");
        });
        String events = operator.get("/api/v1/workspaces/acme/instances/hook/events?limit=200").body();
        assertThat(events).contains("DRIFT");

        StringBuilder seen = new StringBuilder(events);
        seen.append(operator.get("/api/v1/workspaces/acme/instances/hook").body());
        seen.append(operator.get("/api/v1/workspaces/acme/instances/hook/logs?tail=200").body());
        seen.append(operator.get("/api/v1/workspaces/acme/instances/hook/plan").body());
        seen.append(roost.admin().get("/api/v1/audit?limit=500").body());
        assertThat(seen.toString()).doesNotContain(canary).doesNotContain(signing);
    }

    @Test
    void versionsThatCannotStartOrNeverBecomeHealthyAreRolledBack() {
        assertThat(operator.putText("/api/v1/workspaces/acme/instances/roll", manifest("roll", IMAGE, ""), "application/yaml")
                .status()).isEqualTo(201);
        awaitStatus("roll", "RUNNING", 1);

        // Version 2's image exists nowhere: DEGRADED with the reason, then back to version 1's manifest as version 3.
        operator.putText("/api/v1/workspaces/acme/instances/roll", manifest("roll", DockerTestSupport.MISSING_IMAGE, ""),
                "application/yaml");
        awaitStatus("roll", "RUNNING", 3);
        assertThat(versionSource("roll", 3)).startsWith("auto-rollback");
        String events = operator.get("/api/v1/workspaces/acme/instances/roll/events?limit=200").body();
        assertThat(events).contains("ROLLOUT_FAILED").contains("ROLLBACK").contains(DockerTestSupport.MISSING_IMAGE);

        // Version 4 starts but its health check fails: rolled back after its 10 s deadline.
        String unhealthy = manifest("roll", DockerTestSupport.UNHEALTHY_IMAGE, """
                  health: {http: {path: /cgi-bin/healthz, port: 8080}, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2}
                  lifecycle: {rolloutDeadlineSeconds: 10}
                """);
        ApiClient.Response applied = operator.putText("/api/v1/workspaces/acme/instances/roll", unhealthy, "application/yaml");
        assertThat(applied.status()).as(applied.body()).isEqualTo(200);
        await().atMost(UP).untilAsserted(() -> {
            JsonNode instance = instance("roll");
            assertThat(instance.get("version").asInt()).isEqualTo(4);
            assertThat(instance.get("status").asString()).isEqualTo("DEGRADED");
            assertThat(instance.get("statusReason").asString()).contains("503");
        });
        awaitStatus("roll", "RUNNING", 5);
        assertThat(versionSource("roll", 5)).startsWith("auto-rollback");
        List<Container> containers = containers(instance("roll"));
        assertThat(containers).hasSize(1);
        assertThat(containers.get(0).getImage()).isEqualTo(IMAGE);
    }

    @Test
    void aServerKilledMidRolloutConvergesWithoutDuplicatesOrOrphans() throws Exception {
        Path home = TestRoost.newHome();
        String password;
        try (ServerProcess first = ServerProcess.start(home, "docker")) {
            password = first.generatedPassword();
            ApiClient admin = login(first.url(), password);
            assertThat(admin.post("/api/v1/workspaces", Map.of("name", "crash", "plan", "business", "owner", "admin")).status())
                    .isEqualTo(201);
            String v1 = manifest("bot", IMAGE, "").replace("workspace: acme", "workspace: crash").replace("replicas: 1", "replicas: 2");
            assertThat(admin.putText("/api/v1/workspaces/crash/instances/bot", v1, "application/yaml").status()).isEqualTo(201);
            await().atMost(UP).until(() -> "RUNNING".equals(admin.get("/api/v1/workspaces/crash/instances/bot").json()
                    .get("instance").get("status").asString()));
            String v2 = v1.replace("env: {}", "env: {GENERATION: \"2\"}");
            assertThat(admin.putText("/api/v1/workspaces/crash/instances/bot", v2, "application/yaml").status()).isEqualTo(200);
            // Kill once the rollout has begun: a container of version 2 exists next to version 1's.
            await().atMost(UP).pollInterval(Duration.ofMillis(5)).until(() -> containersOf("crash", "bot").stream()
                    .anyMatch(c -> "2".equals(c.getLabels().get("roost.version"))));
            first.kill();
        }
        List<Container> leftover = containersOf("crash", "bot");
        boolean converged = leftover.size() == 2 && leftover.stream().allMatch(c -> "2".equals(c.getLabels().get("roost.version"))
                && "running".equals(c.getState()));
        assertThat(converged).as("the crash left the rollout unfinished: %s", leftover.stream()
                .map(c -> "v" + c.getLabels().get("roost.version") + " " + c.getState()).toList()).isFalse();
        try (ServerProcess second = ServerProcess.start(home, "docker")) {
            ApiClient admin = login(second.url(), password);
            await().atMost(UP).untilAsserted(() -> {
                JsonNode instance = admin.get("/api/v1/workspaces/crash/instances/bot").json().get("instance");
                assertThat(instance.get("status").asString()).isEqualTo("RUNNING");
                List<Container> now = containersOf("crash", "bot");
                assertThat(now).hasSize(2).allMatch(c -> "2".equals(c.getLabels().get("roost.version")) && "running".equals(c.getState()));
                assertThat(now.stream().map(c -> c.getLabels().get("roost.replica")).sorted().toList()).containsExactly("0", "1");
            });
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private static String manifest(String name, String image, String more) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: %s, workspace: acme, environment: prod}
                spec:
                  runtime: {image: "%s", cpu: 100m, memory: 64Mi, replicas: 1, env: {}}
                  network: {egress: NONE}
                %s""".formatted(name, image, more);
    }

    private static JsonNode instance(String name) {
        return operator.get("/api/v1/workspaces/acme/instances/" + name).json().get("instance");
    }

    private static void awaitStatus(String name, String status, int version) {
        await().atMost(UP).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode instance = instance(name);
            assertThat(instance.get("version").asInt()).as(instance.toString()).isEqualTo(version);
            assertThat(instance.get("status").asString()).as(instance.toString()).isEqualTo(status);
        });
    }

    private static String versionSource(String name, int version) {
        return operator.get("/api/v1/workspaces/acme/instances/" + name + "/versions/" + version).json().findValue("source")
                .asString();
    }

    private static List<Container> containers(JsonNode instance) {
        return containersOf(instance.get("workspace").asString(), instance.get("name").asString());
    }

    private static List<Container> containersOf(String workspace, String name) {
        return docker.listContainersCmd().withShowAll(true).withFilter("label", List.of(
                DockerTestSupport.RUN_LABEL + "=" + DockerTestSupport.run(), "roost.workspace=" + workspace,
                "roost.instance=" + name)).exec();
    }

    private static List<Container> runningContainers(JsonNode instance) {
        return new ArrayList<>(containers(instance).stream().filter(c -> "running".equals(c.getState())).toList());
    }

    private static ApiClient login(String url, String password) {
        ApiClient.Response r = new ApiClient(url, null).post("/api/v1/auth/login", Map.of("username", "admin", "password", password));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return new ApiClient(url, r.json().get("accessToken").asString());
    }

    private static Map<String, String> signed(String secret, String body) throws Exception {
        String ts = Long.toString(Instant.now().getEpochSecond());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((ts + ".").getBytes(StandardCharsets.UTF_8));
        String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        return Map.of("X-Roost-Timestamp", ts, "X-Roost-Signature", signature);
    }

}
