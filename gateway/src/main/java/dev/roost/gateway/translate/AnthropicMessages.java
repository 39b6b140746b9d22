package dev.roost.gateway.translate;

import static dev.roost.gateway.translate.Wire.array;
import static dev.roost.gateway.translate.Wire.joinedText;
import static dev.roost.gateway.translate.Wire.object;
import static dev.roost.gateway.translate.Wire.present;
import static dev.roost.gateway.translate.Wire.text;
import static dev.roost.gateway.translate.Wire.unsupported;

import dev.roost.gateway.ApiFormat;
import dev.roost.gateway.ProviderKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic messages ({@code POST /v1/messages}): system prompt, text, images, tool use and
 * tool results, stop reasons, usage (input excludes cache reads), and the
 * {@code message_start} / {@code content_block_*} / {@code message_delta} / {@code message_stop}
 * stream.
 */
final class AnthropicMessages implements Dialect {
    static final AnthropicMessages INSTANCE = new AnthropicMessages();
    /** Anthropic needs max_tokens; an OpenAI or Gemini client may send none. */
    static final int DEFAULT_MAX_TOKENS = 4096;

    private AnthropicMessages() {
    }

    @Override
    public ApiFormat format() {
        return ApiFormat.ANTHROPIC;
    }

    // --- requests

