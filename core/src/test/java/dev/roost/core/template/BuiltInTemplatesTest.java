package dev.roost.core.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.ValidatedManifest;
import dev.roost.core.policy.ManifestPolicy;
import dev.roost.core.policy.PolicyContext;
import dev.roost.core.policy.PolicyResult;
import dev.roost.core.policy.QuotaUsage;
import dev.roost.core.workspace.Plan;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

class BuiltInTemplatesTest {
    private static final PolicyContext STARTER = new PolicyContext(
            Plan.builtIn().stream().filter(p -> p.name().equals("starter")).findFirst().orElseThrow().quota(), QuotaUsage.NONE);

    static Stream<Template> templates() {
        return BuiltInTemplates.all().stream();
    }

    /** Defaults plus a plausible value for every required parameter. */
    static Map<String, String> requiredValues(Template template) {
        Map<String, String> values = new HashMap<>();
        for (TemplateParameter parameter : template.parameters()) {
            if (parameter.required() && parameter.defaultValue().isEmpty()) {
                assertThat(parameter.name()).as("the only required parameter without default is the image").isEqualTo("image");
                values.put("image", "ghcr.io/acme/" + template.name() + ":1.0.0");
            }
        }
        return values;
    }

    static ValidatedManifest render(Template template) {
        JsonNode manifest = TemplateRenderer.render(template, requiredValues(template), "my-" + template.name(), "acme", "dev");
        return ManifestValidator.validate(manifest);
    }

    @Test
    void shipsTheSixTemplates() {
        assertThat(BuiltInTemplates.all()).extracting(Template::name).containsExactly(
                "telegram-bot", "slack-bot", "webhook-bot", "openclaw-agent", "llm-tenant", "coding-agent");
        assertThat(BuiltInTemplates.find("llm-tenant")).isPresent();
        assertThat(BuiltInTemplates.find("nope")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("templates")
    void rendersWithDefaultsToAManifestThatPassesValidationAndPolicyOnTheStarterPlan(Template template) {
        ValidatedManifest manifest = render(template);
        PolicyResult result = ManifestPolicy.standard().evaluate(manifest, STARTER, false);
        assertThat(result.warnings()).isEmpty();
        assertThat(manifest.manifest().spec().template()).contains(template.name());
        assertThat(manifest.name()).isEqualTo("my-" + template.name());
    }

    @ParameterizedTest
    @MethodSource("templates")
    void describesWhichSecretsToCreate(Template template) {
        ValidatedManifest manifest = render(template);
        for (String secret : manifest.secretReferences()) {
            assertThat(template.description()).as("description of %s names secret %s", template.name(), secret).contains(secret);
        }
    }

    @ParameterizedTest
    @MethodSource("templates")
    void exportsAndImportsUnchanged(Template template) {
        assertThat(TemplateCodec.parse(TemplateCodec.toYaml(template), "application/yaml")).isEqualTo(template);
    }

    @Test
    void openClawKeepsItsControlUiPrivateAndMarkedAdmin() {
        ValidatedManifest manifest = render(BuiltInTemplates.find("openclaw-agent").orElseThrow());
        assertThat(manifest.image()).isEqualTo("ghcr.io/openclaw/openclaw:2026.3.1");
        assertThat(manifest.manifest().spec().network().ports()).containsExactly(
                new Network.Port("gateway", 18789, Network.Exposure.PRIVATE, true));
    }

    @Test
    void theLlmTenantIsOpenWebUiForWorkspaceMembersBehindTheGateway() {
        ValidatedManifest manifest = render(BuiltInTemplates.find("llm-tenant").orElseThrow());
        assertThat(manifest.image()).startsWith("ghcr.io/open-webui/open-webui:v");
        assertThat(manifest.manifest().spec().network().ports()).containsExactly(
                new Network.Port("ui", 8080, Network.Exposure.WORKSPACE, false));
        assertThat(manifest.manifest().spec().network().egress()).isEqualTo(Network.Egress.GATEWAY_ONLY);
        // The gateway's URL and the instance's own key are set by the reconciler, not by the template.
        assertThat(manifest.manifest().spec().runtime().env()).doesNotContainKeys("OPENAI_API_BASE_URL", "OPENAI_API_KEY");
        assertThat(manifest.manifest().spec().model().allowedModels()).isNotEmpty();
    }

    @Test
    void theCodingAgentReachesOnlyTheGatewayAndHasAWorkspace() {
        ValidatedManifest manifest = render(BuiltInTemplates.find("coding-agent").orElseThrow());
        assertThat(manifest.manifest().spec().network().egress()).isEqualTo(Network.Egress.GATEWAY_ONLY);
        assertThat(manifest.manifest().spec().volumes()).extracting(v -> v.mountPath()).containsExactly("/workspace");
    }
}
