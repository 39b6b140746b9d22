package dev.roost.server.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.MutableClock;
import dev.roost.server.testing.TestRoost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Per-instance gateway keys on the fake runtime (which offers a gateway URL like Docker does):
 * an instance whose manifest names models gets a key of its own and the environment that points
 * SDKs at the gateway; the key is the same across passes and restarts, follows the manifest's
 * allowlist and budget, is replaced (and the containers with it) when someone revokes it, is
 * revoked when the instance is deleted or stops naming models, and shows up in no answer, audit
 * entry or log line. Passes are run by hand.
 */
class InstanceGatewayKeysTest {
    private static final String IMAGE = "roost-test/bot:1.0.0";
    private static final String GATEWAY = "http://gateway.roost.internal:7070";
    private static final String BASE = "/api/v1/workspaces/acme/instances/";

    private static TestRoost roost;
    private static FakeRuntime fake;
    private static Reconciler reconciler;
    private static ApiClient admin;

    @BeforeAll
    static void start() {
        MutableClock clock = new MutableClock();
        fake = new FakeRuntime(clock).withImage(IMAGE).withGatewayUrl(GATEWAY);
        roost = TestRoost.start(c -> c.withReconcileInterval(Duration.ofHours(1)), clock, fake);
        roost.createWorkspace("acme", "business");
        admin = roost.member("acme", "adam", Role.ADMIN);
        reconciler = roost.server().reconciler().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(reconciler::isLeader);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    @Test
    void anInstanceThatNamesModelsGetsAKeyOfItsOwnAndTheGatewayEnvironment() {
        apply("bot", """
                model:
                  defaultModel: chat
                  allowedModels: [chat, embed]
                  monthlyBudgetUsd: 5
                """);
        String container = runningContainer("bot");
        Map<String, String> env = fake.environment(container);
        assertThat(env).containsEntry("OPENAI_BASE_URL", GATEWAY + "/v1").containsEntry("ANTHROPIC_BASE_URL", GATEWAY)
                .containsEntry("GOOGLE_GEMINI_BASE_URL", GATEWAY).containsEntry("ROOST_GATEWAY_URL", GATEWAY);
        String key = fake.injectedSecret(container, "OPENAI_API_KEY").orElseThrow();
        assertThat(key).startsWith("roost_vk_");
        assertThat(fake.injectedSecret(container, "ANTHROPIC_API_KEY")).contains(key);
        assertThat(fake.injectedSecret(container, "GEMINI_API_KEY")).contains(key);

        // The key is listed as the instance's, scoped as the manifest says, and works at the gateway.
        JsonNode listed = managedKey("bot");
        assertThat(listed.get("instance").asString()).isEqualTo("bot");
        assertThat(listed.get("createdBy").asString()).isEqualTo("system:reconciler");
        assertThat(listed.get("models").toString()).isEqualTo("[\"chat\",\"embed\"]");
        assertThat(listed.get("budget").asString()).contains("5").contains("month");
        assertThat(key).startsWith(listed.get("prefix").asString());
        JsonNode shown = admin.get(BASE + "bot").json().get("gatewayKey");
        assertThat(shown.get("prefix").asString()).isEqualTo(listed.get("prefix").asString());
        assertThat(shown.get("id").asString()).isEqualTo(listed.get("id").asString());
        Response models = gateway(key);
        assertThat(models.status()).as(models.body()).isEqualTo(200);
        assertThat(models.body()).contains("\"chat\"").contains("\"embed\"");

        // Further passes and a restart keep the key and the container's spec.
        pass();
        pass();
        assertThat(runningContainer("bot")).isEqualTo(container);
        assertThat(admin.post(BASE + "bot/actions/restart", Map.of()).status()).isIn(200, 202);
        pass();
        assertThat(fake.injectedSecret(runningContainer("bot"), "OPENAI_API_KEY")).contains(key);
        JsonNode plan = admin.get(BASE + "bot/plan").json();
        assertThat(plan.get("actions")).as(plan.toString()).isEmpty();

        // Nowhere to be read: not in the instance, the plan, the key list, the audit log or the events.
        fake.emit(container, LogLine.Stream.STDOUT, "calling the model with key=" + key);
        String logs = admin.get(BASE + "bot/logs?tail=50").body();
        assertThat(logs).contains("calling the model with key=****");
        for (String path : List.of(BASE + "bot", BASE + "bot/plan", BASE + "bot/events?limit=500",
                "/api/v1/workspaces/acme/keys", "/api/v1/workspaces/acme/audit?limit=500", BASE + "bot/logs?tail=50")) {
            assertThat(admin.get(path).body()).as(path).doesNotContain(key).doesNotContain(key.substring(9));
        }
    }

    @Test
    void aRevokedKeyIsReplacedAndTheContainersWithIt() {
        apply("rotating", "model: {defaultModel: chat}\n");
        String before = fake.injectedSecret(runningContainer("rotating"), "OPENAI_API_KEY").orElseThrow();
        JsonNode old = managedKey("rotating");
        assertThat(admin.delete("/api/v1/workspaces/acme/keys/" + old.get("id").asString()).status()).isEqualTo(200);
        assertThat(gateway(before).gatewayCode()).isEqualTo("GATEWAY_KEY_REVOKED");

        pass();
        pass(); // the first pass starts the new container, the second removes the old one once the new one runs
        String after = fake.injectedSecret(runningContainer("rotating"), "OPENAI_API_KEY").orElseThrow();
        assertThat(after).startsWith("roost_vk_").isNotEqualTo(before);
        assertThat(gateway(after).status()).isEqualTo(200);
        assertThat(gateway(before).gatewayCode()).isEqualTo("GATEWAY_KEY_REVOKED");
        assertThat(keysOf("rotating").stream().filter(k -> k.get("active").asBoolean()).count()).isEqualTo(1);
    }

    @Test
    void theKeyFollowsTheManifestAndIsRevokedWhenNoLongerWanted() {
        apply("scoped", "model: {allowedModels: [a]}\n");
        String key = fake.injectedSecret(runningContainer("scoped"), "OPENAI_API_KEY").orElseThrow();
        String id = managedKey("scoped").get("id").asString();

        apply("scoped", "model: {allowedModels: [a, b]}\n");
        assertThat(managedKey("scoped").get("id").asString()).isEqualTo(id);
        assertThat(managedKey("scoped").get("models").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(fake.injectedSecret(runningContainer("scoped"), "OPENAI_API_KEY")).contains(key);

        apply("scoped", "");
        assertThat(gateway(key).gatewayCode()).isEqualTo("GATEWAY_KEY_REVOKED");
        String container = runningContainer("scoped");
        assertThat(fake.injectedSecret(container, "OPENAI_API_KEY")).isEmpty();
        assertThat(fake.environment(container)).doesNotContainKey("OPENAI_BASE_URL");
    }

    @Test
    void theManifestsOwnVariablesWinAndNoModelsOrNoNetworkMeansNoKey() {
        apply("plain", "");
        assertThat(fake.injectedSecret(runningContainer("plain"), "OPENAI_API_KEY")).isEmpty();
        assertThat(fake.environment(runningContainer("plain"))).doesNotContainKey("OPENAI_BASE_URL");
        assertThat(admin.get(BASE + "plain").json().has("gatewayKey")).isFalse();

        apply("offline", "model: {defaultModel: chat}\nnetwork: {egress: NONE}\n");
        assertThat(fake.injectedSecret(runningContainer("offline"), "OPENAI_API_KEY")).isEmpty();
        assertThat(keysOf("offline")).isEmpty();

        apply("own", """
                model: {defaultModel: chat}
                """, "OPENAI_BASE_URL: http://elsewhere.example/v1\n");
        Map<String, String> env = fake.environment(runningContainer("own"));
        assertThat(env).containsEntry("OPENAI_BASE_URL", "http://elsewhere.example/v1").containsEntry("ANTHROPIC_BASE_URL", GATEWAY);
    }

    @Test
    void deletingAnInstanceRevokesItsKey() {
        apply("doomed", "model: {defaultModel: chat}\n");
        String key = fake.injectedSecret(runningContainer("doomed"), "OPENAI_API_KEY").orElseThrow();
        assertThat(gateway(key).status()).isEqualTo(200);
        assertThat(admin.delete(BASE + "doomed").status()).isIn(200, 202);
        pass();
        Response refused = gateway(key);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.gatewayCode()).isEqualTo("GATEWAY_KEY_REVOKED");
        String audit = admin.get("/api/v1/workspaces/acme/audit?limit=500").body();
        assertThat(audit).contains("gateway.key.revoke").contains("the instance was deleted").doesNotContain(key);
    }

    // --- helpers

    private static void apply(String name, String model) {
        apply(name, model, "");
    }

    private static void apply(String name, String extraSpec, String env) {
        String manifest = """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata:
                  name: %s
                  workspace: acme
                  environment: prod
                spec:
                  runtime:
                    image: %s
                    cpu: 100m
                    memory: 64Mi
                %s%s""".formatted(name, IMAGE, env.isEmpty() ? "" : "    env:\n" + env.indent(6), extraSpec.indent(2));
        Response r = admin.putText(BASE + name, manifest, "application/yaml");
        assertThat(r.status()).as(r.body()).isIn(200, 201);
        pass();
        pass();
    }

    private static void pass() {
        assertThat(reconciler.reconcileNow()).isEqualTo(Reconciler.PassOutcome.DONE);
    }

    private static String runningContainer(String instance) {
        List<ObservedContainer> running = fake.observe().stream().filter(c -> c.instance().equals(instance) && c.running()).toList();
        assertThat(running).as(instance).hasSize(1);
        return running.get(0).containerId();
    }

    private static List<JsonNode> keysOf(String instance) {
        List<JsonNode> keys = new ArrayList<>();
        admin.get("/api/v1/workspaces/acme/keys").json().forEach(k -> {
            if (instance.equals(k.path("instance").asString(null))) {
                keys.add(k);
            }
        });
        return keys;
    }

    private static JsonNode managedKey(String instance) {
        List<JsonNode> active = keysOf(instance).stream().filter(k -> k.get("active").asBoolean()).toList();
        assertThat(active).as(instance).hasSize(1);
        return active.get(0);
    }

    private static Response gateway(String key) {
        return roost.anonymous().send("GET", "/v1/models", null, null, Map.of("Authorization", "Bearer " + key));
    }
}
