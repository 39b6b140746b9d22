package dev.roost.gateway.translate;

import static dev.roost.gateway.translate.Wire.text;
import static dev.roost.gateway.translate.Wire.unsupported;

import tools.jackson.databind.JsonNode;

/** What every provider dialect checks in a hub request before writing it in its own format. */
final class Hub {
    private Hub() {
    }

    /**
     * Refuses what a non-OpenAI provider cannot be given: several choices, log probabilities,
     * audio in or out. Structured output is checked by each dialect (Gemini has it, Anthropic's
     * messages do not).
     */
    static void refuseUntranslatable(JsonNode hub) {
        if (hub.path("n").asInt(1) > 1) {
            throw unsupported("Only one choice (n = 1) can be asked of the provider's format.");
        }
        if (hub.path("logprobs").asBoolean(false) || hub.path("top_logprobs").asInt(0) > 0) {
            throw unsupported("Log probabilities cannot be asked of the provider's format.");
        }
        if (Wire.present(hub.get("audio"))) {
            throw unsupported("Audio output cannot be asked of the provider's format.");
        }
        for (JsonNode m : hub.path("modalities")) {
            if (!"text".equals(m.asString(""))) {
                throw unsupported("Only text output can be asked of the provider's format (modality " + m.asString("") + ").");
            }
        }
    }

    /** Refuses a response_format other than plain text (for providers with no structured output). */
    static void refuseStructuredOutput(JsonNode hub, String provider) {
        String type = text(hub.path("response_format"), "type");
        if (type != null && !type.equals("text")) {
            throw unsupported("A response_format of type " + type + " cannot be given to " + provider + "'s format.");
        }
    }

    /**
     * Turns ({role, FIELD: [...]}) without any element dropped, and neighbours of the same role
     * merged into one, so the roles alternate.
     */
    static tools.jackson.databind.node.ArrayNode withoutEmptyTurns(tools.jackson.databind.node.ArrayNode turns, String field) {
        tools.jackson.databind.node.ArrayNode out = Wire.array();
        for (JsonNode turn : turns) {
            if (turn.path(field).isEmpty()) {
                continue;
            }
            JsonNode previous = out.isEmpty() ? null : out.get(out.size() - 1);
            if (previous != null && previous.path("role").equals(turn.path("role"))) {
                ((tools.jackson.databind.node.ArrayNode) previous.get(field)).addAll((tools.jackson.databind.node.ArrayNode)
                        turn.get(field));
            } else {
                out.add(turn);
            }
        }
        return out;
    }

    /** A {@code data:MEDIA;base64,DATA} URL, split. */
    record DataUrl(String mediaType, String base64) {
        static DataUrl parse(String url) {
            if (url == null || !url.startsWith("data:")) {
                return null;
            }
            int comma = url.indexOf(',');
            int marker = url.indexOf(";base64");
            if (comma < 0 || marker < 0 || marker > comma) {
                throw unsupported("Only base64 data URLs can be translated.");
            }
            return new DataUrl(url.substring(5, marker), url.substring(comma + 1));
        }
    }
}
