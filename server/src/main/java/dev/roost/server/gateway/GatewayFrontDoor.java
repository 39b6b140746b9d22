package dev.roost.server.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.gateway.Endpoint;
import dev.roost.gateway.GatewayRequest;
import dev.roost.gateway.GatewayResponse;
import dev.roost.gateway.ModelGateway;
import dev.roost.server.http.HttpApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The model gateway's data plane at the front of the HTTP server: a request to one of the
 * gateway's paths ({@code POST /v1/chat/completions}, … , {@code GET /v1/models},
 * {@code POST /v1beta/models/MODEL:METHOD}) is handed to
 * {@link ModelGateway} here, before the servlet, session and routing layers that the management
 * API needs and that would otherwise cost each model request more than the gateway's own work.
 * Every other request passes on to the API. The same paths stay registered as API routes
 * ({@link GatewayRoutes}), for the OpenAPI document and for the variants this door lets through
 * (a trailing slash); both ends call the same {@link ModelGateway#handle}, so they answer alike.
 *
 * <p>What the API adds to every answer is added here too: {@code X-Request-Id},
 * {@code Cache-Control: no-store}, {@code X-Content-Type-Options: nosniff}, the
 * {@code roost.http.requests} timer and the access log line for refusals. Bodies are bounded by
 * the server's {@code ROOST_MAX_REQUEST_BYTES}.
 */
public final class GatewayFrontDoor extends Handler.Wrapper {
    private static final Logger log = LoggerFactory.getLogger(GatewayFrontDoor.class);
    private static final Logger access = LoggerFactory.getLogger("roost.access");
    private static final Pattern REQUEST_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,64}$");
    private static final HttpField NO_STORE = new HttpField(HttpHeader.CACHE_CONTROL, "no-store");
    private static final HttpField NOSNIFF = new HttpField("X-Content-Type-Options", "nosniff");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final ModelGateway gateway;
    /** The most of a refused body read (and dropped) before answering 413. */
    private static final long MAX_DISCARDED_BYTES = 32L * 1024 * 1024;
    private final long maxRequestBytes;
    private final MeterRegistry meters;
    private final Map<String, Endpoint> posts = new HashMap<>();
    private final ConcurrentHashMap<Integer, Timer> timers = new ConcurrentHashMap<>();

    public GatewayFrontDoor(ModelGateway gateway, long maxRequestBytes, MeterRegistry meters) {
        this.gateway = requireNonNull(gateway, "gateway is null");
        this.meters = requireNonNull(meters, "meters is null");
        this.maxRequestBytes = maxRequestBytes;
        for (Endpoint e : Endpoint.values()) {
            if (e != Endpoint.MODELS && e.format() != dev.roost.gateway.ApiFormat.GEMINI) {
                posts.put(e.path(), e);
            }
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getDecodedPath();
        String method = request.getMethod();
        Endpoint endpoint = null;
        String pathModel = null;
        if ("POST".equals(method)) {
            endpoint = posts.get(path);
            if (endpoint == null && path != null) {
                // Gemini: /v1beta/models/MODEL:METHOD (or /v1/..., the Java SDK's default); an unknown method is
                // refused by the gateway once the key is checked.
                String target = path.startsWith("/v1beta/models/") ? path.substring(15)
                        : path.startsWith("/v1/models/") ? path.substring(11) : null;
                if (target != null && !target.isEmpty() && target.indexOf('/') < 0) {
                    int colon = target.lastIndexOf(':');
                    endpoint = colon < 0 ? null : Endpoint.geminiMethod(target.substring(colon + 1));
                    pathModel = endpoint == null ? null : target.substring(0, colon);
                    endpoint = endpoint == null ? Endpoint.GEMINI_GENERATE : endpoint;
                }
            }
        } else if ("GET".equals(method) && Endpoint.MODELS.path().equals(path)) {
            endpoint = Endpoint.MODELS;
        }
        if (endpoint == null) {
            return super.handle(request, response, callback);
        }
        long arrived = System.nanoTime();
        String requestId = requestId(request);
        MDC.put("requestId", requestId);
        int status = 500;
        try {
            GatewayResponse answer;
            byte[] body = endpoint == Endpoint.MODELS ? new byte[0] : body(request);
            HttpFields headers = request.getHeaders();
            answer = body == null ? gateway.bodyTooLarge(endpoint, maxRequestBytes, arrived)
                    : gateway.handle(new GatewayRequest(endpoint, request.getHttpURI().getQuery(), headers::get, body,
                            arrived, pathModel));
            status = answer.status();
            response.setStatus(status);
            HttpFields.Mutable out = response.getHeaders();
            out.put(HttpHeader.CONTENT_TYPE, answer.contentType());
            out.put(HttpApi.REQUEST_ID_HEADER, requestId);
            out.put(NO_STORE);
            out.put(NOSNIFF);
            answer.headers().forEach(out::put);
            try (OutputStream stream = Content.Sink.asOutputStream(response)) {
                answer.body().writeTo(stream);
            }
            callback.succeeded();
        } catch (IOException e) {
            // The client went away; the gateway has metered it and cancelled the upstream request.
            callback.failed(e);
        } catch (RuntimeException | Error e) {
            log.error("Gateway request {} {} failed, request {}", method, path, requestId, e);
            status = 500;
            if (response.isCommitted()) {
                callback.failed(e);
            } else {
                response.setStatus(500);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpApi.REQUEST_ID_HEADER, requestId);
                response.getHeaders().put("x-roost-error-code", "INTERNAL");
                Content.Sink.write(response, true, "{\"error\":{\"message\":\"Something went wrong on the server. Quote "
                        + "request id " + requestId + " when reporting it.\",\"type\":\"api_error\",\"param\":null,"
                        + "\"code\":\"INTERNAL\"}}", callback);
            }
        } finally {
            long nanos = System.nanoTime() - arrived;
            timer(endpoint, status).record(nanos, TimeUnit.NANOSECONDS);
            if (status >= 400) {
                access.info("{} {} -> {} in {} ms", method, path, status, nanos / 1_000_000);
            }
            MDC.remove("requestId");
        }
        return true;
    }

    /** The request's body, or null when it is larger than the server accepts. */
    private byte[] body(Request request) throws IOException {
        long declared = request.getLength();
        InputStream in = Content.Source.asInputStream(request);
        if (declared > maxRequestBytes) {
            discard(in);
            return null;
        }
        if (declared >= 0) {
            byte[] body = in.readNBytes((int) declared);
            return body.length == declared ? body : java.util.Arrays.copyOf(body, body.length);
        }
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
        if (body.length > maxRequestBytes) {
            discard(in);
            return null;
        }
        return body;
    }

    /**
     * Reads and drops what is left of a refused body, up to {@link #MAX_DISCARDED_BYTES}, so the client (still
     * sending) reads the 413 instead of a connection reset; a larger body is cut off by closing the connection.
     */
    private static void discard(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long left = MAX_DISCARDED_BYTES;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
            left -= n;
        }
    }

    private static String requestId(Request request) {
        String given = request.getHeaders().get(HttpApi.REQUEST_ID_HEADER);
        if (given != null && REQUEST_ID.matcher(given).matches()) {
            return given;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long a = random.nextLong();
        long b = random.nextLong();
        char[] id = new char[20];
        for (int i = 0; i < 16; i++) {
            id[i] = HEX[(int) (a >>> (i * 4)) & 0xf];
        }
        for (int i = 16; i < 20; i++) {
            id[i] = HEX[(int) (b >>> (i * 4)) & 0xf];
        }
        return new String(id);
    }

    private Timer timer(Endpoint endpoint, int status) {
        return timers.computeIfAbsent(endpoint.ordinal() * 1000 + status, k -> Timer.builder("roost.http.requests")
                .description("API requests by route and status")
                .tags("method", endpoint == Endpoint.MODELS ? "GET" : "POST", "route",
                        endpoint.format() == dev.roost.gateway.ApiFormat.GEMINI ? "/v1beta/models/{model}" : endpoint.path(),
                        "status",
                        Integer.toString(status))
                .register(meters));
    }
}
