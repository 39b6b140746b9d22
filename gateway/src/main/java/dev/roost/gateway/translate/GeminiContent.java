package dev.roost.gateway.translate;

import static dev.roost.gateway.translate.Wire.array;
import static dev.roost.gateway.translate.Wire.either;
import static dev.roost.gateway.translate.Wire.joinedText;
import static dev.roost.gateway.translate.Wire.object;
import static dev.roost.gateway.translate.Wire.present;
import static dev.roost.gateway.translate.Wire.text;
import static dev.roost.gateway.translate.Wire.unsupported;

import dev.roost.gateway.ApiFormat;
import dev.roost.gateway.ProviderKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gemini's {@code generateContent} / {@code streamGenerateContent}: contents of parts (text,
 * inline images, function calls and responses), the system instruction, function
 * declarations, generation config, finish reasons and {@code usageMetadata}. Field names are
 * read in both spellings the API accepts (camelCase and snake_case) and written in camelCase.
 * A stream is either server-sent events ({@code ?alt=sse}) or one JSON array.
 */
final class GeminiContent implements Dialect {
    static final GeminiContent INSTANCE = new GeminiContent();

    private GeminiContent() {
    }

    @Override
    public ApiFormat format() {
        return ApiFormat.GEMINI;
    }

    // --- requests

