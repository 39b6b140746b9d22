package dev.roost.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.template.BuiltInTemplates;
import dev.roost.core.template.Template;
import dev.roost.core.template.TemplateParameter;
import dev.roost.core.template.TemplateRenderer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class SecretReferenceLocatorTest {
    @Test
    void pointsAtEveryPlaceASecretIsNamedInCanonicalOrder() {
        ValidatedManifest full = ManifestValidator.validate(ManifestFixtures.full());

        assertThat(SecretReferenceLocator.locate(full.canonicalTree())).containsExactly(
                Map.entry("hook-signing", List.of("/spec/channels/webhook/signingSecret")),
                Map.entry("telegram-token", List.of("/spec/channels/telegram/botToken", "/spec/runtime/env/BOT_TOKEN",
                        "/spec/secrets/0/secretRef")),
                Map.entry("tls-key", List.of("/spec/secrets/1/secretRef")));
    }

    @Test
    void findsTheSameNamesAsTheTypedManifestForEveryTemplateAndFixture() {
        for (Template template : BuiltInTemplates.all()) {
            Map<String, String> values = new HashMap<>();
            for (TemplateParameter p : template.parameters()) {
                if (p.required() && p.defaultValue().isEmpty()) {
                    values.put(p.name(), "ghcr.io/acme/x:1.0.0");
                }
            }
            ValidatedManifest manifest = ManifestValidator.validate(
                    TemplateRenderer.render(template, values, "x", "acme", "dev"));
            assertThat(SecretReferenceLocator.locate(manifest.canonicalTree()).keySet())
                    .as(template.name()).isEqualTo(manifest.secretReferences());
        }
        ValidatedManifest minimal = ManifestValidator.validate(ManifestFixtures.minimal());
        assertThat(SecretReferenceLocator.locate(minimal.canonicalTree())).isEmpty();
    }

    @Test
    void worksOnTheDocumentAsSentAndIgnoresLookalikes() {
        ObjectNode manifest = ManifestFixtures.minimal();
        ObjectNode runtime = (ObjectNode) manifest.get("spec").get("runtime");
        runtime.putObject("env").put("A_TOKEN", "secret:a").put("PLAIN", "not-a-secret:b").put("SECRET_B", "secret:b");
        runtime.putArray("command").add("secret:c");
        manifest.withObject("/metadata").withObject("annotations").put("note", "secret:d");

        assertThat(SecretReferenceLocator.locate(manifest)).containsExactly(
                Map.entry("a", List.of("/spec/runtime/env/A_TOKEN")),
                Map.entry("b", List.of("/spec/runtime/env/SECRET_B")));
        assertThat(SecretReferenceLocator.locate(manifest).keySet())
                .isEqualTo(ManifestValidator.validate(manifest).secretReferences());
    }
}
