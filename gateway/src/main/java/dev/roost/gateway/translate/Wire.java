package dev.roost.gateway.translate;

import dev.roost.core.error.ErrorCode;
import dev.roost.gateway.GatewayError;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** JSON helpers shared by the dialects: lenient reads of fields that may be missing or of another type. */
final class Wire {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Wire() {
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** The client's body as a JSON object, or a 400 in the client's own error shape. */
    static ObjectNode parseRequest(byte[] body) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (RuntimeException e) {
            throw new GatewayError(ErrorCode.MALFORMED_BODY, "The request body is not valid JSON.");
        }
        if (node == null || !node.isObject()) {
            throw new GatewayError(ErrorCode.MALFORMED_BODY, "The request body must be a JSON object.");
        }
        return (ObjectNode) node;
    }

    /** A provider's body as JSON, or null when it is not JSON. */
    static JsonNode parseLenient(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static JsonNode parseLenient(String text) {
        try {
            return JSON.readTree(text);
        } catch (RuntimeException e) {
            return null;
        }
    }

    static byte[] bytes(JsonNode node) {
        return JSON.writeValueAsBytes(node);
    }

    static String string(JsonNode node) {
        return JSON.writeValueAsString(node);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The field's string value, or null when it is missing or not a string. */
    static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isString() ? v.stringValue() : null;
    }

    /** The first of the names present (camelCase or snake_case spellings of one proto field); a missing node when neither is. */
    static JsonNode either(JsonNode node, String camel, String snake) {
        JsonNode v = node.get(camel);
        return v != null && !v.isNull() ? v : node.path(snake);
    }

    static boolean present(JsonNode node) {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    /** Content given as a string, or as an array of parts: the text of its text parts, joined. */
    static String joinedText(JsonNode content) {
        return joinedText(content, "");
    }

    /** The same, with {@code separator} between parts (separate blocks of a system prompt are paragraphs). */
    static String joinedText(JsonNode content, String separator) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.stringValue();
        }
        StringBuilder b = new StringBuilder();
        for (JsonNode part : content) {
            String t = text(part, "text");
            if (t != null) {
                if (!b.isEmpty()) {
                    b.append(separator);
                }
                b.append(t);
            }
        }
        return b.toString();
    }

    /** A JSON document held in a string (tool arguments), parsed; an empty or broken one is an empty object. */
    static JsonNode parseArguments(String arguments) {
        if (arguments == null || arguments.isBlank()) {
            return object();
        }
        JsonNode parsed = parseLenient(arguments);
        return parsed != null && parsed.isObject() ? parsed : object().put("_raw", arguments);
    }

    static GatewayError invalid(String what) {
        return new GatewayError(ErrorCode.VALIDATION_FAILED, what);
    }

    static GatewayError unsupported(String what) {
        return new GatewayError(ErrorCode.TRANSLATION_UNSUPPORTED, what);
    }
}
