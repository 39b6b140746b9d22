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
 * The real Codex CLI ({@code codex exec}) from npm, run against Roost's {@code /v1/responses}
 * with a virtual key, Roost relaying to a local provider that streams the Responses API's
 * server-sent events. The CLI is installed into {@code .ci/clients} by {@code .ci/run} (or named
 * by {@code ROOST_CODEX_CLI}); without it the test is skipped, unless
 * {@code ROOST_REQUIRE_AGENT_CLIS=1} makes that a failure.
 */
class CodexCliTest {
    private static final String PROVIDER_KEY = "sk-codex-upstream-canary-51e7";
    private static final String ANSWER = "ROOST-CODEX-OK";

    @Test
    void codexExecCompletesAPromptThroughTheResponsesEndpoint() throws Exception {
        Path cli = findCli();
        try (FakeProvider openai = new FakeProvider(CodexCliTest::answer);
                TestRoost roost = TestRoost.start()) {
            ApiClient admin = roost.admin();
            roost.createWorkspace("acme", "business");
            assertThat(admin.putText("/api/v1/workspaces/acme/secrets/openai-key", PROVIDER_KEY, "text/plain").status())
                    .isEqualTo(201);
            assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "openai", "kind", "openai",
                    "baseUrl", openai.url() + "/v1", "key", "secret:openai-key")).status()).isEqualTo(201);
            assertThat(admin.put("/api/v1/workspaces/acme/models/roost-codex", Map.of("targets", List.of(Map.of(
                    "provider", "openai", "model", "gpt-5-codex")))).status()).isEqualTo(201);
            String key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "codex")).json().get("secret")
                    .asString();

            // Outside /tmp: Codex refuses to put its helper links under a temporary directory.
            Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-homes")).toAbsolutePath(),
                    "codex-");
            Files.createDirectories(home.resolve(".codex"));
            Files.writeString(home.resolve(".codex/config.toml"), """
                    model = "roost-codex"
                    model_provider = "roost"
                    check_for_update_on_startup = false

                    [analytics]
                    enabled = false

                    [model_providers.roost]
                    name = "Roost"
                    base_url = "%s/v1"
                    env_key = "ROOST_GATEWAY_KEY"
                    wire_api = "responses"
                    """.formatted(roost.url()));
            ProcessBuilder pb = new ProcessBuilder(cli.toString(), "exec", "--skip-git-repo-check", "--strict-config",
                    "Answer with one word.").directory(home.toFile()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("OPENAI_") || k.startsWith("CODEX_") || k.startsWith("ANTHROPIC_"));
            env.put("HOME", home.toString());
            env.put("ROOST_GATEWAY_KEY", key);
            Process process = pb.start();
            process.getOutputStream().close();
            boolean ended = process.waitFor(180, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ended).as("codex exec finished; output: %s", output).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            assertThat(output).contains(ANSWER);

            List<Received> turns = openai.received().stream().filter(r -> r.target().equals("/v1/responses")).toList();
            assertThat(turns).as("Codex spoke the Responses API through Roost").isNotEmpty();
            for (Received r : turns) {
                assertThat(r.header("authorization")).isEqualTo("Bearer " + PROVIDER_KEY);
                assertThat(r.headers().values().toString()).doesNotContain(key);
                assertThat(r.body()).contains("\"stream\":true").contains("\"model\":\"gpt-5-codex\"");
            }

            roost.server().modelGateway().flushUsage();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                roost.server().modelGateway().flushUsage();
                JsonNode usage = admin.get("/api/v1/workspaces/acme/usage?groupBy=model,provider").json();
                assertThat(usage.path("total").path("requests").asLong()).isGreaterThanOrEqualTo(1);
                assertThat(usage.path("total").path("inputTokens").asLong()).isEqualTo(57L * turns.size());
                assertThat(usage.path("total").path("outputTokens").asLong()).isEqualTo(4L * turns.size());
            });
            assertThat(output).doesNotContain(PROVIDER_KEY);
        }
    }

    /** A Responses API stream as OpenAI sends it: created, the message item, its text, done, completed with usage. */
    private static FakeProvider.Answer answer(Received r) {
        if (!r.target().equals("/v1/responses")) {
            return FakeProvider.json("{\"object\":\"list\",\"data\":[]}");
        }
        String item = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"status\":\"%s\",\"content\":%s}";
        return new Events(List.of(
                FakeProvider.sse("response.created", "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
                        + "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[]}}"),
                FakeProvider.sse("response.output_item.added", "{\"type\":\"response.output_item.added\","
                        + "\"sequence_number\":1,\"output_index\":0,\"item\":" + item.formatted("in_progress", "[]") + "}"),
                FakeProvider.sse("response.output_text.delta", "{\"type\":\"response.output_text.delta\","
                        + "\"sequence_number\":2,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\""
                        + ANSWER + "\"}"),
                FakeProvider.sse("response.output_item.done", "{\"type\":\"response.output_item.done\","
                        + "\"sequence_number\":3,\"output_index\":0,\"item\":" + item.formatted("completed",
                        "[{\"type\":\"output_text\",\"text\":\"" + ANSWER + "\",\"annotations\":[]}]") + "}"),
                FakeProvider.sse("response.completed", "{\"type\":\"response.completed\",\"sequence_number\":4,"
                        + "\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[],"
                        + "\"usage\":{\"input_tokens\":57,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":4,"
                        + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":61}}}")), 5, -1);
    }

    /** The CLI, or a skip (a failure when CI says the CLIs must be there). */
    private static Path findCli() {
        return AgentClis.find("Codex", "codex", "ROOST_CODEX_CLI");
    }
}
