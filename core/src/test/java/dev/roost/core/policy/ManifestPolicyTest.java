package dev.roost.core.policy;

import static dev.roost.core.manifest.Trees.set;
import static dev.roost.core.manifest.Trees.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.ManifestFixtures;
import dev.roost.core.manifest.ManifestValidator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ManifestPolicyTest {
    private final ManifestPolicy policy = ManifestPolicy.standard();

    private PolicyResult evaluate(JsonNode manifest, PolicyContext context, boolean mayOverride) {
        return policy.evaluate(ManifestValidator.validate(manifest), context, mayOverride);
    }

    private RoostException refused(JsonNode manifest, PolicyContext context, boolean mayOverride, ErrorCode code) {
        RoostException[] caught = new RoostException[1];
        assertThatThrownBy(() -> evaluate(manifest, context, mayOverride)).isInstanceOfSatisfying(RoostException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            caught[0] = e;
        });
        return caught[0];
    }

    /** The minimal manifest with an unpinned image and a public admin port. */
    private static ObjectNode twoViolations() {
        ObjectNode m = set(ManifestFixtures.minimal(), "/spec/runtime/image", "ghcr.io/acme/hello:latest");
        set(m, "/spec/network/ports", yaml("[{name: ui, port: 8080, exposure: PUBLIC, admin: true}]"));
        return m;
    }

    @Test
    void listsTheStandardRulesInOrder() {
        assertThat(policy.rules()).extracting(PolicyRule::name).containsExactly(
                "no-plaintext-secrets", "pinned-image", "no-public-admin", "no-wildcard-permissions", "limits-required",
                "within-plan-quota");
        assertThat(policy.rules()).allSatisfy(rule -> assertThat(rule.description()).isNotBlank());
        assertThat(policy.rules()).filteredOn(rule -> !rule.overridable()).extracting(PolicyRule::name)
                .containsExactly("within-plan-quota");
    }

    @Test
    void aCleanManifestPassesWithoutWarnings() {
        assertThat(evaluate(ManifestFixtures.full(), PolicyFixtures.EMPTY_STARTER, false).warnings()).isEmpty();
    }

    @Test
    void everyViolationIsReportedAtOnce() {
        RoostException e = refused(twoViolations(), PolicyFixtures.EMPTY_TEAM, true, ErrorCode.POLICY_VIOLATION);
        assertThat(e.fieldErrors()).containsExactly(
                new FieldError("/spec/runtime/image", "[pinned-image] the image tag 'latest' moves over time; use a version tag "
                        + "(e.g. :1.4.2) or a digest (@sha256:...)"),
                new FieldError("/spec/network/ports/0/exposure",
                        "[no-public-admin] this port is marked admin and must not be PUBLIC; use WORKSPACE (members only) or PRIVATE"));
        assertThat(e.getMessage()).contains("pinned-image, no-public-admin");
        @SuppressWarnings("unchecked")
        List<Map<String, String>> violations = (List<Map<String, String>>) e.extensions().get("violations");
        assertThat(violations).extracting(v -> v.get("rule")).containsExactly("pinned-image", "no-public-admin");
        assertThat(violations.get(1)).containsEntry("pointer", "/spec/network/ports/0/exposure");
    }

    @Test
    void anOverrideByACallerWhoMayOverrideTurnsViolationsIntoLoudWarnings() {
        ObjectNode m = set(twoViolations(), "/spec/policies/allowUnsafe", yaml("[pinned-image, no-public-admin]"));
        PolicyResult result = evaluate(m, PolicyFixtures.EMPTY_TEAM, true);
        assertThat(result.hasWarnings()).isTrue();
        assertThat(result.warnings()).extracting(PolicyWarning::rule).containsExactly("pinned-image", "no-public-admin");
        assertThat(result.warnings().get(0).message()).startsWith("overridden policy pinned-image: the image tag 'latest'");
        assertThat(result.warnings().get(0).pointer()).isEqualTo("/spec/runtime/image");
    }

    @Test
    void anOverrideCoversOnlyTheRulesItNames() {
        ObjectNode m = set(twoViolations(), "/spec/policies/allowUnsafe", yaml("[pinned-image]"));
        RoostException e = refused(m, PolicyFixtures.EMPTY_TEAM, true, ErrorCode.POLICY_VIOLATION);
        assertThat(e.fieldErrors()).extracting(FieldError::pointer).containsExactly("/spec/network/ports/0/exposure");
    }

    @Test
    void aCallerWhoMayNotOverrideIsRefusedEvenWhenNothingIsViolated() {
        ObjectNode m = set(ManifestFixtures.minimal(), "/spec/policies/allowUnsafe", yaml("[pinned-image]"));
        RoostException e = refused(m, PolicyFixtures.EMPTY_TEAM, false, ErrorCode.UNSAFE_OVERRIDE_FORBIDDEN);
        assertThat(e.getMessage()).contains("pinned-image").contains("your role may not");
        assertThat(e.fieldErrors()).extracting(FieldError::pointer).containsExactly("/spec/policies/allowUnsafe");
    }

    @Test
    void unknownRuleNamesAreInvalid() {
        ObjectNode m = set(ManifestFixtures.minimal(), "/spec/policies/allowUnsafe", yaml("[pinned-image, pinned-images]"));
        RoostException e = refused(m, PolicyFixtures.EMPTY_TEAM, true, ErrorCode.MANIFEST_INVALID);
        assertThat(e.fieldErrors()).singleElement().satisfies(error -> {
            assertThat(error.pointer()).isEqualTo("/spec/policies/allowUnsafe/1");
            assertThat(error.message()).contains("no policy rule with this name").contains("pinned-image");
        });
    }

    @Test
    void aNonOverridableRuleCannotBeNamed() {
        ObjectNode m = set(ManifestFixtures.minimal(), "/spec/policies/allowUnsafe", yaml("[within-plan-quota]"));
        RoostException e = refused(m, PolicyFixtures.EMPTY_TEAM, true, ErrorCode.MANIFEST_INVALID);
        assertThat(e.fieldErrors()).singleElement().satisfies(error -> {
            assertThat(error.pointer()).isEqualTo("/spec/policies/allowUnsafe/0");
            assertThat(error.message()).contains("cannot be overridden");
        });
    }

    @Test
    void quotaViolationsAnswerWithQuotaExceededAndStillListTheOthers() {
        PolicyContext full = new PolicyContext(PolicyFixtures.STARTER, new QuotaUsage(2, 0, 0));
        RoostException e = refused(twoViolations(), full, true, ErrorCode.QUOTA_EXCEEDED);
        assertThat(e.fieldErrors()).extracting(FieldError::message)
                .anySatisfy(m -> assertThat(m).startsWith("[within-plan-quota]"))
                .anySatisfy(m -> assertThat(m).startsWith("[pinned-image]"));
        assertThat(e.getMessage()).contains("already has 2 instances");
    }

    @Test
    void aCredentialIsRefusedEvenWhenNoPlaintextSecretsIsOverridden() {
        ObjectNode m = set(ManifestFixtures.minimal(), "/spec/policies/allowUnsafe", yaml("[no-plaintext-secrets]"));
        set(m, "/spec/runtime/env", yaml("{API_TOKEN: plain-but-not-a-known-shape, OTHER: 'ghp_" + "z".repeat(36) + "'}"));
        RoostException e = refused(m, PolicyFixtures.EMPTY_TEAM, true, ErrorCode.POLICY_VIOLATION);
        assertThat(e.fieldErrors()).extracting(FieldError::pointer).containsExactly("/spec/runtime/env/OTHER");
        assertThat(e.toString()).doesNotContain("z".repeat(36));
    }

    @Test
    void aRuleNameMayAppearOnlyOnce() {
        assertThatThrownBy(() -> new ManifestPolicy(List.of(new PinnedImage(), new PinnedImage())))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
