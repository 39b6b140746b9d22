package dev.roost.core.policy;

import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Quota;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Plans, contexts and shortcuts shared by the policy tests. */
final class PolicyFixtures {
    static final Quota STARTER = plan("starter");
    static final Quota TEAM = plan("team");
    static final PolicyContext EMPTY_TEAM = new PolicyContext(TEAM, QuotaUsage.NONE);
    static final PolicyContext EMPTY_STARTER = new PolicyContext(STARTER, QuotaUsage.NONE);

    private PolicyFixtures() {
    }

    static Quota plan(String name) {
        return Plan.builtIn().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().quota();
    }

    static List<PolicyViolation> check(PolicyRule rule, JsonNode manifest) {
        return check(rule, manifest, EMPTY_TEAM);
    }

    static List<PolicyViolation> check(PolicyRule rule, JsonNode manifest, PolicyContext context) {
        return rule.check(ManifestValidator.validate(manifest).manifest(), context);
    }
}
