package dev.roost.server.http;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.Database;
import dev.roost.store.Session;
import dev.roost.store.idempotency.IdempotencyStore;
import io.javalin.Javalin;
import io.javalin.http.ContentTooLargeResponse;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP front door. Every route goes through the same steps, in this order: request id,
 * authentication, the route's {@link Access} rule, then the handler; mutations run in one
 * database transaction together with their audit entry and, for a POST with an
 * {@code Idempotency-Key}, the stored first answer. Errors become problem documents; nothing
 * a client sends can produce a 500 except a bug, which is logged with the request id.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final Logger access = LoggerFactory.getLogger("roost.access");
    private static final Pattern REQUEST_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,64}$");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("^[\\x21-\\x7e]{1,200}$");
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    private final List<ApiRoute> routes;
    private final Database database;
    private final Authentication authenticator;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Javalin app;
    private final BrowserFront browser;

    public HttpApi(List<ApiRoute> routes, Database database, Authentication authenticator, MeterRegistry meters, Clock clock,
            String host, int port, long maxRequestBytes) {
        this(routes, database, authenticator, null, meters, clock, host, port, maxRequestBytes);
    }

    /** With a {@link BrowserFront} (may be null) for the routes under its prefix: the web console. */
    public HttpApi(List<ApiRoute> routes, Database database, Authentication authenticator, BrowserFront browser,
            MeterRegistry meters, Clock clock, String host, int port, long maxRequestBytes) {
        this(routes, database, authenticator, browser, meters, clock, host, port, maxRequestBytes, null);
    }

    /**
     * With a Jetty handler (may be null) that sees every request before the routes do and
     * passes on what it does not answer itself: the model gateway's data plane.
     */
    public HttpApi(List<ApiRoute> routes, Database database, Authentication authenticator, BrowserFront browser,
            MeterRegistry meters, Clock clock, String host, int port, long maxRequestBytes,
            org.eclipse.jetty.server.Handler.Singleton front) {
        this.browser = browser;
        this.routes = List.copyOf(routes);
        this.database = requireNonNull(database, "database is null");
        this.authenticator = requireNonNull(authenticator, "authenticator is null");
        this.meters = requireNonNull(meters, "meters is null");
        this.clock = requireNonNull(clock, "clock is null");
        checkUnique(this.routes);
        this.app = Javalin.create(config -> {
            config.jetty.host = host;
            config.jetty.port = port;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = maxRequestBytes;
            config.http.prefer405over404 = true;
            config.http.generateEtags = false;
            config.startup.showJavalinBanner = false;
            config.router.ignoreTrailingSlashes = true;
            if (front != null) {
                config.jetty.modifyServer(server -> server.insertHandler(front));
            }
            // Jetty's per-connection cache of header lines costs about 64 KiB on every keep-alive connection
            // that sends a cacheable header; with hundreds of agents connected that is a heap of its own.
            config.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
            for (ApiRoute route : this.routes) {
                config.routes.addHttpHandler(route.method(), route.path(), ctx -> handle(route, ctx));
            }
            config.routes.exception(HttpResponseException.class, this::frameworkError);
            config.routes.exception(Exception.class, (e, ctx) -> {
                String requestId = requestId(ctx);
                log.error("Unhandled error outside a route, request {}", requestId, e);
                Problems.write(ctx, new RoostException(ErrorCode.INTERNAL,
                        "Something went wrong on the server. Quote request id " + requestId + " when reporting it."), requestId);
            });
        });
    }

    public Javalin javalin() {
        return app;
    }

    public List<ApiRoute> routes() {
        return routes;
    }

    public void start() {
        app.start();
    }

    public int port() {
        return app.port();
    }

    public void stop() {
        app.stop();
    }

    private void handle(ApiRoute route, Context ctx) {
        long started = System.nanoTime();
        String requestId = requestId(ctx);
        ctx.header(REQUEST_ID_HEADER, requestId);
        ctx.header("Cache-Control", "no-store");
        ctx.header("X-Content-Type-Options", "nosniff");
        MDC.put("requestId", requestId);
        Principal principal = null;
        LazySession reads = new LazySession(database);
        boolean browserRoute = browser != null && isBrowserPath(route.path());
        try {
            if (browserRoute) {
                browser.secure(ctx);
                principal = browser.authenticate(ctx, reads).orElse(null);
                if (route.mutating()) {
                    browser.checkForgery(route, ctx, principal);
                }
            } else {
                principal = authenticate(route, ctx, reads);
            }
            if (principal != null) {
                MDC.put("actor", principal.actor());
            }
            Resolved resolved = authorize(route, ctx, principal, reads);
            Reply reply;
            if (route.mutating()) {
                reads.close();
                Principal caller = principal;
                reply = database.transaction(session -> execute(route, new Call(ctx, route, caller, requestId,
                        () -> session, resolved.workspace, resolved.role, clock), session));
            } else {
                reply = toReply(route.handler().handle(new Call(ctx, route, principal, requestId, reads, resolved.workspace,
                        resolved.role, clock)));
            }
            if (reply.stream() != null) {
                reads.close(); // a stream may last hours: give the database connection back first
            }
            write(ctx, reply, requestId);
        } catch (RoostException e) {
            writeProblem(browserRoute, ctx, e, requestId, principal);
        } catch (HttpResponseException e) {
            frameworkError(e, ctx);
        } catch (Exception e) {
            RoostException translated = translateUnexpected(e);
            if (translated.code() == ErrorCode.INTERNAL) {
                log.error("Request {} {} failed", route.key(), requestId, e);
                meters.counter("roost.http.internal.errors", "route", route.key()).increment();
            }
            writeProblem(browserRoute, ctx, translated, requestId, principal);
        } finally {
            reads.close();
            long nanos = System.nanoTime() - started;
            int status = ctx.statusCode();
            timer(route, status).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            if (route.mutating() || status >= 400) {
                access.info("{} {} -> {} in {} ms{}", ctx.method(), ctx.path(), status, nanos / 1_000_000,
                        principal == null ? "" : " by " + principal.actor());
            } else if (access.isDebugEnabled()) {
                access.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), status, nanos / 1_000_000);
            }
            MDC.clear();
        }
    }

    private boolean isBrowserPath(String path) {
        return path.equals(browser.prefix()) || path.startsWith(browser.prefix() + "/");
    }

    private void writeProblem(boolean browserRoute, Context ctx, RoostException e, String requestId, Principal principal) {
        if (browserRoute) {
            browser.writeError(ctx, e, requestId, principal);
        } else {
            Problems.write(ctx, e, requestId);
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    /** One timer per route and status, looked up once: building meter ids per request costs allocation. */
    private Timer timer(ApiRoute route, int status) {
        return timers.computeIfAbsent(route.key() + " " + status, k -> Timer.builder("roost.http.requests")
                .description("API requests by route and status")
                .tags("method", route.method().name(), "route", route.path(), "status", Integer.toString(status))
                .register(meters));
    }

    private Principal authenticate(ApiRoute route, Context ctx, LazySession reads) {
        if (route.access() instanceof Access.SenderSignature || route.access() instanceof Access.GatewayKey) {
            return null; // an outside sender's Authorization header (or a virtual key) is not a Roost sign-in
        }
        try {
            return authenticator.authenticate(ctx.header("Authorization"), reads).orElse(null);
        } catch (RoostException e) {
            if (route.access() instanceof Access.Public) {
                return null; // a stale token must not lock anyone out of signing in again
            }
            throw e;
        }
    }

    private record Resolved(Workspace workspace, Role role) {
    }

    private static final Resolved NONE = new Resolved(null, null);

    private Resolved authorize(ApiRoute route, Context ctx, Principal principal, LazySession reads) {
        Access rule = route.access();
        if (rule instanceof Access.Public || rule instanceof Access.SenderSignature || rule instanceof Access.GatewayKey) {
            return NONE;
        }
        if (principal == null) {
            throw new RoostException(ErrorCode.UNAUTHENTICATED,
                    "Sign in first: send 'Authorization: Bearer <token>' with an access token or an API token.");
        }
        if (principal.isNode() && !(rule instanceof Access.NodeCaller)) {
            throw RoostException.forbidden("Node credentials are accepted on node routes only.");
        }
        return switch (rule) {
            case Access.Public p -> NONE;
            case Access.NodeCaller n -> {
                if (!principal.isNode()) {
                    throw RoostException.forbidden("This route is for joined nodes; user credentials are not accepted here.");
                }
                yield NONE;
            }
            case Access.SenderSignature s -> NONE;
            case Access.GatewayKey g -> NONE;
            case Access.Authenticated a -> {
                if (principal.method() == Principal.Method.METRICS_TOKEN) {
                    throw RoostException.forbidden("The metrics token can only read /metrics.");
                }
                yield NONE;
            }
            case Access.MetricsReader m -> {
                if (!principal.serverAdmin() && principal.method() != Principal.Method.METRICS_TOKEN) {
                    throw RoostException.forbidden("Reading metrics needs a server admin or the metrics token.");
                }
                yield NONE;
            }
            case Access.ServerAdmin s -> {
                if (!principal.serverAdmin()) {
                    throw RoostException.forbidden("Only a server admin may do this.");
                }
                yield NONE;
            }
            case Access.WorkspaceRole w -> {
                String name = ctx.pathParam("ws");
                Session session = reads.get();
                Workspace workspace = session.workspaces().findByName(name).orElse(null);
                Role role = null;
                if (workspace != null) {
                    role = principal.serverAdmin() ? Role.OWNER
                            : principal.userId() == null ? null
                            : session.memberships().roleOf(workspace.id(), principal.userId()).orElse(null);
                }
                if (workspace == null || role == null) {
                    throw RoostException.notFound("Workspace " + Json.abbreviate(name));
                }
                if (!role.atLeast(w.minimum())) {
                    throw RoostException.forbidden("This needs the " + w.minimum() + " role (or higher) in workspace "
                            + name + "; you are " + role + ".");
                }
                yield new Resolved(workspace, role);
            }
        };
    }

    /** Runs a mutation inside the transaction, honouring an Idempotency-Key on POST. */
    private Reply execute(ApiRoute route, Call call, Session session) throws Exception {
        boolean keyed = route.method() == io.javalin.http.HandlerType.POST || route.method() == io.javalin.http.HandlerType.DELETE;
        String key = keyed ? call.header("Idempotency-Key") : null;
        Principal principal = call.optionalPrincipal().orElse(null);
        if (key == null || principal == null || route.carriesSecret()) {
            return toReply(route.handler().handle(call));
        }
        if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw Call.badQuery("Idempotency-Key", "must be 1 to 200 visible ASCII characters");
        }
        String fingerprint = fingerprint(call);
        IdempotencyStore store = session.idempotency();
        store.lock(principal.key(), key);
        Optional<IdempotencyStore.StoredResponse> previous = store.find(principal.key(), key);
        if (previous.isPresent()) {
            IdempotencyStore.StoredResponse first = previous.get();
            if (!first.requestHash().equals(fingerprint)) {
                throw new RoostException(ErrorCode.IDEMPOTENCY_KEY_REUSED,
                        "This Idempotency-Key was already used for a different request (" + first.method() + " " + first.path()
                                + "). Use a new key for a new request.");
            }
            return new Reply(first.status(), null, first.contentType(), first.body(), Map.of("Idempotent-Replayed", "true"));
        }
        Reply reply = toReply(route.handler().handle(call));
        if (reply.status() >= 200 && reply.status() < 300) {
            Object stored = reply.body() instanceof Redactable r ? r.redacted() : reply.body();
            byte[] body = reply.raw() != null ? reply.raw() : stored == null ? new byte[0] : Json.encode(stored);
            store.save(principal.key(), key, new IdempotencyStore.StoredResponse(route.method().name(), call.context().path(),
                    fingerprint, reply.status(), reply.contentType(), body));
        }
        return reply;
    }

    private static String fingerprint(Call call) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        digest.update(call.context().method().name().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(call.context().path().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(call.bodyBytes());
        return HexFormat.of().formatHex(digest.digest());
    }

    private static Reply toReply(Object result) {
        if (result instanceof Reply reply) {
            return reply;
        }
        if (result == null) {
            return new Reply(204, null, "application/json", null, Map.of());
        }
        return Reply.json(200, result);
    }

    private static void write(Context ctx, Reply reply, String requestId) throws Exception {
        if (reply.body() instanceof RoostException problem) {
            Problems.write(ctx, problem, requestId);
            return;
        }
        ctx.status(reply.status());
        reply.headers().forEach(ctx::header);
        if (reply.status() == 204) {
            return;
        }
        if (reply.stream() != null) {
            ctx.contentType(reply.contentType());
            reply.stream().writeTo(ctx);
            return;
        }
        ctx.contentType(reply.contentType());
        if (reply.raw() != null) {
            ctx.result(reply.raw());
        } else if (reply.body() != null) {
            ctx.result(Json.encode(reply.body()));
        }
    }

    private void frameworkError(HttpResponseException e, Context ctx) {
        String requestId = requestId(ctx);
        ctx.header(REQUEST_ID_HEADER, requestId);
        RoostException problem = switch (e.getStatus()) {
            case 404 -> new RoostException(ErrorCode.NOT_FOUND, "There is no route " + ctx.method() + " " + Json.abbreviate(ctx.path())
                    + ". The API is described at /api/openapi.json.");
            case 405 -> new RoostException(ErrorCode.METHOD_NOT_ALLOWED, "The route " + Json.abbreviate(ctx.path())
                    + " does not accept " + ctx.method() + ".");
            case 413 -> bodyTooLarge();
            default -> new RoostException(e.getStatus() >= 500 ? ErrorCode.INTERNAL : ErrorCode.VALIDATION_FAILED,
                    Json.abbreviate(e.getMessage()));
        };
        if (browser != null && isBrowserPath(ctx.path())) {
            browser.secure(ctx);
            ctx.header("Cache-Control", "no-store");
            ctx.header("X-Content-Type-Options", "nosniff");
            browser.writeError(ctx, problem, requestId, null);
            return;
        }
        Problems.write(ctx, problem, requestId);
    }

    private RoostException translateUnexpected(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RoostException r) {
                return r;
            }
            if (t instanceof ContentTooLargeResponse) {
                return bodyTooLarge();
            }
            if (t instanceof dev.roost.core.secret.SealedValueException sealed) {
                // Its message names the secret and the key id, never any part of the value.
                return new RoostException(ErrorCode.SECRET_UNREADABLE, sealed.getMessage()
                        + " Set the secret again (roost secret set), or start the server with the master key it was sealed with.");
            }
            if (t instanceof tools.jackson.core.JacksonException j) {
                return Json.translate(j);
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().equals("22021") || sql.getSQLState().equals("22P05")
                    || sql.getSQLState().equals("22P02") && String.valueOf(sql.getMessage()).contains("\\u0000"))) {
                // PostgreSQL cannot store NUL characters in text; the transaction was rolled back.
                return new RoostException(ErrorCode.VALIDATION_FAILED, "Text values must not contain NUL (\\u0000) characters.");
            }
        }
        return new RoostException(ErrorCode.INTERNAL, "Something went wrong on the server. Quote request id "
                + MDC.get("requestId") + " when reporting it.");
    }

    private static RoostException bodyTooLarge() {
        return new RoostException(ErrorCode.BODY_TOO_LARGE, "The request body is larger than the server accepts.");
    }

    private static String requestId(Context ctx) {
        Object existing = ctx.attribute("roost.requestId");
        if (existing instanceof String s) {
            return s;
        }
        String given = ctx.header(REQUEST_ID_HEADER);
        String id = given != null && REQUEST_ID.matcher(given).matches() ? given : newRequestId();
        ctx.attribute("roost.requestId", id);
        return id;
    }

    private static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new UUID(r.nextLong(), r.nextLong()).toString().replace("-", "").substring(0, 20);
    }


    private static void checkUnique(List<ApiRoute> routes) {
        Set<String> seen = new HashSet<>();
        List<String> duplicates = new ArrayList<>();
        for (ApiRoute r : routes) {
            if (!seen.add(r.key())) {
                duplicates.add(r.key());
            }
        }
        if (!duplicates.isEmpty()) {
            throw new IllegalStateException("routes registered twice: " + duplicates);
        }
    }

    /** A read session opened on first use and closed after the request. */
    private static final class LazySession implements Supplier<Session>, AutoCloseable {
        private final Database database;
        private Session session;

        LazySession(Database database) {
            this.database = database;
        }

        @Override
        public Session get() {
            if (session == null) {
                session = database.open();
            }
            return session;
        }

        @Override
        public void close() {
            if (session != null) {
                session.close();
                session = null;
            }
        }
    }
}
