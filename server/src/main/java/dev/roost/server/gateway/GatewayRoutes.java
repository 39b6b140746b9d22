package dev.roost.server.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.gateway.Endpoint;
import dev.roost.gateway.GatewayRequest;
import dev.roost.gateway.GatewayResponse;
import dev.roost.gateway.ModelGateway;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Reply;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The model gateway's data plane on the Roost server: OpenAI- and Anthropic-compatible
 * endpoints under {@code /v1} and Gemini's under {@code /v1beta/models/MODEL:METHOD},
 * authenticated by a virtual key. The work is done by
 * {@link ModelGateway}; this class only adapts the HTTP exchange to it and writes its answer
 * straight to the response stream, so a streamed answer is relayed chunk by chunk.
 */
public final class GatewayRoutes {
    private final ModelGateway gateway;

    public GatewayRoutes(ModelGateway gateway) {
        this.gateway = requireNonNull(gateway, "gateway is null");
    }

    public List<ApiRoute> routes() {
        List<ApiRoute> routes = new ArrayList<>();
        for (Endpoint endpoint : Endpoint.values()) {
            if (endpoint.format() == dev.roost.gateway.ApiFormat.GEMINI) {
                continue; // one route below serves every Gemini method
            }
            String summary = switch (endpoint) {
                case CHAT_COMPLETIONS -> "OpenAI chat completions through the model gateway (streaming included)";
                case RESPONSES -> "OpenAI Responses API through the model gateway (streaming included)";
                case EMBEDDINGS -> "OpenAI embeddings through the model gateway";
                case MODELS -> "The models a virtual key may use (OpenAI list format; Anthropic's with anthropic-version)";
                case MESSAGES -> "Anthropic messages through the model gateway (streaming included)";
                case COUNT_TOKENS -> "Anthropic token counting through the model gateway";
                case GEMINI_GENERATE, GEMINI_STREAM, GEMINI_COUNT_TOKENS -> throw new IllegalStateException();
            };
            routes.add(endpoint == Endpoint.MODELS
                    ? ApiRoute.get(endpoint.path(), Access.GATEWAY_KEY, summary, call -> handle(call, endpoint, null))
                    : ApiRoute.post(endpoint.path(), Access.GATEWAY_KEY, summary, call -> handle(call, endpoint, null)));
        }
        // Google's SDKs call v1beta or v1 (the Java SDK's default); both go to the provider's v1beta.
        for (String version : List.of("v1beta", "v1")) {
            routes.add(ApiRoute.post("/" + version + "/models/{model}", Access.GATEWAY_KEY, "Gemini generateContent, "
                    + "streamGenerateContent (?alt=sse) and countTokens through the model gateway: /" + version
                    + "/models/MODEL:METHOD", this::gemini));
        }
        return routes;
    }

    /** {@code MODEL:METHOD} from the path; an unknown method is refused by the gateway after the key is checked. */
    private Object gemini(Call call) {
        String target = call.context().pathParam("model");
        int colon = target.lastIndexOf(':');
        Endpoint endpoint = colon < 0 ? null : Endpoint.geminiMethod(target.substring(colon + 1));
        String model = endpoint == null ? null : target.substring(0, colon);
        return handle(call, endpoint == null ? Endpoint.GEMINI_GENERATE : endpoint, model);
    }

    private Object handle(Call call, Endpoint endpoint, String pathModel) {
        long arrived = System.nanoTime();
        Context ctx = call.context();
        byte[] body = endpoint == Endpoint.MODELS ? new byte[0] : call.bodyBytes();
        GatewayResponse response = gateway.handle(new GatewayRequest(endpoint, ctx.queryString(), ctx::header, body, arrived,
                pathModel));
        return new Reply(response.status(), null, response.contentType(), null, response.headers(), c -> {
            try {
                response.body().writeTo(c.res().getOutputStream());
            } catch (IOException e) {
                // The client went away; the gateway has recorded it and cancelled the upstream request.
            }
        });
    }
}
