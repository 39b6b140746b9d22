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
 * The real Gemini CLI ({@code gemini -p}) from npm, run against Roost's gateway with a virtual
 * key: relayed to a local Gemini-format provider, and translated for a local OpenAI-compatible
 * one. The CLI is installed into {@code .ci/clients} by {@code .ci/run} (or named by
 * {@code ROOST_GEMINI_CLI}); without it the test is skipped, unless
 * {@code ROOST_REQUIRE_AGENT_CLIS=1} makes that a failure.
 */
class GeminiCliTest {
    private static final String PROVIDER_KEY = "AIza-gemini-cli-canary-3e07";
    private static final String ANSWER = "ROOST-GATEWAY-OK";

    @Test
    void geminiCliCompletesAPromptThroughTheGateway() throws Exception {
        Path cli = findCli();
        try (FakeProvider google = new FakeProvider(GeminiCliTest::geminiAnswer);
                TestRoost roost = TestRoost.start()) {
            ApiClient admin = roost.admin();
            roost.createWorkspace("acme", "business");
            assertThat(admin.putText("/api/v1/workspaces/acme/secrets/gemini-key", PROVIDER_KEY, "text/plain").status())
                    .isEqualTo(201);
            assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "google", "kind", "gemini",
                    "baseUrl", google.url(), "key", "secret:gemini-key")).status()).isEqualTo(201);
            assertThat(admin.put("/api/v1/workspaces/acme/models/roost-gemini", Map.of("targets", List.of(Map.of(
                    "provider", "google", "model", "gemini-2.5-pro")))).status()).isEqualTo(201);
            String key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "gemini-cli")).json().get("secret")
                    .asString();

            String output = runGemini(cli, roost, key, "roost-gemini");
            assertThat(output).contains(ANSWER).doesNotContain(PROVIDER_KEY);

            List<Received> calls = google.received().stream().filter(r -> r.target().contains("gemini-2.5-pro:")).toList();
            assertThat(calls).isNotEmpty();
            assertThat(calls).anySatisfy(r -> assertThat(r.target()).contains(":streamGenerateContent?alt=sse"));
            for (Received r : google.received()) {
                assertThat(r.header("x-goog-api-key")).isEqualTo(PROVIDER_KEY);
                assertThat(r.toString()).doesNotContain(key);
            }
            assertMetered(roost, admin);
        }
    }

    @Test
    void geminiCliCompletesAPromptThroughAnOpenAiCompatibleModel() throws Exception {
        Path cli = findCli();
        try (FakeProvider local = new FakeProvider(GeminiCliTest::openAiAnswer);
                TestRoost roost = TestRoost.start()) {
            ApiClient admin = roost.admin();
            roost.createWorkspace("acme", "business");
            assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local-vllm", "kind",
                    "openai-compatible", "baseUrl", local.url() + "/v1")).status()).isEqualTo(201);
            assertThat(admin.put("/api/v1/workspaces/acme/models/roost-local", Map.of("targets", List.of(Map.of(
                    "provider", "local-vllm", "model", "qwen2.5-coder-7b")))).status()).isEqualTo(201);
            String key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "gemini-cli-local")).json().get("secret")
                    .asString();

            String output = runGemini(cli, roost, key, "roost-local");
            assertThat(output).contains(ANSWER);

            List<Received> chats = local.received().stream().filter(r -> r.target().equals("/v1/chat/completions")).toList();
            assertThat(chats).as("Gemini CLI's requests reached the OpenAI-compatible model as chat completions").isNotEmpty();
            JsonNode sent = dev.roost.server.http.Json.MAPPER.readTree(chats.get(0).body());
            assertThat(sent.path("model").asString()).isEqualTo("qwen2.5-coder-7b");
            assertThat(sent.path("messages").get(0).path("role").asString()).as("Gemini CLI's system instruction")
                    .isEqualTo("system");
            assertThat(sent.path("tools").isArray()).as("Gemini CLI's function declarations, as functions").isTrue();
            assertMetered(roost, admin);
        }
    }

    private static void assertMetered(TestRoost roost, ApiClient admin) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            roost.server().modelGateway().flushUsage();
            JsonNode usage = admin.get("/api/v1/workspaces/acme/usage?groupBy=model").json();
            assertThat(usage.path("total").path("outputTokens").asLong()).isGreaterThan(0);
        });
    }

    /** Runs {@code gemini -p} against Roost with a throwaway home; returns its output once it exited 0. */
    private static String runGemini(Path cli, TestRoost roost, String key, String model) throws Exception {
        Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-homes")), "gemini-");
        Files.createDirectories(home.resolve(".gemini"));
        Files.writeString(home.resolve(".gemini/settings.json"), "{\"security\":{\"auth\":{\"selectedType\":"
                + "\"gemini-api-key\"}},\"privacy\":{\"usageStatisticsEnabled\":false},\"general\":{\"disableAutoUpdate\":true}}");
        ProcessBuilder pb = new ProcessBuilder(cli.toString(), "-p", "Answer with one word.", "-m", model)
                .directory(home.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("GEMINI") || k.startsWith("GOOGLE") || k.startsWith("OPENAI_"));
        env.put("HOME", home.toString());
        env.put("GOOGLE_GEMINI_BASE_URL", roost.url());
        env.put("GEMINI_API_KEY", key);
        env.put("GEMINI_CLI_TRUST_WORKSPACE", "true");
        Process process = pb.start();
        process.getOutputStream().close();
        boolean ended = process.waitFor(180, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended).as("gemini -p finished; output: %s", output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static FakeProvider.Answer geminiAnswer(Received r) {
        if (r.target().contains(":countTokens")) {
            return FakeProvider.json("{\"totalTokens\":12}");
        }
        String response = "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"" + ANSWER + "\"}]},"
                + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":300,"
                + "\"candidatesTokenCount\":5,\"totalTokenCount\":305},\"modelVersion\":\"gemini-2.5-pro\",\"responseId\":\"r1\"}";
        if (r.target().contains(":streamGenerateContent")) {
            return new Events(List.of("data: " + response + "\r\n\r\n"), 0, -1);
        }
        return FakeProvider.json(response);
    }

    private static FakeProvider.Answer openAiAnswer(Received r) {
        String model = "qwen2.5-coder-7b";
        if (r.body().contains("\"stream\":true")) {
            return new Events(FakeProvider.openAiChatStream(model, List.of(ANSWER), 700, 5), 5, -1);
        }
        return FakeProvider.json(FakeProvider.openAiChat(model, ANSWER, 700, 5, 0));
    }

    /** The CLI, or a skip (a failure when CI says the CLIs must be there). */
    private static Path findCli() {
        return AgentClis.find("Gemini", "gemini", "ROOST_GEMINI_CLI");
    }
}
