package dev.roost.server.gateway;

import static dev.roost.server.gateway.FakeProvider.anthropicMessage;
import static dev.roost.server.gateway.FakeProvider.json;
import static dev.roost.server.gateway.FakeProvider.openAiChat;
import static dev.roost.server.gateway.FakeProvider.openAiError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.core.workspace.Role;
import dev.roost.gateway.GatewaySettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Prompt tasks answered by the workspace's default model through the gateway, against local
 * providers speaking the OpenAI and Anthropic wire formats: the answer is the task's stdout, the
 * prompt reaches the model as text (never run), usage is metered against the workspace's own
 * prompt-task key, upstream refusals fail the task with their reason, a cancel stops a slow one;
 * without a default model that answers, the prompt is refused with INFERENCE_UNAVAILABLE and
 * {@code /readyz} and the workspace's inference status say what to configure.
 */
class PromptTasksTest {
    private static final String HOSTILE = "rm -rf / ; echo pwned > /tmp/owned && $(reboot)";

    private static TestRoost roost;
    private static ApiClient admin;
    private static FakeProvider openai;
    private static FakeProvider anthropic;

    @BeforeAll
    static void start() throws Exception {
        openai = new FakeProvider(r -> {
            if (r.body().contains("please fail")) {
                return openAiError(400, "this model refuses such prompts", Map.of());
            }
            if (r.body().contains("take your time")) {
                return new FakeProvider.Slow(20_000, json(openAiChat("gpt-test", "too late", 1, 1, 0)));
            }
            return json(openAiChat("gpt-test", "The answer is 42.", 21, 6, 0));
        });
        anthropic = new FakeProvider(r -> json(anthropicMessage("claude-test", "Bonjour from Claude", 9, 4, 0)));
        roost = TestRoost.start(c -> c.withGateway(GatewaySettings.DEFAULTS.withUsageFlushInterval(Duration.ofMillis(50))));
        admin = roost.admin();
    }

    @AfterAll
    static void stop() throws Exception {
        roost.close();
        openai.close();
        anthropic.close();
    }

    @Test
    void withoutADefaultModelAPromptIsRefusedAndReadinessSaysWhatToConfigure() {
        roost.createWorkspace("bare", "business");
        ApiClient operator = roost.member("bare", "oscar", Role.OPERATOR);
        Response refused = operator.post("/api/v1/workspaces/bare/tasks", Map.of("mode", "prompt", "prompt", HOSTILE));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.code()).isEqualTo("INFERENCE_UNAVAILABLE");
        assertThat(refused.json().get("detail").asString()).contains("roost model alias set default").contains("never executed");
        assertThat(operator.get("/api/v1/workspaces/bare/tasks").json().get("items")).isEmpty();

        JsonNode inference = operator.get("/api/v1/workspaces/bare/inference").json();
        assertThat(inference.get("status").asString()).isEqualTo("unavailable");
        Response ready = roost.anonymous().get("/readyz");
        assertThat(ready.status()).as("the control plane is ready").isEqualTo(200);
        assertThat(ready.json().get("checks").get("inference").asString()).isEqualTo("unavailable");
        assertThat(ready.json().get("inference").get("promptTasks").asBoolean()).isFalse();
        assertThat(ready.json().get("inference").get("reason").asString()).contains("--server-wide");

