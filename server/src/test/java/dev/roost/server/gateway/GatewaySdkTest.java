package dev.roost.server.gateway;

import static dev.roost.server.gateway.FakeProvider.anthropicMessage;
import static dev.roost.server.gateway.FakeProvider.anthropicStream;
import static dev.roost.server.gateway.FakeProvider.anthropicToolUse;
import static dev.roost.server.gateway.FakeProvider.json;
import static dev.roost.server.gateway.FakeProvider.openAiChat;
import static dev.roost.server.gateway.FakeProvider.openAiChatStream;
import static dev.roost.server.gateway.FakeProvider.openAiError;
import static dev.roost.server.gateway.FakeProvider.openAiToolCall;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.roost.gateway.GatewaySettings;
import dev.roost.server.gateway.FakeProvider.Answer;
import dev.roost.server.gateway.FakeProvider.Events;
import dev.roost.server.gateway.FakeProvider.Received;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.MutableClock;
import dev.roost.server.testing.TestRoost;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The model gateway driven by the official OpenAI and Anthropic Java SDKs, against local
 * providers that speak the real wire formats: plain and streamed answers, tool calls,
 * fallbacks on 429, 500, a slow first byte and a dropped connection, every refusal a key can
 * meet, usage rows with the right token counts, and the provider keys kept out of everything.
 */
class GatewaySdkTest {
    private static final String OPENAI_KEY = "sk-upstream-openai-canary-7c41d9";
    private static final String ANTHROPIC_KEY = "sk-ant-upstream-canary-2b8e55";

