package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.gateway.translate.Translation;
import dev.roost.store.Database;
import dev.roost.store.secrets.SecretStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The model gateway's data plane. For each request: check the virtual key (revoked, expired,
 * model allowlist, rate limits, budget), pick the targets (a model alias's list, else the first
 * provider speaking the client's format), send the client's bytes upstream (only the model name
 * spliced when the alias maps to another), retry and fall back to the next target on 429, 5xx,
 * timeouts and connection errors until the first byte goes to the client, then relay the answer
 * chunk by chunk. Every request with a valid key is metered off the request path.
 *
 * <p>Thread-safe: one instance serves every request thread.
 */
public final class ModelGateway implements ConfigChanges, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelGateway.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The most of an upstream error body kept to relay when every target failed. */
    private static final int MAX_ERROR_BODY = 64 * 1024;
    /** Non-streamed answers are parsed for usage up to this size; larger ones are relayed unmetered. */
    private static final int MAX_METERED_BODY = 16 * 1024 * 1024;
    public static final String ADDED_TIME_HEADER = "x-roost-gateway-ms";

    private final GatewaySettings settings;
    private final Clock clock;
    private final GatewayDirectory directory;
    private final KeyLimits limits = new KeyLimits();
    private final SpendTracker spend;
    private final GatewayMetrics metrics;
    private final UsageRecorder usage;
    private final UpstreamClient upstream;
    private final BufferPool buffers = new BufferPool();
    private final ConcurrentHashMap<UUID, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    /** Requests being relayed now; a permit is returned when the request's answer is done. */
    private final java.util.concurrent.Semaphore inFlight;

    public ModelGateway(Database database, SecretStore secrets, GatewaySettings settings, MeterRegistry meters, Clock clock) {
        requireNonNull(database, "database is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.directory = new GatewayDirectory(database, secrets, settings.cacheTtl());
        this.inFlight = new java.util.concurrent.Semaphore(settings.maxInFlight());
        this.spend = new SpendTracker(database);
        this.metrics = new GatewayMetrics(requireNonNull(meters, "meters is null"));
        this.usage = new UsageRecorder(database, settings.usageFlushInterval(), metrics);
        // HTTP/1.1 with keep-alive, plain or TLS, on each request's own thread; an answer's body may pause for
        // as long as a generation may take to start.
        this.upstream = new UpstreamClient(settings.connectTimeout(), settings.generationTimeout());
        this.usage.start();
    }

    // --- configuration changes from the management API

    @Override
    public void keyRevoked(UUID keyId) {
        directory.keyRevoked(keyId);
    }

    @Override
    public void routingChanged() {
        directory.routingChanged();
    }

    @Override
    public void pricesChanged() {
        directory.pricesChanged();
    }

    /** Writes every usage record gathered so far (tests). */
    public void flushUsage() {
        usage.flush();
    }

    /** Stops metering after writing every record still queued. */
    @Override
    public void close() {
        usage.close();
        upstream.close();
    }

    // --- the request path

    public GatewayResponse handle(GatewayRequest request) {
        Endpoint endpoint = request.endpoint();
        VirtualKey key;
        try {
            key = authenticate(request);
        } catch (GatewayError e) {
            metrics.error(e.code().name());
            return error(endpoint, e, request.arrivedNanos(), () -> {
            });
        }
        Meter meter = new Meter(request, key);
        try {
            if (endpoint == Endpoint.MODELS) {
                return models(request, key, meter);
            }
            if (!inFlight.tryAcquire()) {
                throw new GatewayError(ErrorCode.GATEWAY_OVERLOADED, "The gateway is relaying " + settings.maxInFlight()
                        + " requests already; retry in a moment.", Map.of("retry-after", "1"));
            }
            meter.holdsPermit = true;
            return forward(request, key, meter);
        } catch (GatewayError e) {
            metrics.error(e.code().name());
            meter.status = e.code().httpStatus();
            meter.errorCode = e.code().name();
            return error(endpoint, e, request.arrivedNanos(), meter::finish);
        } catch (RuntimeException e) {
            meter.status = 500;
            meter.errorCode = ErrorCode.INTERNAL.name();
            meter.finish(); // returns the permit; the HTTP layer answers and logs the error
            throw e;
        }
    }

    /** The answer to a request whose body is larger than the server accepts: 413, in the endpoint's own format. */
    public GatewayResponse bodyTooLarge(Endpoint endpoint, long limitBytes, long arrivedNanos) {
        GatewayError e = new GatewayError(ErrorCode.BODY_TOO_LARGE, "The request body is larger than the " + limitBytes
                + " bytes this server accepts (ROOST_MAX_REQUEST_BYTES).");
        metrics.error(e.code().name());
        return error(endpoint, e, arrivedNanos, () -> {
        });
    }

    private VirtualKey authenticate(GatewayRequest request) {
        String presented = presentedKey(request);
        if (presented == null) {
            throw new GatewayError(ErrorCode.GATEWAY_KEY_INVALID, "Send a Roost virtual key as 'Authorization: Bearer KEY', "
                    + "'x-api-key: KEY' or 'x-goog-api-key: KEY' (create one with 'roost key create').");
        }
        Optional<VirtualKey> found = presented.startsWith(VirtualKeyTokens.PREFIX) && presented.length() < 200
                ? directory.key(VirtualKeyTokens.hash(presented)) : Optional.empty();
        if (found.isEmpty()) {
            throw new GatewayError(ErrorCode.GATEWAY_KEY_INVALID, "This is not a Roost virtual key. Create one with 'roost key "
                    + "create' and send it as the API key.");
        }
        VirtualKey key = found.get();
        if (key.revoked() || directory.revokedHere(key.id())) {
            throw new GatewayError(ErrorCode.GATEWAY_KEY_REVOKED, "Virtual key " + key.prefix() + "… was revoked. Ask a "
                    + "workspace admin for a new one.");
        }
        if (key.expiredAt(clock.instant())) {
            throw new GatewayError(ErrorCode.GATEWAY_KEY_EXPIRED, "Virtual key " + key.prefix() + "… expired at "
                    + key.expiresAt() + ". Ask a workspace admin for a new one.");
        }
        return key;
    }

    private static String presentedKey(GatewayRequest request) {
        String authorization = request.header("authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String value = authorization.substring(7).strip();
            if (!value.isEmpty()) {
                return value;
            }
        }
        for (String header : new String[] {"x-api-key", "x-goog-api-key"}) {
            String value = request.header(header);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        if (request.endpoint().format() == ApiFormat.GEMINI) { // Google's SDKs may send the key as ?key=
            String value = request.queryParameter("key");
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }

    private GatewayResponse models(GatewayRequest request, VirtualKey key, Meter meter) {
        GatewayDirectory.Routing routing = directory.routing(key.workspaceId());
        List<String> names = new ArrayList<>();
        routing.aliases().keySet().stream().filter(key::allows).forEach(names::add);
        key.models().stream().filter(m -> !names.contains(m)).forEach(names::add);
        boolean anthropic = request.header("anthropic-version") != null;
        ObjectNode body = JSON.createObjectNode();
        ArrayNode data = body.putArray("data");
        for (String name : names) {
            ObjectNode m = data.addObject();
            if (anthropic) {
                m.put("type", "model").put("id", name).put("display_name", name).put("created_at", "1970-01-01T00:00:00Z");
            } else {
                m.put("id", name).put("object", "model").put("created", 0).put("owned_by", "roost");
            }
        }
        if (anthropic) {
            body.put("has_more", false);
            body.put("first_id", names.isEmpty() ? null : names.get(0));
            body.put("last_id", names.isEmpty() ? null : names.get(names.size() - 1));
        } else {
            body.put("object", "list");
        }
        meter.status = 200;
        meter.model = "*";
        return GatewayResponse.bytes(200, Map.of(ADDED_TIME_HEADER, millis(System.nanoTime() - request.arrivedNanos())),
                "application/json", JSON.writeValueAsBytes(body), meter::finish);
    }

    private GatewayResponse forward(GatewayRequest request, VirtualKey key, Meter meter) {
        Endpoint endpoint = request.endpoint();
        RequestFields fields;
        try {
            fields = RequestFields.read(request.body());
        } catch (IllegalArgumentException e) {
            throw new GatewayError(ErrorCode.MALFORMED_BODY, "The request body must be a JSON object: " + e.getMessage() + ".");
        }
        String model = endpoint.format() == ApiFormat.GEMINI ? request.pathModel() : fields.model();
        if (model == null || model.isBlank()) {
            throw new GatewayError(ErrorCode.VALIDATION_FAILED, endpoint.format() == ApiFormat.GEMINI
                    ? "Call /v1beta/models/MODEL:generateContent, :streamGenerateContent or :countTokens."
                    : "The request needs a \"model\" (a string).");
        }
        meter.model = model;
        meter.streamed = endpoint == Endpoint.GEMINI_STREAM || fields.stream();
        if (!key.allows(model)) {
            throw new GatewayError(ErrorCode.MODEL_NOT_ALLOWED, "Virtual key " + key.prefix() + "… may not use model " + model
                    + "; it may use " + String.join(", ", key.models()) + ".");
        }
        long wait = limits.admit(key);
        if (wait > 0) {
            long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
            throw new GatewayError(ErrorCode.RATE_LIMITED, "Virtual key " + key.prefix() + "… is over its rate limit ("
                    + (key.rpm() == null ? "" : key.rpm() + " requests") + (key.rpm() != null && key.tpm() != null ? ", " : "")
                    + (key.tpm() == null ? "" : key.tpm() + " tokens") + " per minute). Retry after " + seconds + " s.",
                    Map.of("retry-after", Long.toString(seconds)));
        }
        if (key.budget() != null) {
            long spent = spend.spent(key, clock.instant());
            if (spent >= key.budget().micros()) {
                throw new GatewayError(ErrorCode.BUDGET_EXCEEDED, "Virtual key " + key.prefix() + "… has spent its budget of "
                        + key.budget() + " (" + Money.usd(spent) + " USD so far this period).");
            }
        }
        List<Candidate> plan = plan(directory.routing(key.workspaceId()), model, endpoint);
        return attempt(request, fields, plan, meter);
    }

    /** A provider and the model name to ask it for. */
    private record Candidate(GatewayDirectory.Upstream upstream, String model) {
    }

    private static List<Candidate> plan(GatewayDirectory.Routing routing, String model, Endpoint endpoint) {
        ModelAlias alias = routing.aliases().get(model);
        List<Candidate> plan = new ArrayList<>();
        if (alias != null) {
            List<ModelAlias.Target> targets = weightedOrder(alias.targets());
            List<String> skipped = new ArrayList<>();
            for (ModelAlias.Target t : targets) {
                GatewayDirectory.Upstream u = routing.byName().get(t.provider());
                if (u != null && (u.provider().kind().format() == endpoint.format()
                        || Translation.supports(endpoint, u.provider().kind().format()))) {
                    plan.add(new Candidate(u, t.model()));
                } else {
                    skipped.add(t.provider() + (u == null ? " (gone)" : " (speaks " + u.provider().kind().format().name()
                            .toLowerCase(Locale.ROOT) + ")"));
                }
            }
            if (plan.isEmpty()) {
                throw new GatewayError(ErrorCode.MODEL_NOT_ROUTABLE, "Model alias " + model + " has no target that speaks the "
                        + endpoint.format().name().toLowerCase(Locale.ROOT) + " format this endpoint uses (targets: "
                        + String.join(", ", skipped) + "), and this endpoint's requests are not translated to other formats "
                        + "(only chat: /v1/chat/completions, /v1/messages and Gemini's generateContent are).");
            }
            return plan;
        }
        for (GatewayDirectory.Upstream u : routing.upstreams()) {
            if (u.provider().kind().format() == endpoint.format()) {
                plan.add(new Candidate(u, model));
                return plan;
            }
        }
        throw new GatewayError(ErrorCode.MODEL_NOT_ROUTABLE, "No model alias is named " + model + " and no provider this "
                + "workspace can use speaks the " + endpoint.format().name().toLowerCase(Locale.ROOT) + " format. Add one with "
                + "'roost provider add', or map the model with 'roost model alias set'.");
    }

    /** Without weights, the alias's order; with weights, the first target drawn by weight, then the rest in order. */
    static List<ModelAlias.Target> weightedOrder(List<ModelAlias.Target> targets) {
        int total = 0;
        for (ModelAlias.Target t : targets) {
            total += t.weight() == null ? 0 : t.weight();
        }
        if (total <= 0) {
            return targets;
        }
        int draw = ThreadLocalRandom.current().nextInt(total);
        int first = 0;
        for (int i = 0; i < targets.size(); i++) {
            int w = targets.get(i).weight() == null ? 0 : targets.get(i).weight();
            if (draw < w) {
                first = i;
                break;
            }
            draw -= w;
        }
        if (first == 0) {
            return targets;
        }
        List<ModelAlias.Target> ordered = new ArrayList<>(targets.size());
        ordered.add(targets.get(first));
        for (int i = 0; i < targets.size(); i++) {
            if (i != first) {
                ordered.add(targets.get(i));
            }
        }
        return ordered;
    }

    /** Why one attempt did not produce an answer to relay. */
    private record Failure(String provider, String reason, boolean timeout, int status, HttpHeaders headers, byte[] body) {
    }

    private GatewayResponse attempt(GatewayRequest request, RequestFields fields, List<Candidate> plan, Meter meter) {
        Endpoint endpoint = request.endpoint();
        Failure last = null;
        GatewayError refused = null; // a target whose format cannot take the request is skipped for the next one
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < plan.size(); i++) {
            Candidate candidate = plan.get(i);
            Provider provider = candidate.upstream().provider();
            CircuitBreaker breaker = breakers.computeIfAbsent(provider.id(),
                    id -> new CircuitBreaker(settings.breakerFailures(), settings.breakerOpenFor().toNanos()));
            meter.provider = provider.name();
            meter.upstreamModel = candidate.model();
            Translation translation = Translation.between(endpoint, provider.kind(), request.query());
            boolean skipped = false;
            for (int retry = 0; retry <= settings.retriesPerTarget(); retry++) {
                if (!breaker.allows(System.nanoTime())) {
                    last = new Failure(provider.name(), "circuit open after repeated failures", false, 0, null, null);
                    break;
                }
                if (retry > 0) {
                    pause(25L << (retry - 1));
                }
                Object outcome;
                try {
                    outcome = send(request, fields, candidate, translation, meter);
                } catch (GatewayError e) {
                    if (e.code() != ErrorCode.TRANSLATION_UNSUPPORTED) {
                        throw e;
                    }
                    refused = refused == null ? e : refused;
                    skipped = true;
                    break;
                }
                meter.attempts++;
                if (outcome instanceof HttpResponse<?> response) {
                    breaker.succeeded();
                    @SuppressWarnings("unchecked")
                    HttpResponse<InputStream> answer = (HttpResponse<InputStream>) response;
                    return translation == null ? relay(request, answer, meter) : relayTranslated(answer, translation, meter);
                }
                Failure failure = (Failure) outcome;
                breaker.failed(System.nanoTime());
                last = failure;
                if (failure.status() == 429 || candidate.upstream().key() == null && failure.status() == 0
                        && failure.reason().startsWith("its key")) {
                    break; // a rate-limited or misconfigured upstream is not asked again at once: the next target is
                }
            }
            if (skipped) {
                continue; // refused before anything was sent
            }
            reasons.add(last.provider() + ": " + last.reason());
            if (i < plan.size() - 1) {
                metrics.fallback(provider.name());
                log.info("Gateway: {} failed for model {} ({}); falling back to {}", provider.name(), meter.model,
                        last.reason(), plan.get(i + 1).upstream().provider().name());
            }
        }
        // Every target failed before anything reached the client.
        if (last == null) {
            throw refused;
        }
        if (last.status() > 0) {
            meter.status = last.status();
            meter.errorCode = last.status() == 429 ? "UPSTREAM_RATE_LIMITED" : "UPSTREAM_ERROR";
            metrics.error(meter.errorCode);
            Map<String, String> headers = relayedHeaders(last.headers());
            headers.put(ADDED_TIME_HEADER, millis(meter.addedNanos()));
            headers.put("x-roost-provider", last.provider());
            String type = last.headers().firstValue("content-type").orElse("application/json");
            return GatewayResponse.bytes(last.status(), headers, type, last.body(), meter::finish);
        }
        throw new GatewayError(last.timeout() ? ErrorCode.UPSTREAM_TIMEOUT : ErrorCode.UPSTREAM_UNAVAILABLE,
                "No provider could answer model " + meter.model + ": " + String.join("; ", reasons) + ".");
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends one attempt; the response (headers received, body unread) when it can be relayed, else a {@link Failure}. */
    private Object send(GatewayRequest request, RequestFields fields, Candidate candidate, Translation translation, Meter meter) {
        Endpoint endpoint = request.endpoint();
        Provider provider = candidate.upstream().provider();
        if (provider.keySecret() != null && candidate.upstream().key() == null) {
            return new Failure(provider.name(), candidate.upstream().keyProblem(), false, 0, null, null);
        }
        byte[] body;
        String url;
        if (translation == null) {
            body = fields.upstreamBody(request.body(), candidate.model(), endpoint == Endpoint.CHAT_COMPLETIONS);
            String query = endpoint.format() == ApiFormat.GEMINI ? request.queryWithout("key") : request.query();
            url = provider.baseUrl() + endpoint.upstreamPath(candidate.model()) + (query == null || query.isEmpty()
                    ? "" : "?" + query);
        } else {
            body = translation.request(request.body(), candidate.model(), meter.streamed);
            url = provider.baseUrl() + translation.upstreamPath(candidate.model(), meter.streamed);
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return new Failure(provider.name(), "its base URL is not usable", false, 0, null, null);
        }
        List<String[]> builder = new ArrayList<>(8);
        builder.add(new String[] {"content-type", "application/json"});
        copyHeader(request, builder, "accept");
        copyHeader(request, builder, "user-agent");
        String key = candidate.upstream().key();
        if (provider.kind().format() == ApiFormat.ANTHROPIC) {
            String version = request.header("anthropic-version");
            builder.add(new String[] {"anthropic-version", version == null ? "2023-06-01" : version});
            if (translation == null) {
                copyHeader(request, builder, "anthropic-beta");
            }
            if (key != null) {
                builder.add(new String[] {"x-api-key", key});
            }
        } else if (provider.kind().format() == ApiFormat.GEMINI) {
            if (key != null) {
                builder.add(new String[] {"x-goog-api-key", key});
            }
        } else {
            copyHeader(request, builder, "openai-beta");
            if (key != null) {
                builder.add(new String[] {"authorization", "Bearer " + key});
            }
        }
        UpstreamClient.Request upstreamRequest;
        try {
            upstreamRequest = new UpstreamClient.Request(uri, builder, body);
        } catch (IllegalArgumentException e) {
            return new Failure(provider.name(), "its base URL is not usable", false, 0, null, null);
        }
        long sent = System.nanoTime();
        meter.beforeUpstream += sent - meter.attemptStarted;
        try {
            HttpResponse<InputStream> response = upstream.send(upstreamRequest, settings.timeoutFor(endpoint).toNanos());
            long received = System.nanoTime();
            meter.headersReceived = received;
            metrics.upstreamLatency(provider.name(), endpoint, response.statusCode(), received - sent);
            int status = response.statusCode();
            if (status == 429 || status >= 500) {
                byte[] errorBody = readBounded(response.body());
                HttpHeaders headers = response.headers();
                if (translation != null) { // relayed in the client's error shape if no other target answers
                    errorBody = translation.error(status, errorBody);
                    Map<String, List<String>> map = new LinkedHashMap<>(headers.map());
                    map.keySet().removeIf(h -> h.equalsIgnoreCase("content-type"));
                    map.put("content-type", List.of("application/json"));
                    headers = HttpHeaders.of(map, (a, b) -> true);
                }
                meter.attemptStarted = System.nanoTime();
                return new Failure(provider.name(), "answered " + status, false, status, headers, errorBody);
            }
            return response;
        } catch (java.net.SocketTimeoutException e) {
            return timedOut(provider, endpoint, meter, sent);
        } catch (IOException e) {
            meter.attemptStarted = System.nanoTime();
            return new Failure(provider.name(), "connection failed (" + e.getClass().getSimpleName() + ")", false, 0, null,
                    null);
        }
    }

    private Failure timedOut(Provider provider, Endpoint endpoint, Meter meter, long sent) {
        meter.attemptStarted = System.nanoTime();
        metrics.upstreamLatency(provider.name(), endpoint, 0, System.nanoTime() - sent);
        return new Failure(provider.name(), "no answer within " + settings.timeoutFor(endpoint).toSeconds() + " s", true, 0,
                null, null);
    }

    private static void copyHeader(GatewayRequest request, List<String[]> headers, String name) {
        String value = request.header(name);
        if (value != null) {
            headers.add(new String[] {name, value});
        }
    }

    private static byte[] readBounded(InputStream in) {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_ERROR_BODY);
            return bytes;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Response headers worth passing on: request ids, rate-limit and processing information, Retry-After. */
    private static Map<String, String> relayedHeaders(HttpHeaders headers) {
        Map<String, String> relayed = new LinkedHashMap<>();
        headers.map().forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (!values.isEmpty() && (n.equals("retry-after") || n.equals("request-id") || n.equals("x-request-id")
                    || n.startsWith("x-ratelimit-") || n.startsWith("anthropic-ratelimit-") || n.startsWith("openai-")
                    || n.equals("retry-after-ms"))) {
                relayed.put(n.equals("x-request-id") ? "x-upstream-request-id" : n, values.get(0));
            }
        });
        return relayed;
    }

    private GatewayResponse relay(GatewayRequest request, HttpResponse<InputStream> response, Meter meter) {
        String type = response.headers().firstValue("content-type").orElse("application/json");
        boolean stream = type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        meter.streamed = stream;
        meter.status = response.statusCode();
        Map<String, String> headers = relayedHeaders(response.headers());
        headers.put("x-roost-provider", meter.provider);
        meter.afterUpstream = System.nanoTime() - meter.headersReceived;
        headers.put(ADDED_TIME_HEADER, millis(meter.addedNanos()));
        StreamBudget budget = stream && meter.status < 400 ? streamBudget(request, meter) : null;
        return new GatewayResponse(response.statusCode(), headers, type, out -> copy(response.body(), out, stream, budget,
                meter));
    }

    /** For a streamed answer on a key with a budget and a priced model, what watches its cost; else null. */
    private StreamBudget streamBudget(GatewayRequest request, Meter meter) {
        VirtualKey key = meter.key;
        if (key.budget() == null) {
            return null;
        }
        Price price = price(meter.upstreamModel, meter.model);
        return price == null ? null : new StreamBudget(key.budget(), price, request.body().length,
                () -> spend.spent(key, meter.at));
    }

    private Price price(String upstreamModel, String model) {
        Price price = upstreamModel == null ? null : directory.prices().get(upstreamModel);
        return price != null ? price : directory.prices().get(model);
    }

    /**
     * Relays an answer from a provider of another format, rewritten for the client: a stream
     * event by event as it arrives, a whole answer (or an error) at once. Usage is read from
     * the provider's own bytes, as on the fast path.
     */
    private GatewayResponse relayTranslated(HttpResponse<InputStream> response, Translation translation, Meter meter) {
        String type = response.headers().firstValue("content-type").orElse("application/json");
        boolean stream = type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        int status = response.statusCode();
        meter.streamed = stream;
        meter.status = status;
        Map<String, String> headers = relayedHeaders(response.headers());
        headers.put("x-roost-provider", meter.provider);
        headers.put("x-roost-translated", "true");
        meter.afterUpstream = System.nanoTime() - meter.headersReceived;
        headers.put(ADDED_TIME_HEADER, millis(meter.addedNanos()));
        if (!stream) {
            return new GatewayResponse(status, headers, "application/json", out -> {
                byte[] body;
                try (InputStream in = response.body()) {
                    body = in.readNBytes(MAX_METERED_BODY);
                } catch (IOException e) {
                    meter.errorCode = "UPSTREAM_DROPPED";
                    meter.finish();
                    throw new IOException("the provider dropped the connection", e);
                }
                try {
                    if (status < 400) {
                        TokenCounts counted = UsageParser.fromJson(body, 0, body.length);
                        meter.tokens = counted == null ? TokenCounts.NONE : counted;
                    }
                    out.write(status < 400 ? translation.response(body) : translation.error(status, body));
                    out.flush();
                } catch (IOException e) {
                    meter.status = 499;
                    meter.errorCode = "CLIENT_DISCONNECTED";
                    throw e;
                } finally {
                    meter.finish();
                }
            });
        }
        Translation.Stream rewrite = translation.stream();
        return new GatewayResponse(status, headers, translation.streamContentType(), out -> {
            SseUsageScanner scanner = new SseUsageScanner();
            byte[] buffer = new byte[8 * 1024];
            boolean complete = false;
            try (InputStream in = response.body()) {
                while (true) {
                    int n;
                    try {
                        n = in.read(buffer);
                    } catch (IOException e) {
                        meter.errorCode = "UPSTREAM_DROPPED";
                        log.info("Gateway: {} dropped the connection mid-answer ({})", meter.provider,
                                e.getClass().getSimpleName());
                        break;
                    }
                    if (n < 0) {
                        complete = true;
                        break;
                    }
                    scanner.accept(buffer, 0, n);
                    byte[] translated = rewrite.accept(buffer, 0, n);
                    if (translated.length > 0) {
                        write(out, translated, meter);
                    }
                }
                write(out, rewrite.finish(complete), meter);
            } finally {
                meter.tokens = scanner.tokens();
                meter.finish();
            }
        });
    }

    private static void write(OutputStream out, byte[] bytes, Meter meter) throws IOException {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            meter.status = 499;
            meter.errorCode = "CLIENT_DISCONNECTED";
            throw e; // closing the upstream body cancels the upstream request
        }
    }

    private void copy(InputStream in, OutputStream out, boolean stream, StreamBudget budget, Meter meter) throws IOException {
        SseUsageScanner scanner = stream ? new SseUsageScanner() : null;
        byte[] buffer = buffers.take();
        // A whole answer is read into the buffer one read after the other, and metered from it: only an
        // answer larger than the buffer is also gathered apart.
        int filled = 0;
        Collected spilled = null;
        boolean clientGone = false;
        boolean cut = false;
        try (in) {
            int n;
            while (!cut) {
                if (!stream && filled == buffer.length) {
                    if (spilled == null) {
                        spilled = new Collected();
                    }
                    if (spilled.size() + filled <= MAX_METERED_BODY) {
                        spilled.write(buffer, 0, filled);
                    }
                    filled = 0;
                }
                int at = stream ? 0 : filled;
                try {
                    n = in.read(buffer, at, buffer.length - at);
                } catch (IOException e) {
                    meter.errorCode = "UPSTREAM_DROPPED";
                    log.info("Gateway: {} dropped the connection mid-answer ({})", meter.provider, e.getClass().getSimpleName());
                    break;
                }
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    continue;
                }
                int relay = n;
                if (budget != null) {
                    relay = cutWhereBudgetEnds(buffer, n, scanner, budget);
                    cut = relay >= 0;
                    relay = cut ? relay : n;
                } else if (scanner != null) {
                    scanner.accept(buffer, 0, n);
                } else {
                    filled += n;
                }
                try {
                    out.write(buffer, at, relay);
                    if (cut) {
                        out.write(StreamBudget.endEvent(meter.request.endpoint(), budgetMessage(meter.key)));
                    }
                    out.flush(); // relay each chunk as it arrives
                } catch (IOException e) {
                    clientGone = true;
                    meter.status = 499;
                    meter.errorCode = "CLIENT_DISCONNECTED";
                    throw e; // closing the upstream body (try-with-resources) cancels the upstream request
                }
            }
        } finally {
            if (scanner != null) {
                meter.tokens = cut ? budget.tokens(scanner.tokens()) : scanner.tokens();
            } else if (meter.status < 400 && (filled > 0 || spilled != null)) {
                TokenCounts counted;
                if (spilled == null) {
                    counted = UsageParser.fromJson(buffer, 0, filled);
                } else {
                    spilled.write(buffer, 0, filled);
                    counted = spilled.size() <= MAX_METERED_BODY ? UsageParser.fromJson(spilled.bytes(), 0, spilled.size())
                            : null;
                }
                meter.tokens = counted == null ? TokenCounts.NONE : counted;
            }
            buffers.give(buffer);
            if (cut) {
                meter.errorCode = ErrorCode.BUDGET_EXCEEDED.name();
                metrics.error(meter.errorCode);
                log.info("Gateway: a stream from {} was ended after {} events: virtual key {}… reached its budget",
                        meter.provider, scanner.events(), meter.key.prefix());
            }
            if (clientGone) {
                log.info("Gateway: the client went away mid-answer from {}; the upstream request was cancelled", meter.provider);
            }
            meter.finish();
        }
    }

    /** A non-streamed answer larger than the relay buffer, gathered to be metered. */
    private static final class Collected extends ByteArrayOutputStream {
        Collected() {
            super(16 * 1024);
        }

        byte[] bytes() {
            return buf;
        }
    }

    /** Relay buffers, reused: each answer would otherwise allocate one for a few hundred bytes. Thread-safe. */
    private static final class BufferPool {
        private static final int SIZE = 8 * 1024;
        private static final int KEPT = 256;
        private final java.util.concurrent.ConcurrentLinkedQueue<byte[]> free = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        byte[] take() {
            byte[] b = free.poll();
            if (b == null) {
                return new byte[SIZE];
            }
            count.decrementAndGet();
            return b;
        }

        void give(byte[] b) {
            if (count.incrementAndGet() <= KEPT) {
                free.offer(b);
            } else {
                count.decrementAndGet();
            }
        }
    }

    /**
     * Scans a chunk of a stream event by event; the length of the chunk up to the end of the
     * event after which the key's budget is used up, or -1 when the whole chunk may go.
     */
    private static int cutWhereBudgetEnds(byte[] chunk, int n, SseUsageScanner scanner, StreamBudget budget) {
        for (int i = 0; i < n; ) {
            i = scanner.scan(chunk, i, n);
            if (scanner.eventEnded() && budget.exhausted(scanner.tokens(), scanner.events())) {
                return i;
            }
        }
        return -1;
    }

    private static String budgetMessage(VirtualKey key) {
        return "Virtual key " + key.prefix() + "… has spent its budget of " + key.budget() + "; this answer was ended "
                + "early. Ask a workspace admin to raise the budget.";
    }

    private GatewayResponse error(Endpoint endpoint, GatewayError e, long arrived, Runnable whenWritten) {
        int status = e.code().httpStatus();
        ObjectNode body = JSON.createObjectNode();
        if (endpoint.format() == ApiFormat.GEMINI) {
            ObjectNode error = body.putObject("error");
            error.put("code", status);
            error.put("message", e.getMessage());
            error.put("status", geminiStatus(status));
            error.putArray("details").addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                    .put("reason", e.code().name()).put("domain", "roost");
        } else if (endpoint.format() == ApiFormat.ANTHROPIC) {
            body.put("type", "error");
            ObjectNode error = body.putObject("error");
            error.put("type", anthropicType(status));
            error.put("message", e.getMessage());
            error.put("code", e.code().name());
        } else {
            ObjectNode error = body.putObject("error");
            error.put("message", e.getMessage());
            error.put("type", openAiType(status));
            error.putNull("param");
            error.put("code", e.code().name());
        }
        Map<String, String> headers = new LinkedHashMap<>(e.headers());
        headers.put("x-roost-error-code", e.code().name());
        headers.put(ADDED_TIME_HEADER, millis(System.nanoTime() - arrived));
        return GatewayResponse.bytes(status, headers, "application/json", JSON.writeValueAsBytes(body), whenWritten);
    }

    private static String anthropicType(int status) {
        return switch (status) {
            case 400, 413 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    private static String geminiStatus(int status) {
        return switch (status) {
            case 400, 413 -> "INVALID_ARGUMENT";
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

    private static String openAiType(int status) {
        return switch (status) {
            case 400, 413 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "insufficient_quota";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_exceeded";
            default -> "api_error";
        };
    }

    /** Nanoseconds as milliseconds with three decimals, without String.format (this runs on every request). */
    static String millis(long nanos) {
        long micros = Math.max(0, nanos / 1000);
        long fraction = micros % 1000;
        return (micros / 1000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    /**
     * What one request did, filled in as it goes and written as a usage record when its answer
     * is done. Confined to the request's thread.
     */
    private final class Meter {
        private final GatewayRequest request;
        private final VirtualKey key;
        private final Instant at;
        long attemptStarted;
        long beforeUpstream;
        long headersReceived;
        long afterUpstream;
        String model = "";
        String provider;
        String upstreamModel;
        boolean streamed;
        int attempts;
        int status;
        String errorCode;
        TokenCounts tokens = TokenCounts.NONE;
        boolean holdsPermit;
        private boolean finished;

        Meter(GatewayRequest request, VirtualKey key) {
            this.request = request;
            this.key = key;
            this.at = clock.instant();
            this.attemptStarted = request.arrivedNanos();
        }

        long addedNanos() {
            return beforeUpstream + afterUpstream;
        }

        void finish() {
            if (finished) {
                return;
            }
            finished = true;
            if (holdsPermit) {
                inFlight.release();
            }
            long cost = 0;
            if (upstreamModel != null && tokens.total() > 0) {
                Price price = price(upstreamModel, model);
                cost = price == null ? 0 : price.cost(tokens);
            }
            if (provider != null) {
                metrics.tokens(provider, tokens);
            }
            limits.charge(key, tokens.total());
            spend.add(key.id(), key.budget(), at, cost);
            double added = addedNanos() / 1_000_000.0;
            if (headersReceived > 0) {
                metrics.added(added);
            }
            int latency = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - request.arrivedNanos()) / 1_000_000);
            usage.record(new UsageRecord(at, key.workspaceId(), key.id(), key.instanceName(), request.endpoint().path(), model,
                    provider, upstreamModel, tokens, cost, latency, added, status == 0 ? 500 : status, streamed, attempts,
                    errorCode));
        }
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
