package dev.roost.gateway.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.gateway.Endpoint;
import dev.roost.gateway.GatewayError;
import dev.roost.gateway.ProviderKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Properties of translation: a stream translates the same however its bytes are split; an
 * answer reaches the client alike whether it was streamed or sent whole; a conversation keeps
 * its system prompt, texts, tool calls and tool results on its way to another format and back;
 * and no request body, however odd, makes a translator fail other than with a gateway error.
 */
class TranslationProperties {

    // --- answers, streamed and whole

    /** A tool call: id, name, arguments, and how many pieces its arguments are streamed in. */
    record Call(String id, String name, Map<String, String> args, int pieces) {
        String arguments() {
            return Wire.string(Wire.JSON.valueToTree(args));
        }
    }

    /** A model's answer: text pieces, tool calls, why it stopped, and its token counts. */
    record Answer(List<String> texts, List<Call> calls, boolean truncated, int prompt, int completion, int cached) {
        String text() {
            return String.join("", texts);
        }
    }

    @Provide
    Arbitrary<Answer> answers() {
        Arbitrary<String> words = Arbitraries.strings().withCharRange(' ', '~').withChars('é', '→', '\n', '"', '\\')
                .ofMinLength(0).ofMaxLength(12);
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10);
        Arbitrary<Call> calls = Combinators.combine(Arbitraries.strings().withCharRange('a', 'z').ofLength(8), names,
                Arbitraries.maps(names, words).ofMaxSize(3), Arbitraries.integers().between(1, 4))
                .as((id, name, args, pieces) -> new Call("call_" + id, name, args, pieces));
        return Combinators.combine(words.list().ofMaxSize(6), calls.list().ofMaxSize(3).uniqueElements(Call::id),
                Arbitraries.of(true, false), Arbitraries.integers().between(0, 100_000), Arbitraries.integers().between(0, 5000),
                Arbitraries.integers().between(0, 100)).as((texts, cs, truncated, prompt, completion, cached) ->
                new Answer(texts, cs, truncated, prompt + cached, completion, cached));
    }

    static ObjectNode openAiWhole(Answer a) {
        ObjectNode r = Wire.object().put("id", "chatcmpl-p").put("object", "chat.completion").put("model", "m");
        ObjectNode choice = r.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (a.text().isEmpty() && !a.calls().isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", a.text());
        }
        if (!a.calls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (Call c : a.calls()) {
                calls.addObject().put("id", c.id()).put("type", "function").putObject("function").put("name", c.name())
                        .put("arguments", c.arguments());
            }
        }
        choice.put("finish_reason", !a.calls().isEmpty() ? "tool_calls" : a.truncated() ? "length" : "stop");
        r.set("usage", OpenAiChat.usageNode(a.prompt(), a.completion(), a.cached()));
        return r;
    }

    static byte[] openAiStream(Answer a) {
        StringBuilder s = new StringBuilder();
        String head = "{\"id\":\"chatcmpl-p\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":";
        s.append("data: ").append(head).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (String t : a.texts()) {
            s.append("data: ").append(head).append("{\"content\":").append(Wire.string(Wire.NODES.stringNode(t)))
                    .append("},\"finish_reason\":null}]}\n\n");
        }
        for (int i = 0; i < a.calls().size(); i++) {
            Call c = a.calls().get(i);
            s.append("data: ").append(head).append("{\"tool_calls\":[{\"index\":").append(i).append(",\"id\":\"").append(c.id())
                    .append("\",\"type\":\"function\",\"function\":{\"name\":\"").append(c.name())
                    .append("\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n");
            for (String piece : pieces(c.arguments(), c.pieces())) {
                s.append("data: ").append(head).append("{\"tool_calls\":[{\"index\":").append(i)
                        .append(",\"function\":{\"arguments\":").append(Wire.string(Wire.NODES.stringNode(piece)))
                        .append("}}]},\"finish_reason\":null}]}\n\n");
            }
        }
        String finish = !a.calls().isEmpty() ? "tool_calls" : a.truncated() ? "length" : "stop";
        s.append("data: ").append(head).append("{},\"finish_reason\":\"").append(finish).append("\"}]}\n\n");
        s.append("data: {\"id\":\"chatcmpl-p\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[],\"usage\":")
                .append(Wire.string(OpenAiChat.usageNode(a.prompt(), a.completion(), a.cached()))).append("}\n\n");
        s.append("data: [DONE]\n\n");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode anthropicWhole(Answer a) {
        ObjectNode r = Wire.object().put("id", "msg_p").put("type", "message").put("role", "assistant").put("model", "m");
        ArrayNode content = r.putArray("content");
        if (!a.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", a.text());
        }
        for (Call c : a.calls()) {
            content.addObject().put("type", "tool_use").put("id", c.id()).put("name", c.name())
                    .set("input", Wire.JSON.valueToTree(c.args()));
        }
        r.put("stop_reason", !a.calls().isEmpty() ? "tool_use" : a.truncated() ? "max_tokens" : "end_turn");
        r.putObject("usage").put("input_tokens", a.prompt() - a.cached()).put("output_tokens", a.completion())
                .put("cache_read_input_tokens", a.cached());
        return r;
    }

    static byte[] anthropicStream(Answer a) {
        StringBuilder s = new StringBuilder();
        s.append(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_p\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"usage\":{\"input_tokens\":" + (a.prompt() - a.cached())
                + ",\"cache_read_input_tokens\":" + a.cached() + ",\"output_tokens\":1}}}"));
        int index = 0;
        if (!a.text().isEmpty()) {
            s.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
                    + "\"text\",\"text\":\"\"}}"));
            s.append(event("ping", "{\"type\":\"ping\"}"));
            for (String t : a.texts()) {
                s.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                        + "\"text_delta\",\"text\":" + Wire.string(Wire.NODES.stringNode(t)) + "}}"));
            }
            s.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
            index++;
        }
        for (Call c : a.calls()) {
            s.append(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":"
                    + "{\"type\":\"tool_use\",\"id\":\"" + c.id() + "\",\"name\":\"" + c.name() + "\",\"input\":{}}}"));
            for (String piece : pieces(c.arguments(), c.pieces())) {
                s.append(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":" + Wire.string(Wire.NODES.stringNode(piece)) + "}}"));
            }
            s.append(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
            index++;
        }
        String stop = !a.calls().isEmpty() ? "tool_use" : a.truncated() ? "max_tokens" : "end_turn";
        s.append(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stop + "\"},\"usage\":"
                + "{\"output_tokens\":" + a.completion() + "}}"));
        s.append(event("message_stop", "{\"type\":\"message_stop\"}"));
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static List<String> pieces(String text, int count) {
        List<String> out = new ArrayList<>();
        int size = Math.max(1, (text.length() + count - 1) / count);
        for (int i = 0; i < text.length(); i += size) {
            out.add(text.substring(i, Math.min(text.length(), i + size)));
        }
        return out;
    }

    static byte[] translateStream(Translation t, byte[] stream) {
        Translation.Stream s = t.stream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(s.accept(stream, 0, stream.length));
        out.writeBytes(s.finish(true));
        return out.toByteArray();
    }

    static List<JsonNode> data(byte[] stream) {
        List<SseEvent> events = new ArrayList<>();
        SseReader reader = new SseReader();
        reader.accept(stream, 0, stream.length, events);
        reader.finish(events);
        List<JsonNode> out = new ArrayList<>();
        for (SseEvent e : events) {
            if (!e.data().equals("[DONE]")) {
                out.add(Wire.parseLenient(e.data()));
            }
        }
        return out;
    }

    /** An Anthropic message rebuilt from its stream, as a client SDK accumulates it. */
    static ObjectNode accumulateAnthropic(byte[] stream) {
        ObjectNode message = Wire.object();
        Map<Integer, ObjectNode> blocks = new LinkedHashMap<>();
        Map<Integer, StringBuilder> json = new LinkedHashMap<>();
        for (JsonNode e : data(stream)) {
            switch (e.path("type").asString()) {
                case "message_start" -> message.setAll((ObjectNode) e.get("message"));
                case "content_block_start" -> {
                    blocks.put(e.path("index").asInt(), ((ObjectNode) e.get("content_block")).deepCopy());
                    json.put(e.path("index").asInt(), new StringBuilder());
                }
                case "content_block_delta" -> {
                    ObjectNode block = blocks.get(e.path("index").asInt());
                    JsonNode d = e.get("delta");
                    if (d.path("type").asString().equals("text_delta")) {
                        block.put("text", block.path("text").asString() + d.path("text").asString());
                    } else {
                        json.get(e.path("index").asInt()).append(d.path("partial_json").asString());
                    }
                }
                case "message_delta" -> {
                    message.put("stop_reason", e.path("delta").path("stop_reason").asString());
                    message.set("usage", e.get("usage"));
                }
                default -> {
                }
            }
        }
        ArrayNode content = message.putArray("content");
        blocks.forEach((i, block) -> {
            if (block.path("type").asString().equals("tool_use")) {
                block.set("input", Wire.parseArguments(json.get(i).toString()));
            }
            content.add(block);
        });
        return message;
    }

    /** A chat completion rebuilt from its chunks, as a client SDK accumulates it: content, tool calls, finish reason, usage. */
    static ObjectNode accumulateOpenAi(byte[] stream) {
        StringBuilder content = new StringBuilder();
        Map<Integer, String[]> calls = new LinkedHashMap<>();
        String finish = null;
        JsonNode usage = null;
        for (JsonNode chunk : data(stream)) {
            if (Wire.present(chunk.get("usage"))) {
                usage = chunk.get("usage");
            }
            for (JsonNode choice : chunk.path("choices")) {
                JsonNode d = choice.path("delta");
                if (d.path("content").isString()) {
                    content.append(d.path("content").asString());
                }
                for (JsonNode c : d.path("tool_calls")) {
                    String[] call = calls.computeIfAbsent(c.path("index").asInt(), k -> new String[] {null, null, ""});
                    if (c.has("id")) {
                        call[0] = c.path("id").asString();
                    }
                    if (c.path("function").has("name")) {
                        call[1] = c.path("function").path("name").asString();
                    }
                    call[2] += c.path("function").path("arguments").asString("");
                }
                if (choice.path("finish_reason").isString()) {
                    finish = choice.path("finish_reason").asString();
                }
            }
        }
        ObjectNode out = Wire.object().put("content", content.toString()).put("finish_reason", finish);
        ArrayNode list = out.putArray("tool_calls");
        calls.values().forEach(c -> list.addObject().put("id", c[0]).put("name", c[1]).set("arguments",
                Wire.parseArguments(c[2])));
        out.set("usage", usage);
        return out;
    }

    static ObjectNode comparableOpenAi(JsonNode whole) {
        JsonNode message = whole.path("choices").path(0).path("message");
        ObjectNode out = Wire.object().put("content", message.path("content").asString(""))
                .put("finish_reason", whole.path("choices").path(0).path("finish_reason").asString());
        ArrayNode list = out.putArray("tool_calls");
        for (JsonNode c : message.path("tool_calls")) {
            list.addObject().put("id", c.path("id").asString()).put("name", c.path("function").path("name").asString())
                    .set("arguments", Wire.parseArguments(c.path("function").path("arguments").asString()));
        }
        out.set("usage", whole.get("usage"));
        return out;
    }

    @Property(tries = 300)
    void anOpenAiAnswerReachesAnAnthropicClientAlikeStreamedOrWhole(@ForAll("answers") Answer answer) {
        Translation t = Translation.between(Endpoint.MESSAGES, ProviderKind.OPENAI_COMPATIBLE, null);
        JsonNode whole = Wire.parseLenient(t.response(Wire.bytes(openAiWhole(answer))));
        ObjectNode streamed = accumulateAnthropic(translateStream(t, openAiStream(answer)));
        assertThat(streamed.get("content")).isEqualTo(whole.get("content"));
        assertThat(streamed.get("stop_reason")).isEqualTo(whole.get("stop_reason"));
        assertThat(streamed.get("usage")).isEqualTo(whole.get("usage"));
        assertThat(whole.path("usage").path("output_tokens").asLong()).isEqualTo(answer.completion());
        assertThat(whole.path("usage").path("input_tokens").asLong()).isEqualTo(answer.prompt() - answer.cached());
    }

    @Property(tries = 300)
    void anAnthropicAnswerReachesAnOpenAiClientAlikeStreamedOrWhole(@ForAll("answers") Answer answer) {
        Translation t = Translation.between(Endpoint.CHAT_COMPLETIONS, ProviderKind.ANTHROPIC, null);
        ObjectNode whole = comparableOpenAi(Wire.parseLenient(t.response(Wire.bytes(anthropicWhole(answer)))));
        ObjectNode streamed = accumulateOpenAi(translateStream(t, anthropicStream(answer)));
        assertThat(streamed).isEqualTo(whole);
        assertThat(whole.path("usage").path("prompt_tokens").asLong()).isEqualTo(answer.prompt());
        assertThat(whole.path("tool_calls").size()).isEqualTo(answer.calls().size());
    }

    @Property(tries = 300)
    void anOpenAiAnswerReachesAGeminiClientAlikeStreamedOrWhole(@ForAll("answers") Answer answer,
            @ForAll boolean sse) {
        Translation t = Translation.between(Endpoint.GEMINI_STREAM, ProviderKind.OPENAI_COMPATIBLE, sse ? "alt=sse" : null);
        JsonNode whole = Wire.parseLenient(Translation.between(Endpoint.GEMINI_GENERATE, ProviderKind.OPENAI_COMPATIBLE, null)
                .response(Wire.bytes(openAiWhole(answer))));
        byte[] stream = translateStream(t, openAiStream(answer));
        List<JsonNode> events = sse ? data(stream) : new ArrayList<>();
        if (!sse) {
            Wire.parseLenient(stream).forEach(events::add);
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Wire.array();
        JsonNode last = events.get(events.size() - 1);
        for (JsonNode e : events) {
            for (JsonNode part : e.path("candidates").path(0).path("content").path("parts")) {
                if (part.has("functionCall")) {
                    calls.add(part.get("functionCall"));
                } else {
                    text.append(part.path("text").asString(""));
                }
            }
        }
        ArrayNode wholeCalls = Wire.array();
        StringBuilder wholeText = new StringBuilder();
        for (JsonNode part : whole.path("candidates").path(0).path("content").path("parts")) {
            if (part.has("functionCall")) {
                wholeCalls.add(part.get("functionCall"));
            } else {
                wholeText.append(part.path("text").asString(""));
            }
        }
        assertThat(text.toString()).isEqualTo(wholeText.toString()).isEqualTo(answer.text());
        assertThat(calls).isEqualTo(wholeCalls);
        assertThat(last.path("candidates").path(0).path("finishReason"))
                .isEqualTo(whole.path("candidates").path(0).path("finishReason"));
        assertThat(last.get("usageMetadata")).isEqualTo(whole.get("usageMetadata"));
    }

    // --- streams split anywhere

    @Property(tries = 300)
    void aStreamTranslatesTheSameHoweverItsBytesAreSplit(@ForAll("answers") Answer answer,
            @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 100_000) Integer> cuts, @ForAll boolean crlf,
            @ForAll @IntRange(min = 0, max = 3) int pair) {
        byte[] raw = pair == 1 ? anthropicStream(answer) : openAiStream(answer);
        byte[] upstream = crlf ? new String(raw, StandardCharsets.UTF_8).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)
                : raw;
        Translation t = switch (pair) {
            case 0 -> Translation.between(Endpoint.MESSAGES, ProviderKind.OPENAI, null);
            case 1 -> Translation.between(Endpoint.CHAT_COMPLETIONS, ProviderKind.ANTHROPIC, null);
            case 2 -> Translation.between(Endpoint.GEMINI_STREAM, ProviderKind.OLLAMA, "alt=sse");
            default -> Translation.between(Endpoint.GEMINI_STREAM, ProviderKind.OLLAMA, null);
        };
        byte[] whole = translateStream(t, upstream);
        List<Integer> points = cuts.stream().map(c -> c % (upstream.length + 1)).sorted().toList();
        Translation.Stream s = t.stream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int point : points) {
            out.writeBytes(s.accept(upstream, from, point - from));
            from = point;
        }
        out.writeBytes(s.accept(upstream, from, upstream.length - from));
        out.writeBytes(s.finish(true));
        assertThat(TranslationGoldenTest.events(out.toByteArray())).isEqualTo(TranslationGoldenTest.events(whole));
    }

    // --- conversations there and back

    /** One step of a conversation: a user text, an assistant text with tool calls, or the results of those calls. */
    record Turn(String user, String assistant, List<Call> calls) {
    }

    @Provide
    Arbitrary<List<Turn>> conversations() {
        Arbitrary<String> texts = Arbitraries.strings().withCharRange(' ', '~').withChars('ü', '\n').ofMinLength(1)
                .ofMaxLength(20).filter(s -> !s.isBlank());
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
        Arbitrary<Call> calls = Combinators.combine(Arbitraries.strings().withCharRange('a', 'z').ofLength(10), names,
                Arbitraries.maps(names, texts).ofMaxSize(2)).as((id, name, args) -> new Call("call_" + id, name, args, 1));
        Arbitrary<Turn> turns = Combinators.combine(texts, texts.injectNull(0.3), calls.list().ofMaxSize(2)
                .uniqueElements(Call::id)).as(Turn::new);
        return turns.list().ofMinSize(1).ofMaxSize(4);
    }

    static ObjectNode hubRequest(String system, List<Turn> turns) {
        ObjectNode hub = Wire.object().put("model", "m");
        ArrayNode messages = hub.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        for (Turn turn : turns) {
            messages.addObject().put("role", "user").put("content", turn.user());
            ObjectNode assistant = messages.addObject().put("role", "assistant");
            if (turn.assistant() == null) {
                assistant.putNull("content");
            } else {
                assistant.put("content", turn.assistant());
            }
            if (!turn.calls().isEmpty()) {
                ArrayNode calls = assistant.putArray("tool_calls");
                for (Call c : turn.calls()) {
                    calls.addObject().put("id", c.id()).put("type", "function").putObject("function").put("name", c.name())
                            .put("arguments", c.arguments());
                }
                for (Call c : turn.calls()) {
                    messages.addObject().put("role", "tool").put("tool_call_id", c.id()).put("content", "{\"ok\":\"" + c.name()
                            + "\"}");
                }
            }
        }
        return hub;
    }

    /**
     * What a conversation says, whatever its shape: system text, then each text, call and result
     * in order; texts of one role in a row count as one (formats that want the roles to
     * alternate merge them, a line apart).
     */
    static List<String> said(JsonNode hub) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : hub.path("messages")) {
            String role = m.path("role").asString();
            String text = Wire.joinedText(m.get("content"), "\n");
            if (!text.isEmpty()) {
                String last = out.isEmpty() ? "" : out.get(out.size() - 1);
                if (last.startsWith(role + ": ")) {
                    out.set(out.size() - 1, last + "\n" + text);
                } else {
                    out.add(role + ": " + text);
                }
            }
            for (JsonNode c : m.path("tool_calls")) {
                out.add("call " + c.path("id").asString() + " " + c.path("function").path("name").asString() + " "
                        + Wire.parseArguments(c.path("function").path("arguments").asString()));
            }
        }
        return out;
    }

    @Property(tries = 300)
    void aConversationKeepsWhatWasSaidThroughAnthropicsFormatAndBack(@ForAll("conversations") List<Turn> turns) {
        ObjectNode hub = hubRequest("Be brief.", turns);
        ObjectNode anthropic = AnthropicMessages.INSTANCE.requestFromHub(hub, "claude", false, ProviderKind.ANTHROPIC);
        String previous = null;
        for (JsonNode m : anthropic.path("messages")) {
            assertThat(m.path("role").asString()).as("Anthropic wants the roles to alternate").isNotEqualTo(previous);
            previous = m.path("role").asString();
        }
        ObjectNode back = AnthropicMessages.INSTANCE.requestToHub(anthropic);
        assertThat(said(back)).isEqualTo(said(hub));
    }

    @Property(tries = 300)
    void aConversationKeepsWhatWasSaidThroughGeminisFormatAndBack(@ForAll("conversations") List<Turn> turns) {
        ObjectNode hub = hubRequest("Be brief.", turns);
        ObjectNode gemini = GeminiContent.INSTANCE.requestFromHub(hub, "gemini", false, ProviderKind.GEMINI);
        ObjectNode back = GeminiContent.INSTANCE.requestToHub(gemini);
        assertThat(said(back)).isEqualTo(said(hub));
    }

    // --- odd bodies

    @Provide
    Arbitrary<JsonNode> oddBodies() {
        Arbitrary<String> keys = Arbitraries.of("model", "messages", "contents", "system", "systemInstruction", "tools",
                "functionDeclarations", "role", "content", "parts", "type", "text", "tool_calls", "function", "arguments",
                "input", "tool_use_id", "tool_call_id", "functionCall", "functionResponse", "inlineData", "source",
                "image_url", "url", "tool_choice", "toolConfig", "generationConfig", "max_tokens", "stop", "n", "name",
                "response_format", "parameters", "input_schema", "mimeType", "data");
        Arbitrary<JsonNode> leaves = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(6).map(Wire.NODES::stringNode),
                Arbitraries.integers().between(-3, 5).map(Wire.NODES::numberNode), Arbitraries.of(Wire.NODES.nullNode(),
                        Wire.NODES.booleanNode(true), Wire.NODES.stringNode("user"), Wire.NODES.stringNode("assistant"),
                        Wire.NODES.stringNode("tool"), Wire.NODES.stringNode("text"), Wire.NODES.stringNode("tool_use"),
                        Wire.NODES.stringNode("tool_result"), Wire.NODES.stringNode("image"), Wire.NODES.stringNode("model"),
                        Wire.NODES.stringNode("function")));
        return Arbitraries.recursive(() -> leaves, inner -> Arbitraries.oneOf(
                inner.list().ofMaxSize(3).map(list -> {
                    ArrayNode a = Wire.array();
                    list.forEach(a::add);
                    return (JsonNode) a;
                }),
                Arbitraries.maps(keys, inner).ofMaxSize(4).map(map -> {
                    ObjectNode o = Wire.object();
                    map.forEach(o::set);
                    return (JsonNode) o;
                })), 4);
    }

    @Property(tries = 1000)
    void noBodyMakesATranslatorFailOtherThanWithAGatewayError(@ForAll("oddBodies") JsonNode body,
            @ForAll @IntRange(min = 0, max = 5) int pair) {
        Translation t = switch (pair) {
            case 0 -> Translation.between(Endpoint.MESSAGES, ProviderKind.OPENAI, null);
            case 1 -> Translation.between(Endpoint.MESSAGES, ProviderKind.GEMINI, null);
            case 2 -> Translation.between(Endpoint.CHAT_COMPLETIONS, ProviderKind.ANTHROPIC, null);
            case 3 -> Translation.between(Endpoint.CHAT_COMPLETIONS, ProviderKind.GEMINI, null);
            case 4 -> Translation.between(Endpoint.GEMINI_GENERATE, ProviderKind.OPENAI_COMPATIBLE, null);
            default -> Translation.between(Endpoint.GEMINI_STREAM, ProviderKind.ANTHROPIC, "alt=sse");
        };
        byte[] bytes = Wire.bytes(body);
        try {
            t.request(bytes, "m", pair % 2 == 0);
        } catch (GatewayError expected) {
            assertThat(expected.code().httpStatus()).isBetween(400, 499);
        }
        // Whatever a provider sends back is turned into an answer or an error for the client, never an exception.
        assertThat(t.response(bytes)).isNotEmpty();
        assertThat(t.error(500, bytes)).isNotEmpty();
        assertThat(translateStream(t, ("data: " + Wire.string(body) + "\n\n").getBytes(StandardCharsets.UTF_8))).isNotNull();
    }
}
