package dev.roost.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The canonical hash ignores key order, syntax and spelled-out defaults, and survives a YAML round trip. */
class CanonicalFormProperties {

    /** Text that is awkward for YAML: reserved words, number lookalikes, indicators, unicode, line breaks. */
    static Arbitrary<String> awkwardText() {
        return Arbitraries.oneOf(
                Arbitraries.of("yes", "no", "on", "off", "true", "False", "null", "~", "1.0", "0x1F", "1e3", "017", ".inf", "-",
                        "- item", "key: value", "#comment", " leading", "trailing ", "a\nb", "line\r\nbreak", "tab\there", "'q'",
                        "\"dq\"", "!tag", "&anchor", "*alias", "%", "@", "`", "{a: 1}", "[1]", "ünïcødé", "日本語", "🦞", "", "---"),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30),
                Arbitraries.strings().withCharRange('\u00a0', '\ud7ff').ofMaxLength(10));
    }

    @Provide
    Arbitrary<ObjectNode> manifests() {
        Arbitrary<ObjectNode> base = Arbitraries.of("full.yaml", "minimal.yaml").map(ManifestFixtures::tree);
        Arbitrary<Map<String, String>> env = Combinators.combine(
                        Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(8), awkwardText())
                .as(Map::entry).list().ofMaxSize(5).map(entries -> {
                    Map<String, String> map = new java.util.LinkedHashMap<>();
                    entries.forEach(e -> map.put("X_" + e.getKey(), e.getValue()));
                    return map;
                });
        Arbitrary<List<String>> annotations = awkwardText().list().ofMaxSize(4);
        return Combinators.combine(base, env, annotations).as((manifest, vars, notes) -> {
            ObjectNode envNode = manifest.withObject("/spec/runtime").withObject("env");
            vars.forEach(envNode::put);
            ObjectNode annotationNode = manifest.withObject("/metadata").withObject("annotations");
            for (int i = 0; i < notes.size(); i++) {
                annotationNode.put("note" + i, notes.get(i));
            }
            return manifest;
        });
    }

    @Property(tries = 200)
    void keyOrderDoesNotChangeTheHash(@ForAll("manifests") ObjectNode manifest, @ForAll long seed) {
        String expected = ManifestValidator.validate(manifest).sha256();
        JsonNode shuffled = shuffled(manifest, new Random(seed));
        assertThat(ManifestValidator.validate(shuffled).sha256()).isEqualTo(expected);
    }

    @Property(tries = 200)
    void yamlAndJsonRoundTripsDoNotChangeTheHash(@ForAll("manifests") ObjectNode manifest) {
        ValidatedManifest validated = ManifestValidator.validate(manifest);
        String viaJson = ManifestValidator.validate(ManifestReader.read(ManifestFormats.toJson(manifest), "application/json")).sha256();
        String viaYaml = ManifestValidator.validate(ManifestReader.read(ManifestFormats.toYaml(manifest), "application/yaml")).sha256();
        String viaCanonicalYaml = ManifestValidator.validate(ManifestReader.read(validated.canonicalYaml(), "application/yaml")).sha256();
        assertThat(viaJson).isEqualTo(validated.sha256());
        assertThat(viaYaml).isEqualTo(validated.sha256());
        assertThat(viaCanonicalYaml).isEqualTo(validated.sha256());
    }

    @Property(tries = 200)
    void spellingOutDefaultsDoesNotChangeTheHash(@ForAll("manifests") ObjectNode manifest, @ForAll long seed) {
        String expected = ManifestValidator.validate(manifest).sha256();
        Random random = new Random(seed);
        ObjectNode explicit = manifest.deepCopy();
        Map<String, Object> defaults = Map.ofEntries(
                Map.entry("/spec/runtime/imagePullPolicy", "IfNotPresent"),
                Map.entry("/spec/runtime/replicas", 1),
                Map.entry("/spec/network/inbound", "NONE"),
                Map.entry("/spec/network/egress", "GATEWAY_ONLY"),
                Map.entry("/spec/skills/mode", "ALLOWLIST"),
                Map.entry("/spec/lifecycle/selfHeal", true),
                Map.entry("/spec/lifecycle/rolloutDeadlineSeconds", 300),
                Map.entry("/spec/observability/logLevel", "info"),
                Map.entry("/spec/policies/allowUnsafe", JsonNodeFactory.instance.arrayNode()),
                Map.entry("/metadata/labels", JsonNodeFactory.instance.objectNode()));
        defaults.forEach((pointer, value) -> {
            if (random.nextBoolean() && explicit.at(pointer).isMissingNode()) {
                Trees.set(explicit, pointer, value);
            }
        });
        assertThat(ManifestValidator.validate(explicit).sha256()).isEqualTo(expected);
    }

    /** A copy with object keys in random order at every level. */
    static JsonNode shuffled(JsonNode node, Random random) {
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(node.properties());
            Collections.shuffle(entries, random);
            ObjectNode result = JsonNodeFactory.instance.objectNode();
            entries.forEach(e -> result.set(e.getKey(), shuffled(e.getValue(), random)));
            return result;
        }
        if (node.isArray()) {
            var result = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> result.add(shuffled(item, random)));
            return result;
        }
        return node;
    }
}