    @Override
    public ObjectNode requestToHub(ObjectNode request) {
        ObjectNode hub = object();
        if (request.has("model")) {
            hub.set("model", request.get("model"));
        }
        ArrayNode messages = hub.putArray("messages");
        String system = joinedText(request.get("system"), "\n\n");
        if (!system.isEmpty()) {
            messages.addObject().put("role", "system").put("content", system);
        }
        JsonNode given = request.get("messages");
        if (given == null || !given.isArray()) {
            throw Wire.invalid("The request needs \"messages\" (an array).");
        }
        for (JsonNode message : given) {
            String role = text(message, "role");
            JsonNode content = message.get("content");
            if ("assistant".equals(role)) {
                assistantToHub(content, messages);
            } else {
                userToHub(content, messages);
            }
        }
        JsonNode tools = request.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode out = hub.putArray("tools");
            for (JsonNode tool : tools) {
                String type = text(tool, "type");
                if (type != null && !type.equals("custom")) {
                    throw unsupported("The provider's format has no server tool like Anthropic's " + type + " (tool "
                            + text(tool, "name") + "); only client tools (name, description, input_schema) are translated.");
                }
                ObjectNode function = out.addObject().put("type", "function").putObject("function");
                function.put("name", text(tool, "name"));
                if (text(tool, "description") != null) {
                    function.put("description", text(tool, "description"));
                }
                JsonNode schema = tool.get("input_schema");
                function.set("parameters", present(schema) ? schema : object().put("type", "object"));
            }
        }
        JsonNode choice = request.get("tool_choice");
        if (choice != null && choice.isObject()) {
            switch (String.valueOf(text(choice, "type"))) {
                case "any" -> hub.put("tool_choice", "required");
                case "none" -> hub.put("tool_choice", "none");
                case "tool" -> hub.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", text(choice, "name"));
                default -> hub.put("tool_choice", "auto");
            }
            if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
                hub.put("parallel_tool_calls", false);
            }
        }
        copy(request, "max_tokens", hub, "max_tokens");
        copy(request, "temperature", hub, "temperature");
        copy(request, "top_p", hub, "top_p");
        copy(request, "stop_sequences", hub, "stop");
        String user = text(request.path("metadata"), "user_id");
        if (user != null) {
            hub.put("user", user);
        }
        return hub;
    }

    private static void copy(JsonNode from, String name, ObjectNode to, String as) {
        JsonNode v = from.get(name);
        if (present(v)) {
            to.set(as, v);
        }
    }

    private static void userToHub(JsonNode content, ArrayNode messages) {
        if (content == null || content.isString() || content.isNull()) {
            messages.addObject().put("role", "user").put("content", content == null || content.isNull() ? ""
                    : content.stringValue());
            return;
        }
        ArrayNode parts = array();
        boolean onlyText = true;
        for (JsonNode block : content) {
            String type = String.valueOf(text(block, "type"));
            switch (type) {
                case "text" -> parts.addObject().put("type", "text").put("text", text(block, "text"));
                case "image" -> {
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", imageUrl(block.get("source")));
                    onlyText = false;
                }
                case "tool_result" -> {
                    // Tool results answer the assistant's calls and must come right after them.
                    ObjectNode tool = messages.addObject().put("role", "tool").put("tool_call_id", text(block, "tool_use_id"));
                    String result = toolResultText(block.get("content"));
                    tool.put("content", block.path("is_error").asBoolean(false) ? "Error: " + result : result);
                }
                case "thinking", "redacted_thinking" -> {
                    // the other format has no place for Claude's thinking
                }
                default -> throw unsupported("A content block of type " + type + " cannot be given to the provider's format "
                        + "(text, images, tool_use and tool_result are translated).");
            }
        }
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode message = messages.addObject().put("role", "user");
        if (onlyText) {
            StringBuilder b = new StringBuilder();
            for (JsonNode p : parts) {
                if (!b.isEmpty()) {
                    b.append('\n');
                }
                b.append(p.path("text").asString(""));
            }
            message.put("content", b.toString());
        } else {
            message.set("content", parts);
        }
    }

    private static String toolResultText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.stringValue();
        }
        StringBuilder b = new StringBuilder();
        for (JsonNode block : content) {
            String type = text(block, "type");
            if (!b.isEmpty()) {
                b.append('\n');
            }
            if ("text".equals(type)) {
                b.append(text(block, "text"));
            } else {
                // An OpenAI tool message carries text only: say what was left out rather than fail the turn.
                b.append("[a ").append(type).append(" block of the tool result was not forwarded: the provider's format "
                        + "takes only text in tool results]");
            }
        }
        return b.toString();
    }

    private static String imageUrl(JsonNode source) {
        String type = text(source, "type");
        if ("base64".equals(type)) {
            return "data:" + text(source, "media_type") + ";base64," + text(source, "data");
        }
        if ("url".equals(type)) {
            return text(source, "url");
        }
        throw unsupported("An image whose source is of type " + type + " cannot be given to the provider's format (base64 "
                + "and url images are translated).");
    }

    private static void assistantToHub(JsonNode content, ArrayNode messages) {
        ObjectNode message = messages.addObject().put("role", "assistant");
        if (content == null || content.isString() || content.isNull()) {
            message.put("content", content == null || content.isNull() ? "" : content.stringValue());
            return;
        }
        StringBuilder textParts = new StringBuilder();
        ArrayNode calls = array();
        for (JsonNode block : content) {
            String type = String.valueOf(text(block, "type"));
            switch (type) {
                case "text" -> textParts.append(text(block, "text"));
                case "tool_use" -> {
                    ObjectNode call = calls.addObject().put("id", text(block, "id")).put("type", "function");
                    call.putObject("function").put("name", text(block, "name"))
                            .put("arguments", Wire.string(present(block.get("input")) ? block.get("input") : object()));
                }
                case "thinking", "redacted_thinking" -> {
                    // not carried over
                }
                default -> throw unsupported("An assistant content block of type " + type + " cannot be given to the "
                        + "provider's format.");
            }
        }
        if (textParts.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", textParts.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
    }

    @Override
    public ObjectNode requestFromHub(ObjectNode hub, String model, boolean stream, ProviderKind kind) {
        Hub.refuseUntranslatable(hub);
        Hub.refuseStructuredOutput(hub, "Anthropic");
        ObjectNode out = object();
        out.put("model", model);
        JsonNode max = present(hub.get("max_completion_tokens")) ? hub.get("max_completion_tokens") : hub.get("max_tokens");
        out.put("max_tokens", present(max) ? max.asInt(DEFAULT_MAX_TOKENS) : DEFAULT_MAX_TOKENS);
        StringBuilder system = new StringBuilder();
        ArrayNode messages = array();
        String lastRole = null;
        ArrayNode blocks = null;
        for (JsonNode message : hub.path("messages")) {
            String role = String.valueOf(text(message, "role"));
            if (role.equals("system") || role.equals("developer")) {
                if (!system.isEmpty()) {
                    system.append("\n\n");
                }
                system.append(joinedText(message.get("content")));
                continue;
            }
            String as = role.equals("assistant") ? "assistant" : "user";
            if (!as.equals(lastRole)) {
                blocks = array();
                messages.addObject().put("role", as).set("content", blocks);
                lastRole = as;
            }
            switch (role) {
                case "assistant" -> {
                    String text = joinedText(message.get("content"));
                    if (!text.isEmpty()) {
                        blocks.addObject().put("type", "text").put("text", text);
                    }
                    for (JsonNode call : message.path("tool_calls")) {
                        ObjectNode use = blocks.addObject().put("type", "tool_use").put("id", text(call, "id"))
                                .put("name", text(call.path("function"), "name"));
                        use.set("input", Wire.parseArguments(text(call.path("function"), "arguments")));
                    }
                }
                case "tool" -> blocks.addObject().put("type", "tool_result").put("tool_use_id", text(message, "tool_call_id"))
                        .put("content", joinedText(message.get("content")));
                case "user" -> userFromHub(message.get("content"), blocks);
                default -> throw unsupported("A message with role " + role + " cannot be given to Anthropic's format.");
            }
        }
        // Anthropic refuses messages without content (an assistant turn that said nothing), and
        // wants the roles to alternate once they are gone.
        messages = Hub.withoutEmptyTurns(messages, "content");
        if (!system.isEmpty()) {
            out.put("system", system.toString());
        }
        out.set("messages", messages);
        JsonNode tools = hub.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode list = out.putArray("tools");
            for (JsonNode tool : tools) {
                if (!"function".equals(text(tool, "type"))) {
                    throw unsupported("Only function tools can be given to Anthropic's format (got " + text(tool, "type") + ").");
                }
                JsonNode f = tool.path("function");
                ObjectNode t = list.addObject().put("name", text(f, "name"));
                if (text(f, "description") != null) {
                    t.put("description", text(f, "description"));
                }
                t.set("input_schema", present(f.get("parameters")) ? f.get("parameters") : object().put("type", "object"));
            }
        }
        JsonNode choice = hub.get("tool_choice");
        ObjectNode toolChoice = null;
        if (choice != null && choice.isString()) {
            toolChoice = object().put("type", switch (choice.stringValue()) {
                case "required" -> "any";
                case "none" -> "none";
                default -> "auto";
            });
        } else if (choice != null && choice.isObject()) {
            toolChoice = object().put("type", "tool").put("name", text(choice.path("function"), "name"));
        }
        if (hub.path("parallel_tool_calls").isBoolean() && !hub.get("parallel_tool_calls").asBoolean() && out.has("tools")) {
            if (toolChoice == null) {
                toolChoice = object().put("type", "auto");
            }
            if (!"none".equals(text(toolChoice, "type"))) {
                toolChoice.put("disable_parallel_tool_use", true);
            }
        }
        if (toolChoice != null && out.has("tools")) {
            out.set("tool_choice", toolChoice);
        }
        JsonNode stop = hub.get("stop");
        if (stop != null && stop.isString()) {
            out.putArray("stop_sequences").add(stop.stringValue());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            out.set("stop_sequences", stop);
        }
        if (hub.path("temperature").isNumber()) {
            out.put("temperature", Math.min(1.0, hub.get("temperature").asDouble())); // Anthropic's range is 0 to 1
        }
        copy(hub, "top_p", out, "top_p");
        if (text(hub, "user") != null) {
            out.putObject("metadata").put("user_id", text(hub, "user"));
        }
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    private static void userFromHub(JsonNode content, ArrayNode blocks) {
        if (content == null || content.isNull() || content.isString()) {
            String text = content == null || content.isNull() ? "" : content.stringValue();
            if (!text.isEmpty()) {
                blocks.addObject().put("type", "text").put("text", text);
            }
            return;
        }
        for (JsonNode part : content) {
            String type = String.valueOf(text(part, "type"));
            switch (type) {
                case "text" -> {
                    if (!part.path("text").asString("").isEmpty()) {
                        blocks.addObject().put("type", "text").put("text", text(part, "text"));
                    }
                }
                case "image_url" -> blocks.add(image(text(part.path("image_url"), "url")));
                default -> throw unsupported("A content part of type " + type + " cannot be given to Anthropic's format "
                        + "(text and images are translated).");
            }
        }
    }

    /** An image block from a URL: a data URL becomes a base64 source, anything else a url source. */
    static ObjectNode image(String url) {
        ObjectNode block = object().put("type", "image");
        Hub.DataUrl data = Hub.DataUrl.parse(url);
        if (data != null) {
            block.putObject("source").put("type", "base64").put("media_type", data.mediaType()).put("data", data.base64());
        } else if (url != null) {
            block.putObject("source").put("type", "url").put("url", url);
        } else {
            throw unsupported("An image part without a URL cannot be translated.");
        }
        return block;
    }

    // --- answers

    @Override
    public ObjectNode responseToHub(JsonNode response) {
        ObjectNode hub = object();
        hub.put("id", "chatcmpl-" + response.path("id").asString("msg"));
        hub.put("object", "chat.completion");
        hub.put("created", System.currentTimeMillis() / 1000);
        hub.put("model", response.path("model").asString(""));
        ObjectNode choice = hub.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        StringBuilder textParts = new StringBuilder();
        ArrayNode calls = array();
        for (JsonNode block : response.path("content")) {
            switch (String.valueOf(text(block, "type"))) {
                case "text" -> textParts.append(text(block, "text"));
                case "tool_use" -> calls.addObject().put("id", text(block, "id")).put("type", "function")
                        .putObject("function").put("name", text(block, "name"))
                        .put("arguments", Wire.string(present(block.get("input")) ? block.get("input") : object()));
                default -> {
                    // thinking and server tool blocks have no place in a chat completion
                }
            }
        }
        if (textParts.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", textParts.toString());
        }
        message.putNull("refusal");
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(text(response, "stop_reason")));
        long[] u = usage(response.get("usage"));
        if (u != null) {
            hub.set("usage", OpenAiChat.usageNode(u[0], u[1], u[2]));
        }
        return hub;
    }

    /** Anthropic usage as {prompt (all input, cache included), completion, cached}. */
    static long[] usage(JsonNode usage) {
        if (!present(usage) || !usage.isObject()) {
            return null;
        }
        long read = usage.path("cache_read_input_tokens").asLong(0);
        long write = usage.path("cache_creation_input_tokens").asLong(0);
        return new long[] {usage.path("input_tokens").asLong(0) + read + write, usage.path("output_tokens").asLong(0), read};
    }

    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";
        };
    }

    static String stopReason(String finishReason) {
        if (finishReason == null) {
            return "end_turn";
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    @Override
    public ObjectNode responseFromHub(ObjectNode hub) {
        ObjectNode out = object();
        String id = hub.path("id").asString("");
        out.put("id", id.startsWith("msg_") ? id : "msg_" + id.replaceFirst("^chatcmpl-", ""));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", hub.path("model").asString(""));
        ArrayNode content = out.putArray("content");
        JsonNode choice = hub.path("choices").path(0);
        JsonNode message = choice.path("message");
        String text = joinedText(message.get("content"));
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : message.path("tool_calls")) {
            content.addObject().put("type", "tool_use").put("id", text(call, "id")).put("name", text(call.path("function"), "name"))
                    .set("input", Wire.parseArguments(text(call.path("function"), "arguments")));
        }
        out.put("stop_reason", stopReason(text(choice, "finish_reason")));
        out.putNull("stop_sequence");
        long[] u = OpenAiChat.usage(hub.get("usage"));
        out.set("usage", usageNode(u));
        return out;
    }

    static ObjectNode usageNode(long[] u) {
        ObjectNode usage = object();
        long prompt = u == null ? 0 : u[0];
        long cached = u == null ? 0 : u[2];
        usage.put("input_tokens", prompt - cached);
        usage.put("output_tokens", u == null ? 0 : u[1]);
        usage.put("cache_read_input_tokens", cached);
        usage.put("cache_creation_input_tokens", 0);
        return usage;
    }

    // --- streams

    /** Anthropic events → hub chunks. */
    private static final class StreamDecoder implements Dialect.Decoder {
        private String id = "chatcmpl-anthropic";
        private String model = "";
        private long[] usage = {0, 0, 0};
        private String finishReason;
        private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
        private boolean usageSent;

        private ObjectNode chunk() {
            ObjectNode c = object().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", System.currentTimeMillis() / 1000).put("model", model);
            return c;
        }

        private ObjectNode delta(ObjectNode chunk, String finish) {
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (finish == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finish);
            }
            return delta;
        }

        @Override
        public void accept(SseEvent event, List<ObjectNode> out) {
            JsonNode data = Wire.parseLenient(event.data());
            if (data == null || !data.isObject()) {
                return;
            }
            String type = data.path("type").asString(event.event() == null ? "" : event.event());
            switch (type) {
                case "message_start" -> {
                    JsonNode message = data.path("message");
                    id = "chatcmpl-" + message.path("id").asString("msg");
                    model = message.path("model").asString("");
                    long[] u = AnthropicMessages.usage(message.get("usage"));
                    if (u != null) {
                        usage = u;
                    }
                    ObjectNode c = chunk();
                    delta(c, null).put("role", "assistant").put("content", "");
                    out.add(c);
                }
                case "content_block_start" -> {
                    JsonNode block = data.path("content_block");
                    int index = data.path("index").asInt();
                    if ("tool_use".equals(text(block, "type"))) {
                        int tool = toolIndexByBlock.size();
                        toolIndexByBlock.put(index, tool);
                        ObjectNode c = chunk();
                        ObjectNode call = delta(c, null).putArray("tool_calls").addObject().put("index", tool)
                                .put("id", text(block, "id")).put("type", "function");
                        call.putObject("function").put("name", text(block, "name")).put("arguments", "");
                        out.add(c);
                    } else if ("text".equals(text(block, "type")) && !block.path("text").asString("").isEmpty()) {
                        ObjectNode c = chunk();
                        delta(c, null).put("content", text(block, "text"));
                        out.add(c);
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = data.path("delta");
                    switch (String.valueOf(text(delta, "type"))) {
                        case "text_delta" -> {
                            ObjectNode c = chunk();
                            delta(c, null).put("content", text(delta, "text"));
                            out.add(c);
                        }
                        case "input_json_delta" -> {
                            Integer tool = toolIndexByBlock.get(data.path("index").asInt());
                            if (tool != null && !delta.path("partial_json").asString("").isEmpty()) {
                                ObjectNode c = chunk();
                                delta(c, null).putArray("tool_calls").addObject().put("index", tool).putObject("function")
                                        .put("arguments", delta.path("partial_json").asString(""));
                                out.add(c);
                            }
                        }
                        default -> {
                            // thinking and signature deltas are not carried over
                        }
                    }
                }
                case "message_delta" -> {
                    finishReason = finishReason(text(data.path("delta"), "stop_reason"));
                    JsonNode u = data.get("usage");
                    if (u != null && u.isObject()) {
                        // message_delta's counts are cumulative; input counts appear there only in newer versions.
                        long[] seen = AnthropicMessages.usage(u);
                        usage = new long[] {u.has("input_tokens") ? seen[0] : usage[0], seen[1],
                                u.has("cache_read_input_tokens") ? seen[2] : usage[2]};
                    }
                    ObjectNode c = chunk();
                    delta(c, finishReason);
                    out.add(c);
                }
                case "message_stop" -> emitUsage(out);
                case "error" -> {
                    JsonNode error = data.path("error");
                    ObjectNode c = object();
                    c.putObject("error").put("message", error.path("message").asString("The provider failed mid-stream."))
                            .put("type", error.path("type").asString("api_error"));
                    out.add(c);
                }
                default -> {
                    // ping and unknown events
                }
            }
        }

        private void emitUsage(List<ObjectNode> out) {
            if (usageSent) {
                return;
            }
            usageSent = true;
            ObjectNode c = chunk();
            c.putArray("choices");
            c.set("usage", OpenAiChat.usageNode(usage[0], usage[1], usage[2]));
            out.add(c);
        }

        @Override
        public void finish(List<ObjectNode> out) {
            emitUsage(out);
        }
    }

    @Override
    public Dialect.Decoder decoder() {
        return new StreamDecoder();
    }

    /** Hub chunks → Anthropic events. */
    private static final class StreamEncoder implements Dialect.Encoder {
        private boolean started;
        private int blockIndex = -1;
        private String blockType; // "text", "tool_use" or null when no block is open
        private final Map<Integer, Integer> blockByTool = new HashMap<>();
        private String finishReason;
        private long[] usage;
        private String id = "msg_roost";
        private String model = "";
        private boolean errored;

        private static void event(ByteArrayOutputStream out, String name, ObjectNode data) {
            ObjectNode typed = object().put("type", name); // Anthropic writes the type first
            typed.setAll(data);
            out.writeBytes(("event: " + name + "\ndata: " + Wire.string(typed) + "\n\n").getBytes(StandardCharsets.UTF_8));
        }

        private void start(ObjectNode chunk, ByteArrayOutputStream out) {
            if (started) {
                return;
            }
            started = true;
            String given = chunk == null ? "" : chunk.path("id").asString("");
            if (!given.isEmpty()) {
                id = given.startsWith("msg_") ? given : "msg_" + given.replaceFirst("^chatcmpl-", "");
            }
            model = chunk == null ? "" : chunk.path("model").asString("");
            ObjectNode data = object();
            ObjectNode message = data.putObject("message").put("id", id).put("type", "message").put("role", "assistant")
                    .put("model", model);
            message.putArray("content");
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            message.set("usage", usageNode(usage));
            event(out, "message_start", data);
        }

        private void closeBlock(ByteArrayOutputStream out) {
            if (blockType != null) {
                event(out, "content_block_stop", object().put("index", blockIndex));
                blockType = null;
            }
        }

        @Override
        public void accept(ObjectNode chunk, ByteArrayOutputStream out) {
            if (chunk.has("error")) {
                JsonNode error = chunk.get("error");
                ObjectNode data = object();
                data.putObject("error").put("type", "api_error").put("message", error.isObject()
                        ? error.path("message").asString("The provider failed mid-stream.") : error.asString(""));
                event(out, "error", data);
                errored = true;
                return;
            }
            long[] u = OpenAiChat.usage(chunk.get("usage"));
            if (u != null) {
                usage = u;
            }
            start(chunk, out);
            for (JsonNode choice : chunk.path("choices")) {
                JsonNode delta = choice.path("delta");
                String content = text(delta, "content");
                if (content != null && !content.isEmpty()) {
                    if (!"text".equals(blockType)) {
                        closeBlock(out);
                        blockIndex++;
                        blockType = "text";
                        ObjectNode start = object().put("index", blockIndex);
                        start.putObject("content_block").put("type", "text").put("text", "");
                        event(out, "content_block_start", start);
                    }
                    ObjectNode d = object().put("index", blockIndex);
                    d.putObject("delta").put("type", "text_delta").put("text", content);
                    event(out, "content_block_delta", d);
                }
                for (JsonNode call : delta.path("tool_calls")) {
                    int tool = call.path("index").asInt(0);
                    Integer block = blockByTool.get(tool);
                    if (block == null) {
                        closeBlock(out);
                        blockIndex++;
                        blockType = "tool_use";
                        blockByTool.put(tool, blockIndex);
                        block = blockIndex;
                        String callId = text(call, "id");
                        ObjectNode start = object().put("index", blockIndex);
                        ObjectNode use = start.putObject("content_block").put("type", "tool_use")
                                .put("id", callId == null ? "toolu_roost_" + tool : callId)
                                .put("name", text(call.path("function"), "name"));
                        use.putObject("input");
                        event(out, "content_block_start", start);
                    }
                    String arguments = text(call.path("function"), "arguments");
                    if (arguments != null && !arguments.isEmpty()) {
                        ObjectNode d = object().put("index", block);
                        d.putObject("delta").put("type", "input_json_delta").put("partial_json", arguments);
                        event(out, "content_block_delta", d);
                    }
                }
                String finish = text(choice, "finish_reason");
                if (finish != null) {
                    finishReason = finish;
                }
            }
        }

        @Override
        public void finish(boolean complete, ByteArrayOutputStream out) {
            if (!complete || errored) {
                return;
            }
            start(null, out);
            closeBlock(out);
            ObjectNode data = object();
            data.putObject("delta").put("stop_reason", stopReason(finishReason)).putNull("stop_sequence");
            data.set("usage", usageNode(usage));
            event(out, "message_delta", data);
            event(out, "message_stop", object());
        }
    }

    @Override
    public Dialect.Encoder encoder(boolean sse) {
        return new StreamEncoder();
    }

    // --- errors

    @Override
    public ErrorInfo errorToHub(int status, JsonNode body, byte[] raw) {
        JsonNode error = body == null ? null : body.get("error");
        if (error != null && error.isObject()) {
            return new ErrorInfo(status, OpenAiChat.message(text(error, "message"), raw), text(error, "type"));
        }
        return OpenAiChat.readError(status, body, raw);
    }

    @Override
    public ObjectNode errorFromHub(ErrorInfo error) {
        ObjectNode body = object().put("type", "error");
        body.putObject("error").put("type", type(error.status())).put("message", error.message());
        return body;
    }

    static String type(int status) {
        return switch (status) {
            case 400, 413, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
    }
}
