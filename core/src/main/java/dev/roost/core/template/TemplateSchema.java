package dev.roost.core.template;

import dev.roost.core.manifest.JsonSchemaCheck;

/** The JSON Schema (draft 2020-12) of template documents, for editors and for import checks. */
public final class TemplateSchema {
    public static final String RESOURCE = "/schemas/template.schema.json";
    public static final String PUBLISHED_PATH = "/api/v1/schemas/template.json";

    private static final JsonSchemaCheck CHECK = JsonSchemaCheck.fromResource(RESOURCE);

    private TemplateSchema() {
    }

    public static String json() {
        return CHECK.text();
    }

    static JsonSchemaCheck check() {
        return CHECK;
    }
}
