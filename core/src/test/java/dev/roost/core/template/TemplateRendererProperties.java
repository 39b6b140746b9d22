package dev.roost.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.JsonArbitraries;
import dev.roost.core.manifest.ManifestValidator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import tools.jackson.databind.JsonNode;

/** Whatever parameters a caller sends, rendering answers with a manifest or TEMPLATE_PARAMETER_INVALID. */
class TemplateRendererProperties {

    @Provide
    Arbitrary<Template> templates() {
        return Arbitraries.of(BuiltInTemplates.all());
    }

    @Provide
    Arbitrary<List<Map.Entry<String, String>>> parameters() {
        Arbitrary<String> names = Arbitraries.oneOf(
                Arbitraries.of("image", "cpu", "memory", "model", "monthlyBudgetUsd", "port", "path", "tokenSecret", "stateSize"),
                Arbitraries.strings().ofMaxLength(8));
        Arbitrary<String> values = Arbitraries.oneOf(JsonArbitraries.hostileStrings(),
                Arbitraries.of("ghcr.io/acme/x:1.0", "500m", "2Gi", "12", "-3", "true", "/in", "secret:x"));
        return Combinators.combine(names, values).as(Map::entry).list().ofMaxSize(5);
    }

    @Property(tries = 300)
    void renderingAnswersWithAManifestOrAParameterError(
            @ForAll("templates") Template template, @ForAll("parameters") List<Map.Entry<String, String>> entries) {
        Map<String, String> parameters = new HashMap<>();
        entries.forEach(e -> parameters.put(e.getKey(), e.getValue()));
        JsonNode manifest;
        try {
            manifest = TemplateRenderer.render(template, parameters, "bot", "acme", "dev");
        } catch (RoostException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.TEMPLATE_PARAMETER_INVALID);
            assertThat(e.fieldErrors()).isNotEmpty().allSatisfy(f -> assertThat(f.pointer()).startsWith("/parameters"));
            Statistics.collect("parameter error");
            return;
        }
        try {
            ManifestValidator.validate(manifest);
            Statistics.collect("valid manifest");
        } catch (RoostException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
            Statistics.collect("invalid manifest");
        }
    }
}
