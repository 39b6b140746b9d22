package dev.roost.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.gateway.FakeProvider.Events;
import dev.roost.server.gateway.FakeProvider.Received;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The real Claude Code CLI ({@code claude -p}) from npm, run against Roost's gateway with a
 * virtual key, Roost relaying to a local Anthropic-format provider, and translating for a local
 * OpenAI-compatible one. The CLI is installed into
 * {@code .ci/clients} by {@code .ci/run} (or named by {@code ROOST_CLAUDE_CLI}); without it the
 * test is skipped, unless {@code ROOST_REQUIRE_AGENT_CLIS=1} makes that a failure.
 */
class ClaudeCodeCliTest {
    private static final String PROVIDER_KEY = "sk-ant-claude-code-canary-90d1";
    private static final String ANSWER = "ROOST-GATEWAY-OK";

    @Test
    void claudeCodeCompletesAPromptThroughTheGateway() throws Exception {
        Path cli = findCli();
        try (FakeProvider anthropic = new FakeProvider(ClaudeCodeCliTest::answer);
                TestRoost roost = TestRoost.start()) {
            ApiClient admin = roost.admin();
            roost.createWorkspace("acme", "business");
            assertThat(admin.putText("/api/v1/workspaces/acme/secrets/anthropic-key", PROVIDER_KEY, "text/plain").status())
                    .isEqualTo(201);
            assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "anthropic", "kind", "anthropic",
                    "baseUrl", anthropic.url(), "key", "secret:anthropic-key")).status()).isEqualTo(201);
            assertThat(admin.put("/api/v1/workspaces/acme/models/roost-claude", Map.of("targets", List.of(Map.of(
                    "provider", "anthropic", "model", "claude-sonnet-4-5")))).status()).isEqualTo(201);
            String key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "claude-code")).json().get("secret")
                    .asString();

            Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-homes")), "claude-");
            ProcessBuilder pb = new ProcessBuilder(cli.toString(), "-p", "Answer with one word.", "--model", "roost-claude")
                    .directory(home.toFile()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("ANTHROPIC_") || k.startsWith("CLAUDE") || k.startsWith("OPENAI_"));
            env.put("HOME", home.toString());
            env.put("ANTHROPIC_BASE_URL", roost.url());
            env.put("ANTHROPIC_API_KEY", key);
            env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
            env.put("DISABLE_AUTOUPDATER", "1");
            env.put("DISABLE_TELEMETRY", "1");
            Process process = pb.start();
            process.getOutputStream().close();
            boolean ended = process.waitFor(180, TimeUnit.SECONDS);
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!ended) {
                process.destroyForcibly();
            }
            assertThat(ended).as("claude -p finished; output: %s", output).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            assertThat(output).contains(ANSWER);

            List<Received> messages = anthropic.received().stream().filter(r -> r.target().startsWith("/v1/messages")).toList();
            assertThat(messages).isNotEmpty();
            for (Received r : messages) {
                assertThat(r.header("x-api-key")).isEqualTo(PROVIDER_KEY);
                assertThat(r.header("anthropic-version")).isNotBlank();
                assertThat(r.header("authorization")).isNull();
                assertThat(r.headers().values().toString()).doesNotContain(key);
            }
            assertThat(messages).anySatisfy(r -> assertThat(r.header("anthropic-beta")).isNotBlank());

            roost.server().modelGateway().flushUsage();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode usage = admin.get("/api/v1/workspaces/acme/usage?groupBy=model,provider").json();
                assertThat(usage.path("total").path("requests").asLong()).isGreaterThanOrEqualTo(1);
                assertThat(usage.path("total").path("outputTokens").asLong()).isGreaterThan(0);
            });
            assertThat(output).doesNotContain(PROVIDER_KEY);
        }
    }

    @Test
    void claudeCodeCompletesAPromptThroughAnOpenAiCompatibleModel() throws Exception {
        Path cli = findCli();
        try (FakeProvider local = new FakeProvider(ClaudeCodeCliTest::openAiAnswer);
                TestRoost roost = TestRoost.start()) {
            ApiClient admin = roost.admin();
            roost.createWorkspace("acme", "business");
            assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local-vllm", "kind",
                    "openai-compatible", "baseUrl", local.url() + "/v1")).status()).isEqualTo(201);
            assertThat(admin.put("/api/v1/workspaces/acme/models/roost-local", Map.of("targets", List.of(Map.of(
                    "provider", "local-vllm", "model", "qwen2.5-coder-7b")))).status()).isEqualTo(201);
            String key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "claude-code-local")).json().get("secret")
                    .asString();

            String output = runClaude(cli, roost, key, "roost-local");
            assertThat(output).contains(ANSWER);

            List<Received> chats = local.received().stream().filter(r -> r.target().equals("/v1/chat/completions")).toList();
            assertThat(chats).as("Claude Code's messages reached the OpenAI-compatible model as chat completions")
                    .isNotEmpty();
            JsonNode sent = dev.roost.server.http.Json.MAPPER.readTree(chats.get(chats.size() - 1).body());
            assertThat(sent.path("model").asString()).isEqualTo("qwen2.5-coder-7b");
            assertThat(sent.path("messages").get(0).path("role").asString()).as("Claude Code's system prompt").isEqualTo("system");
            assertThat(sent.path("tools").isArray()).as("Claude Code's tools, as functions").isTrue();
            assertThat(sent.path("tools").get(0).path("type").asString()).isEqualTo("function");
            for (Received r : chats) {
                assertThat(r.headers().values().toString()).doesNotContain(key);
            }
            roost.server().modelGateway().flushUsage();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode usage = admin.get("/api/v1/workspaces/acme/usage?groupBy=provider").json();
                assertThat(usage.path("total").path("outputTokens").asLong()).isGreaterThan(0);
            });
        }
    }

    /** Runs {@code claude -p} against Roost with a throwaway home; returns its output once it exited 0. */
    private static String runClaude(Path cli, TestRoost roost, String key, String model) throws Exception {
        Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-homes")), "claude-");
        ProcessBuilder pb = new ProcessBuilder(cli.toString(), "-p", "Answer with one word.", "--model", model)
                .directory(home.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("ANTHROPIC_") || k.startsWith("CLAUDE") || k.startsWith("OPENAI_"));
        env.put("HOME", home.toString());
        env.put("ANTHROPIC_BASE_URL", roost.url());
        env.put("ANTHROPIC_API_KEY", key);
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_TELEMETRY", "1");
        Process process = pb.start();
        process.getOutputStream().close();
        boolean ended = process.waitFor(180, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended).as("claude -p finished; output: %s", output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** A local OpenAI-compatible model: streamed when asked (Claude Code streams), whole otherwise. */
    private static FakeProvider.Answer openAiAnswer(Received r) {
        String model = "qwen2.5-coder-7b";
        if (r.body().contains("\"stream\":true")) {
            return new Events(FakeProvider.openAiChatStream(model, List.of(ANSWER), 900, 5), 5, -1);
        }
        return FakeProvider.json(FakeProvider.openAiChat(model, ANSWER, 900, 5, 0));
    }

    private static FakeProvider.Answer answer(Received r) {
        if (r.target().startsWith("/v1/messages/count_tokens")) {
            return FakeProvider.json("{\"input_tokens\":12}");
        }
        String model = "claude-sonnet-4-5";
        if (r.body().contains("\"stream\":true")) {
            return new Events(FakeProvider.anthropicStream(model, List.of(ANSWER), 120, 5), 5, -1);
        }
        return FakeProvider.json(FakeProvider.anthropicMessage(model, ANSWER, 120, 5, 0));
    }

    /** The CLI, or a skip (a failure when CI says the CLIs must be there). */
    private static Path findCli() {
        return AgentClis.find("Claude Code", "claude", "ROOST_CLAUDE_CLI");
    }
}
