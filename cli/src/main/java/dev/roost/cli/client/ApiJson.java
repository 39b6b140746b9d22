package dev.roost.cli.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/** The JSON mapper the CLI reads answers, writes requests and keeps its config with. */
public final class ApiJson {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private ApiJson() {
    }

    public static byte[] encode(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    /** Indented JSON text, as {@code -o json} prints it. */
    public static String pretty(JsonNode node) {
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }
}