        // A default model whose provider does not answer is no better, and the answer says why.
        ok(admin.post("/api/v1/workspaces/bare/providers", Map.of("name", "gone", "kind", "openai-compatible",
                "baseUrl", "http://127.0.0.1:1/v1")));
        ok(admin.put("/api/v1/workspaces/bare/models/default", Map.of("targets", List.of(Map.of("provider", "gone", "model", "m")))));
        Response unreachable = operator.post("/api/v1/workspaces/bare/tasks", Map.of("mode", "prompt", "prompt", "hello"));
        assertThat(unreachable.status()).isEqualTo(503);
        assertThat(unreachable.json().get("detail").asString()).contains("gone/m").contains("not reachable");
    }

    @Test
    void aPromptIsAnsweredByTheDefaultModelAndMeteredAgainstTheWorkspacesOwnKey() {
        roost.createWorkspace("acme", "business");
        ApiClient operator = roost.member("acme", "olga", Role.OPERATOR);
        ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local", "kind", "openai-compatible",
                "baseUrl", openai.url() + "/v1")));
        ok(admin.put("/api/v1/workspaces/acme/models/default", Map.of("targets", List.of(Map.of("provider", "local",
                "model", "gpt-test")))));
        JsonNode inference = operator.get("/api/v1/workspaces/acme/inference").json();
        assertThat(inference.get("status").asString()).as(inference.toString()).isEqualTo("available");
        assertThat(inference.get("targets").get(0).get("reachable").asBoolean()).isTrue();

        JsonNode task = created(operator.post("/api/v1/workspaces/acme/tasks", Map.of("mode", "prompt", "prompt", HOSTILE)));
        String id = task.get("id").asString();
        assertThat(task.get("mode").asString()).isEqualTo("prompt");
        JsonNode result = awaitResult(operator, "acme", id);
        assertThat(result.get("state").asString()).as(result.toString()).isEqualTo("SUCCEEDED");
        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.get("stdout").get("text").asString()).isEqualTo("The answer is 42.");

        // The prompt went to the model as the message's text, under the alias's model name.
        assertThat(openai.received()).anySatisfy(r -> {
            assertThat(r.target()).isEqualTo("/v1/chat/completions");
            JsonNode body = dev.roost.server.http.Json.tree(r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(body.get("model").asString()).isEqualTo("gpt-test");
            assertThat(body.get("messages").get(0).get("content").asString()).isEqualTo(HOSTILE);
            assertThat(String.valueOf(r.header("authorization"))).as("the virtual key stays in Roost").doesNotContain("roost_vk_");
        });

        // Listed with the other tasks; metered against the workspace's prompt-task key, which is listed but never shown.
        assertThat(operator.get("/api/v1/workspaces/acme/tasks").body()).contains(id);
        roost.server().modelGateway().flushUsage();
        JsonNode usage = operator.get("/api/v1/workspaces/acme/usage?groupBy=key").json();
        assertThat(usage.get("rows").toString()).contains("prompt-tasks");
        JsonNode keys = admin.get("/api/v1/workspaces/acme/keys").json();
        assertThat(keys.toString()).contains("\"name\":\"prompt-tasks\"").contains("system:tasks");
        String audit = admin.get("/api/v1/workspaces/acme/audit?limit=500").body();
        assertThat(audit).contains("task.submit").doesNotContain("pwned");

        // A second prompt uses the same key.
        awaitResult(operator, "acme", created(operator.post("/api/v1/workspaces/acme/tasks", Map.of("mode", "prompt",
                "prompt", "again"))).get("id").asString());
        assertThat(admin.get("/api/v1/workspaces/acme/keys").json().toString().split("\"prompt-tasks\"", -1)).hasSize(2);

        // An upstream refusal fails the task with the reason, at once (no retry would help).
        String refusedId = created(operator.post("/api/v1/workspaces/acme/tasks", Map.of("mode", "prompt",
                "prompt", "please fail"))).get("id").asString();
        JsonNode refused = awaitResult(operator, "acme", refusedId);
        assertThat(refused.get("state").asString()).isEqualTo("FAILED");
        assertThat(refused.get("failureReason").asString()).contains("this model refuses such prompts");
        assertThat(operator.get("/api/v1/workspaces/acme/tasks/" + refusedId).json().get("attempts").asInt()).isEqualTo(1);

        // A slow answer can be cancelled.
        String slowId = created(operator.post("/api/v1/workspaces/acme/tasks", Map.of("mode", "prompt",
                "prompt", "take your time"))).get("id").asString();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                operator.get("/api/v1/workspaces/acme/tasks/" + slowId).json().get("state").asString().equals("RUNNING"));
        assertThat(operator.post("/api/v1/workspaces/acme/tasks/" + slowId + "/cancel", Map.of()).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                operator.get("/api/v1/workspaces/acme/tasks/" + slowId).json().get("state").asString().equals("CANCELLED"));
    }

    @Test
    void anAnthropicDefaultModelAnswersInItsOwnFormat() {
        roost.createWorkspace("claude", "business");
        ApiClient operator = roost.member("claude", "carla", Role.OPERATOR);
        ok(admin.putText("/api/v1/workspaces/claude/secrets/anthropic-key", "sk-ant-upstream-canary-0000", "text/plain"));
        ok(admin.post("/api/v1/workspaces/claude/providers", Map.of("name", "anth", "kind", "anthropic",
                "baseUrl", anthropic.url(), "key", "secret:anthropic-key")));
        ok(admin.put("/api/v1/workspaces/claude/models/default", Map.of("targets", List.of(Map.of("provider", "anth",
                "model", "claude-test")))));
        String id = created(operator.post("/api/v1/workspaces/claude/tasks", Map.of("mode", "prompt", "prompt", "Say hello")))
                .get("id").asString();
        JsonNode result = awaitResult(operator, "claude", id);
        assertThat(result.get("stdout").get("text").asString()).isEqualTo("Bonjour from Claude");
        assertThat(anthropic.received()).anySatisfy(r -> {
            assertThat(r.target()).isEqualTo("/v1/messages");
            assertThat(r.body()).contains("\"max_tokens\"").contains("Say hello");
        });
    }

    @Test
    void aServerWideDefaultModelMakesReadyzReportInference() {
        ok(admin.post("/api/v1/gateway/providers", Map.of("name", "shared", "kind", "openai-compatible",
                "baseUrl", openai.url() + "/v1")));
        ok(admin.put("/api/v1/gateway/models/default", Map.of("targets", List.of(Map.of("provider", "shared", "model", "gpt-test")))));
        try {
            JsonNode ready = roost.anonymous().get("/readyz").json();
            assertThat(ready.get("checks").get("inference").asString()).isEqualTo("ok");
            assertThat(ready.get("inference").get("promptTasks").asBoolean()).isTrue();
            assertThat(ready.toString()).doesNotContain(openai.url());
        } finally {
            ok(admin.delete("/api/v1/gateway/models/default"));
            ok(admin.delete("/api/v1/gateway/providers/shared"));
        }
    }

    @Test
    void promptsTakeNoSandboxOptions() {
        roost.createWorkspace("opts", "business");
        ApiClient operator = roost.member("opts", "otto", Role.OPERATOR);
        for (var bad : List.of(Map.of("mode", "prompt"), Map.of("mode", "prompt", "prompt", " "),
                Map.of("mode", "prompt", "prompt", "x", "script", "id"), Map.of("mode", "prompt", "prompt", "x", "cpuMillis", 100),
                Map.of("mode", "prompt", "prompt", "x", "egressAllow", List.of("example.com")),
                Map.of("mode", "prompt", "prompt", "x".repeat(200 * 1024)))) {
            Response r = operator.post("/api/v1/workspaces/opts/tasks", bad);
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
        }
    }

    private static JsonNode awaitResult(ApiClient client, String workspace, String id) {
        String path = "/api/v1/workspaces/" + workspace + "/tasks/" + id + "/result";
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> client.get(path).status() == 200);
        return client.get(path).json();
    }

    private static JsonNode created(Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    private static void ok(Response r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
    }
}
