package dev.roost.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;

/**
 * The few top-level fields of a request body the gateway needs ({@code model}, {@code stream},
 * whether {@code stream_options} is present), read with a streaming parser that skips
 * everything else without building it, plus where the model value sits in the bytes. The body
 * itself is never re-serialised: a change is a splice of bytes.
 */
public record RequestFields(String model, boolean stream, boolean hasStreamOptions, int modelStart, int modelEnd,
        int objectStart) {
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Reads the fields; throws {@link IllegalArgumentException} when the body is not a JSON object. */
    public static RequestFields read(byte[] body) {
        String model = null;
        boolean stream = false;
        boolean streamOptions = false;
        int modelStart = -1;
        int modelEnd = -1;
        int objectStart;
        try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("the body is not a JSON object");
            }
            objectStart = (int) parser.currentTokenLocation().getByteOffset();
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "model" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            modelStart = (int) parser.currentTokenLocation().getByteOffset();
                            model = parser.getString();
                            modelEnd = (int) parser.currentLocation().getByteOffset();
                        } else {
                            parser.skipChildren();
                        }
                    }
                    case "stream" -> stream = value == JsonToken.VALUE_TRUE;
                    case "stream_options" -> {
                        streamOptions = value != JsonToken.VALUE_NULL;
                        parser.skipChildren();
                    }
                    default -> parser.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT) {
                throw new IllegalArgumentException("the body is not a JSON object");
            }
        } catch (StreamReadException e) {
            throw new IllegalArgumentException("the body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        }
        return new RequestFields(model, stream, streamOptions, modelStart, modelEnd, objectStart);
    }

    /**
     * The body as it goes upstream: the model value replaced when the target's model name
     * differs, and for a streamed chat completion without {@code stream_options}, usage asked
     * for (so the last event carries the token counts). Everything else is the client's bytes.
     */
    public byte[] upstreamBody(byte[] body, String upstreamModel, boolean askForStreamUsage) {
        boolean rename = model != null && !model.equals(upstreamModel) && modelStart >= 0;
        boolean inject = askForStreamUsage && stream && !hasStreamOptions;
        if (!rename && !inject) {
            return body;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 64);
        int from = 0;
        if (inject) {
            out.write(body, 0, objectStart + 1);
            out.writeBytes("\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.UTF_8));
            from = objectStart + 1;
        }
        if (rename) {
            out.write(body, from, modelStart - from);
            out.writeBytes(quote(upstreamModel));
            from = modelEnd;
        }
        out.write(body, from, body.length - from);
        return out.toByteArray();
    }

    static byte[] quote(String text) {
        StringBuilder b = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }
}
