package dev.roost.core.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateCodecTest {

    private static List<FieldError> errors(String document) {
        RoostException[] caught = new RoostException[1];
        assertThatThrownBy(() -> TemplateCodec.parse(document, "application/yaml")).isInstanceOfSatisfying(RoostException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
            caught[0] = e;
        });
        return caught[0].fieldErrors();
    }

    @Test
    void readsATemplate() {
        Template template = TemplateCodec.parse("""
                apiVersion: roost/v1
                kind: Template
                metadata: {name: tiny, description: Runs an image.}
                parameters:
                  - {name: image, required: true}
                  - {name: port, type: integer, default: 8080}
                manifest:
                  spec: {runtime: {image: "${image}", env: {PORT: "${port}"}}}
                """, null);
        assertThat(template.name()).isEqualTo("tiny");
        assertThat(template.parameters()).containsExactly(
                new TemplateParameter("image", "", TemplateParameter.Type.STRING, true, java.util.Optional.empty(), java.util.Optional.empty()),
                new TemplateParameter("port", "", TemplateParameter.Type.INTEGER, false, java.util.Optional.of("8080"), java.util.Optional.empty()));
        assertThat(template.manifest().at("/spec/runtime/image").stringValue()).isEqualTo("${image}");
    }

    @Test
    void theEnvelopeIsCheckedAgainstTheTemplateSchema() {
        List<FieldError> errors = errors("""
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: Bad}
                manifest:
                  metadata: {name: x}
                  spec: {}
                """);
        assertThat(errors).extracting(FieldError::pointer)
                .containsExactly("/kind", "/manifest/metadata/name", "/metadata", "/metadata/name");
    }

    @Test
    void parametersMustBeSoundAndPlaceholdersDeclaredAndUsed() {
        List<FieldError> errors = errors("""
                apiVersion: roost/v1
                kind: Template
                metadata: {name: t, description: d}
                parameters:
                  - {name: a}
                  - {name: a}
                  - {name: n, type: integer, default: ten}
                  - {name: p, pattern: "[unclosed"}
                  - {name: unused}
                manifest:
                  spec:
                    x: "${a} ${n} ${p} ${missing}"
                    "${a}": 1
                """);
        assertThat(errors).extracting(FieldError::pointer).containsExactly(
                "/manifest/spec/${a}", "/manifest/spec/x", "/parameters/1/name", "/parameters/2/default", "/parameters/3/pattern",
                "/parameters/4/name");
        assertThat(errors.get(1).message()).contains("${missing}");
        assertThat(errors.get(5).message()).contains("never used");
    }

    @Test
    void exportIsReadableYamlInTheDocumentOrder() {
        Template template = BuiltInTemplates.find("telegram-bot").orElseThrow();
        String yaml = TemplateCodec.toYaml(template);
        assertThat(yaml).startsWith("apiVersion: roost/v1\nkind: Template\nmetadata:\n  name: telegram-bot\n");
        assertThat(yaml).contains("\nparameters:\n").contains("\nmanifest:\n");
        assertThat(yaml.indexOf("parameters:")).isLessThan(yaml.indexOf("manifest:"));
    }

    @Test
    void theTemplateSchemaIsPublished() {
        assertThat(TemplateSchema.json()).contains("\"$id\": \"https://roost.dev/schemas/v1/template.json\"");
    }
}
