package dev.roost.server.http;

import static java.util.Objects.requireNonNull;

import io.javalin.http.HandlerType;
import java.util.Map;

/**
 * One HTTP route of the API: method, path (Javalin syntax, {@code {name}} for parameters),
 * the access rule, a one-line summary for the OpenAPI document, the handler, and optionally
 * the request and response body types (records) the document describes, and whether the body
 * carries a secret value ({@link #carryingSecret()}).
 */
public record ApiRoute(
        HandlerType method,
        String path,
        Access access,
        String summary,
        ApiHandler handler,
        Class<?> requestType,
        Class<?> responseType,
        boolean responseIsList,
        Map<String, String> queryParameters,
        boolean carriesSecret) {

    public ApiRoute {
        requireNonNull(method, "method is null");
        requireNonNull(path, "path is null");
        requireNonNull(access, "access is null");
        requireNonNull(summary, "summary is null");
        requireNonNull(handler, "handler is null");
        queryParameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(queryParameters));
        if (access instanceof Access.WorkspaceRole && !path.contains("{ws}")) {
            throw new IllegalArgumentException("workspace-scoped route needs a {ws} path parameter: " + path);
        }
    }

    /**
     * POST, PUT, PATCH and DELETE change state: they run in one transaction with their audit entry.
     * Routes checked by a sender's signature (inbound webhooks) change nothing in Roost; they relay
     * to an instance and must not hold a transaction while it answers.
     */
    public boolean mutating() {
        if (access instanceof Access.SenderSignature || access instanceof Access.GatewayKey) {
            return false;
        }
        return method == HandlerType.POST || method == HandlerType.PUT || method == HandlerType.PATCH
                || method == HandlerType.DELETE;
    }

    /** "METHOD /path", the key the route-by-role test and the logs use. */
    public String key() {
        return method.name() + " " + path;
    }

    public static ApiRoute get(String path, Access access, String summary, ApiHandler handler) {
        return new ApiRoute(HandlerType.GET, path, access, summary, handler, null, null, false, Map.of(), false);
    }

    public static ApiRoute post(String path, Access access, String summary, ApiHandler handler) {
        return new ApiRoute(HandlerType.POST, path, access, summary, handler, null, null, false, Map.of(), false);
    }

    public static ApiRoute put(String path, Access access, String summary, ApiHandler handler) {
        return new ApiRoute(HandlerType.PUT, path, access, summary, handler, null, null, false, Map.of(), false);
    }

    public static ApiRoute patch(String path, Access access, String summary, ApiHandler handler) {
        return new ApiRoute(HandlerType.PATCH, path, access, summary, handler, null, null, false, Map.of(), false);
    }

    public static ApiRoute delete(String path, Access access, String summary, ApiHandler handler) {
        return new ApiRoute(HandlerType.DELETE, path, access, summary, handler, null, null, false, Map.of(), false);
    }

    public ApiRoute accepts(Class<?> type) {
        return new ApiRoute(method, path, access, summary, handler, type, responseType, responseIsList, queryParameters, carriesSecret);
    }

    public ApiRoute returns(Class<?> type) {
        return new ApiRoute(method, path, access, summary, handler, requestType, type, false, queryParameters, carriesSecret);
    }

    public ApiRoute returnsListOf(Class<?> type) {
        return new ApiRoute(method, path, access, summary, handler, requestType, type, true, queryParameters, carriesSecret);
    }

    /**
     * Marks a route whose body carries a secret value. The body is then never hashed into an
     * idempotency record (an unsalted hash would let a guessed value be confirmed offline), so an
     * {@code Idempotency-Key} is ignored; only routes that are safe to repeat may carry secrets.
     */
    public ApiRoute carryingSecret() {
        return new ApiRoute(method, path, access, summary, handler, requestType, responseType, responseIsList, queryParameters,
                true);
    }

    /** Documents a query parameter in the OpenAPI document. */
    public ApiRoute query(String name, String description) {
        Map<String, String> more = new java.util.LinkedHashMap<>(queryParameters);
        more.put(name, description);
        return new ApiRoute(method, path, access, summary, handler, requestType, responseType, responseIsList, more, carriesSecret);
    }
}
