package dev.roost.bench;

import dev.roost.gateway.Endpoint;
import dev.roost.gateway.ProviderKind;
import dev.roost.gateway.SseUsageScanner;
import dev.roost.gateway.translate.Translation;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What translating between wire formats costs the gateway, in one run, next to a baseline
 * measured the same way: a Claude Code-sized request (about 90 KB: a long system prompt, 40
 * tool definitions, a 20-turn conversation with tool calls) rewritten for an OpenAI-compatible
 * provider, against only parsing and re-serialising the same body; and a 500-event answer
 * stream rewritten from OpenAI chunks into Anthropic events, against only scanning it for
 * usage (what the fast path does).
 */
public final class TranslationBenchmark {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TranslationBenchmark() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        byte[] request = claudeCodeRequest();
        byte[] stream = openAiStream(500);
        Translation toOpenAi = Translation.between(Endpoint.MESSAGES, ProviderKind.OPENAI_COMPATIBLE, null);
        System.out.printf("request body %,d bytes; stream %,d bytes (500 chunks); %d rounds after as many to warm up%n",
                request.length, stream.length, rounds);

        long[] parse = time(rounds, () -> JSON.writeValueAsBytes(JSON.readTree(request)).length);
        long[] translate = time(rounds, () -> toOpenAi.request(request, "qwen2.5-coder-7b", true).length);
        report("request: parse + re-serialise (baseline)", parse, null);
        report("request: Anthropic -> OpenAI chat", translate, parse);

        long[] scan = time(rounds, () -> {
            SseUsageScanner scanner = new SseUsageScanner();
            for (int i = 0; i < stream.length; i += 8192) {
                scanner.accept(stream, i, Math.min(8192, stream.length - i));
            }
            return (int) scanner.tokens().total();
        });
        long[] rewrite = time(rounds, () -> {
            Translation.Stream s = toOpenAi.stream();
            int n = 0;
            for (int i = 0; i < stream.length; i += 8192) {
                n += s.accept(stream, i, Math.min(8192, stream.length - i)).length;
            }
            return n + s.finish(true).length;
        });
        report("stream: usage scan only (fast path)", scan, null);
        report("stream: OpenAI chunks -> Anthropic events", rewrite, scan);
        System.out.printf("per streamed chunk: %.2f µs translated, %.2f µs scanned%n", rewrite[0] / 500.0 / 1000,
                scan[0] / 500.0 / 1000);
    }

    private interface Work {
        int run();
    }

    /** p50 and p99 in nanoseconds. */
    private static long[] time(int rounds, Work work) {
        int sink = 0;
        for (int i = 0; i < rounds; i++) {
            sink += work.run();
        }
        long[] t = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            sink += work.run();
            t[i] = System.nanoTime() - start;
        }
        if (sink == 42) {
            System.out.println();
        }
        Arrays.sort(t);
        return new long[] {t[rounds / 2], t[(int) (rounds * 0.99)]};
    }

    private static void report(String what, long[] t, long[] baseline) {
        System.out.printf("  %-44s p50 %8.1f µs  p99 %8.1f µs%s%n", what, t[0] / 1000.0, t[1] / 1000.0,
                baseline == null ? "" : String.format("   (%.1fx the baseline's p50)", (double) t[0] / baseline[0]));
    }

    static byte[] claudeCodeRequest() {
        ObjectNode r = JSON.createObjectNode().put("model", "coder").put("max_tokens", 32000).put("stream", true);
        ArrayNode system = r.putArray("system");
        system.addObject().put("type", "text").put("text", "You are Claude Code, Anthropic's official CLI for Claude.");
        system.addObject().put("type", "text").put("text", "Follow the instructions. ".repeat(700));
        ArrayNode messages = r.putArray("messages");
        for (int turn = 0; turn < 20; turn++) {
            messages.addObject().put("role", "user").putArray("content").addObject().put("type", "text")
                    .put("text", "Step " + turn + ": look at the next file and say what it does.");
            ArrayNode said = messages.addObject().put("role", "assistant").putArray("content");
            said.addObject().put("type", "text").put("text", "Reading file " + turn + ".");
            said.addObject().put("type", "tool_use").put("id", "toolu_" + turn).put("name", "Read").putObject("input")
                    .put("file_path", "/repo/src/File" + turn + ".java");
            ArrayNode result = messages.addObject().put("role", "user").putArray("content");
            result.addObject().put("type", "tool_result").put("tool_use_id", "toolu_" + turn)
                    .put("content", "class File" + turn + " { /* " + "code ".repeat(200) + "*/ }");
        }
        ArrayNode tools = r.putArray("tools");
        for (int i = 0; i < 40; i++) {
            ObjectNode schema = JSON.createObjectNode().put("type", "object");
            ObjectNode properties = schema.putObject("properties");
            for (int p = 0; p < 6; p++) {
                properties.putObject("param" + p).put("type", "string").put("description", "What parameter " + p
                        + " of tool " + i + " means, in a sentence or two that the model reads before it calls the tool.");
            }
            schema.putArray("required").add("param0");
            tools.addObject().put("name", "Tool" + i).put("description", "Tool " + i + " does one thing. ".repeat(12))
                    .set("input_schema", schema);
        }
        return JSON.writeValueAsBytes(r);
    }

    static byte[] openAiStream(int chunks) {
        StringBuilder s = new StringBuilder();
        String head = "{\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":";
        s.append("data: ").append(head).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (int i = 0; i < chunks; i++) {
            s.append("data: ").append(head).append("{\"content\":\" word").append(i).append("\"},\"finish_reason\":null}]}\n\n");
        }
        s.append("data: ").append(head).append("{},\"finish_reason\":\"stop\"}]}\n\n");
        s.append("data: {\"id\":\"chatcmpl-b\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":30000,\"completion_tokens\":500,\"total_tokens\":30500}}\n\n");
        s.append("data: [DONE]\n\n");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

}
