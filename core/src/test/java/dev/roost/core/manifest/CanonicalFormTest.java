package dev.roost.core.manifest;

import static dev.roost.core.manifest.Trees.set;
import static dev.roost.core.manifest.Trees.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class CanonicalFormTest {

    static String hash(JsonNode manifest) {
        return ManifestValidator.validate(manifest).sha256();
    }

    @Test
    void yamlAndJsonOfTheSameManifestHashTheSame() {
        String yamlText = ManifestFixtures.text("full.yaml");
        String jsonText = ManifestFormats.toJson(ManifestReader.read(yamlText, "application/yaml"));
        assertThat(hash(ManifestReader.read(jsonText, "application/json"))).isEqualTo(hash(ManifestReader.read(yamlText, null)));
    }

    @Test
    void keyOrderAndFormattingDoNotMatter() {
        String a = "{\"apiVersion\":\"roost/v1\",\"kind\":\"AgentInstance\",\"metadata\":{\"name\":\"x\",\"workspace\":\"w\","
                + "\"environment\":\"dev\"},\"spec\":{\"runtime\":{\"image\":\"r/i:1\",\"cpu\":\"1\",\"memory\":\"1Gi\"}}}";
        String b = """
                spec:
                  runtime: {memory: 1Gi,   cpu: '1', image: r/i:1}
                metadata:
                  environment: dev   # a comment
                  workspace: w
                  name: x
                kind: AgentInstance
                apiVersion: roost/v1
                """;
        assertThat(hash(ManifestReader.read(a, null))).isEqualTo(hash(ManifestReader.read(b, null)));
    }

    @Test
    void spelledOutDefaultsHashLikeOmittedOnes() {
        ObjectNode explicit = ManifestFixtures.minimal();
        set(explicit, "/spec/runtime/imagePullPolicy", "IfNotPresent");
        set(explicit, "/spec/runtime/replicas", 1);
        set(explicit, "/spec/runtime/env", yaml("{}"));
        set(explicit, "/metadata/labels", yaml("{}"));
        set(explicit, "/spec/network", yaml("{inbound: NONE, egress: GATEWAY_ONLY, egressAllow: [], ports: []}"));
        set(explicit, "/spec/skills", yaml("{mode: ALLOWLIST, allowlist: []}"));
        set(explicit, "/spec/lifecycle", yaml("{selfHeal: true, rolloutDeadlineSeconds: 300}"));
        set(explicit, "/spec/observability", yaml("{logLevel: info}"));
        set(explicit, "/spec/policies", yaml("{allowUnsafe: []}"));
        set(explicit, "/spec/channels", yaml("{}"));
        assertThat(hash(explicit)).isEqualTo(hash(ManifestFixtures.minimal()));
    }

    @Test
    void equivalentQuantitiesAndScalarSpellingsHashTheSame() {
        ObjectNode a = set(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", 0.5), "/spec/runtime/memory", "1024Mi");
        set(a, "/spec/runtime/env", yaml("{WORKERS: 4, DEBUG: false}"));
        ObjectNode b = set(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", "500m"), "/spec/runtime/memory", "1Gi");
        set(b, "/spec/runtime/env", yaml("{WORKERS: '4', DEBUG: 'false'}"));
        assertThat(hash(a)).isEqualTo(hash(b));
        assertThat(ManifestValidator.validate(a).canonicalTree().at("/spec/runtime/memory").stringValue()).isEqualTo("1Gi");
    }

    @Test
    void aRealChangeChangesTheHash() {
        String before = hash(ManifestFixtures.full());
        assertThat(hash(set(ManifestFixtures.full(), "/spec/runtime/image", "ghcr.io/acme/bot:1.4.3"))).isNotEqualTo(before);
        assertThat(hash(set(ManifestFixtures.full(), "/metadata/labels/team", "sales"))).isNotEqualTo(before);
        assertThat(hash(set(ManifestFixtures.full(), "/spec/skills/allowlist", yaml("[calendar, web-search]")))).isNotEqualTo(before);
    }

    @Test
    void theCanonicalJsonHasSortedKeysAndNoNulls() {
        ValidatedManifest v = ManifestValidator.validate(ManifestFixtures.full());
        assertThat(v.canonicalJson()).startsWith("{\"apiVersion\":\"roost/v1\",\"kind\":\"AgentInstance\",\"metadata\":{\"annotations\"");
        assertThat(v.canonicalJson()).doesNotContain("null").doesNotContain("\n").doesNotContain("\": ").doesNotContain(", \"");
        assertThat(v.sha256()).isEqualTo(CanonicalForm.sha256(v.canonicalJson()));
    }

    @Test
    void theCanonicalYamlReadsBackToTheSameManifest() {
        ValidatedManifest v = ManifestValidator.validate(ManifestFixtures.full());
        String yamlText = v.canonicalYaml();
        assertThat(yamlText).startsWith("apiVersion: roost/v1\nkind: AgentInstance\n");
        assertThat(yamlText).contains("WORKERS: \"4\"");
        assertThat(hash(ManifestReader.read(yamlText, "application/yaml"))).isEqualTo(v.sha256());
    }

    @Test
    void memoryIsShownInTheLargestExactUnit() {
        assertThat(CanonicalForm.formatMemory(1L << 30)).isEqualTo("1Gi");
        assertThat(CanonicalForm.formatMemory(512_000_000L)).isEqualTo("512M");
        assertThat(CanonicalForm.formatMemory(1_500L)).isEqualTo("1500");
        assertThat(CanonicalForm.formatMemory(0)).isEqualTo("0");
    }

    @Test
    void aValidatedManifestCannotBeForgedWithAWrongHash() {
        ValidatedManifest v = ManifestValidator.validate(ManifestFixtures.minimal());
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new ValidatedManifest(v.manifest(), v.canonicalJson(), "0".repeat(64)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStatedRuntimeKindIsPartOfTheManifest() {
        ObjectNode docker = set(ManifestFixtures.minimal(), "/spec/runtime/kind", "docker");
        ObjectNode sandbox = set(ManifestFixtures.minimal(), "/spec/runtime/kind", "sandbox");
        // Absent means "the server's runtime", which is not the same as naming one.
        assertThat(hash(docker)).isNotEqualTo(hash(ManifestFixtures.minimal()));
        assertThat(hash(sandbox)).isNotEqualTo(hash(docker));
        assertThat(ManifestValidator.validate(sandbox).manifest().spec().runtime().kind()).contains(RuntimeSpec.Kind.SANDBOX);
    }
}
