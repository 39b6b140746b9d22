package dev.roost.server.http;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.Session;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One API request as a handler sees it: who calls, the workspace and role the access rule
 * resolved, the request's parameters and body, the database session (inside the request's
 * transaction for mutations) and the audit log. Confined to the request thread.
 */
public final class Call {
    private final Context ctx;
    private final ApiRoute route;
    private final Principal principal;
    private final String requestId;
    private final Supplier<Session> session;
    private final Workspace workspace;
    private final Role role;
    private final Clock clock;
    private byte[] body;
    /** Set on a {@link #forward forwarded} call: its own path and query parameters and body type. */
    private Map<String, String> pathParameters;
    private Map<String, String> queryParameters;
    private String forwardedContentType;

    Call(Context ctx, ApiRoute route, Principal principal, String requestId, Supplier<Session> session,
            Workspace workspace, Role role, Clock clock) {
        this.ctx = requireNonNull(ctx, "ctx is null");
        this.route = requireNonNull(route, "route is null");
        this.principal = principal;
        this.requestId = requireNonNull(requestId, "requestId is null");
        this.session = requireNonNull(session, "session is null");
        this.workspace = workspace;
        this.role = role;
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** The caller; routes with {@link Access.Public} have none and must not ask. */
    public Principal principal() {
        if (principal == null) {
            throw new RoostException(ErrorCode.UNAUTHENTICATED, "Sign in first.");
        }
        return principal;
    }

    public Optional<Principal> optionalPrincipal() {
        return Optional.ofNullable(principal);
    }

    public String requestId() {
        return requestId;
    }

    /** The workspace of a workspace-scoped route. */
    public Workspace workspace() {
        if (workspace == null) {
            throw new IllegalStateException("route " + route.key() + " is not workspace-scoped");
        }
        return workspace;
    }

    /** The caller's role in {@link #workspace()}; a server admin who is no member counts as OWNER. */
    public Role role() {
        if (role == null) {
            throw new IllegalStateException("route " + route.key() + " is not workspace-scoped");
        }
        return role;
    }

    public Session session() {
        return session.get();
    }

    public Instant now() {
        return clock.instant();
    }

    public String path(String name) {
        if (pathParameters != null) {
            String value = pathParameters.get(name);
            if (value == null) {
                throw new IllegalStateException("route " + route.key() + " was forwarded without path parameter " + name);
            }
            return value;
        }
        return ctx.pathParam(name);
    }

    public Optional<String> query(String name) {
        String value = queryParameters != null ? queryParameters.get(name) : ctx.queryParam(name);
        return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    public int queryInt(String name, int defaultValue, int min, int max) {
        Optional<String> raw = query(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value < min || value > max) {
                throw badQuery(name, "must be between " + min + " and " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw badQuery(name, "must be a whole number");
        }
    }

    public Optional<Instant> queryInstant(String name) {
        Optional<String> raw = query(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(raw.get()));
        } catch (java.time.format.DateTimeParseException e) {
            throw badQuery(name, "must be an ISO-8601 time such as 2026-01-31T12:00:00Z");
        }
    }

    public static RoostException badQuery(String name, String message) {
        return new RoostException(ErrorCode.VALIDATION_FAILED, "Query parameter " + name + " " + message + ".",
                List.of(new FieldError("/query/" + name, message)));
    }

    public String header(String name) {
        return ctx.header(name);
    }

    public String contentType() {
        return queryParameters != null ? forwardedContentType : ctx.contentType();
    }

    /** The raw body (bounded by the server's maximum request size). */
    public byte[] bodyBytes() {
        if (body == null) {
            body = ctx.bodyAsBytes();
        }
        return body;
    }

    public String bodyText() {
        return new String(bodyBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The body as a JSON object of {@code type}; unknown fields and wrong types are 400 with pointers. */
    public <T> T body(Class<T> type) {
        requireJson();
        return Json.decode(bodyBytes(), type);
    }

    /** The body as {@code type}, or {@code fallback} when there is no body at all. */
    public <T> T bodyOr(Class<T> type, T fallback) {
        if (bodyBytes().length == 0) {
            return fallback;
        }
        return body(type);
    }

    private void requireJson() {
        String type = contentType();
        if (type != null && !type.isBlank() && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")
                && bodyBytes().length > 0) {
            throw new RoostException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Send this request as application/json (got " + Json.abbreviate(type) + ").");
        }
    }

    /**
     * Writes an audit entry in the request's transaction. {@code details} summarises the change
     * and must hold no secret values.
     */
    public void audit(String action, String resourceType, String resourceId, Map<String, Object> details, List<String> warnings) {
        if (!route.mutating()) {
            throw new IllegalStateException("audit entries are written by mutating routes only: " + route.key());
        }
        String actor = principal == null ? "anonymous" : principal.actor();
        session().audit().append(new AuditEvent(actor, action, resourceType, resourceId,
                workspace == null ? null : workspace.name(), requestId, details, warnings));
    }

    public void audit(String action, String resourceType, String resourceId, Map<String, Object> details) {
        audit(action, resourceType, resourceId, details, List.of());
    }

    /** Audit for actions outside a workspace route that still concern one workspace. */
    public void auditInWorkspace(String workspaceName, String action, String resourceType, String resourceId,
            Map<String, Object> details) {
        String actor = principal == null ? "anonymous" : principal.actor();
        session().audit().append(new AuditEvent(actor, action, resourceType, resourceId, workspaceName, requestId,
                details, List.of()));
    }

    public String ip() {
        return ctx.ip();
    }

    /**
     * Hands this request to another route's handler, as the web console does: same caller,
     * workspace, role, request id, clock and database session (so a mutation stays in this
     * request's transaction and its audit entry names this request), with the target's own path
     * and query parameters and body. The target's access rule is checked again here, so a console
     * page can never do more than the API route it forwards to allows. {@code pathParameters}
     * need not repeat {@code ws}. The target's handler must not read {@link #context()}'s query.
     */
    public Object forward(ApiRoute target, Map<String, String> pathParameters, Map<String, String> query, byte[] body,
            String contentType) throws Exception {
        requireNonNull(target, "target is null");
        if (target.mutating() && !route.mutating()) {
            throw new IllegalStateException(route.key() + " reads only and cannot forward to " + target.key());
        }
        checkAccess(target.access());
        Call forwarded = new Call(ctx, target, principal, requestId, session, workspace, role, clock);
        Map<String, String> path = new java.util.HashMap<>(pathParameters);
        if (workspace != null) {
            path.put("ws", workspace.name());
        }
        forwarded.pathParameters = Map.copyOf(path);
        forwarded.queryParameters = Map.copyOf(query);
        forwarded.body = body == null ? new byte[0] : body;
        forwarded.forwardedContentType = contentType;
        return target.handler().handle(forwarded);
    }

    /** Whether this caller passes {@code rule} (the same decision {@link HttpApi} makes before a handler runs). */
    public boolean allows(Access rule) {
        return switch (rule) {
            case Access.Public p -> true;
            case Access.Authenticated a -> principal != null && !principal.isNode()
                    && principal.method() != Principal.Method.METRICS_TOKEN;
            case Access.ServerAdmin s -> principal != null && principal.serverAdmin();
            case Access.WorkspaceRole w -> role != null && role.atLeast(w.minimum());
            case Access.NodeCaller n -> false;
            case Access.MetricsReader m -> principal != null && principal.serverAdmin();
            case Access.SenderSignature s -> false;
            case Access.GatewayKey g -> false;
        };
    }

    private void checkAccess(Access rule) {
        if (allows(rule)) {
            return;
        }
        if (principal == null) {
            throw new RoostException(ErrorCode.UNAUTHENTICATED, "Sign in first.");
        }
        throw RoostException.forbidden(rule instanceof Access.WorkspaceRole w
                ? "This needs the " + w.minimum() + " role (or higher) in workspace " + workspace.name() + "; you are " + role + "."
                : "You may not do this (" + rule.describe() + ").");
    }

    /** Direct access for routes that stream (server-sent events) or need the raw exchange. */
    public Context context() {
        return ctx;
    }
}
