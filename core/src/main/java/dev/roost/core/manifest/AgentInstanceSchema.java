package dev.roost.core.manifest;

/**
 * The JSON Schema (draft 2020-12) of {@code AgentInstance} manifests. The server publishes
 * {@link #json()} verbatim at {@value #PUBLISHED_PATH} so editors can check manifests.
 */
public final class AgentInstanceSchema {
    public static final String RESOURCE = "/schemas/agent-instance.schema.json";
    public static final String PUBLISHED_PATH = "/api/v1/schemas/agent-instance.json";

    private static final JsonSchemaCheck CHECK = JsonSchemaCheck.fromResource(RESOURCE);

    private AgentInstanceSchema() {
    }

    /** The schema text, exactly as bundled. */
    public static String json() {
        return CHECK.text();
    }

    /** The schema's {@code $id}. */
    public static String id() {
        return CHECK.id();
    }

    static JsonSchemaCheck check() {
        return CHECK;
    }
}