    @Override
    public ObjectNode requestToHub(ObjectNode request) {
        ObjectNode hub = object();
        ArrayNode messages = hub.putArray("messages");
        JsonNode system = either(request, "systemInstruction", "system_instruction");
        if (present(system)) {
            String text = system.isString() ? system.stringValue() : joinedText(system.get("parts"));
            if (!text.isEmpty()) {
                messages.addObject().put("role", "system").put("content", text);
            }
        }
        JsonNode contents = request.get("contents");
        if (contents == null || !contents.isArray()) {
            throw Wire.invalid("The request needs \"contents\" (an array).");
        }
        // Function calls may come without ids: they are numbered here, and a function response
        // without an id answers the oldest open call of its name.
        Map<String, ArrayDeque<String>> open = new HashMap<>();
        int turn = 0;
        for (JsonNode content : contents) {
            turn++;
            String role = content.path("role").asString("user");
            JsonNode parts = content.path("parts");
            if (role.equals("model")) {
                StringBuilder text = new StringBuilder();
                ArrayNode calls = array();
                int n = 0;
                for (JsonNode part : parts) {
                    JsonNode call = either(part, "functionCall", "function_call");
                    if (present(call)) {
                        String name = text(call, "name");
                        String id = text(call, "id") != null ? text(call, "id") : "call_" + turn + "_" + n;
                        n++;
                        open.computeIfAbsent(name, k -> new ArrayDeque<>()).add(id);
                        calls.addObject().put("id", id).put("type", "function").putObject("function").put("name", name)
                                .put("arguments", Wire.string(present(call.get("args")) ? call.get("args") : object()));
                    } else if (part.has("text") && !part.path("thought").asBoolean(false)) {
                        text.append(text(part, "text"));
                    }
                }
                ObjectNode message = messages.addObject().put("role", "assistant");
                if (text.isEmpty() && !calls.isEmpty()) {
                    message.putNull("content");
                } else {
                    message.put("content", text.toString());
                }
                if (!calls.isEmpty()) {
                    message.set("tool_calls", calls);
                }
                continue;
            }
            ArrayNode userParts = array();
            boolean onlyText = true;
            for (JsonNode part : parts) {
                JsonNode response = either(part, "functionResponse", "function_response");
                JsonNode inline = either(part, "inlineData", "inline_data");
                if (present(response)) {
                    String name = text(response, "name");
                    String id = text(response, "id");
                    ArrayDeque<String> waiting = open.get(name);
                    if (id == null) {
                        id = waiting != null && !waiting.isEmpty() ? waiting.poll() : "call_" + name;
                    } else if (waiting != null) {
                        waiting.remove(id);
                    }
                    messages.addObject().put("role", "tool").put("tool_call_id", id)
                            .put("content", Wire.string(present(response.get("response")) ? response.get("response") : object()));
                } else if (present(inline)) {
                    String mime = either(inline, "mimeType", "mime_type").asString("");
                    if (!mime.startsWith("image/")) {
                        throw unsupported("Inline data of type " + mime + " cannot be given to the provider's format (images "
                                + "are translated; audio, video and documents are not).");
                    }
                    userParts.addObject().put("type", "image_url").putObject("image_url")
                            .put("url", "data:" + mime + ";base64," + text(inline, "data"));
                    onlyText = false;
                } else if (part.has("text")) {
                    userParts.addObject().put("type", "text").put("text", text(part, "text"));
                } else if (present(either(part, "fileData", "file_data"))) {
                    throw unsupported("File references (fileData) cannot be given to the provider's format.");
                }
            }
            if (!userParts.isEmpty()) {
                ObjectNode message = messages.addObject().put("role", "user");
                if (onlyText) {
                    message.put("content", joinedText(userParts, "\n"));
                } else {
                    message.set("content", userParts);
                }
            }
        }
        ArrayNode tools = array();
        for (JsonNode tool : request.path("tools")) {
            JsonNode declarations = either(tool, "functionDeclarations", "function_declarations");
            if (!present(declarations)) {
                String kind = tool.propertyNames().stream().findFirst().orElse("?");
                throw unsupported("Gemini's " + kind + " tool cannot be given to the provider's format; only "
                        + "functionDeclarations are translated.");
            }
            for (JsonNode d : declarations) {
                ObjectNode f = tools.addObject().put("type", "function").putObject("function").put("name", text(d, "name"));
                if (text(d, "description") != null) {
                    f.put("description", text(d, "description"));
                }
                JsonNode json = either(d, "parametersJsonSchema", "parameters_json_schema");
                JsonNode schema = present(json) ? json : d.get("parameters");
                f.set("parameters", present(schema) ? jsonSchema(schema) : object().put("type", "object"));
            }
        }
        if (!tools.isEmpty()) {
            hub.set("tools", tools);
        }
        JsonNode toolConfig = either(request, "toolConfig", "tool_config");
        JsonNode calling = present(toolConfig) ? either(toolConfig, "functionCallingConfig", "function_calling_config") : null;
        if (present(calling)) {
            String mode = calling.path("mode").asString("AUTO").toUpperCase(Locale.ROOT);
            JsonNode allowed = either(calling, "allowedFunctionNames", "allowed_function_names");
            switch (mode) {
                case "NONE" -> hub.put("tool_choice", "none");
                case "ANY" -> {
                    if (allowed != null && allowed.size() == 1) {
                        hub.putObject("tool_choice").put("type", "function").putObject("function")
                                .put("name", allowed.get(0).asString(""));
                    } else {
                        hub.put("tool_choice", "required");
                    }
                }
                default -> hub.put("tool_choice", "auto");
            }
        }
        JsonNode config = either(request, "generationConfig", "generation_config");
        if (present(config)) {
            if (either(config, "candidateCount", "candidate_count").asInt(1) > 1) {
                throw unsupported("Only one candidate (candidateCount = 1) can be asked of the provider's format.");
            }
            copy(config, "temperature", "temperature", hub, "temperature");
            copy(config, "topP", "top_p", hub, "top_p");
            copy(config, "maxOutputTokens", "max_output_tokens", hub, "max_tokens");
            copy(config, "stopSequences", "stop_sequences", hub, "stop");
            copy(config, "seed", "seed", hub, "seed");
            copy(config, "presencePenalty", "presence_penalty", hub, "presence_penalty");
            copy(config, "frequencyPenalty", "frequency_penalty", hub, "frequency_penalty");
            JsonNode modalities = either(config, "responseModalities", "response_modalities");
            if (present(modalities)) {
                for (JsonNode m : modalities) {
                    if (!"TEXT".equalsIgnoreCase(m.asString(""))) {
                        throw unsupported("Only text output can be asked of the provider's format (modality "
                                + m.asString("") + ").");
                    }
                }
            }
            String mime = text(config, "responseMimeType") != null ? text(config, "responseMimeType")
                    : text(config, "response_mime_type");
            if ("application/json".equals(mime)) {
                JsonNode json = either(config, "responseJsonSchema", "response_json_schema");
                JsonNode schema = present(json) ? json : either(config, "responseSchema", "response_schema");
                if (present(schema)) {
                    hub.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                            .put("name", "response").set("schema", jsonSchema(schema));
                } else {
                    hub.putObject("response_format").put("type", "json_object");
                }
            }
        }
        return hub;
    }

