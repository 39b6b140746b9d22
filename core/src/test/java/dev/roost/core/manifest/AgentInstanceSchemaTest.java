package dev.roost.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AgentInstanceSchemaTest {
    /** Objects that are maps of free keys (their additionalProperties is a value schema). */
    private static final Set<String> MAPS = Set.of(
            "/$defs/metadata/properties/labels", "/$defs/metadata/properties/annotations", "/$defs/runtime/properties/env");

    private final JsonNode schema = ManifestFormats.json().readTree(AgentInstanceSchema.json());

    @Test
    void isADraft202012SchemaWithIdTitleAndDescription() {
        assertThat(schema.path("$schema").stringValue()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(AgentInstanceSchema.id()).isEqualTo("https://roost.dev/schemas/v1/agent-instance.json");
        assertThat(schema.path("title").stringValue()).isNotBlank();
        assertThat(schema.path("description").stringValue()).isNotBlank();
    }

    @Test
    void everyPropertyHasADescriptionAndEveryObjectIsClosed() {
        List<String> undescribed = new ArrayList<>();
        List<String> open = new ArrayList<>();
        walk(schema, "", undescribed, open);
        assertThat(undescribed).isEmpty();
        assertThat(open).isEmpty();
    }

    private static void walk(JsonNode node, String pointer, List<String> undescribed, List<String> open) {
        if (!node.isObject()) {
            return;
        }
        if (node.path("type").asString("").equals("object") && !MAPS.contains(pointer)
                && !node.path("additionalProperties").isBoolean()) {
            open.add(pointer);
        }
        for (Map.Entry<String, JsonNode> property : node.path("properties").properties()) {
            if (!property.getValue().path("description").isString()) {
                undescribed.add(pointer + "/properties/" + property.getKey());
            }
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (entry.getValue().isObject()) {
                walk(entry.getValue(), pointer + "/" + entry.getKey(), undescribed, open);
            }
        }
    }

    @Test
    void theSchemaAcceptsEveryExampleManifestWeShip() {
        assertThat(AgentInstanceSchema.check().errors(ManifestFixtures.full())).isEmpty();
        assertThat(AgentInstanceSchema.check().errors(ManifestFixtures.minimal())).isEmpty();
    }
}
