package dev.roost.core.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.ManifestValidator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TemplateRendererTest {
    private static final String DOCUMENT = """
            apiVersion: roost/v1
            kind: Template
            metadata:
              name: demo
              description: A demo template. Needs the secret demo-token.
            parameters:
              - {name: image, type: string, required: true, description: The image to run.}
              - {name: replicas, type: integer, default: "1"}
              - {name: selfHeal, type: boolean, default: "true"}
              - {name: tokenSecret, type: string, default: demo-token, pattern: "[a-z0-9-]+"}
              - {name: level, type: string, default: info}
              - {name: budget, type: integer}
            manifest:
              metadata:
                labels: {team: demo}
              spec:
                runtime:
                  image: "${image}"
                  cpu: 250m
                  memory: 128Mi
                  replicas: "${replicas}"
                  command: [/app/run, "--level=${level}", "--literal=$${level}"]
                  env:
                    TOKEN: "secret:${tokenSecret}"
                    NOTE: "level ${level}, budget [${budget}]"
                lifecycle:
                  selfHeal: "${selfHeal}"
                model:
                  defaultModel: gpt-4o-mini
                  monthlyBudgetUsd: "${budget}"
            """;

    private final Template template = TemplateCodec.parse(DOCUMENT, null);

    private RoostException parameterError(Map<String, String> parameters) {
        RoostException[] caught = new RoostException[1];
        assertThatThrownBy(() -> TemplateRenderer.render(template, parameters, "x", "acme", "dev"))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.TEMPLATE_PARAMETER_INVALID);
                    caught[0] = e;
                });
        return caught[0];
    }

    @Test
    void substitutesTypedWholeValuesAndTextInsideStrings() {
        JsonNode m = TemplateRenderer.render(template, Map.of("image", "ghcr.io/acme/demo:2.0.0", "replicas", "3", "selfHeal", "false"),
                "demo-1", "acme", "staging");
        assertThat(m.at("/apiVersion").stringValue()).isEqualTo("roost/v1");
        assertThat(m.at("/kind").stringValue()).isEqualTo("AgentInstance");
        assertThat(m.at("/metadata/name").stringValue()).isEqualTo("demo-1");
        assertThat(m.at("/metadata/workspace").stringValue()).isEqualTo("acme");
        assertThat(m.at("/metadata/environment").stringValue()).isEqualTo("staging");
        assertThat(m.at("/metadata/labels/team").stringValue()).isEqualTo("demo");
        assertThat(m.at("/spec/template").stringValue()).isEqualTo("demo");
        assertThat(m.at("/spec/runtime/image").stringValue()).isEqualTo("ghcr.io/acme/demo:2.0.0");
        assertThat(m.at("/spec/runtime/replicas").isInt() || m.at("/spec/runtime/replicas").isLong()).isTrue();
        assertThat(m.at("/spec/runtime/replicas").intValue()).isEqualTo(3);
        assertThat(m.at("/spec/lifecycle/selfHeal").isBoolean()).isTrue();
        assertThat(m.at("/spec/runtime/command/1").stringValue()).isEqualTo("--level=info");
        assertThat(m.at("/spec/runtime/command/2").stringValue()).isEqualTo("--literal=${level}");
        assertThat(m.at("/spec/runtime/env/TOKEN").stringValue()).isEqualTo("secret:demo-token");
        assertThat(ManifestValidator.validate(m).replicas()).isEqualTo(3);
    }

    @Test
    void anOptionalParameterWithoutValueLeavesItsPropertyOut() {
        JsonNode m = TemplateRenderer.render(template, Map.of("image", "r/i:1"), "x", "acme", "dev");
        assertThat(m.at("/spec/model/monthlyBudgetUsd").isMissingNode()).isTrue();
        assertThat(m.at("/spec/runtime/env/NOTE").stringValue()).isEqualTo("level info, budget []");
        JsonNode withBudget = TemplateRenderer.render(template, Map.of("image", "r/i:1", "budget", "25"), "x", "acme", "dev");
        assertThat(withBudget.at("/spec/model/monthlyBudgetUsd").intValue()).isEqualTo(25);
    }

    @Test
    void valuesCannotInjectStructure() {
        String hostile = "r/i:1\"\nspec: {runtime: {image: evil}}\n  - x: \"";
        JsonNode m = TemplateRenderer.render(template, Map.of("image", hostile, "level", "info\nreplicas: 99"), "x", "acme", "dev");
        assertThat(m.at("/spec/runtime/image").stringValue()).isEqualTo(hostile);
        assertThat(m.at("/spec/runtime/replicas").intValue()).isEqualTo(1);
        assertThat(m.at("/spec/runtime/command/1").stringValue()).isEqualTo("--level=info\nreplicas: 99");
    }

    @Test
    void everyParameterProblemIsReportedWithAPointerAndWithoutTheValue() {
        RoostException e = parameterError(Map.of(
                "replicas", "three", "selfHeal", "yes", "tokenSecret", "Not_Allowed", "colour", "blue"));
        assertThat(e.fieldErrors()).extracting(FieldError::pointer).containsExactlyInAnyOrder(
                "/parameters/colour", "/parameters/image", "/parameters/replicas", "/parameters/selfHeal", "/parameters/tokenSecret");
        assertThat(e.fieldErrors()).filteredOn(f -> f.pointer().equals("/parameters/image")).singleElement()
                .satisfies(f -> assertThat(f.message()).isEqualTo("is required: The image to run."));
        assertThat(e.fieldErrors()).filteredOn(f -> f.pointer().equals("/parameters/colour")).singleElement()
                .satisfies(f -> assertThat(f.message()).contains("no such parameter").contains("image, replicas"));
        assertThat(e.fieldErrors()).extracting(FieldError::message).noneMatch(m -> m.contains("three") || m.contains("Not_Allowed"));
    }

    @Test
    void aRenderedManifestStillFacesTheValidator() {
        JsonNode m = TemplateRenderer.render(template, Map.of("image", "NOT AN IMAGE"), "Bad Name", "acme", "dev");
        assertThatThrownBy(() -> ManifestValidator.validate(m)).isInstanceOfSatisfying(RoostException.class,
                e -> assertThat(e.fieldErrors()).extracting(FieldError::pointer).containsExactly("/metadata/name", "/spec/runtime/image"));
    }

    @Test
    void placeholderSyntax() {
        assertThat(Placeholders.whole("${image}")).contains("image");
        assertThat(Placeholders.whole(" ${image}")).isEmpty();
        assertThat(Placeholders.names("a ${x} b ${y} ${x} $${z} ${not valid} ${")).containsExactly("x", "y");
        assertThat(Placeholders.substitute("a ${x} $${x} ${", name -> "1")).isEqualTo("a 1 ${x} ${");
        assertThat(Placeholders.substitute("${x}", name -> "$1\\")).isEqualTo("$1\\");
        assertThat(List.of()).isEmpty();
    }
}
