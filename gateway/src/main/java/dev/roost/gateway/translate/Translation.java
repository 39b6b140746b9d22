package dev.roost.gateway.translate;

import static java.util.Objects.requireNonNull;

import dev.roost.gateway.ApiFormat;
import dev.roost.gateway.Endpoint;
import dev.roost.gateway.ProviderKind;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A request whose client speaks one wire format and whose provider speaks another: the request
 * is rewritten for the provider, and its answer, stream and errors are rewritten for the
 * client, each through the hub format (OpenAI chat completions). Only the generating chat
 * endpoints translate: {@code /v1/chat/completions}, {@code /v1/messages} and Gemini's
 * {@code generateContent} / {@code streamGenerateContent}. Requests in the same format never
 * come here: they are passed through byte for byte.
 */
public final class Translation {
    private final Dialect client;
    private final Dialect provider;
    private final ProviderKind kind;
    private final boolean clientSse;

    private Translation(Dialect client, Dialect provider, ProviderKind kind, boolean clientSse) {
        this.client = client;
        this.provider = provider;
        this.kind = kind;
        this.clientSse = clientSse;
    }

    /** Whether a client of {@code endpoint} can reach a provider of {@code format} by translation. */
    public static boolean supports(Endpoint endpoint, ApiFormat format) {
        return dialect(endpoint) != null && endpoint.format() != format;
    }

    /**
     * The translation from a client of {@code endpoint} to a provider of {@code kind}, or null
     * when the two speak the same format (pass through) or the endpoint is not translated.
     * {@code query} is the client's query string: a Gemini stream without {@code alt=sse} is
     * answered as one JSON array, as Google does.
     */
    public static Translation between(Endpoint endpoint, ProviderKind kind, String query) {
        requireNonNull(kind, "kind is null");
        Dialect client = dialect(endpoint);
        if (client == null || endpoint.format() == kind.format()) {
            return null;
        }
        Dialect provider = switch (kind.format()) {
            case OPENAI -> OpenAiChat.INSTANCE;
            case ANTHROPIC -> AnthropicMessages.INSTANCE;
            case GEMINI -> GeminiContent.INSTANCE;
        };
        boolean sse = endpoint != Endpoint.GEMINI_STREAM || (query != null && query.matches("(^|.*&)alt=sse(&.*|$)"));
        return new Translation(client, provider, kind, sse);
    }

    private static Dialect dialect(Endpoint endpoint) {
        return switch (endpoint) {
            case CHAT_COMPLETIONS -> OpenAiChat.INSTANCE;
            case MESSAGES -> AnthropicMessages.INSTANCE;
            case GEMINI_GENERATE, GEMINI_STREAM -> GeminiContent.INSTANCE;
            default -> null;
        };
    }

    /**
     * The client's request body rewritten for the provider, asking for {@code upstreamModel};
     * throws {@link dev.roost.gateway.GatewayError} ({@code TRANSLATION_UNSUPPORTED},
     * {@code MALFORMED_BODY}, {@code VALIDATION_FAILED}) when it cannot be.
     */
    public byte[] request(byte[] body, String upstreamModel, boolean stream) {
        ObjectNode hub = client.requestToHub(Wire.parseRequest(body));
        return Wire.bytes(provider.requestFromHub(hub, upstreamModel, stream, kind));
    }

    /** The path (and query) to append to the provider's base URL. */
    public String upstreamPath(String upstreamModel, boolean stream) {
        return switch (provider.format()) {
            case OPENAI -> Endpoint.CHAT_COMPLETIONS.upstreamPath();
            case ANTHROPIC -> Endpoint.MESSAGES.upstreamPath();
            case GEMINI -> "/v1beta/models/" + upstreamModel + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
        };
    }

    /** The provider's whole answer rewritten for the client. */
    public byte[] response(byte[] body) {
        JsonNode parsed = Wire.parseLenient(body);
        if (parsed == null || !parsed.isObject()) {
            return error(502, body);
        }
        return Wire.bytes(client.responseFromHub(provider.responseToHub(parsed)));
    }

    /** A provider's error body rewritten in the client's error shape (the status stays). */
    public byte[] error(int status, byte[] body) {
        ErrorInfo info = provider.errorToHub(status, Wire.parseLenient(body), body);
        return Wire.bytes(client.errorFromHub(info));
    }

    /** The content type of a translated stream for the client. */
    public String streamContentType() {
        return clientSse ? "text/event-stream" : "application/json";
    }

    /** A translator for one streamed answer. */
    public Stream stream() {
        return new Stream(new SseReader(), provider.decoder(), client.encoder(clientSse));
    }

    /**
     * Rewrites one provider stream for the client as its bytes arrive. Confined to the thread
     * relaying the stream.
     */
    public static final class Stream {
        private final SseReader reader;
        private final Dialect.Decoder decoder;
        private final Dialect.Encoder encoder;
        private final List<SseEvent> events = new ArrayList<>();
        private final List<ObjectNode> chunks = new ArrayList<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

        private Stream(SseReader reader, Dialect.Decoder decoder, Dialect.Encoder encoder) {
            this.reader = reader;
            this.decoder = decoder;
            this.encoder = encoder;
        }

        /** The provider's next bytes; returns what to send the client now (possibly nothing). */
        public byte[] accept(byte[] chunk, int offset, int count) {
            reader.accept(chunk, offset, count, events);
            return drain();
        }

        /** The provider's stream ended ({@code complete} false: it was cut off); returns the client's last bytes. */
        public byte[] finish(boolean complete) {
            if (complete) {
                reader.finish(events);
            }
            for (SseEvent e : events) {
                decoder.accept(e, chunks);
            }
            events.clear();
            if (complete) {
                decoder.finish(chunks);
            }
            for (ObjectNode c : chunks) {
                encoder.accept(c, out);
            }
            chunks.clear();
            encoder.finish(complete, out);
            byte[] bytes = out.toByteArray();
            out.reset();
            return bytes;
        }

        private byte[] drain() {
            if (events.isEmpty()) {
                return EMPTY;
            }
            for (SseEvent e : events) {
                decoder.accept(e, chunks);
            }
            events.clear();
            for (ObjectNode c : chunks) {
                encoder.accept(c, out);
            }
            chunks.clear();
            byte[] bytes = out.toByteArray();
            out.reset();
            return bytes;
        }

        private static final byte[] EMPTY = new byte[0];
    }
}
