package dev.roost.gateway.translate;

import dev.roost.gateway.ApiFormat;
import dev.roost.gateway.ProviderKind;
import java.io.ByteArrayOutputStream;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One wire format, seen from the hub format every translation goes through: OpenAI chat
 * completions (requests, answers and {@code chat.completion.chunk} events). A client format A
 * reaches a provider format B as A → hub → B, and the answer comes back B → hub → A, so each
 * format is written once against the hub rather than once per pair.
 */
interface Dialect {
    ApiFormat format();

    /** A client's request in this format as a hub request (the model and stream flag are set by the caller). */
    ObjectNode requestToHub(ObjectNode request);

    /** A hub request as a request to a provider of this format and kind, for {@code model}. */
    ObjectNode requestFromHub(ObjectNode hub, String model, boolean stream, ProviderKind kind);

    /** A provider's answer in this format as a hub answer. */
    ObjectNode responseToHub(JsonNode response);

    /** A hub answer in this format, for the client. */
    ObjectNode responseFromHub(ObjectNode hub);

    /** Reads a provider's stream in this format as hub chunks. */
    Decoder decoder();

    /** Writes hub chunks as a stream in this format for the client; {@code sse} false for a JSON-array stream (Gemini without alt=sse). */
    Encoder encoder(boolean sse);

    /** A provider's error body (possibly not JSON) in this format, reduced. */
    ErrorInfo errorToHub(int status, JsonNode body, byte[] raw);

    /** An error in this format's shape, for the client. */
    ObjectNode errorFromHub(ErrorInfo error);

    /** Provider events → hub chunks. Confined to the relaying thread. */
    interface Decoder {
        void accept(SseEvent event, List<ObjectNode> out);

        /** The provider's stream ended cleanly: anything held back (a finish reason, usage) is given now. */
        void finish(List<ObjectNode> out);
    }

    /** Hub chunks → the client's stream bytes. Confined to the relaying thread. */
    interface Encoder {
        void accept(ObjectNode chunk, ByteArrayOutputStream out);

        /** The stream ends; {@code complete} false when the provider dropped it (no closing events are made up then). */
        void finish(boolean complete, ByteArrayOutputStream out);
    }
}