    private static final MutableClock clock = new MutableClock();
    private static TestRoost roost;
    private static ApiClient admin;
    private static FakeProvider openai;
    private static FakeProvider anthropic;
    private static FakeProvider limited;
    private static FakeProvider broken;
    private static FakeProvider slow;
    private static FakeProvider dropping;
    private static ListAppender<ILoggingEvent> logs;
    private static final List<String> seen = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);

        openai = new FakeProvider(r -> openAiAnswer(r));
        anthropic = new FakeProvider(r -> anthropicAnswer(r));
        limited = new FakeProvider(r -> openAiError(429, "slow down", Map.of("retry-after", "7")));
        broken = new FakeProvider(r -> openAiError(500, "boom", Map.of()));
        slow = new FakeProvider(r -> new FakeProvider.Slow(4000, json(openAiChat("slow", "too late", 1, 1, 0))));
        dropping = new FakeProvider(r -> new FakeProvider.Drop());

        roost = TestRoost.start(c -> c.withGateway(GatewaySettings.DEFAULTS.withTimeouts(Duration.ofSeconds(1),
                Duration.ofSeconds(1)).withBreaker(1000, Duration.ofSeconds(30)).withUsageFlushInterval(
                Duration.ofMillis(50))), clock);
        admin = roost.admin();
        roost.createWorkspace("acme", "business");
        ok(admin.putText("/api/v1/workspaces/acme/secrets/openai-key", OPENAI_KEY, "text/plain"));
        ok(admin.putText("/api/v1/workspaces/acme/secrets/anthropic-key", ANTHROPIC_KEY, "text/plain"));
        provider("openai-main", "openai", openai.url() + "/v1", "openai-key");
        provider("anthropic-main", "anthropic", anthropic.url(), "anthropic-key");
        provider("limited", "openai", limited.url() + "/v1", "openai-key");
        provider("broken", "openai-compatible", broken.url() + "/v1", null);
        provider("slow", "openai", slow.url() + "/v1", "openai-key");
        provider("dropping", "openai", dropping.url() + "/v1", "openai-key");
        alias("gpt-fast", target("openai-main", "gpt-4o-mini"));
        alias("claude", target("anthropic-main", "claude-sonnet-4-5"));
        alias("after-429", target("limited", "gpt-x"), target("openai-main", "gpt-4o-mini"));
        alias("after-500", target("broken", "gpt-x"), target("openai-main", "gpt-4o-mini"));
        alias("after-slow", target("slow", "gpt-x"), target("openai-main", "gpt-4o-mini"));
        alias("after-drop", target("dropping", "gpt-x"), target("openai-main", "gpt-4o-mini"));
        alias("only-429", target("limited", "gpt-x"));
        alias("budgeted", target("openai-main", "pricey-model"));
        alias("embedder", target("openai-main", "text-embedding-3-small"));
        alias("big-embedder", target("openai-main", "big-embedding"));
        alias("drops", target("openai-main", "drops-mid-stream"), target("broken", "never-reached"));
        ok(admin.put("/api/v1/gateway/prices", Map.of("model", "pricey-model", "input", 1000, "output", 1000)));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            assertProviderKeysNeverLeaked();
        } finally {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
            roost.close();
            for (FakeProvider p : new FakeProvider[] {openai, anthropic, limited, broken, slow, dropping}) {
                p.close();
            }
        }
    }

    // --- fixtures

    private static Answer openAiAnswer(Received r) {
        String model = field(r.body(), "model");
        if (r.target().equals("/v1/responses")) {
            return new Events(List.of(
                    FakeProvider.sse("response.created", "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\","
                            + "\"status\":\"in_progress\"}}"),
                    FakeProvider.sse("response.output_text.delta", "{\"type\":\"response.output_text.delta\","
                            + "\"delta\":\"Hi\"}"),
                    FakeProvider.sse("response.completed", "{\"type\":\"response.completed\",\"response\":{\"id\":"
                            + "\"resp_1\",\"status\":\"completed\",\"usage\":{\"input_tokens\":31,\"output_tokens\":2,"
                            + "\"input_tokens_details\":{\"cached_tokens\":8},\"total_tokens\":33}}}")), 10, -1);
        }
        if (r.target().equals("/v1/embeddings") && model.equals("big-embedding")) {
            String vector = String.join(",", java.util.Collections.nCopies(6000, "0.123456"));
            return json("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[" + vector
                    + "]}],\"model\":\"big-embedding\",\"usage\":{\"prompt_tokens\":77,\"total_tokens\":77}}");
        }
        if (r.target().equals("/v1/embeddings")) {
            return json("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":"
                    + "[0.25,-0.5]}],\"model\":\"" + model + "\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}");
        }
        if (model.equals("drops-mid-stream")) {
            return new Events(openAiChatStream(model, List.of("partial", "answer"), 5, 2), 10, 2);
        }
        if (r.body().contains("\"stream\":true")) {
            return new Events(openAiChatStream(model, List.of("Hello", " from", " the", " stream"), 11, 4), 250, -1);
        }
        if (r.body().contains("\"tools\"")) {
            return json(openAiToolCall(model, "get_weather", "{\"city\":\"Oslo\"}"));
        }
        return json(openAiChat(model, "Hello from OpenAI", 13, 5, 3));
    }

    private static Answer anthropicAnswer(Received r) {
        String model = field(r.body(), "model");
        if (r.target().equals("/v1/messages/count_tokens")) {
            return json("{\"input_tokens\":42}");
        }
        if (r.body().contains("\"stream\":true")) {
            return new Events(anthropicStream(model, List.of("Hi", " from", " Claude"), 25, 9), 50, -1);
        }
        if (r.body().contains("\"tools\"")) {
            return json(anthropicToolUse(model, "get_weather", "{\"city\":\"Oslo\"}"));
        }
        return json(anthropicMessage(model, "Hello from Claude", 17, 6, 4));
    }

    private static String field(String body, String name) {
        JsonNode node = dev.roost.server.http.Json.MAPPER.readTree(body);
        return node.path(name).asString("");
    }

    private static ApiClient.Response ok(ApiClient.Response r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
        seen.add(r.body());
        return r;
    }

    private static void provider(String name, String kind, String url, String secret) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("name", name);
        body.put("kind", kind);
        body.put("baseUrl", url);
        if (secret != null) {
            body.put("key", "secret:" + secret);
        }
        ok(admin.post("/api/v1/workspaces/acme/providers", body));
    }

    private static Map<String, Object> target(String provider, String model) {
        return Map.of("provider", provider, "model", model);
    }

    @SafeVarargs
    private static void alias(String name, Map<String, Object>... targets) {
        ok(admin.put("/api/v1/workspaces/acme/models/" + name, Map.of("targets", List.of(targets))));
    }

    private static String key(Map<String, Object> options) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>(options);
        body.putIfAbsent("name", "key-" + System.nanoTime());
        ApiClient.Response r = ok(admin.post("/api/v1/workspaces/acme/keys", body));
        return r.json().get("secret").asString();
    }

    private static OpenAIClient openAi(String key) {
        return OpenAIOkHttpClient.builder().apiKey(key).baseUrl(roost.url() + "/v1").maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static AnthropicClient claude(String key) {
        return AnthropicOkHttpClient.builder().apiKey(key).baseUrl(roost.url()).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").build();
    }

    private static MessageCreateParams message(String model) {
        return MessageCreateParams.builder().model(model).maxTokens(256).addUserMessage("Say hello").build();
    }

    /** The usage rows of one key, once there are some (the last one is recorded as its answer ends). */
    private static JsonNode usageRows(String keyName) {
        JsonNode[] rows = new JsonNode[1];
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            rows[0] = readUsageRows(keyName);
            return !rows[0].isEmpty();
        });
        return rows[0];
    }

    private static JsonNode readUsageRows(String keyName) {
        roost.server().modelGateway().flushUsage();
        return ok(admin.get("/api/v1/workspaces/acme/usage?groupBy=key,model,provider,status")).json().get("rows")
                .valueStream().filter(r -> keyName.equals(r.path("group").path("key").asString()))
                .collect(dev.roost.server.http.Json.MAPPER::createArrayNode, (a, n) -> a.add(n), (a, b) -> a.addAll(b));
    }

    // --- OpenAI SDK

    @Test
    void openAiSdkCompletesThroughAnAliasAndTheUpstreamSeesOnlyTheProviderKey() {
        String key = key(Map.of("name", "oa-plain"));
        int before = openai.requests();
        HttpResponseFor<ChatCompletion> raw = openAi(key).chat().completions().withRawResponse().create(chat("gpt-fast"));
        ChatCompletion completion = raw.parse();
        assertThat(completion.choices().get(0).message().content()).contains("Hello from OpenAI");
        assertThat(raw.headers().values("x-roost-gateway-ms")).singleElement()
                .satisfies(v -> assertThat(Double.parseDouble(v)).isGreaterThanOrEqualTo(0));
        assertThat(raw.headers().values("x-roost-provider")).containsExactly("openai-main");

        Received upstream = openai.received().get(before);
        assertThat(upstream.target()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.header("authorization")).isEqualTo("Bearer " + OPENAI_KEY);
        assertThat(field(upstream.body(), "model")).as("the alias maps to the provider's model").isEqualTo("gpt-4o-mini");
        assertThat(upstream.headers().values().toString()).doesNotContain(key);

        JsonNode rows = usageRows("oa-plain");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).path("group").path("model").asString()).isEqualTo("gpt-fast");
        assertThat(rows.get(0).path("group").path("provider").asString()).isEqualTo("openai-main");
        assertThat(rows.get(0).path("inputTokens").asLong()).isEqualTo(13);
        assertThat(rows.get(0).path("outputTokens").asLong()).isEqualTo(5);
        assertThat(rows.get(0).path("cachedTokens").asLong()).isEqualTo(3);
    }

    @Test
    void openAiSdkStreamsChunkByChunkAndTheUsageChunkIsMetered() {
        String key = key(Map.of("name", "oa-stream"));
        int before = openai.received().size();
        int eventsBefore = openai.eventsWritten.get();
        StringBuilder text = new StringBuilder();
        AtomicInteger eventsWhenFirstArrived = new AtomicInteger(-1);
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = openAi(key).chat().completions()
                .createStreaming(chat("gpt-fast"))) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(t -> {
                if (!t.isEmpty() && eventsWhenFirstArrived.get() < 0) {
                    eventsWhenFirstArrived.set(openai.eventsWritten.get() - eventsBefore);
                }
                text.append(t);
            })));
        }
        assertThat(text).hasToString("Hello from the stream");
        // 8 events, 250 ms apart: the first words must arrive before the upstream has written them all.
        assertThat(eventsWhenFirstArrived.get()).as("the first words arrived while the upstream was still writing")
                .isBetween(1, 7);
        Received upstream = openai.received().get(before);
        assertThat(upstream.body()).as("usage is asked for so the stream can be metered")
                .contains("\"stream_options\":{\"include_usage\":true}");
        JsonNode rows = usageRows("oa-stream");
        assertThat(rows.get(0).path("inputTokens").asLong()).isEqualTo(11);
        assertThat(rows.get(0).path("outputTokens").asLong()).isEqualTo(4);
    }

    @Test
    void openAiToolCallsPassThrough() {
        String key = key(Map.of());
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-fast")
                .addUserMessage("Weather in Oslo?")
                .addTool(com.openai.models.chat.completions.ChatCompletionFunctionTool.builder()
                        .function(com.openai.models.FunctionDefinition.builder().name("get_weather").build()).build())
                .build();
        ChatCompletion completion = openAi(key).chat().completions().create(params);
        var call = completion.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction().function();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Oslo\"}");
    }

    @Test
    void theBodyGoesUpstreamByteForByteWithOnlyTheModelSpliced() throws Exception {
        String key = key(Map.of());
        String body = "{ \"messages\" : [ {\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"quoted\\\"\"} ],\n"
                + "  \"model\":\"gpt-fast\", \"x_unknown_field\": {\"kept\": [1, 2.50, true]} }";
        int before = openai.received().size();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                        + "/v1/chat/completions")).header("authorization", "Bearer " + key)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(openai.received().get(before).body()).isEqualTo(body.replace("\"gpt-fast\"", "\"gpt-4o-mini\""));
    }

    @Test
    void theResponsesApiStreamsAndItsCompletedEventIsMetered() throws Exception {
        String key = key(Map.of("name", "responses"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                        + "/v1/responses")).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-fast\",\"input\":\"hi\",\"stream\":true}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(r.body()).contains("event: response.output_text.delta").contains("response.completed");
        JsonNode row = usageRows("responses").get(0);
        assertThat(row.path("inputTokens").asLong()).isEqualTo(31);
        assertThat(row.path("cachedTokens").asLong()).isEqualTo(8);
        assertThat(row.path("outputTokens").asLong()).isEqualTo(2);
    }

    @Test
    void embeddingsPassThroughAndAreMetered() throws Exception {
        String key = key(Map.of("name", "embeddings"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                        + "/v1/embeddings")).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"embedder\",\"input\":\"hi\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("[0.25,-0.5]");
        assertThat(usageRows("embeddings").get(0).path("inputTokens").asLong()).isEqualTo(3);
    }

    @Test
    void anAnswerLargerThanTheRelayBufferIsRelayedWholeAndMetered() throws Exception {
        String key = key(Map.of("name", "big-answer"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                        + "/v1/embeddings")).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"big-embedder\",\"input\":\"hi\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).hasSize(openAiAnswer(new Received("POST", "/v1/embeddings", Map.of(),
                "{\"model\":\"big-embedding\"}")) instanceof FakeProvider.Json j ? j.body().length() : -1);
        assertThat(usageRows("big-answer").get(0).path("inputTokens").asLong()).isEqualTo(77);
    }

    @Test
    void anUpstreamThatDropsMidStreamEndsTheAnswerAndIsRecorded() throws Exception {
        String key = key(Map.of("name", "dropped"));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                        + "/v1/chat/completions")).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"drops\",\"stream\":true}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("the first bytes were already relayed: no fallback after that").isEqualTo(200);
        assertThat(r.body()).contains("chat.completion.chunk").doesNotContain("[DONE]");
        assertThat(usageRows("dropped").get(0).path("group").path("status").asString()).isEqualTo("200");
    }

    @Test
    void metricsCountTokensFallbacksAndErrors() {
        String key = key(Map.of());
        openAi(key).chat().completions().create(chat("after-500"));
        catchThrowableOfType(OpenAIServiceException.class, () -> openAi("roost_vk_nope").chat().completions()
                .create(chat("gpt-fast")));
        String metrics = admin.get("/metrics").body();
        assertThat(metrics).contains("roost_gateway_fallbacks_total{from=\"broken\"}")
                .contains("roost_gateway_tokens_total{kind=\"input\",provider=\"openai-main\"}")
                .contains("roost_gateway_errors_total{code=\"GATEWAY_KEY_INVALID\"}")
                .contains("roost_gateway_upstream_seconds_count{endpoint=\"/v1/chat/completions\",provider=\"openai-main\"")
                .contains("roost_gateway_added_ms{quantile=\"0.5\"");
    }

    // --- Anthropic SDK

    @Test
    void anthropicSdkCountsTokens() {
        String key = key(Map.of());
        long tokens = claude(key).messages().countTokens(com.anthropic.models.messages.MessageCountTokensParams.builder()
                .model("claude").addUserMessage("count me").build()).inputTokens();
        assertThat(tokens).isEqualTo(42);
    }

    @Test
    void anthropicSdkCompletesAndForwardsVersionAndBetaHeaders() {
        String key = key(Map.of("name", "an-plain"));
        int before = anthropic.received().size();
        Message reply = claude(key).messages().create(MessageCreateParams.builder().model("claude").maxTokens(256)
                .addUserMessage("Say hello").putAdditionalHeader("anthropic-beta", "tools-2024-04-04,prompt-caching").build());
        assertThat(reply.content().get(0).text().orElseThrow().text()).isEqualTo("Hello from Claude");
        Received upstream = anthropic.received().get(before);
        assertThat(upstream.target()).isEqualTo("/v1/messages");
        assertThat(upstream.header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(upstream.header("anthropic-version")).as("the SDK's own version, unchanged").matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(upstream.header("anthropic-beta")).isEqualTo("tools-2024-04-04,prompt-caching");
        assertThat(field(upstream.body(), "model")).isEqualTo("claude-sonnet-4-5");
        JsonNode rows = usageRows("an-plain");
        assertThat(rows.get(0).path("inputTokens").asLong()).as("input + cache reads").isEqualTo(21);
        assertThat(rows.get(0).path("outputTokens").asLong()).isEqualTo(6);
        assertThat(rows.get(0).path("cachedTokens").asLong()).isEqualTo(4);
    }

    @Test
    void anthropicSdkStreamsAndTheStartAndDeltaUsageIsMetered() {
        String key = key(Map.of("name", "an-stream"));
        StringBuilder text = new StringBuilder();
        try (StreamResponse<RawMessageStreamEvent> stream = claude(key).messages().createStreaming(message("claude"))) {
            stream.stream().forEach(e -> e.contentBlockDelta().flatMap(d -> d.delta().text())
                    .ifPresent(t -> text.append(t.text())));
        }
        assertThat(text).hasToString("Hi from Claude");
        JsonNode rows = usageRows("an-stream");
        assertThat(rows.get(0).path("inputTokens").asLong()).isEqualTo(25);
        assertThat(rows.get(0).path("outputTokens").asLong()).isEqualTo(9);
    }

    @Test
    void anthropicToolUsePassesThrough() {
        String key = key(Map.of());
        Message reply = claude(key).messages().create(MessageCreateParams.builder().model("claude").maxTokens(256)
                .addUserMessage("Weather in Oslo?").addTool(com.anthropic.models.messages.Tool.builder().name("get_weather")
                        .inputSchema(com.anthropic.models.messages.Tool.InputSchema.builder().build()).build()).build());
        assertThat(reply.content().get(0).toolUse().orElseThrow().name()).isEqualTo("get_weather");
    }

    // --- fallbacks

    @Test
    void a429FallsBackToTheNextTarget() {
        String key = key(Map.of("name", "fb-429"));
        int before = limited.requests();
        ChatCompletion completion = openAi(key).chat().completions().create(chat("after-429"));
        assertThat(completion.choices().get(0).message().content()).contains("Hello from OpenAI");
        assertThat(limited.requests() - before).as("a rate-limited upstream is not retried at once").isEqualTo(1);
        JsonNode row = usageRows("fb-429").get(0);
        assertThat(row.path("group").path("provider").asString()).isEqualTo("openai-main");
        assertThat(row.path("group").path("status").asString()).isEqualTo("200");
    }

    @Test
    void a500IsRetriedThenFallsBack() {
        String key = key(Map.of());
        int before = broken.requests();
        ChatCompletion completion = openAi(key).chat().completions().create(chat("after-500"));
        assertThat(completion.choices().get(0).message().content()).contains("Hello from OpenAI");
        assertThat(broken.requests() - before).as("one try and one retry").isEqualTo(2);
        assertThat(broken.received().get(before).header("authorization")).as("a keyless provider gets no key").isNull();
    }

    @Test
    void aSlowFirstByteFallsBack() {
        String key = key(Map.of());
        ChatCompletion completion = openAi(key).chat().completions().create(chat("after-slow"));
        assertThat(completion.choices().get(0).message().content()).contains("Hello from OpenAI");
    }

    @Test
    void aDroppedConnectionFallsBack() {
        String key = key(Map.of());
        ChatCompletion completion = openAi(key).chat().completions().create(chat("after-drop"));
        assertThat(completion.choices().get(0).message().content()).contains("Hello from OpenAI");
    }

    @Test
    void whenEveryTargetIsRateLimitedTheClientGetsThe429WithRetryAfter() {
        String key = key(Map.of());
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                () -> openAi(key).chat().completions().create(chat("only-429")));
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.headers().values("retry-after")).containsExactly("7");
    }

    // --- key checks

    @Test
    void aRevokedKeyIsRefusedWithItsOwnCode() {
        String key = key(Map.of("name", "to-revoke"));
        assertThat(openAi(key).chat().completions().create(chat("gpt-fast")).choices()).isNotEmpty();
        String id = ok(admin.get("/api/v1/workspaces/acme/keys")).json().valueStream()
                .filter(k -> k.path("name").asString().equals("to-revoke")).findFirst().orElseThrow().path("id").asString();
        ok(admin.delete("/api/v1/workspaces/acme/keys/" + id));
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                () -> openAi(key).chat().completions().create(chat("gpt-fast")));
        assertThat(e.statusCode()).isEqualTo(401);
        assertThat(e.code()).contains("GATEWAY_KEY_REVOKED");
        AnthropicServiceException a = catchThrowableOfType(AnthropicServiceException.class,
                () -> claude(key).messages().create(message("claude")));
        assertThat(a.statusCode()).isEqualTo(401);
        assertThat(a.headers().values("x-roost-error-code")).containsExactly("GATEWAY_KEY_REVOKED");
    }

    @Test
    void anExpiredKeyIsRefused() {
        String key = key(Map.of("expires", "10m"));
        assertThat(openAi(key).chat().completions().create(chat("gpt-fast")).choices()).isNotEmpty();
        clock.advance(Duration.ofMinutes(11));
        try {
            OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                    () -> openAi(key).chat().completions().create(chat("gpt-fast")));
            assertThat(e.statusCode()).isEqualTo(401);
            assertThat(e.code()).contains("GATEWAY_KEY_EXPIRED");
        } finally {
            admin = roost.admin(); // a fresh access token for the moved clock
        }
    }

    @Test
    void anUnknownKeyAndARoostAccessTokenAreNotVirtualKeys() {
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                () -> openAi("roost_vk_not-a-real-key").chat().completions().create(chat("gpt-fast")));
        assertThat(e.statusCode()).isEqualTo(401);
        assertThat(e.code()).contains("GATEWAY_KEY_INVALID");
        OpenAIServiceException token = catchThrowableOfType(OpenAIServiceException.class,
                () -> openAi(admin.token()).chat().completions().create(chat("gpt-fast")));
        assertThat(token.code()).contains("GATEWAY_KEY_INVALID");
    }

    @Test
    void aModelOutsideTheAllowlistIsForbidden() {
        String key = key(Map.of("models", List.of("gpt-fast")));
        assertThat(openAi(key).chat().completions().create(chat("gpt-fast")).choices()).isNotEmpty();
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                () -> openAi(key).chat().completions().create(chat("after-500")));
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.code()).contains("MODEL_NOT_ALLOWED");
        AnthropicServiceException a = catchThrowableOfType(AnthropicServiceException.class,
                () -> claude(key).messages().create(message("claude")));
        assertThat(a.statusCode()).isEqualTo(403);
        assertThat(openAi(key).models().list().data()).extracting(m -> m.id()).containsExactly("gpt-fast");
    }

    @Test
    void overTheRequestRateTheKeyGets429WithRetryAfter() {
        String key = key(Map.of("rpm", 2));
        OpenAIClient client = openAi(key);
        client.chat().completions().create(chat("gpt-fast"));
        client.chat().completions().create(chat("gpt-fast"));
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                () -> client.chat().completions().create(chat("gpt-fast")));
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.code()).contains("RATE_LIMITED");
        assertThat(Integer.parseInt(e.headers().values("retry-after").get(0))).isBetween(1, 60);
    }

    @Test
    void aSpentBudgetRefusesTheNextRequest() {
        String key = key(Map.of("name", "budget-key", "budget", "0.01USD/total"));
        OpenAIClient client = openAi(key);
        client.chat().completions().create(chat("budgeted")); // 13 + 5 tokens at 1000 USD per million: 0.018 USD
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                () -> client.chat().completions().create(chat("budgeted")));
        assertThat(e.statusCode()).isEqualTo(402);
        assertThat(e.code()).contains("BUDGET_EXCEEDED");
        JsonNode rows = usageRows("budget-key");
        assertThat(rows.valueStream().filter(r -> r.path("group").path("status").asString().equals("200")).findFirst()
                .orElseThrow().path("costUsd").asString()).isEqualTo("0.018");
    }

    @Test
    void aStreamThatSpendsTheBudgetIsEndedCleanlyMeteredAndTheNextRequestRefused() throws Exception {
        // 1,000 USD per million tokens: 0.001 USD a token; 0.05 USD buys about 50 tokens of a 200-word answer.
        String key = key(Map.of("name", "budget-stream", "budget", "0.05USD/total"));
        FakeProvider long_ = new FakeProvider(r -> new Events(openAiChatStream("metered-stream",
                java.util.Collections.nCopies(200, "word"), 7, 200), 2, -1));
        try {
            ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "metered-stream", "kind", "openai", "baseUrl",
                    long_.url() + "/v1", "key", "secret:openai-key")));
            alias("metered", target("metered-stream", "metered-stream"));
            ok(admin.put("/api/v1/gateway/prices", Map.of("model", "metered-stream", "input", 1000, "output", 1000)));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                            + "/v1/chat/completions")).header("authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"metered\",\"stream\":true,\"messages\":"
                            + "[{\"role\":\"user\",\"content\":\"go on\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            String body = r.body();
            long words = body.lines().filter(l -> l.contains("\"content\":\"word\"")).count();
            assertThat(words).as("the stream was cut short").isBetween(1L, 100L);
            assertThat(body).as("ended between two events with an error chunk and [DONE]")
                    .endsWith("\"code\":\"BUDGET_EXCEEDED\"}}\n\ndata: [DONE]\n\n").doesNotContain("\"usage\"");
            assertThat(body.split("\n\n")).as("whole events only").allSatisfy(event -> assertThat(event)
                    .matches("data: \\{.*\\}|data: \\[DONE\\]"));
            assertThat(long_.streamAborted.await(10, TimeUnit.SECONDS)).as("the upstream request was cancelled").isTrue();

            JsonNode row = usageRows("budget-stream").get(0);
            assertThat(row.path("group").path("status").asString()).isEqualTo("200");
            assertThat(new java.math.BigDecimal(row.path("costUsd").asString())).as("the estimate reaches the budget")
                    .isGreaterThanOrEqualTo(new java.math.BigDecimal("0.05"));
            assertThat(row.path("outputTokens").asLong()).isEqualTo(words + 1); // the role chunk and each word

            OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class,
                    () -> openAi(key).chat().completions().create(chat("metered")));
            assertThat(e.statusCode()).isEqualTo(402);
            assertThat(e.code()).contains("BUDGET_EXCEEDED");
        } finally {
            long_.close();
        }
    }

    // --- a client that goes away

    @Test
    void aClientThatDisconnectsMidStreamIsMeteredAndTheUpstreamRequestCancelled() throws Exception {
        String key = key(Map.of("name", "walks-away"));
        FakeProvider long_ = new FakeProvider(r -> new Events(openAiChatStream("m", java.util.Collections.nCopies(200, "word"),
                7, 200), 30, -1));
        try {
            ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "long-stream", "kind", "openai", "baseUrl",
                    long_.url() + "/v1", "key", "secret:openai-key")));
            alias("long", target("long-stream", "m"));
            HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                            + "/v1/chat/completions")).header("authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"long\",\"stream\":true,\"messages\":[]}"))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            byte[] first = r.body().readNBytes(200);
            assertThat(new String(first, StandardCharsets.UTF_8)).contains("data:");
            r.body().close();
            assertThat(long_.streamAborted.await(10, TimeUnit.SECONDS)).as("the upstream request was cancelled").isTrue();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    usageRows("walks-away").valueStream().map(x -> x.path("group").path("status").asString()))
                    .containsExactly("499"));
        } finally {
            long_.close();
        }
    }

    // --- secrets stay in

    private static void assertProviderKeysNeverLeaked() {
        List<String> everything = new ArrayList<>(seen);
        everything.add(admin.get("/api/v1/audit?limit=500").body());
        everything.add(admin.get("/api/v1/workspaces/acme/providers").body());
        everything.add(admin.get("/api/v1/workspaces/acme/usage?groupBy=key,model").body());
        for (ILoggingEvent event : logs.list) {
            everything.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                everything.add(event.getThrowableProxy().getMessage());
            }
        }
        for (String text : everything) {
            assertThat(text).doesNotContain(OPENAI_KEY).doesNotContain(ANTHROPIC_KEY);
        }
        assertThat(admin.get("/api/v1/audit?limit=500").body()).contains("gateway.key.create").contains("gateway.provider.create");
    }
}
