package dev.roost.server.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A model provider on loopback for tests, written on raw sockets so it can do what real
 * providers do on a bad day: answer slowly, send 429 with Retry-After, fail with 500, drop the
 * connection in the middle of a stream. It speaks HTTP/1.1 with keep-alive; bodies are JSON
 * with Content-Length, streams are chunked server-sent events flushed event by event. Each
 * request is recorded, and a script decides each answer.
 */
final class FakeProvider implements AutoCloseable {
    /** A request as received. */
    record Received(String method, String target, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** How to answer one request. */
    sealed interface Answer permits Json, Events, Slow, Drop {
    }

    record Json(int status, String body, Map<String, String> headers) implements Answer {
    }

    /** Server-sent events, each {@code data} written and flushed separately with a pause between. */
    record Events(List<String> events, long pauseMillis, int dropAfter) implements Answer {
    }

    /** Waits before sending anything (a slow first byte). */
    record Slow(long millis, Answer then) implements Answer {
    }

    /** Closes the connection without answering. */
    record Drop() implements Answer {
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    /** Stream events written so far, over all requests. */
    final AtomicInteger eventsWritten = new AtomicInteger();
    private final List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Function<Received, Answer> script;
    /** Counted down when a stream's write fails because the other side went away. */
    volatile CountDownLatch streamAborted = new CountDownLatch(1);

    FakeProvider(Function<Received, Answer> script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofVirtual().start(this::accept);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    void script(Function<Received, Answer> next) {
        this.script = next;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    int requests() {
        return count.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                Received request = read(in);
                if (request == null) {
                    return;
                }
                received.add(request);
                count.incrementAndGet();
                if (!answer(script.apply(request), out, socket)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the other side went away
        }
    }

    /** Writes an answer; false when the connection must close afterwards. */
    private boolean answer(Answer answer, OutputStream out, Socket socket) throws IOException {
        switch (answer) {
            case Slow slow -> {
                sleep(slow.millis());
                return answer(slow.then(), out, socket);
            }
            case Drop drop -> {
                socket.setSoLinger(true, 0);
                return false;
            }
            case Json json -> {
                byte[] body = json.body().getBytes(StandardCharsets.UTF_8);
                StringBuilder head = new StringBuilder("HTTP/1.1 " + json.status() + " " + reason(json.status()) + "\r\n");
                head.append("content-type: application/json\r\ncontent-length: ").append(body.length).append("\r\n");
                json.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
                head.append("\r\n");
                out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                return true;
            }
            case Events events -> {
                out.write(("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                        + "transfer-encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int sent = 0;
                try {
                    for (String event : events.events()) {
                        if (events.dropAfter() >= 0 && sent == events.dropAfter()) {
                            socket.setSoLinger(true, 0);
                            return false; // closes with a reset, mid-stream
                        }
                        byte[] chunk = event.getBytes(StandardCharsets.UTF_8);
                        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        eventsWritten.incrementAndGet();
                        sent++;
                        sleep(events.pauseMillis());
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    streamAborted.countDown();
                    throw e;
                }
                return true;
            }
        }
    }

    private static Received read(InputStream in) throws IOException {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String header;
        while ((header = line(in)) != null && !header.isEmpty()) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
        }
        byte[] body = new byte[0];
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            int size;
            while ((size = Integer.parseInt(line(in).strip(), 16)) > 0) {
                all.write(in.readNBytes(size));
                line(in);
            }
            line(in);
            body = all.toByteArray();
        }
        String[] parts = requestLine.split(" ");
        return new Received(parts[0], parts[1], headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    // --- the providers' wire formats

    static Json json(String body) {
        return new Json(200, body, Map.of());
    }

    static String sse(String event, String data) {
        return (event == null ? "" : "event: " + event + "\n") + "data: " + data + "\n\n";
    }

    /** An OpenAI chat completion answering {@code text}. */
    static String openAiChat(String model, String text, int input, int output, int cached) {
        return """
                {"id":"chatcmpl-fake1","object":"chat.completion","created":1700000000,"model":"%s",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"%s","refusal":null},"logprobs":null,
                 "finish_reason":"stop"}],
                 "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,
                 "prompt_tokens_details":{"cached_tokens":%d}}}""".formatted(model, text, input, output, input + output, cached);
    }

    /** An OpenAI chat completion calling a tool. */
    static String openAiToolCall(String model, String tool, String arguments) {
        return """
                {"id":"chatcmpl-fake2","object":"chat.completion","created":1700000000,"model":"%s",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[
                 {"id":"call_1","type":"function","function":{"name":"%s","arguments":"%s"}}]},"logprobs":null,
                 "finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}}"""
                .formatted(model, tool, arguments.replace("\"", "\\\""));
    }

    /** An OpenAI chat stream: one chunk per word, then a usage chunk (as with include_usage), then [DONE]. */
    static List<String> openAiChatStream(String model, List<String> words, int input, int output) {
        List<String> events = new ArrayList<>();
        String head = "{\"id\":\"chatcmpl-fake3\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\""
                + model + "\",";
        events.add(sse(null, head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}]}"));
        for (String w : words) {
            events.add(sse(null, head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + w + "\"},"
                    + "\"finish_reason\":null}]}"));
        }
        events.add(sse(null, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"));
        events.add(sse(null, head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + input + ",\"completion_tokens\":" + output
                + ",\"total_tokens\":" + (input + output) + "}}"));
        events.add(sse(null, "[DONE]"));
        return events;
    }

    /** An Anthropic message answering {@code text}. */
    static String anthropicMessage(String model, String text, int input, int output, int cacheRead) {
        return """
                {"id":"msg_fake1","type":"message","role":"assistant","model":"%s",
                 "content":[{"type":"text","text":"%s"}],"stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":%d,"output_tokens":%d,"cache_read_input_tokens":%d,
                 "cache_creation_input_tokens":0}}""".formatted(model, text, input, output, cacheRead);
    }

    /** An Anthropic message calling a tool. */
    static String anthropicToolUse(String model, String tool, String inputJson) {
        return """
                {"id":"msg_fake2","type":"message","role":"assistant","model":"%s",
                 "content":[{"type":"tool_use","id":"toolu_1","name":"%s","input":%s}],"stop_reason":"tool_use",
                 "stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":12}}""".formatted(model, tool, inputJson);
    }

    /** An Anthropic message stream: message_start (input usage), text deltas, message_delta (output usage), message_stop. */
    static List<String> anthropicStream(String model, List<String> words, int input, int output) {
        List<String> events = new ArrayList<>();
        events.add(sse("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake3\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + input + ",\"output_tokens\":1}}}"));
        events.add(sse("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                + "{\"type\":\"text\",\"text\":\"\"}}"));
        for (String w : words) {
            events.add(sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    + "{\"type\":\"text_delta\",\"text\":\"" + w + "\"}}"));
        }
        events.add(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
        events.add(sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + output + "}}"));
        events.add(sse("message_stop", "{\"type\":\"message_stop\"}"));
        return events;
    }

    static Json openAiError(int status, String message, Map<String, String> headers) {
        return new Json(status, "{\"error\":{\"message\":\"" + message + "\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":null}}", headers);
    }
}
