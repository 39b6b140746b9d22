package dev.roost.gateway.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.gateway.Endpoint;
import dev.roost.gateway.ProviderKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Golden tests: wire samples shaped like the providers' real requests, answers, streams and
 * errors (Claude Code's requests, Gemini CLI's, OpenAI's and Anthropic's documented stream
 * events) under {@code src/test/resources/translate}, each translated and compared with the
 * reviewed {@code .out} file beside it. {@code created} timestamps are ignored. After a
 * deliberate change, rewrite the files with {@code -Droost.golden.update=true} and review the diff.
 */
class TranslationGoldenTest {
    private static final Path DIR = Path.of("src/test/resources/translate");
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    enum Part { REQUEST, RESPONSE, STREAM, ERROR }

    record Case(String name, Endpoint client, ProviderKind provider, String query, Part part, String model, boolean stream,
            int status) {
        @Override
        public String toString() {
            return name;
        }

        Translation translation() {
            return Translation.between(client, provider, query);
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("anthropic-request-to-openai", Endpoint.MESSAGES, ProviderKind.OPENAI_COMPATIBLE, null, Part.REQUEST,
                        "qwen2.5-coder-7b", true, 0),
                new Case("openai-response-to-anthropic", Endpoint.MESSAGES, ProviderKind.OPENAI, null, Part.RESPONSE, null,
                        false, 200),
                new Case("openai-stream-to-anthropic", Endpoint.MESSAGES, ProviderKind.OLLAMA, null, Part.STREAM, null, true, 200),
                new Case("openai-request-to-anthropic", Endpoint.CHAT_COMPLETIONS, ProviderKind.ANTHROPIC, null, Part.REQUEST,
                        "claude-sonnet-4-5", false, 0),
                new Case("anthropic-response-to-openai", Endpoint.CHAT_COMPLETIONS, ProviderKind.ANTHROPIC, null, Part.RESPONSE,
                        null, false, 200),
                new Case("anthropic-stream-to-openai", Endpoint.CHAT_COMPLETIONS, ProviderKind.ANTHROPIC, null, Part.STREAM, null,
                        true, 200),
                new Case("gemini-request-to-openai", Endpoint.GEMINI_STREAM, ProviderKind.OPENAI_COMPATIBLE, "alt=sse",
                        Part.REQUEST, "qwen2.5-coder-7b", true, 0),
                new Case("openai-stream-to-gemini", Endpoint.GEMINI_STREAM, ProviderKind.OPENAI_COMPATIBLE, "alt=sse",
                        Part.STREAM, null, true, 200),
                new Case("gemini-stream-to-openai", Endpoint.CHAT_COMPLETIONS, ProviderKind.GEMINI, null, Part.STREAM, null,
                        true, 200),
                new Case("openai-error-to-anthropic", Endpoint.MESSAGES, ProviderKind.OPENAI_COMPATIBLE, null, Part.ERROR, null,
                        false, 400),
                new Case("anthropic-error-to-gemini", Endpoint.GEMINI_GENERATE, ProviderKind.ANTHROPIC, null, Part.ERROR, null,
                        false, 429));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void translatesAsReviewed(Case c) throws IOException {
        boolean sse = c.part() == Part.STREAM;
        byte[] input = read(c.name() + (sse ? ".in.sse" : ".in.json"));
        Translation t = c.translation();
        assertThat(t).isNotNull();
        byte[] output = switch (c.part()) {
            case REQUEST -> t.request(input, c.model(), c.stream());
            case RESPONSE -> t.response(input);
            case ERROR -> t.error(c.status(), input);
            case STREAM -> {
                Translation.Stream s = t.stream();
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                out.writeBytes(s.accept(input, 0, input.length));
                out.writeBytes(s.finish(true));
                yield out.toByteArray();
            }
        };
        String expectedName = c.name() + (sse ? ".out.sse" : ".out.json");
        if (Boolean.getBoolean("roost.golden.update")) {
            Files.write(DIR.resolve(expectedName), sse ? output : JSON.writeValueAsBytes(JSON.readTree(output)));
        }
        byte[] expected = read(expectedName);
        if (sse) {
            assertThat(events(output)).as(c.name()).isEqualTo(events(expected));
        } else {
            assertThat(normalised(JSON.readTree(output))).as(c.name()).isEqualTo(normalised(JSON.readTree(expected)));
        }
    }

    private static byte[] read(String name) throws IOException {
        try (InputStream in = TranslationGoldenTest.class.getResourceAsStream("/translate/" + name)) {
            if (in == null) {
                throw new AssertionError("missing golden file translate/" + name + " (write it with -Droost.golden.update=true "
                        + "and review it)");
            }
            return in.readAllBytes();
        }
    }

    /** The events of a stream: name and JSON data (or the raw data when it is not JSON), timestamps left out. */
    static List<String> events(byte[] stream) {
        List<SseEvent> events = new ArrayList<>();
        SseReader reader = new SseReader();
        reader.accept(stream, 0, stream.length, events);
        reader.finish(events);
        List<String> out = new ArrayList<>();
        for (SseEvent e : events) {
            JsonNode data = Wire.parseLenient(e.data());
            out.add((e.event() == null ? "" : e.event() + " ") + (data == null ? e.data() : normalised(data).toString()));
        }
        String text = new String(stream, StandardCharsets.UTF_8).strip();
        if (events.isEmpty() && text.startsWith("[")) { // a JSON-array stream
            out.add(normalised(Wire.parseLenient(text)).toString());
        }
        return out;
    }

    static JsonNode normalised(JsonNode node) {
        JsonNode copy = node.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove("created");
        }
        for (JsonNode child : node) {
            strip(child);
        }
    }
}
