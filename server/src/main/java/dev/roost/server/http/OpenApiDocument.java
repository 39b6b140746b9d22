package dev.roost.server.http;

import dev.roost.core.workspace.Role;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the OpenAPI 3.1 document from the registered routes, so it describes every route by
 * construction: path, method, parameters, who may call it, and the request and response
 * bodies derived from the record types the route declares.
 */
public final class OpenApiDocument {
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

    private OpenApiDocument() {
    }

    public static Map<String, Object> build(List<ApiRoute> routes, String version) {
        Map<String, Object> schemas = new TreeMap<>();
        schemas.put("Problem", problemSchema());
        Map<String, Object> paths = new TreeMap<>();
        for (ApiRoute route : routes) {
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(documentedPath(route), p -> new LinkedHashMap<>());
            item.put(route.method().name().toLowerCase(java.util.Locale.ROOT), operation(route, schemas));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.1.0");
        doc.put("info", Map.of("title", "Roost API", "version", version,
                "description", "Control plane for AI agents. Errors are RFC 9457 problem documents with a stable 'code'."));
        doc.put("paths", paths);
        doc.put("components", Map.of(
                "schemas", schemas,
                "securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer",
                        "description", "An access token from /api/v1/auth/login or an API token (roost_pat_...)"))));
        return doc;
    }

    private static Map<String, Object> operation(ApiRoute route, Map<String, Object> schemas) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("summary", route.summary());
        op.put("operationId", operationId(route));
        op.put("tags", List.of(tag(route.path())));
        op.put("x-roost-access", route.access().describe());
        if (!(route.access() instanceof Access.Public) && !(route.access() instanceof Access.SenderSignature)
                && !(route.access() instanceof Access.GatewayKey)) {
            op.put("security", List.of(Map.of("bearer", List.of())));
        }
        List<Map<String, Object>> parameters = new java.util.ArrayList<>();
        Matcher m = PATH_PARAM.matcher(documentedPath(route));
        while (m.find()) {
            parameters.add(Map.of("name", m.group(1), "in", "path", "required", true, "schema", Map.of("type", "string")));
        }
        route.queryParameters().forEach((name, description) -> parameters.add(Map.of("name", name, "in", "query",
                "required", false, "description", description, "schema", Map.of("type", "string"))));
        if (route.mutating() && (route.method() == io.javalin.http.HandlerType.POST
                || route.method() == io.javalin.http.HandlerType.DELETE)) {
            parameters.add(Map.of("name", "Idempotency-Key", "in", "header", "required", false,
                    "description", "A retry with the same key returns the first answer instead of doing the work again.",
                    "schema", Map.of("type", "string", "maxLength", 200)));
        }
        if (!parameters.isEmpty()) {
            op.put("parameters", parameters);
        }
        if (route.requestType() != null) {
            op.put("requestBody", Map.of("required", true, "content",
                    Map.of("application/json", Map.of("schema", schemaOf(route.requestType(), schemas)))));
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        if (route.responseType() != null) {
            Object schema = schemaOf(route.responseType(), schemas);
            if (route.responseIsList()) {
                schema = Map.of("type", "array", "items", schema);
            }
            responses.put(route.method() == io.javalin.http.HandlerType.POST ? "2XX" : "200",
                    Map.of("description", "OK", "content", Map.of("application/json", Map.of("schema", schema))));
        } else {
            responses.put("2XX", Map.of("description", "OK"));
        }
        responses.put("default", Map.of("description", "A problem document",
                "content", Map.of("application/problem+json", Map.of("schema", Map.of("$ref", "#/components/schemas/Problem")))));
        op.put("responses", responses);
        return op;
    }

    /** The route's path in OpenAPI syntax: Javalin's {@code <rest>} (a parameter spanning slashes) becomes {@code {rest}}. */
    private static String documentedPath(ApiRoute route) {
        return route.path().replaceAll("<([^>]+)>", "{$1}");
    }

    private static String operationId(ApiRoute route) {
        String cleaned = route.path().replace("/api/v1/", "").replaceAll("[{}<>]", "").replaceAll("[^A-Za-z0-9]+", "_");
        return route.method().name().toLowerCase(java.util.Locale.ROOT) + "_" + cleaned;
    }

    private static String tag(String path) {
        String[] parts = path.replaceFirst("^/api/v1/", "").split("/");
        if (parts.length >= 3 && parts[0].equals("workspaces")) {
            return parts[2];
        }
        return parts[0].isEmpty() ? "system" : parts[0];
    }

    /** A JSON schema for a Java type; records become named components. */
    static Object schemaOf(Type type, Map<String, Object> schemas) {
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (List.class.isAssignableFrom(raw) || Set.class.isAssignableFrom(raw)) {
                return Map.of("type", "array", "items", schemaOf(p.getActualTypeArguments()[0], schemas));
            }
            if (Map.class.isAssignableFrom(raw)) {
                return Map.of("type", "object", "additionalProperties", schemaOf(p.getActualTypeArguments()[1], schemas));
            }
            return schemaOf(raw, schemas);
        }
        if (!(type instanceof Class<?> c)) {
            return Map.of();
        }
        if (c == String.class) {
            return Map.of("type", "string");
        }
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
            return Map.of("type", "integer");
        }
        if (c == double.class || c == Double.class || c == float.class || c == Float.class) {
            return Map.of("type", "number");
        }
        if (c == boolean.class || c == Boolean.class) {
            return Map.of("type", "boolean");
        }
        if (c == Instant.class) {
            return Map.of("type", "string", "format", "date-time");
        }
        if (c == UUID.class) {
            return Map.of("type", "string", "format", "uuid");
        }
        if (c == Role.class || c.isEnum()) {
            return Map.of("type", "string", "enum", java.util.Arrays.stream(c.getEnumConstants()).map(String::valueOf).toList());
        }
        if (c.isRecord()) {
            String name = c.getSimpleName();
            if (!schemas.containsKey(name)) {
                schemas.put(name, Map.of()); // placeholder against recursion
                Map<String, Object> properties = new LinkedHashMap<>();
                for (RecordComponent rc : c.getRecordComponents()) {
                    properties.put(rc.getName(), schemaOf(rc.getGenericType(), schemas));
                }
                schemas.put(name, Map.of("type", "object", "properties", properties));
            }
            return Map.of("$ref", "#/components/schemas/" + name);
        }
        if (Map.class.isAssignableFrom(c)) {
            return Map.of("type", "object");
        }
        if (List.class.isAssignableFrom(c)) {
            return Map.of("type", "array");
        }
        return Map.of();
    }

    private static Map<String, Object> problemSchema() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("type", Map.of("type", "string"));
        properties.put("title", Map.of("type", "string"));
        properties.put("status", Map.of("type", "integer"));
        properties.put("detail", Map.of("type", "string"));
        properties.put("instance", Map.of("type", "string"));
        properties.put("code", Map.of("type", "string", "enum",
                java.util.Arrays.stream(dev.roost.core.error.ErrorCode.values()).map(Enum::name).toList()));
        properties.put("requestId", Map.of("type", "string"));
        properties.put("errors", Map.of("type", "array", "items", Map.of("type", "object", "properties",
                Map.of("pointer", Map.of("type", "string"), "detail", Map.of("type", "string")))));
        return Map.of("type", "object", "properties", properties, "required", List.of("type", "title", "status", "code"));
    }
}
