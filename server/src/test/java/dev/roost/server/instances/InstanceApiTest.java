package dev.roost.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.workspace.Role;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class InstanceApiTest {
    private static TestRoost roost;
    private static ApiClient operator;
    private static ApiClient admin;
    private static ApiClient viewer;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        roost.createWorkspace("acme", "business");
        operator = roost.member("acme", "olga", Role.OPERATOR);
        admin = roost.member("acme", "adam", Role.ADMIN);
        viewer = roost.member("acme", "vera", Role.VIEWER);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    static String yaml(String name, String image, String extraSpec) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata:
                  name: %s
                  workspace: acme
                  environment: prod
                  labels: {team: support}
                spec:
                  runtime:
                    image: %s
                    cpu: 250m
                    memory: 128Mi
                %s""".formatted(name, image, extraSpec);
    }

    private static Response apply(ApiClient client, String name, String body) {
        return client.putText("/api/v1/workspaces/acme/instances/" + name, body, "application/yaml");
    }

    @Test
    void applyCreatesThenVersionsOnlyRealChanges() {
        Response created = apply(operator, "support-bot", yaml("support-bot", "registry.example/bot:1.0.0", ""));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("outcome").asString()).isEqualTo("CREATED");
        assertThat(created.json().get("version").asInt()).isEqualTo(1);
        assertThat(created.json().get("instance").get("status").asString()).isEqualTo("CREATING");

        // The same manifest as JSON with keys in another order and an explicit default: no new version.
        String json = """
                {"spec":{"runtime":{"memory":"128Mi","cpu":"250m","image":"registry.example/bot:1.0.0","replicas":1}},
                 "metadata":{"labels":{"team":"support"},"environment":"prod","workspace":"acme","name":"support-bot"},
                 "kind":"AgentInstance","apiVersion":"roost/v1"}""";
        Response same = operator.putText("/api/v1/workspaces/acme/instances/support-bot", json, "application/json");
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.json().get("outcome").asString()).isEqualTo("UNCHANGED");
        assertThat(same.json().get("version").asInt()).isEqualTo(1);

        Response updated = apply(operator, "support-bot", yaml("support-bot", "registry.example/bot:1.1.0", ""));
        assertThat(updated.json().get("outcome").asString()).isEqualTo("UPDATED");
        assertThat(updated.json().get("version").asInt()).isEqualTo(2);
        assertThat(updated.json().get("diff").asString()).contains("-    image: registry.example/bot:1.0.0")
                .contains("+    image: registry.example/bot:1.1.0");

        JsonNode versions = viewer.get("/api/v1/workspaces/acme/instances/support-bot/versions").json();
        assertThat(versions.size()).isEqualTo(2);
        assertThat(versions.get(1).get("current").asBoolean()).isTrue();

        // Old versions are unchanged.
        JsonNode v1 = viewer.get("/api/v1/workspaces/acme/instances/support-bot/versions/1").json();
        assertThat(v1.get("manifest").get("spec").get("runtime").get("image").asString()).isEqualTo("registry.example/bot:1.0.0");

        JsonNode diff = viewer.get("/api/v1/workspaces/acme/instances/support-bot/diff?from=1&to=2").json();
        assertThat(diff.get("changes").get(0).get("pointer").asString()).isEqualTo("/spec/runtime/image");

        // Only real changes are audited.
        JsonNode audit = roost.admin().get("/api/v1/audit?resourceType=instance&resourceId=support-bot").json();
        assertThat(audit.get("items").valueStream().map(e -> e.get("action").asString()).toList())
                .containsExactly("instance.apply", "instance.create");
    }

    @Test
    void dryRunChecksAndShowsTheDiffWithoutStoring() {
        apply(operator, "dry", yaml("dry", "registry.example/bot:1.0.0", ""));
        Response dry = operator.putText("/api/v1/workspaces/acme/instances/dry?dryRun=true",
                yaml("dry", "registry.example/bot:2.0.0", ""), "application/yaml");
        assertThat(dry.status()).isEqualTo(200);
        assertThat(dry.json().get("outcome").asString()).isEqualTo("WOULD_UPDATE");
        assertThat(dry.json().get("diff").asString()).contains("+    image: registry.example/bot:2.0.0");
        assertThat(viewer.get("/api/v1/workspaces/acme/instances/dry").json().get("instance").get("version").asInt()).isEqualTo(1);
    }

    @Test
    void createFromATemplateWithParameters() {
        // The telegram-bot template references two secrets; they must exist first.
        for (String secret : List.of("telegram-bot-token", "telegram-bot-gateway-key")) {
            assertThat(operator.put("/api/v1/workspaces/acme/secrets/" + secret, Map.of("value", "value-of-" + secret)).status())
                    .isEqualTo(201);
        }
        Response created = operator.post("/api/v1/workspaces/acme/instances", Map.of("name", "tg", "template", "telegram-bot",
                "environment", "dev", "parameters", Map.of("image", "registry.example/tg:1.2.3")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header("Location")).contains("/api/v1/workspaces/acme/instances/tg");
        JsonNode manifest = viewer.get("/api/v1/workspaces/acme/instances/tg").json().get("manifest");
        assertThat(manifest.get("spec").get("runtime").get("image").asString()).isEqualTo("registry.example/tg:1.2.3");
        assertThat(manifest.get("spec").get("template").asString()).isEqualTo("telegram-bot");

        Response again = operator.post("/api/v1/workspaces/acme/instances", Map.of("name", "tg", "template", "telegram-bot",
                "environment", "dev", "parameters", Map.of("image", "registry.example/tg:1.2.3")));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("ALREADY_EXISTS");

        Response missingParameter = operator.post("/api/v1/workspaces/acme/instances", Map.of("name", "tg2",
                "template", "telegram-bot", "environment", "dev"));
        assertThat(missingParameter.status()).isEqualTo(422);
        assertThat(missingParameter.code()).isEqualTo("TEMPLATE_PARAMETER_INVALID");
        assertThat(missingParameter.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/parameters/image");

        Response unknownTemplate = operator.post("/api/v1/workspaces/acme/instances", Map.of("name", "tg3",
                "template", "nope", "environment", "dev"));
        assertThat(unknownTemplate.status()).isEqualTo(400);
        assertThat(unknownTemplate.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/template");
    }

    @Test
    void policyViolationsAreRefusedWithPointersAndNeverEchoSecrets() {
        String leaked = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        Response r = apply(operator, "leaky", yaml("leaky", "registry.example/bot:latest",
                "    env: {OPENAI_API_KEY: \"" + leaked + "\"}\n"));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.code()).isEqualTo("POLICY_VIOLATION");
        assertThat(r.body()).doesNotContain(leaked);
        List<String> pointers = r.json().get("errors").valueStream().map(e -> e.get("pointer").asString()).toList();
        assertThat(pointers).contains("/spec/runtime/image", "/spec/runtime/env/OPENAI_API_KEY");
        assertThat(viewer.get("/api/v1/workspaces/acme/instances/leaky").status()).isEqualTo(404);
    }

    @Test
    void overridesNeedAnAdminAndAreLoud() {
        String unpinned = yaml("edge", "registry.example/bot:latest", "  policies: {allowUnsafe: [pinned-image]}\n");
        Response byOperator = apply(operator, "edge", unpinned);
        assertThat(byOperator.status()).isEqualTo(403);
        assertThat(byOperator.code()).isEqualTo("UNSAFE_OVERRIDE_FORBIDDEN");

        Response byAdmin = apply(admin, "edge", unpinned);
        assertThat(byAdmin.status()).isEqualTo(201);
        assertThat(byAdmin.header("Roost-Policy-Override")).contains("pinned-image");
        assertThat(byAdmin.json().get("warnings").get(0).get("rule").asString()).isEqualTo("pinned-image");

        JsonNode entry = roost.admin().get("/api/v1/audit?resourceId=edge&action=instance.create").json().get("items").get(0);
        assertThat(entry.get("warnings").get(0).asString()).contains("pinned-image");
        JsonNode version = viewer.get("/api/v1/workspaces/acme/instances/edge/versions/1").json();
        assertThat(version.get("version").get("warnings").get(0).asString()).contains("pinned-image");
    }

    @Test
    void quotasOfThePlanAreEnforced() {
        roost.createWorkspace("tiny", "starter");
        ApiClient owner = roost.member("tiny", "tina", Role.OWNER);
        String big = yaml("big", "registry.example/bot:1.0.0", "").replace("acme", "tiny").replace("cpu: 250m", "cpu: \"4\"");
        Response tooBig = owner.putText("/api/v1/workspaces/tiny/instances/big", big, "application/yaml");
        assertThat(tooBig.status()).isEqualTo(422);
        assertThat(tooBig.code()).isEqualTo("QUOTA_EXCEEDED");

        for (String name : List.of("one", "two")) {
            assertThat(owner.putText("/api/v1/workspaces/tiny/instances/" + name,
                    yaml(name, "registry.example/bot:1.0.0", "").replace("acme", "tiny"), "application/yaml").status()).isEqualTo(201);
        }
        Response third = owner.putText("/api/v1/workspaces/tiny/instances/three",
                yaml("three", "registry.example/bot:1.0.0", "").replace("acme", "tiny"), "application/yaml");
        assertThat(third.code()).isEqualTo("QUOTA_EXCEEDED");
        // Updating an existing instance does not count it twice.
        assertThat(owner.putText("/api/v1/workspaces/tiny/instances/two",
                yaml("two", "registry.example/bot:1.0.1", "").replace("acme", "tiny"), "application/yaml").status()).isEqualTo(200);
    }

    @Test
    void theManifestMustBelongWhereItIsSent() {
        Response r = apply(operator, "other-name", yaml("bot-x", "registry.example/bot:1.0.0", "").replace("workspace: acme", "workspace: globex"));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.code()).isEqualTo("MANIFEST_INVALID");
        List<String> pointers = r.json().get("errors").valueStream().map(e -> e.get("pointer").asString()).toList();
        assertThat(pointers).containsExactlyInAnyOrder("/metadata/workspace", "/metadata/name");
    }

    @Test
    void malformedManifestsAre4xx() {
        assertThat(apply(operator, "m", "apiVersion: [unclosed").code()).isEqualTo("MALFORMED_BODY");
        Response unknownField = apply(operator, "m", yaml("m", "registry.example/bot:1.0.0", "  bogus: 1\n"));
        assertThat(unknownField.status()).isEqualTo(422);
        assertThat(unknownField.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/spec/bogus");
        Response wrongType = apply(operator, "m", yaml("m", "registry.example/bot:1.0.0", "").replace("cpu: 250m", "cpu: [1]"));
        assertThat(wrongType.status()).isEqualTo(422);
        assertThat(wrongType.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/spec/runtime/cpu");
    }

    @Test
    void listFiltersByEnvironmentAndLabelAndPages() {
        for (int i = 0; i < 5; i++) {
            String name = "page-" + i;
            String body = yaml(name, "registry.example/bot:1.0.0", "").replace("team: support", "team: t" + (i % 2))
                    .replace("environment: prod", i == 4 ? "environment: staging" : "environment: prod");
            assertThat(apply(operator, name, body).status()).isEqualTo(201);
        }
        JsonNode first = viewer.get("/api/v1/workspaces/acme/instances?label=team=t0&environment=prod&limit=1").json();
        assertThat(first.get("items").get(0).get("name").asString()).isEqualTo("page-0");
        String next = first.get("next").asString();
        JsonNode second = viewer.get("/api/v1/workspaces/acme/instances?label=team=t0&environment=prod&limit=1&after=" + next).json();
        assertThat(second.get("items").get(0).get("name").asString()).isEqualTo("page-2");
        JsonNode last = viewer.get("/api/v1/workspaces/acme/instances?label=team=t0&environment=prod&limit=1&after=page-2").json();
        assertThat(last.get("items").size()).isZero();
        assertThat(viewer.get("/api/v1/workspaces/acme/instances?label=bad").status()).isEqualTo(400);
        assertThat(viewer.get("/api/v1/workspaces/acme/instances?limit=100000").status()).isEqualTo(400);
    }

    @Test
    void renameTagRollbackAndActions() {
        apply(operator, "life", yaml("life", "registry.example/bot:1.0.0", ""));
        apply(operator, "life", yaml("life", "registry.example/bot:2.0.0", ""));
        assertThat(operator.put("/api/v1/workspaces/acme/instances/life/tags/stable", Map.of("version", 1)).status()).isEqualTo(200);

        Response renamed = operator.post("/api/v1/workspaces/acme/instances/life/rename", Map.of("newName", "life2"));
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().get("version").asInt()).isEqualTo(3);
        assertThat(viewer.get("/api/v1/workspaces/acme/instances/life").status()).isEqualTo(404);

        Response rolledBack = operator.post("/api/v1/workspaces/acme/instances/life2/rollback", Map.of("to", "stable"));
        assertThat(rolledBack.status()).isEqualTo(200);
        assertThat(rolledBack.json().get("version").asInt()).isEqualTo(4);
        JsonNode current = viewer.get("/api/v1/workspaces/acme/instances/life2").json();
        assertThat(current.get("manifest").get("spec").get("runtime").get("image").asString()).isEqualTo("registry.example/bot:1.0.0");
        assertThat(current.get("manifest").get("metadata").get("name").asString()).as("a rollback keeps the new name").isEqualTo("life2");

        JsonNode stopped = operator.post("/api/v1/workspaces/acme/instances/life2/actions/stop", Map.of()).json();
        assertThat(stopped.get("desiredState").asString()).isEqualTo("STOPPED");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                viewer.get("/api/v1/workspaces/acme/instances/life2").json().get("instance").get("status").asString())
                .as("the reconciler stops it").isEqualTo("STOPPED"));
        assertThat(operator.post("/api/v1/workspaces/acme/instances/life2/actions/restart", Map.of()).code()).isEqualTo("CONFLICT");
        assertThat(operator.post("/api/v1/workspaces/acme/instances/life2/actions/start", Map.of()).json()
                .get("desiredState").asString()).isEqualTo("RUNNING");
        JsonNode restarted = operator.post("/api/v1/workspaces/acme/instances/life2/actions/restart", Map.of()).json();
        assertThat(restarted.get("restartCount").asInt()).isEqualTo(1);
        assertThat(operator.post("/api/v1/workspaces/acme/instances/life2/actions/explode", Map.of()).status()).isEqualTo(404);
    }

    @Test
    void deleteNeedsAnAdminKeepsHistoryAndFreesTheName() {
        apply(operator, "gone", yaml("gone", "registry.example/bot:1.0.0", ""));
        assertThat(operator.delete("/api/v1/workspaces/acme/instances/gone").status()).isEqualTo(403);
        assertThat(admin.delete("/api/v1/workspaces/acme/instances/gone").status()).isEqualTo(200);
        assertThat(viewer.get("/api/v1/workspaces/acme/instances/gone").status()).isEqualTo(404);
        assertThat(apply(operator, "gone", yaml("gone", "registry.example/bot:3.0.0", "")).json().get("version").asInt())
                .as("a new instance under a freed name starts at version 1").isEqualTo(1);
    }

    @Test
    void storedManifestsComeBackInCanonicalKeyOrder() {
        apply(operator, "ordered", yaml("ordered", "registry.example/bot:1.0.0", ""));
        JsonNode manifest = viewer.get("/api/v1/workspaces/acme/instances/ordered").json().get("manifest");
        assertThat(manifest.propertyNames()).containsExactly("apiVersion", "kind", "metadata", "spec");
        String exported = viewer.get("/api/v1/workspaces/acme/instances/ordered/versions/1?format=yaml").body();
        assertThat(exported.indexOf("apiVersion")).isLessThan(exported.indexOf("spec:"));
    }

    @Test
    void aRetriedDeleteWithTheSameKeyGetsTheFirstAnswer() {
        apply(operator, "twice", yaml("twice", "registry.example/bot:1.0.0", ""));
        Map<String, String> key = Map.of("Idempotency-Key", "delete-twice-1");
        Response first = admin.send("DELETE", "/api/v1/workspaces/acme/instances/twice", null, null, key);
        Response retry = admin.send("DELETE", "/api/v1/workspaces/acme/instances/twice", null, null, key);
        assertThat(first.status()).isEqualTo(200);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.header("Idempotent-Replayed")).contains("true");
        assertThat(admin.delete("/api/v1/workspaces/acme/instances/twice").status()).as("without a key").isEqualTo(404);
    }

    @Test
    void viewersCannotChangeAnything() {
        assertThat(apply(viewer, "nope", yaml("nope", "registry.example/bot:1.0.0", "")).status()).isEqualTo(403);
    }

    @Test
    void templatesAndSchemasAreReadable() {
        JsonNode templates = viewer.get("/api/v1/templates").json();
        assertThat(templates.valueStream().map(t -> t.get("name").asString()).toList())
                .contains("telegram-bot", "slack-bot", "webhook-bot", "openclaw-agent", "llm-tenant", "coding-agent");
        Response yamlExport = viewer.get("/api/v1/templates/telegram-bot?format=yaml");
        assertThat(yamlExport.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/yaml"));
        assertThat(yamlExport.body()).contains("kind: Template");
        Response schema = viewer.get("/api/v1/schemas/agent-instance.json");
        assertThat(schema.status()).isEqualTo(200);
        assertThat(schema.json().get("$schema").asString()).contains("2020-12");
        assertThat(viewer.get("/api/v1/policies").json().valueStream().map(r -> r.get("name").asString()).toList())
                .contains("no-plaintext-secrets", "pinned-image", "no-public-admin", "no-wildcard-permissions",
                        "limits-required", "within-plan-quota");
    }

    @Test
    void aServerAdminManagesTemplatesRoundTrip() {
        ApiClient server = roost.admin();
        String exported = server.get("/api/v1/templates/webhook-bot?format=yaml").body();
        String copy = exported.replace("name: webhook-bot", "name: my-webhook");
        Response imported = server.send("POST", "/api/v1/templates", copy.getBytes(), "application/yaml", Map.of());
        assertThat(imported.status()).isEqualTo(201);
        assertThat(viewer.send("POST", "/api/v1/templates", copy.getBytes(), "application/yaml", Map.of()).status()).isEqualTo(403);
        assertThat(server.send("POST", "/api/v1/templates", copy.getBytes(), "application/yaml", Map.of()).code())
                .isEqualTo("ALREADY_EXISTS");
        assertThat(server.delete("/api/v1/templates/my-webhook").status()).isEqualTo(204);
        assertThat(viewer.get("/api/v1/templates/my-webhook").status()).isEqualTo(404);
    }
}
