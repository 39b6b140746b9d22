package dev.roost.core.manifest;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLReadFeature;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * The JSON and YAML mappers manifests are read and written with. Mappers are immutable
 * and safe to share between threads.
 */
public final class ManifestFormats {
    /** Deepest nesting a parser accepts before giving up (manifests nest about six levels). */
    static final int MAX_PARSE_DEPTH = 64;

    private static final StreamReadConstraints CONSTRAINTS = StreamReadConstraints.builder()
            .maxNestingDepth(MAX_PARSE_DEPTH)
            .maxDocumentLength(ManifestReader.MAX_BODY_BYTES)
            .maxStringLength(ManifestReader.MAX_BODY_BYTES)
            .maxNameLength(64 * 1024)
            .maxNumberLength(64)
            .build();

    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build())
            .build();

    private static final YAMLMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .streamReadConstraints(CONSTRAINTS)
                    .disable(YAMLReadFeature.EMPTY_DOCUMENT_AS_EMPTY_OBJECT)
                    .disable(YAMLReadFeature.EMPTY_STRING_AS_NULL)
                    .disable(YAMLReadFeature.PARSE_OCTAL_NUMBERS)
                    .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
                    .disable(YAMLWriteFeature.SPLIT_LINES)
                    .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
                    .enable(YAMLWriteFeature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .enable(YAMLWriteFeature.INDENT_ARRAYS_WITH_INDICATOR)
                    .build())
            .build();

    private ManifestFormats() {
    }

    public static JsonMapper json() {
        return JSON;
    }

    public static YAMLMapper yaml() {
        return YAML;
    }

    /** Compact JSON text of a tree, keys in the tree's order. */
    public static String toJson(JsonNode node) {
        return JSON.writeValueAsString(node);
    }

    /** Block-style YAML text of a tree, without a document start marker. */
    public static String toYaml(JsonNode node) {
        return YAML.writeValueAsString(node);
    }
}
