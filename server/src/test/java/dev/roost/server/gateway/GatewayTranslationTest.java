package dev.roost.server.gateway;

import static dev.roost.server.gateway.FakeProvider.json;
import static dev.roost.server.gateway.FakeProvider.sse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.roost.server.gateway.FakeProvider.Answer;
import dev.roost.server.gateway.FakeProvider.Events;
import dev.roost.server.gateway.FakeProvider.Received;
import dev.roost.server.testing.ApiClient;
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
 * Translation between wire formats, driven by the official SDKs: the Anthropic SDK against an
 * alias whose provider speaks OpenAI chat completions, and the OpenAI SDK against an alias
 * whose provider speaks Anthropic messages — text, system prompts, tool calls and tool
 * results, streaming, usage, and the provider's errors in the client's own error shape.
 */
class GatewayTranslationTest {
    private static final String ANTHROPIC_KEY = "sk-ant-translation-canary-51c0";

    private static TestRoost roost;
    private static ApiClient admin;
    private static FakeProvider openai;
    private static FakeProvider anthropic;
    private static final List<String> seen = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        openai = new FakeProvider(GatewayTranslationTest::openAiAnswer);
        anthropic = new FakeProvider(GatewayTranslationTest::anthropicAnswer);
        roost = TestRoost.start();
        admin = roost.admin();
        roost.createWorkspace("acme", "business");
        ok(admin.putText("/api/v1/workspaces/acme/secrets/anthropic-key", ANTHROPIC_KEY, "text/plain"));
        ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local-llm", "kind", "openai-compatible",
                "baseUrl", openai.url() + "/v1")));
        ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "claude-up", "kind", "anthropic",
                "baseUrl", anthropic.url(), "key", "secret:anthropic-key")));
        alias("claude-local", "local-llm", "qwen2.5-7b");
        alias("gpt-via-claude", "claude-up", "claude-sonnet-4-5");
    }

    @AfterAll
    static void stop() throws Exception {
        for (String text : seen) {
            assertThat(text).doesNotContain(ANTHROPIC_KEY);
        }
        roost.close();
        openai.close();
        anthropic.close();
    }

    private static ApiClient.Response ok(ApiClient.Response r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
        seen.add(r.body());
        return r;
    }

    private static void alias(String name, String provider, String model) {
        ok(admin.put("/api/v1/workspaces/acme/models/" + name, Map.of("targets", List.of(Map.of("provider", provider,
                "model", model)))));
    }

    private static String key(String name) {
        return ok(admin.post("/api/v1/workspaces/acme/keys", Map.of("name", name))).json().get("secret").asString();
    }

    private static AnthropicClient claude(String key) {
        return AnthropicOkHttpClient.builder().apiKey(key).baseUrl(roost.url()).maxRetries(0).timeout(Duration.ofSeconds(20))
                .build();
    }

    private static OpenAIClient openAi(String key) {
        return OpenAIOkHttpClient.builder().apiKey(key).baseUrl(roost.url() + "/v1").maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    private static JsonNode body(Received r) {
        return dev.roost.server.http.Json.MAPPER.readTree(r.body());
    }

    private static Received last(FakeProvider provider) {
        List<Received> all = provider.received();
        return all.get(all.size() - 1);
    }

    // --- the local upstreams

    private static final String CHUNK_HEAD = "{\"id\":\"chatcmpl-tr1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"qwen2.5-7b\",";

    private static Answer openAiAnswer(Received r) {
        JsonNode body = body(r);
        String model = body.path("model").asString("");
        if (model.equals("refuses")) {
            return new FakeProvider.Json(400, "{\"error\":{\"message\":\"context too long for this model\",\"type\":"
                    + "\"invalid_request_error\",\"param\":null,\"code\":\"context_length_exceeded\"}}", Map.of());
        }
        if (model.equals("limited")) {
            return FakeProvider.openAiError(429, "slow down", Map.of("retry-after", "7"));
        }
        if (model.equals("long")) {
            return new Events(FakeProvider.openAiChatStream(model, java.util.Collections.nCopies(200, "word"), 7, 200), 30, -1);
        }
        if (model.equals("drops")) {
            return new Events(FakeProvider.openAiChatStream(model, List.of("partial", " answer", " cut"), 5, 3), 10, 3);
        }
        boolean toolResult = r.body().contains("\"role\":\"tool\"");
        boolean tools = body.has("tools") && !toolResult;
        if (body.path("stream").asBoolean(false)) {
            List<String> events = new ArrayList<>();
            if (tools) {
                events.add(sse(null, CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,"
                        + "\"tool_calls\":[{\"index\":0,\"id\":\"call_w1\",\"type\":\"function\",\"function\":{\"name\":"
                        + "\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}"));
                events.add(sse(null, CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}]}"));
                events.add(sse(null, CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]},\"finish_reason\":null}]}"));
                events.add(sse(null, CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"));
            } else {
                events.add(sse(null, CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"finish_reason\":null}]}"));
                for (String w : List.of("Hello", " from", " a", " local", " model")) {
                    events.add(sse(null, CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + w + "\"},"
                            + "\"finish_reason\":null}]}"));
                }
                events.add(sse(null, CHUNK_HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
            }
            events.add(sse(null, CHUNK_HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":12,"
                    + "\"total_tokens\":52,\"prompt_tokens_details\":{\"cached_tokens\":8}}}"));
            events.add(sse(null, "[DONE]"));
            return new Events(events, 5, -1);
        }
        if (tools) {
            return json(FakeProvider.openAiToolCall(model, "get_weather", "{\"city\":\"Oslo\"}"));
        }
        return json(FakeProvider.openAiChat(model, toolResult ? "It is sunny in Oslo" : "Hello from a local model", 33, 7, 0));
    }

    private static Answer anthropicAnswer(Received r) {
        JsonNode body = body(r);
        String model = body.path("model").asString("");
        if (model.equals("overloaded")) {
            return new FakeProvider.Json(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":"
                    + "\"Overloaded\"}}", Map.of());
        }
        boolean toolResult = r.body().contains("\"tool_result\"");
        boolean tools = body.has("tools") && !toolResult;
        if (body.path("stream").asBoolean(false)) {
            if (!tools) {
                return new Events(FakeProvider.anthropicStream(model, List.of("Hi", " from", " Claude"), 25, 9), 5, -1);
            }
            List<String> events = new ArrayList<>();
            events.add(sse("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_tr2\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,"
                    + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":50,\"output_tokens\":1}}}"));
            events.add(sse("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                    + "{\"type\":\"text\",\"text\":\"\"}}"));
            events.add(sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    + "{\"type\":\"text_delta\",\"text\":\"Checking.\"}}"));
            events.add(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
            events.add(sse("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":"
                    + "{\"type\":\"tool_use\",\"id\":\"toolu_9\",\"name\":\"get_weather\",\"input\":{}}}"));
            events.add(sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                    + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Os\"}}"));
            events.add(sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                    + "{\"type\":\"input_json_delta\",\"partial_json\":\"lo\\\"}\"}}"));
            events.add(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"));
            events.add(sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                    + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}"));
            events.add(sse("message_stop", "{\"type\":\"message_stop\"}"));
            return new Events(events, 5, -1);
        }
        if (tools) {
            return json(FakeProvider.anthropicToolUse(model, "get_weather", "{\"city\":\"Oslo\"}"));
        }
        return json(FakeProvider.anthropicMessage(model, toolResult ? "Sunny in Oslo" : "Hello from Claude", 17, 6, 4));
    }

    // --- Anthropic SDK → OpenAI-compatible provider

    private static Tool weatherTool() {
        return Tool.builder().name("get_weather").description("The weather in a city")
                .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build()).build();
    }

    @Test
    void anthropicSdkReachesAnOpenAiProviderWithSystemPromptAndUsage() {
        String key = key("an-to-oa");
        Message reply = claude(key).messages().create(MessageCreateParams.builder().model("claude-local").maxTokens(300)
                .system("You are terse.").addUserMessage("Say hello").putAdditionalBodyProperty("temperature", JsonValue.from(0.2)).build());
        assertThat(reply.content()).hasSize(1);
        assertThat(reply.content().get(0).text().orElseThrow().text()).isEqualTo("Hello from a local model");
        assertThat(reply.stopReason()).contains(StopReason.END_TURN);
        assertThat(reply.usage().inputTokens()).isEqualTo(33);
        assertThat(reply.usage().outputTokens()).isEqualTo(7);

        Received upstream = last(openai);
        assertThat(upstream.target()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.header("anthropic-version")).isNull();
        assertThat(upstream.header("x-api-key")).isNull();
        JsonNode sent = body(upstream);
        assertThat(sent.path("model").asString()).isEqualTo("qwen2.5-7b");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(300);
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(sent.path("messages").get(0).path("role").asString()).isEqualTo("system");
        assertThat(sent.path("messages").get(0).path("content").asString()).isEqualTo("You are terse.");
        assertThat(sent.path("messages").get(1).path("role").asString()).isEqualTo("user");
        assertThat(sent.path("messages").get(1).path("content").asString()).isEqualTo("Say hello");

        JsonNode rows = GatewayUsage.rows(roost, admin, "an-to-oa");
        assertThat(rows.get(0).path("group").path("provider").asString()).isEqualTo("local-llm");
        assertThat(rows.get(0).path("inputTokens").asLong()).isEqualTo(33);
        assertThat(rows.get(0).path("outputTokens").asLong()).isEqualTo(7);
    }

    @Test
    void anthropicSdkToolUseRoundTripsThroughAnOpenAiProvider() {
        AnthropicClient client = claude(key("an-tools"));
        MessageCreateParams first = MessageCreateParams.builder().model("claude-local").maxTokens(256)
                .addUserMessage("Weather in Oslo?").addTool(weatherTool()).build();
        Message call = client.messages().create(first);
        assertThat(call.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock use = call.content().stream().flatMap(b -> b.toolUse().stream()).findFirst().orElseThrow();
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use.id()).isEqualTo("call_1");
        assertThat(use._input().convert(Map.class)).isEqualTo(Map.of("city", "Oslo"));
        JsonNode tools = body(last(openai)).path("tools");
        assertThat(tools.get(0).path("type").asString()).isEqualTo("function");
        assertThat(tools.get(0).path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(tools.get(0).path("function").path("parameters").path("properties").path("city").path("type").asString())
                .isEqualTo("string");

        Message answer = client.messages().create(first.toBuilder().addMessage(call).addUserMessageOfContentBlockParams(
                List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder().toolUseId(use.id())
                        .content("{\"sky\":\"clear\"}").build()))).build());
        assertThat(answer.content().get(0).text().orElseThrow().text()).isEqualTo("It is sunny in Oslo");
        JsonNode messages = body(last(openai)).path("messages");
        JsonNode assistant = messages.get(1);
        assertThat(assistant.path("role").asString()).isEqualTo("assistant");
        assertThat(assistant.path("tool_calls").get(0).path("id").asString()).isEqualTo("call_1");
        assertThat(assistant.path("tool_calls").get(0).path("function").path("arguments").asString())
                .isEqualTo("{\"city\":\"Oslo\"}");
        JsonNode result = messages.get(2);
        assertThat(result.path("role").asString()).isEqualTo("tool");
        assertThat(result.path("tool_call_id").asString()).isEqualTo("call_1");
        assertThat(result.path("content").asString()).isEqualTo("{\"sky\":\"clear\"}");
    }

    @Test
    void anthropicSdkStreamsTextFromAnOpenAiProvider() {
        String key = key("an-stream-oa");
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<String> types = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = claude(key).messages().createStreaming(MessageCreateParams
                .builder().model("claude-local").maxTokens(256).addUserMessage("Say hello").build())) {
            stream.stream().forEach(e -> {
                accumulator.accumulate(e);
                types.add(e.isMessageStart() ? "message_start" : e.isContentBlockStart() ? "content_block_start"
                        : e.isContentBlockDelta() ? "content_block_delta" : e.isContentBlockStop() ? "content_block_stop"
                        : e.isMessageDelta() ? "message_delta" : "message_stop");
            });
        }
        Message message = accumulator.message();
        assertThat(message.content().get(0).text().orElseThrow().text()).isEqualTo("Hello from a local model");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.usage().outputTokens()).isEqualTo(12);
        assertThat(types.get(0)).isEqualTo("message_start");
        assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");
        assertThat(types).containsSubsequence("content_block_start", "content_block_delta", "content_block_stop",
                "message_delta");
        assertThat(body(last(openai)).path("stream_options").path("include_usage").asBoolean()).isTrue();
        JsonNode row = GatewayUsage.rows(roost, admin, "an-stream-oa").get(0);
        assertThat(row.path("inputTokens").asLong()).isEqualTo(40);
        assertThat(row.path("outputTokens").asLong()).isEqualTo(12);
        assertThat(row.path("cachedTokens").asLong()).isEqualTo(8);
    }

    @Test
    void anthropicSdkStreamsAToolCallFromAnOpenAiProvider() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = claude(key("an-stream-tool")).messages().createStreaming(
                MessageCreateParams.builder().model("claude-local").maxTokens(256).addUserMessage("Weather in Oslo?")
                        .addTool(weatherTool()).build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message message = accumulator.message();
        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock use = message.content().get(0).toolUse().orElseThrow();
        assertThat(use.id()).isEqualTo("call_w1");
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use._input().convert(Map.class)).isEqualTo(Map.of("city", "Oslo"));
    }

    @Test
    void anOpenAiProvidersErrorReachesTheAnthropicSdkInItsOwnShape() {
        alias("refusing", "local-llm", "refuses");
        AnthropicServiceException e = catchThrowableOfType(AnthropicServiceException.class, () -> claude(key("an-err"))
                .messages().create(MessageCreateParams.builder().model("refusing").maxTokens(10).addUserMessage("x").build()));
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.getMessage()).contains("context too long for this model");
        assertThat(e.getMessage()).contains("invalid_request_error");
    }

    @Test
    void aRateLimitedProviderFallsBackToOneOfAnotherFormatAndTheLast429KeepsItsRetryAfter() throws Exception {
        ok(admin.put("/api/v1/workspaces/acme/models/limited-then-claude", Map.of("targets", List.of(
                Map.of("provider", "local-llm", "model", "limited"),
                Map.of("provider", "claude-up", "model", "claude-sonnet-4-5")))));
        String key = key("an-fallback");
        Message reply = claude(key).messages().create(MessageCreateParams.builder().model("limited-then-claude").maxTokens(20)
                .addUserMessage("Say hello").build());
        assertThat(reply.content().get(0).text().orElseThrow().text()).as("passed through from the second target")
                .isEqualTo("Hello from Claude");

        alias("only-limited", "local-llm", "limited");
        AnthropicServiceException e = catchThrowableOfType(AnthropicServiceException.class, () -> claude(key).messages()
                .create(MessageCreateParams.builder().model("only-limited").maxTokens(20).addUserMessage("x").build()));
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.headers().values("retry-after")).containsExactly("7");
        assertThat(e.getMessage()).contains("rate_limit_error").contains("slow down");
    }

    @Test
    void aTranslatedStreamCutOffByTheProviderEndsWithoutMadeUpClosingEvents() throws Exception {
        alias("drops-local", "local-llm", "drops");
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(roost.url() + "/v1/messages")).header("x-api-key", key("an-drop"))
                .header("content-type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"drops-local\",\"max_tokens\":10,\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-roost-translated")).contains("true");
        assertThat(r.body()).contains("event: message_start").contains("\"text\":\"partial\"")
                .doesNotContain("message_stop").doesNotContain(" cut");
    }

    @Test
    void aClientThatLeavesATranslatedStreamIsMeteredAndTheUpstreamRequestCancelled() throws Exception {
        alias("long-local", "local-llm", "long");
        openai.streamAborted = new java.util.concurrent.CountDownLatch(1);
        java.net.http.HttpResponse<java.io.InputStream> r = java.net.http.HttpClient.newHttpClient().send(java.net.http
                .HttpRequest.newBuilder(java.net.URI.create(roost.url() + "/v1/messages")).header("x-api-key", key("an-leaves"))
                .header("content-type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"long-local\",\"max_tokens\":10,\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}")).build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body().readNBytes(300), java.nio.charset.StandardCharsets.UTF_8)).contains("message_start");
        r.body().close();
        assertThat(openai.streamAborted.await(10, java.util.concurrent.TimeUnit.SECONDS))
                .as("the upstream request was cancelled").isTrue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                GatewayUsage.rows(roost, admin, "an-leaves").valueStream().map(x -> x.path("group").path("status").asString()))
                .containsExactly("499"));
    }

    // --- OpenAI SDK → Anthropic provider

    private static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Be brief.").addUserMessage("Say hello");
    }

    private static FunctionDefinition weatherFunction() {
        return FunctionDefinition.builder().name("get_weather").description("The weather in a city")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
                        .putAdditionalProperty("properties", com.openai.core.JsonValue.from(Map.of("city", Map.of("type",
                                "string")))).build()).build();
    }

    @Test
    void openAiSdkReachesAnAnthropicProviderWithItsKeyAndUsage() {
        String key = key("oa-to-an");
        ChatCompletion completion = openAi(key).chat().completions().create(chat("gpt-via-claude").build());
        assertThat(completion.choices().get(0).message().content()).contains("Hello from Claude");
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().promptTokens()).as("input + cache reads").isEqualTo(21);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(6);

        Received upstream = last(anthropic);
        assertThat(upstream.target()).isEqualTo("/v1/messages");
        assertThat(upstream.header("x-api-key")).isEqualTo(ANTHROPIC_KEY);
        assertThat(upstream.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(upstream.header("authorization")).isNull();
        JsonNode sent = body(upstream);
        assertThat(sent.path("model").asString()).isEqualTo("claude-sonnet-4-5");
        assertThat(sent.path("system").asString()).isEqualTo("Be brief.");
        assertThat(sent.path("max_tokens").asInt()).as("Anthropic needs one; the client sent none").isEqualTo(4096);
        assertThat(sent.path("messages").get(0).path("content").get(0).path("text").asString()).isEqualTo("Say hello");

        JsonNode row = GatewayUsage.rows(roost, admin, "oa-to-an").get(0);
        assertThat(row.path("inputTokens").asLong()).isEqualTo(21);
        assertThat(row.path("cachedTokens").asLong()).isEqualTo(4);
    }

    @Test
    void openAiSdkToolCallsRoundTripThroughAnAnthropicProvider() {
        OpenAIClient client = openAi(key("oa-tools"));
        ChatCompletionCreateParams first = chat("gpt-via-claude").addFunctionTool(weatherFunction()).build();
        ChatCompletion call = client.chat().completions().create(first);
        assertThat(call.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessageToolCall toolCall = call.choices().get(0).message().toolCalls().orElseThrow().get(0);
        assertThat(toolCall.asFunction().id()).isEqualTo("toolu_1");
        assertThat(toolCall.asFunction().function().name()).isEqualTo("get_weather");
        assertThat(toolCall.asFunction().function().arguments()).isEqualTo("{\"city\":\"Oslo\"}");
        JsonNode tool = body(last(anthropic)).path("tools").get(0);
        assertThat(tool.path("name").asString()).isEqualTo("get_weather");
        assertThat(tool.path("input_schema").path("properties").path("city").path("type").asString()).isEqualTo("string");

        ChatCompletion answer = client.chat().completions().create(first.toBuilder()
                .addMessage(call.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("toolu_1").content("{\"sky\":\"clear\"}").build())
                .build());
        assertThat(answer.choices().get(0).message().content()).contains("Sunny in Oslo");
        JsonNode messages = body(last(anthropic)).path("messages");
        JsonNode use = messages.get(1).path("content").get(0);
        assertThat(use.path("type").asString()).isEqualTo("tool_use");
        assertThat(use.path("id").asString()).isEqualTo("toolu_1");
        assertThat(use.path("input").path("city").asString()).isEqualTo("Oslo");
        JsonNode result = messages.get(2).path("content").get(0);
        assertThat(messages.get(2).path("role").asString()).isEqualTo("user");
        assertThat(result.path("type").asString()).isEqualTo("tool_result");
        assertThat(result.path("tool_use_id").asString()).isEqualTo("toolu_1");
        assertThat(result.path("content").asString()).isEqualTo("{\"sky\":\"clear\"}");
    }

    @Test
    void openAiSdkStreamsTextAndAToolCallFromAnAnthropicProvider() {
        OpenAIClient client = openAi(key("oa-stream-an"));
        StringBuilder text = new StringBuilder();
        ChatCompletionAccumulator plain = ChatCompletionAccumulator.create();
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(chat("gpt-via-claude").build())) {
            stream.stream().forEach(chunk -> {
                plain.accumulate(chunk);
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
            });
        }
        assertThat(text).hasToString("Hi from Claude");
        assertThat(plain.chatCompletion().usage().orElseThrow().completionTokens()).isEqualTo(9);
        JsonNode row = GatewayUsage.rows(roost, admin, "oa-stream-an").get(0);
        assertThat(row.path("inputTokens").asLong()).isEqualTo(25);
        assertThat(row.path("outputTokens").asLong()).isEqualTo(9);

        ChatCompletionAccumulator tools = ChatCompletionAccumulator.create();
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(chat("gpt-via-claude").addFunctionTool(weatherFunction()).build())) {
            stream.stream().forEach(tools::accumulate);
        }
        ChatCompletion.Choice choice = tools.chatCompletion().choices().get(0);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).contains("Checking.");
        ChatCompletionMessageToolCall call = choice.message().toolCalls().orElseThrow().get(0);
        assertThat(call.asFunction().id()).isEqualTo("toolu_9");
        assertThat(call.asFunction().function().arguments()).isEqualTo("{\"city\": \"Oslo\"}");
    }

    @Test
    void anAnthropicProvidersErrorReachesTheOpenAiSdkInItsOwnShape() {
        alias("overloaded-claude", "claude-up", "overloaded");
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class, () -> openAi(key("oa-err")).chat()
                .completions().create(chat("overloaded-claude").build()));
        assertThat(e.statusCode()).isEqualTo(529);
        assertThat(e.getMessage()).contains("Overloaded");
    }

    @Test
    void whatAProviderFormatCannotTakeIsRefusedWithItsOwnCodeOrGoesToATargetThatCan() {
        OpenAIClient client = openAi(key("oa-n2"));
        OpenAIServiceException e = catchThrowableOfType(OpenAIServiceException.class, () -> client.chat()
                .completions().create(chat("gpt-via-claude").n(2).build()));
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.code()).contains("TRANSLATION_UNSUPPORTED");
        assertThat(e.getMessage()).contains("n = 1");

        ok(admin.put("/api/v1/workspaces/acme/models/claude-then-local", Map.of("targets", List.of(
                Map.of("provider", "claude-up", "model", "claude-sonnet-4-5"),
                Map.of("provider", "local-llm", "model", "qwen2.5-7b")))));
        int before = anthropic.requests();
        ChatCompletion completion = client.chat().completions().create(chat("claude-then-local").n(2).build());
        assertThat(completion.choices().get(0).message().content()).contains("Hello from a local model");
        assertThat(anthropic.requests()).as("nothing was sent to the provider that cannot take it").isEqualTo(before);
    }
}