    private static void copy(JsonNode from, String camel, String snake, ObjectNode to, String as) {
        JsonNode v = either(from, camel, snake);
        if (present(v)) {
            to.set(as, v);
        }
    }

    /** Gemini's OpenAPI-style schema as JSON Schema: type names in lower case, Gemini-only keys dropped. */
    static JsonNode jsonSchema(JsonNode schema) {
        if (schema.isArray()) {
            ArrayNode out = array();
            for (JsonNode item : schema) {
                out.add(jsonSchema(item));
            }
            return out;
        }
        if (!schema.isObject()) {
            return schema;
        }
        ObjectNode out = object();
        for (Map.Entry<String, JsonNode> field : schema.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("propertyOrdering") || name.equals("property_ordering")) {
                continue;
            }
            if (name.equals("type") && value.isString()) {
                out.put("type", value.stringValue().toLowerCase(Locale.ROOT));
            } else if (name.equals("properties") && value.isObject()) {
                ObjectNode properties = out.putObject("properties");
                for (Map.Entry<String, JsonNode> p : value.properties()) {
                    properties.set(p.getKey(), jsonSchema(p.getValue()));
                }
            } else {
                out.set(name, value.isContainer() ? jsonSchema(value) : value);
            }
        }
        return out;
    }

    @Override
    public ObjectNode requestFromHub(ObjectNode hub, String model, boolean stream, ProviderKind kind) {
        Hub.refuseUntranslatable(hub);
        ObjectNode out = object();
        ArrayNode contents = out.putArray("contents");
        StringBuilder system = new StringBuilder();
        Map<String, String> nameByCall = new HashMap<>();
        String lastRole = null;
        ArrayNode parts = null;
        for (JsonNode message : hub.path("messages")) {
            String role = String.valueOf(text(message, "role"));
            if (role.equals("system") || role.equals("developer")) {
                if (!system.isEmpty()) {
                    system.append("\n\n");
                }
                system.append(joinedText(message.get("content")));
                continue;
            }
            String as = role.equals("assistant") ? "model" : "user";
            if (!as.equals(lastRole)) {
                parts = array();
                contents.addObject().put("role", as).set("parts", parts);
                lastRole = as;
            }
            switch (role) {
                case "assistant" -> {
                    String text = joinedText(message.get("content"));
                    if (!text.isEmpty()) {
                        parts.addObject().put("text", text);
                    }
                    for (JsonNode call : message.path("tool_calls")) {
                        String name = text(call.path("function"), "name");
                        nameByCall.put(text(call, "id"), name);
                        ObjectNode fc = parts.addObject().putObject("functionCall");
                        if (text(call, "id") != null) {
                            fc.put("id", text(call, "id"));
                        }
                        fc.put("name", name).set("args", Wire.parseArguments(text(call.path("function"), "arguments")));
                    }
                }
                case "tool" -> {
                    String id = text(message, "tool_call_id");
                    String content = joinedText(message.get("content"));
                    JsonNode parsed = Wire.parseLenient(content);
                    ObjectNode fr = parts.addObject().putObject("functionResponse");
                    if (id != null) {
                        fr.put("id", id);
                    }
                    fr.put("name", nameByCall.getOrDefault(id, "function"));
                    fr.set("response", parsed != null && parsed.isObject() ? parsed : object().put("result", content));
                }
                case "user" -> {
                    JsonNode content = message.get("content");
                    if (content == null || content.isNull() || content.isString()) {
                        parts.addObject().put("text", content == null || content.isNull() ? "" : content.stringValue());
                    } else {
                        for (JsonNode part : content) {
                            String type = String.valueOf(text(part, "type"));
                            if (type.equals("text")) {
                                parts.addObject().put("text", text(part, "text"));
                            } else if (type.equals("image_url")) {
                                Hub.DataUrl data = Hub.DataUrl.parse(text(part.path("image_url"), "url"));
                                if (data == null) {
                                    throw unsupported("Only images given inline (data URLs) can be sent to Gemini's format.");
                                }
                                parts.addObject().putObject("inlineData").put("mimeType", data.mediaType())
                                        .put("data", data.base64());
                            } else {
                                throw unsupported("A content part of type " + type + " cannot be given to Gemini's format.");
                            }
                        }
                    }
                }
                default -> throw unsupported("A message with role " + role + " cannot be given to Gemini's format.");
            }
        }
        contents = Hub.withoutEmptyTurns(contents, "parts");
        out.set("contents", contents);
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").putArray("parts").addObject().put("text", system.toString());
        }
        JsonNode tools = hub.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
            for (JsonNode tool : tools) {
                if (!"function".equals(text(tool, "type"))) {
                    throw unsupported("Only function tools can be given to Gemini's format (got " + text(tool, "type") + ").");
                }
                JsonNode f = tool.path("function");
                ObjectNode d = declarations.addObject().put("name", text(f, "name"));
                if (text(f, "description") != null) {
                    d.put("description", text(f, "description"));
                }
                if (present(f.get("parameters"))) {
                    d.set("parametersJsonSchema", f.get("parameters"));
                }
            }
        }
        JsonNode choice = hub.get("tool_choice");
        if (present(choice) && out.has("tools")) {
            ObjectNode calling = out.putObject("toolConfig").putObject("functionCallingConfig");
            if (choice.isObject()) {
                calling.put("mode", "ANY").putArray("allowedFunctionNames").add(text(choice.path("function"), "name"));
            } else {
                calling.put("mode", switch (choice.asString("auto")) {
                    case "none" -> "NONE";
                    case "required" -> "ANY";
                    default -> "AUTO";
                });
            }
        }
        ObjectNode config = object();
        copyTo(hub, "temperature", config, "temperature");
        copyTo(hub, "top_p", config, "topP");
        JsonNode max = present(hub.get("max_completion_tokens")) ? hub.get("max_completion_tokens") : hub.get("max_tokens");
        if (present(max)) {
            config.set("maxOutputTokens", max);
        }
        JsonNode stop = hub.get("stop");
        if (stop != null && stop.isString()) {
            config.putArray("stopSequences").add(stop.stringValue());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            config.set("stopSequences", stop);
        }
        copyTo(hub, "seed", config, "seed");
        copyTo(hub, "presence_penalty", config, "presencePenalty");
        copyTo(hub, "frequency_penalty", config, "frequencyPenalty");
        String format = text(hub.path("response_format"), "type");
        if ("json_object".equals(format)) {
            config.put("responseMimeType", "application/json");
        } else if ("json_schema".equals(format)) {
            config.put("responseMimeType", "application/json");
            JsonNode schema = hub.path("response_format").path("json_schema").get("schema");
            if (present(schema)) {
                config.set("responseJsonSchema", schema);
            }
        }
        if (!config.isEmpty()) {
            out.set("generationConfig", config);
        }
        return out;
    }

    private static void copyTo(JsonNode from, String name, ObjectNode to, String as) {
        JsonNode v = from.get(name);
        if (present(v)) {
            to.set(as, v);
        }
    }

    // --- answers

    static String finishReason(String geminiReason, boolean calledTools) {
        if (calledTools) {
            return "tool_calls";
        }
        if (geminiReason == null) {
            return "stop";
        }
        return switch (geminiReason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" -> "content_filter";
            default -> "stop";
        };
    }

    static String geminiReason(String finishReason) {
        if (finishReason == null) {
            return "STOP";
        }
        return switch (finishReason) {
            case "length" -> "MAX_TOKENS";
            case "content_filter" -> "SAFETY";
            default -> "STOP";
        };
    }

    /** usageMetadata as {prompt, completion (thoughts included), cached}. */
    static long[] usage(JsonNode metadata) {
        if (!present(metadata) || !metadata.isObject()) {
            return null;
        }
        return new long[] {either(metadata, "promptTokenCount", "prompt_token_count").asLong(0),
                either(metadata, "candidatesTokenCount", "candidates_token_count").asLong(0)
                        + either(metadata, "thoughtsTokenCount", "thoughts_token_count").asLong(0),
                either(metadata, "cachedContentTokenCount", "cached_content_token_count").asLong(0)};
    }

    static ObjectNode usageMetadata(long[] u) {
        ObjectNode m = object();
        m.put("promptTokenCount", u[0]);
        m.put("candidatesTokenCount", u[1]);
        m.put("totalTokenCount", u[0] + u[1]);
        if (u[2] > 0) {
            m.put("cachedContentTokenCount", u[2]);
        }
        return m;
    }

    @Override
    public ObjectNode responseToHub(JsonNode response) {
        ObjectNode hub = object();
        hub.put("id", "chatcmpl-" + either(response, "responseId", "response_id").asString("gemini"));
        hub.put("object", "chat.completion");
        hub.put("created", System.currentTimeMillis() / 1000);
        hub.put("model", either(response, "modelVersion", "model_version").asString(""));
        JsonNode candidate = response.path("candidates").path(0);
        ObjectNode choice = hub.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = array();
        for (JsonNode part : candidate.path("content").path("parts")) {
            JsonNode call = either(part, "functionCall", "function_call");
            if (present(call)) {
                calls.addObject().put("id", text(call, "id") != null ? text(call, "id") : "call_" + calls.size())
                        .put("type", "function").putObject("function").put("name", text(call, "name"))
                        .put("arguments", Wire.string(present(call.get("args")) ? call.get("args") : object()));
            } else if (part.has("text") && !part.path("thought").asBoolean(false)) {
                text.append(text(part, "text"));
            }
        }
        if (text.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        message.putNull("refusal");
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(either(candidate, "finishReason", "finish_reason").asString(null),
                !calls.isEmpty()));
        long[] u = usage(either(response, "usageMetadata", "usage_metadata"));
        if (u != null) {
            hub.set("usage", OpenAiChat.usageNode(u[0], u[1], u[2]));
        }
        return hub;
    }

    @Override
    public ObjectNode responseFromHub(ObjectNode hub) {
        ObjectNode out = object();
        JsonNode choice = hub.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode candidate = out.putArray("candidates").addObject();
        ArrayNode parts = candidate.putObject("content").put("role", "model").putArray("parts");
        String text = joinedText(message.get("content"));
        if (!text.isEmpty()) {
            parts.addObject().put("text", text);
        }
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode fc = parts.addObject().putObject("functionCall");
            if (text(call, "id") != null) {
                fc.put("id", text(call, "id"));
            }
            fc.put("name", text(call.path("function"), "name"))
                    .set("args", Wire.parseArguments(text(call.path("function"), "arguments")));
        }
        if (parts.isEmpty()) {
            parts.addObject().put("text", "");
        }
        candidate.put("finishReason", geminiReason(text(choice, "finish_reason")));
        candidate.put("index", 0);
        long[] u = OpenAiChat.usage(hub.get("usage"));
        out.set("usageMetadata", usageMetadata(u == null ? new long[3] : u));
        out.put("modelVersion", hub.path("model").asString(""));
        out.put("responseId", hub.path("id").asString(""));
        return out;
    }

    // --- streams

    /** Gemini stream events (each a whole GenerateContentResponse) → hub chunks. */
    private static final class StreamDecoder implements Dialect.Decoder {
        private String id = "chatcmpl-gemini";
        private String model = "";
        private boolean started;
        private int tools;
        private String reason;
        private long[] usage;
        private boolean ended;

        private ObjectNode chunk(ObjectNode delta, String finish) {
            ObjectNode c = object().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", System.currentTimeMillis() / 1000).put("model", model);
            ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
            choice.set("delta", delta);
            if (finish == null) {
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", finish);
            }
            return c;
        }

        @Override
        public void accept(SseEvent event, List<ObjectNode> out) {
            JsonNode data = Wire.parseLenient(event.data());
            if (data == null || !data.isObject()) {
                return;
            }
            if (present(data.get("error"))) {
                ObjectNode c = object();
                c.putObject("error").put("message", data.path("error").path("message").asString("The provider failed "
                        + "mid-stream.")).put("type", data.path("error").path("status").asString("api_error"));
                out.add(c);
                return;
            }
            if (!started) {
                started = true;
                id = "chatcmpl-" + either(data, "responseId", "response_id").asString("gemini");
                model = either(data, "modelVersion", "model_version").asString("");
                out.add(chunk(object().put("role", "assistant").put("content", ""), null));
            }
            JsonNode candidate = data.path("candidates").path(0);
            for (JsonNode part : candidate.path("content").path("parts")) {
                JsonNode call = either(part, "functionCall", "function_call");
                if (present(call)) {
                    ObjectNode delta = object();
                    delta.putArray("tool_calls").addObject().put("index", tools)
                            .put("id", text(call, "id") != null ? text(call, "id") : "call_" + tools).put("type", "function")
                            .putObject("function").put("name", text(call, "name"))
                            .put("arguments", Wire.string(present(call.get("args")) ? call.get("args") : object()));
                    tools++;
                    out.add(chunk(delta, null));
                } else if (part.has("text") && !part.path("thought").asBoolean(false)
                        && !part.path("text").asString("").isEmpty()) {
                    out.add(chunk(object().put("content", text(part, "text")), null));
                }
            }
            String finish = either(candidate, "finishReason", "finish_reason").asString(null);
            if (finish != null) {
                reason = finish;
            }
            long[] u = usage(either(data, "usageMetadata", "usage_metadata"));
            if (u != null) {
                usage = u;
            }
        }

        @Override
        public void finish(List<ObjectNode> out) {
            if (ended) {
                return;
            }
            ended = true;
            out.add(chunk(object(), finishReason(reason, tools > 0)));
            ObjectNode c = object().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", System.currentTimeMillis() / 1000).put("model", model);
            c.putArray("choices");
            long[] u = usage == null ? new long[3] : usage;
            c.set("usage", OpenAiChat.usageNode(u[0], u[1], u[2]));
            out.add(c);
        }
    }

    @Override
    public Dialect.Decoder decoder() {
        return new StreamDecoder();
    }

    /** Hub chunks → Gemini stream events; function calls are held until complete (Gemini sends them whole). */
    private static final class StreamEncoder implements Dialect.Encoder {
        private final boolean sse;
        private boolean first = true;
        private String responseId = "";
        private String model = "";
        private final Map<Integer, String[]> calls = new LinkedHashMap<>(); // index → {id, name, arguments}
        private String finishReason;
        private long[] usage;
        private boolean errored;

        StreamEncoder(boolean sse) {
            this.sse = sse;
        }

        private void write(ObjectNode response, ByteArrayOutputStream out) {
            String json = Wire.string(response);
            if (sse) {
                out.writeBytes(("data: " + json + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            } else {
                out.writeBytes(((first ? "[" : ",\r\n") + json).getBytes(StandardCharsets.UTF_8));
            }
            first = false;
        }

        private ObjectNode response(ArrayNode parts, String finish) {
            ObjectNode r = object();
            ObjectNode candidate = r.putArray("candidates").addObject();
            if (parts != null) {
                candidate.putObject("content").put("role", "model").set("parts", parts);
            }
            if (finish != null) {
                candidate.put("finishReason", finish);
            }
            candidate.put("index", 0);
            r.put("modelVersion", model);
            r.put("responseId", responseId);
            return r;
        }

        @Override
        public void accept(ObjectNode chunk, ByteArrayOutputStream out) {
            if (chunk.has("error")) {
                JsonNode error = chunk.get("error");
                ObjectNode body = object();
                body.putObject("error").put("code", 500).put("message", error.isObject()
                        ? error.path("message").asString("The provider failed mid-stream.") : error.asString(""))
                        .put("status", "INTERNAL");
                write(body, out);
                errored = true;
                return;
            }
            if (responseId.isEmpty()) {
                responseId = chunk.path("id").asString("").replaceFirst("^chatcmpl-", "");
                model = chunk.path("model").asString("");
            }
            long[] u = OpenAiChat.usage(chunk.get("usage"));
            if (u != null) {
                usage = u;
            }
            for (JsonNode choice : chunk.path("choices")) {
                JsonNode delta = choice.path("delta");
                String content = text(delta, "content");
                if (content != null && !content.isEmpty()) {
                    ArrayNode parts = array();
                    parts.addObject().put("text", content);
                    write(response(parts, null), out);
                }
                for (JsonNode call : delta.path("tool_calls")) {
                    String[] held = calls.computeIfAbsent(call.path("index").asInt(0), k -> new String[] {null, null, ""});
                    if (text(call, "id") != null) {
                        held[0] = text(call, "id");
                    }
                    if (text(call.path("function"), "name") != null) {
                        held[1] = text(call.path("function"), "name");
                    }
                    String arguments = text(call.path("function"), "arguments");
                    if (arguments != null) {
                        held[2] += arguments;
                    }
                }
                if (text(choice, "finish_reason") != null) {
                    finishReason = text(choice, "finish_reason");
                }
            }
        }

        @Override
        public void finish(boolean complete, ByteArrayOutputStream out) {
            if (complete && !errored) {
                ArrayNode parts = null;
                if (!calls.isEmpty()) {
                    parts = array();
                    for (String[] call : calls.values()) {
                        ObjectNode fc = parts.addObject().putObject("functionCall");
                        if (call[0] != null) {
                            fc.put("id", call[0]);
                        }
                        fc.put("name", call[1]).set("args", Wire.parseArguments(call[2]));
                    }
                }
                ObjectNode last = response(parts, geminiReason(finishReason));
                last.set("usageMetadata", usageMetadata(usage == null ? new long[3] : usage));
                write(last, out);
            }
            if (!sse && (complete || errored)) {
                out.writeBytes((first ? "[]" : "]").getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    @Override
    public Dialect.Encoder encoder(boolean sse) {
        return new StreamEncoder(sse);
    }

    // --- errors

    @Override
    public ErrorInfo errorToHub(int status, JsonNode body, byte[] raw) {
        JsonNode error = body == null ? null : body.isArray() ? body.path(0).get("error") : body.get("error");
        if (error != null && error.isObject()) {
            return new ErrorInfo(status, OpenAiChat.message(text(error, "message"), raw), text(error, "status"));
        }
        return OpenAiChat.readError(status, body, raw);
    }

    @Override
    public ObjectNode errorFromHub(ErrorInfo error) {
        ObjectNode body = object();
        body.putObject("error").put("code", error.status()).put("message", error.message()).put("status", status(error.status()));
        return body;
    }

    static String status(int http) {
        return switch (http) {
            case 400, 413, 422 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 402 -> "FAILED_PRECONDITION";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "INTERNAL";
        };
    }
}
