package dev.roost.gateway.translate;

import static dev.roost.gateway.translate.Wire.object;
import static dev.roost.gateway.translate.Wire.present;
import static dev.roost.gateway.translate.Wire.text;

import dev.roost.gateway.ApiFormat;
import dev.roost.gateway.ProviderKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** OpenAI chat completions: the hub itself, so requests and answers pass almost unchanged. */
final class OpenAiChat implements Dialect {
    static final OpenAiChat INSTANCE = new OpenAiChat();

    private OpenAiChat() {
    }

    @Override
    public ApiFormat format() {
        return ApiFormat.OPENAI;
    }

    @Override
    public ObjectNode requestToHub(ObjectNode request) {
        return request;
    }

    @Override
    public ObjectNode requestFromHub(ObjectNode hub, String model, boolean stream, ProviderKind kind) {
        ObjectNode out = hub.deepCopy();
        out.put("model", model);
        out.remove("stream");
        out.remove("stream_options");
        if (stream) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        // OpenAI's own reasoning models refuse max_tokens; OpenAI-compatible servers know max_tokens best.
        if (kind == ProviderKind.OPENAI && out.has("max_tokens") && !out.has("max_completion_tokens")) {
            out.set("max_completion_tokens", out.remove("max_tokens"));
        }
        return out;
    }

    @Override
    public ObjectNode responseToHub(JsonNode response) {
        return response != null && response.isObject() ? (ObjectNode) response : object();
    }

    @Override
    public ObjectNode responseFromHub(ObjectNode hub) {
        return hub;
    }

    @Override
    public Dialect.Decoder decoder() {
        return new Dialect.Decoder() {
            @Override
            public void accept(SseEvent event, List<ObjectNode> out) {
                String data = event.data().strip();
                if (data.isEmpty() || data.equals("[DONE]")) {
                    return;
                }
                JsonNode chunk = Wire.parseLenient(data);
                if (chunk != null && chunk.isObject()) {
                    out.add((ObjectNode) chunk);
                }
            }

            @Override
            public void finish(List<ObjectNode> out) {
            }
        };
    }

    @Override
    public Dialect.Encoder encoder(boolean sse) {
        return new Dialect.Encoder() {
            @Override
            public void accept(ObjectNode chunk, ByteArrayOutputStream out) {
                out.writeBytes(("data: " + Wire.string(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void finish(boolean complete, ByteArrayOutputStream out) {
                if (complete) {
                    out.writeBytes("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
        };
    }

    @Override
    public ErrorInfo errorToHub(int status, JsonNode body, byte[] raw) {
        return readError(status, body, raw);
    }

    /** OpenAI's {@code {"error":{"message","type","code"}}}, and what compatible servers send instead. */
    static ErrorInfo readError(int status, JsonNode body, byte[] raw) {
        if (body != null && body.isObject()) {
            JsonNode error = body.get("error");
            if (error != null && error.isObject()) {
                String code = text(error, "code");
                return new ErrorInfo(status, message(text(error, "message"), raw), code != null ? code : text(error, "type"));
            }
            if (error != null && error.isString()) { // Ollama
                return new ErrorInfo(status, error.stringValue(), null);
            }
            String detail = text(body, "detail") != null ? text(body, "detail") : text(body, "message");
            if (detail != null) {
                return new ErrorInfo(status, detail, null);
            }
        }
        return new ErrorInfo(status, message(null, raw), null);
    }

    static String message(String message, byte[] raw) {
        if (message != null && !message.isBlank()) {
            return message;
        }
        String text = raw == null ? "" : new String(raw, 0, Math.min(raw.length, 500), StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "The provider answered with an error and no message." : "The provider answered: " + text;
    }

    @Override
    public ObjectNode errorFromHub(ErrorInfo error) {
        ObjectNode body = object();
        ObjectNode e = body.putObject("error");
        e.put("message", error.message());
        e.put("type", type(error.status()));
        e.putNull("param");
        if (error.code() != null) {
            e.put("code", error.code());
        } else {
            e.putNull("code");
        }
        return body;
    }

    static String type(int status) {
        return switch (status) {
            case 400, 413, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "insufficient_quota";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_exceeded";
            default -> "api_error";
        };
    }

    /** The usage block of a hub answer or chunk in Anthropic's terms: input excludes cache reads. */
    static long[] usage(JsonNode usage) {
        if (!present(usage) || !usage.isObject()) {
            return null;
        }
        long prompt = usage.path("prompt_tokens").asLong(0);
        long completion = usage.path("completion_tokens").asLong(0);
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        return new long[] {prompt, completion, cached};
    }

    static ObjectNode usageNode(long prompt, long completion, long cached) {
        ObjectNode u = object();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        if (cached > 0) {
            u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        }
        return u;
    }
}
