package dev.roost.core.policy;

import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.RuntimeSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code limits-required}: every instance states its CPU and memory limits, so one agent
 * cannot starve the others on a node. 0 means "unlimited" to container runtimes and is
 * refused too. (Replicas are checked by the schema: 0 to 20, where 0 means stopped.)
 */
public final class LimitsRequired implements PolicyRule {
    public static final String NAME = "limits-required";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "spec.runtime.cpu and spec.runtime.memory must be set and above 0 (0 means unlimited to container runtimes).";
    }

    @Override
    public boolean overridable() {
        return true;
    }

    @Override
    public List<PolicyViolation> check(AgentManifest manifest, PolicyContext context) {
        RuntimeSpec runtime = manifest.spec().runtime();
        List<PolicyViolation> violations = new ArrayList<>();
        if (runtime.cpuMillis().isEmpty()) {
            violations.add(new PolicyViolation(NAME, "/spec/runtime",
                    "no CPU limit is set; add cpu, e.g. cpu: 500m (half a core)"));
        } else if (runtime.cpuMillis().getAsLong() == 0) {
            violations.add(new PolicyViolation(NAME, "/spec/runtime/cpu",
                    "0 means no CPU limit; set a real limit, e.g. 500m (half a core)"));
        }
        if (runtime.memoryBytes().isEmpty()) {
            violations.add(new PolicyViolation(NAME, "/spec/runtime",
                    "no memory limit is set; add memory, e.g. memory: 256Mi"));
        } else if (runtime.memoryBytes().getAsLong() == 0) {
            violations.add(new PolicyViolation(NAME, "/spec/runtime/memory",
                    "0 means no memory limit; set a real limit, e.g. 256Mi"));
        }
        return violations;
    }
}
