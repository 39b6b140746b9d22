package dev.roost.server.gateway;

import static dev.roost.server.gateway.FakeProvider.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ApiException;
import com.google.genai.types.Content;
import com.google.genai.types.FunctionCall;
import com.google.genai.types.FunctionDeclaration;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.Part;
import com.google.genai.types.Schema;
import com.google.genai.types.Tool;
import com.google.genai.types.Type;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.roost.server.gateway.FakeProvider.Answer;
import dev.roost.server.gateway.FakeProvider.Events;
import dev.roost.server.gateway.FakeProvider.Received;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Gemini's endpoints, driven by Google's Java SDK ({@code com.google.genai:google-genai}):
 * passed through to a Gemini-format provider (plain, streamed, countTokens, the key as a header
 * or {@code ?key=}), translated to an OpenAI-compatible provider (text, function calls,
 * streams), and the reverse: the OpenAI and Anthropic SDKs reaching a Gemini provider.
 */
class GeminiGatewayTest {
    private static final String GEMINI_KEY = "AIza-gemini-upstream-canary-77f3";

    private static TestRoost roost;
    private static ApiClient admin;
    private static FakeProvider gemini;
    private static FakeProvider openai;

    @BeforeAll
    static void start() throws Exception {
        gemini = new FakeProvider(GeminiGatewayTest::geminiAnswer);
        openai = new FakeProvider(GeminiGatewayTest::openAiAnswer);
        roost = TestRoost.start();
        admin = roost.admin();
        roost.createWorkspace("acme", "business");
        ok(admin.putText("/api/v1/workspaces/acme/secrets/gemini-key", GEMINI_KEY, "text/plain"));
        ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "google", "kind", "gemini", "baseUrl", gemini.url(),
                "key", "secret:gemini-key")));
        ok(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local-llm", "kind", "openai-compatible",
                "baseUrl", openai.url() + "/v1")));
        alias("flash", "google", "gemini-2.5-flash");
        alias("gem-local", "local-llm", "qwen2.5-7b");
    }

    @AfterAll
    static void stop() throws Exception {
        roost.close();
        gemini.close();
        openai.close();
    }

    private static ApiClient.Response ok(ApiClient.Response r) {
        assertThat(r.status()).as(r.body()).isBetween(200, 299);
        assertThat(r.body()).doesNotContain(GEMINI_KEY);
        return r;
    }

    private static void alias(String name, String provider, String model) {
        ok(admin.put("/api/v1/workspaces/acme/models/" + name, Map.of("targets", List.of(Map.of("provider", provider,
                "model", model)))));
    }

    private static String key(String name) {
        return ok(admin.post("/api/v1/workspaces/acme/keys", Map.of("name", name))).json().get("secret").asString();
    }

    private static Client google(String key) {
        return Client.builder().apiKey(key).httpOptions(HttpOptions.builder().baseUrl(roost.url()).build()).build();
    }

    private static JsonNode body(Received r) {
        return dev.roost.server.http.Json.MAPPER.readTree(r.body());
    }

    private static Received last(FakeProvider provider) {
        List<Received> all = provider.received();
        return all.get(all.size() - 1);
    }

    // --- the local upstreams

    private static String geminiText(String text, String finish, String usage) {
        return "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"" + text + "\"}]}"
                + (finish == null ? "" : ",\"finishReason\":\"" + finish + "\"") + ",\"index\":0}]"
                + (usage == null ? "" : ",\"usageMetadata\":" + usage) + ",\"modelVersion\":\"gemini-2.5-flash\","
                + "\"responseId\":\"resp-g1\"}";
    }

    private static Answer geminiAnswer(Received r) {
        String target = r.target();
        if (target.contains(":countTokens")) {
            return json("{\"totalTokens\":31}");
        }
        String usage = "{\"promptTokenCount\":11,\"candidatesTokenCount\":4,\"thoughtsTokenCount\":2,\"totalTokenCount\":17,"
                + "\"cachedContentTokenCount\":3}";
        boolean tools = r.body().contains("functionDeclarations") && !r.body().contains("functionResponse");
        if (target.contains(":streamGenerateContent")) {
            List<String> events = new ArrayList<>();
            events.add("data: " + geminiText("Hello", null, null) + "\r\n\r\n");
            events.add("data: " + geminiText(" from", null, null) + "\r\n\r\n");
            events.add("data: " + geminiText(" Gemini", "STOP", usage) + "\r\n\r\n");
            return new Events(events, 5, -1);
        }
        if (tools) {
            return json("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":"
                    + "\"get_weather\",\"args\":{\"city\":\"Oslo\"}}}]},\"finishReason\":\"STOP\",\"index\":0}],"
                    + "\"usageMetadata\":" + usage + ",\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"resp-g2\"}");
        }
        return json(geminiText(r.body().contains("functionResponse") ? "Sunny in Oslo" : "Hello from Gemini", "STOP", usage));
    }

    private static Answer openAiAnswer(Received r) {
        JsonNode body = body(r);
        String model = body.path("model").asString("");
        boolean toolResult = r.body().contains("\"role\":\"tool\"");
        if (body.path("stream").asBoolean(false)) {
            return new Events(FakeProvider.openAiChatStream(model, List.of("Hello", " from", " a", " local", " model"), 19, 5),
                    5, -1);
        }
        if (body.has("tools") && !toolResult) {
            return json(FakeProvider.openAiToolCall(model, "get_weather", "{\"city\":\"Oslo\"}"));
        }
        return json(FakeProvider.openAiChat(model, toolResult ? "It is sunny in Oslo" : "Hello from a local model", 33, 7, 0));
    }

    // --- Gemini SDK → Gemini provider (passed through)

    @Test
    void geminiSdkPassesThroughWithTheProviderKeyAndUsageMetadataIsMetered() {
        try (Client client = google(key("g-plain"))) {
            GenerateContentResponse reply = client.models.generateContent("flash", "Say hello", null);
            assertThat(reply.text()).isEqualTo("Hello from Gemini");
        }
        Received upstream = last(gemini);
        assertThat(upstream.target()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(upstream.header("x-goog-api-key")).isEqualTo(GEMINI_KEY);
        assertThat(upstream.header("authorization")).isNull();
        assertThat(body(upstream).path("contents").get(0).path("parts").get(0).path("text").asString()).isEqualTo("Say hello");
        JsonNode row = GatewayUsage.rows(roost, admin, "g-plain").get(0);
        assertThat(row.path("group").path("model").asString()).isEqualTo("flash");
        assertThat(row.path("group").path("provider").asString()).isEqualTo("google");
        assertThat(row.path("inputTokens").asLong()).isEqualTo(11);
        assertThat(row.path("outputTokens").asLong()).as("candidates + thoughts").isEqualTo(6);
        assertThat(row.path("cachedTokens").asLong()).isEqualTo(3);
    }

    @Test
    void geminiSdkStreamsThroughAndTheLastChunksUsageIsMetered() {
        StringBuilder text = new StringBuilder();
        try (Client client = google(key("g-stream"));
                ResponseStream<GenerateContentResponse> stream = client.models.generateContentStream("flash", "Say hello",
                        null)) {
            for (GenerateContentResponse chunk : stream) {
                text.append(chunk.text());
            }
        }
        assertThat(text).hasToString("Hello from Gemini");
        assertThat(last(gemini).target()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        JsonNode row = GatewayUsage.rows(roost, admin, "g-stream").get(0);
        assertThat(row.path("inputTokens").asLong()).isEqualTo(11);
        assertThat(row.path("outputTokens").asLong()).isEqualTo(6);
    }

    @Test
    void geminiSdkCountsTokens() {
        try (Client client = google(key("g-count"))) {
            assertThat(client.models.countTokens("flash", "count me", null).totalTokens()).contains(31);
        }
        assertThat(last(gemini).target()).isEqualTo("/v1beta/models/gemini-2.5-flash:countTokens");
    }

    @Test
    void theKeyMayComeAsAQueryParameterAndIsNotPassedOn() throws Exception {
        String key = key("g-query");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                        + "/v1beta/models/flash:generateContent?key=" + key)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Received upstream = last(gemini);
        assertThat(upstream.target()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(upstream.toString()).doesNotContain(key);
    }

    @Test
    void refusalsComeInGeminisErrorShape() throws Exception {
        try (Client client = google("roost_vk_not-a-key")) {
            ApiException e = catchThrowableOfType(ApiException.class, () -> client.models.generateContent("flash", "x", null));
            assertThat(e.code()).isEqualTo(401);
            assertThat(e.status()).isEqualTo("UNAUTHENTICATED");
            assertThat(e.message()).contains("Roost virtual key");
        }
        String key = key("g-unknown-method");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(roost.url()
                        + "/v1beta/models/flash:embedContent")).header("x-goog-api-key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("x-roost-error-code")).contains("VALIDATION_FAILED");
        assertThat(dev.roost.server.http.Json.MAPPER.readTree(r.body()).path("error").path("status").asString())
                .isEqualTo("INVALID_ARGUMENT");
    }

    // --- Gemini SDK → OpenAI-compatible provider (translated)

    private static Tool weatherTool() {
        return Tool.builder().functionDeclarations(FunctionDeclaration.builder().name("get_weather")
                .description("The weather in a city").parameters(Schema.builder().type(Type.Known.OBJECT)
                        .properties(Map.of("city", Schema.builder().type(Type.Known.STRING).build()))
                        .required(List.of("city")).build()).build()).build();
    }

    @Test
    void geminiSdkReachesAnOpenAiProviderWithSystemInstruction() {
        try (Client client = google(key("g-to-oa"))) {
            GenerateContentResponse reply = client.models.generateContent("gem-local", "Say hello", GenerateContentConfig
                    .builder().systemInstruction(Content.fromParts(Part.fromText("Be brief."))).maxOutputTokens(100).build());
            assertThat(reply.text()).isEqualTo("Hello from a local model");
            assertThat(reply.usageMetadata().orElseThrow().promptTokenCount()).contains(33);
        }
        Received upstream = last(openai);
        assertThat(upstream.target()).isEqualTo("/v1/chat/completions");
        JsonNode sent = body(upstream);
        assertThat(sent.path("model").asString()).isEqualTo("qwen2.5-7b");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(100);
        assertThat(sent.path("messages").get(0).path("role").asString()).isEqualTo("system");
        assertThat(sent.path("messages").get(0).path("content").asString()).isEqualTo("Be brief.");
        assertThat(sent.path("messages").get(1).path("content").asString()).isEqualTo("Say hello");
        assertThat(GatewayUsage.rows(roost, admin, "g-to-oa").get(0).path("outputTokens").asLong()).isEqualTo(7);
    }

    @Test
    void geminiSdkFunctionCallsRoundTripThroughAnOpenAiProvider() {
        try (Client client = google(key("g-tools"))) {
            GenerateContentConfig config = GenerateContentConfig.builder().tools(weatherTool()).build();
            Content question = Content.builder().role("user").parts(Part.fromText("Weather in Oslo?")).build();
            GenerateContentResponse call = client.models.generateContent("gem-local", List.of(question), config);
            FunctionCall fc = call.functionCalls().get(0);
            assertThat(fc.name()).contains("get_weather");
            assertThat(fc.args().orElseThrow()).isEqualTo(Map.of("city", "Oslo"));
            JsonNode tool = body(last(openai)).path("tools").get(0).path("function");
            assertThat(tool.path("name").asString()).isEqualTo("get_weather");
            assertThat(tool.path("parameters").path("type").asString()).as("Gemini's OBJECT as JSON Schema").isEqualTo("object");
            assertThat(tool.path("parameters").path("properties").path("city").path("type").asString()).isEqualTo("string");

            Content answer = Content.builder().role("user").parts(Part.fromFunctionResponse("get_weather",
                    Map.of("sky", "clear"))).build();
            GenerateContentResponse reply = client.models.generateContent("gem-local", List.of(question,
                    call.candidates().orElseThrow().get(0).content().orElseThrow(), answer), config);
            assertThat(reply.text()).isEqualTo("It is sunny in Oslo");
        }
        JsonNode messages = body(last(openai)).path("messages");
        String callId = messages.get(1).path("tool_calls").get(0).path("id").asString();
        assertThat(callId).isNotBlank();
        assertThat(messages.get(2).path("role").asString()).isEqualTo("tool");
        assertThat(messages.get(2).path("tool_call_id").asString()).as("the response answers the call").isEqualTo(callId);
        assertThat(messages.get(2).path("content").asString()).isEqualTo("{\"sky\":\"clear\"}");
    }

    @Test
    void geminiSdkStreamsFromAnOpenAiProvider() {
        StringBuilder text = new StringBuilder();
        try (Client client = google(key("g-stream-oa"));
                ResponseStream<GenerateContentResponse> stream = client.models.generateContentStream("gem-local", "Say hello",
                        null)) {
            for (GenerateContentResponse chunk : stream) {
                if (chunk.text() != null) {
                    text.append(chunk.text());
                }
            }
        }
        assertThat(text).hasToString("Hello from a local model");
        assertThat(body(last(openai)).path("stream").asBoolean()).isTrue();
        JsonNode row = GatewayUsage.rows(roost, admin, "g-stream-oa").get(0);
        assertThat(row.path("inputTokens").asLong()).isEqualTo(19);
        assertThat(row.path("outputTokens").asLong()).isEqualTo(5);
    }

    // --- OpenAI and Anthropic SDKs → Gemini provider (translated)

    @Test
    void openAiSdkReachesAGeminiProvider() {
        var client = OpenAIOkHttpClient.builder().apiKey(key("oa-to-g")).baseUrl(roost.url() + "/v1").maxRetries(0).build();
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder().model("flash")
                .addSystemMessage("Be brief.").addUserMessage("Say hello").build());
        assertThat(completion.choices().get(0).message().content()).contains("Hello from Gemini");
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(6);
        Received upstream = last(gemini);
        assertThat(upstream.target()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(upstream.header("x-goog-api-key")).isEqualTo(GEMINI_KEY);
        JsonNode sent = body(upstream);
        assertThat(sent.path("systemInstruction").path("parts").get(0).path("text").asString()).isEqualTo("Be brief.");
        assertThat(sent.path("contents").get(0).path("role").asString()).isEqualTo("user");

        StringBuilder text = new StringBuilder();
        try (com.openai.core.http.StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("flash").addUserMessage("Say hello").build())) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        }
        assertThat(text).hasToString("Hello from Gemini");
        assertThat(last(gemini).target()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    }

    @Test
    void anthropicSdkReachesAGeminiProvider() {
        var client = AnthropicOkHttpClient.builder().apiKey(key("an-to-g")).baseUrl(roost.url()).maxRetries(0).build();
        Message reply = client.messages().create(MessageCreateParams.builder().model("flash").maxTokens(64)
                .addUserMessage("Say hello").build());
        assertThat(reply.content().get(0).text().orElseThrow().text()).isEqualTo("Hello from Gemini");
        assertThat(reply.usage().inputTokens()).as("input without cache reads").isEqualTo(8);
        assertThat(body(last(gemini)).path("generationConfig").path("maxOutputTokens").asInt()).isEqualTo(64);
    }
}
