package dev.roost.core.policy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.CanonicalForm;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.ResourceQuantity;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code within-plan-quota}: the instance fits the workspace's plan. CPU and memory limits
 * apply per replica ({@code maxCpuMillisPerInstance} bounds one replica); workspace totals
 * count limit × replicas over all live instances, this one included. An instance without
 * a limit counts at the per-instance maximum. Not overridable: quotas are the operator's
 * limit on a tenant. Violations are answered with {@link ErrorCode#QUOTA_EXCEEDED}.
 */
public final class WithinPlanQuota implements PolicyRule {
    public static final String NAME = "within-plan-quota";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "The instance must fit the workspace plan: CPU and memory per replica within the per-instance limits, and the "
                + "workspace's instance count and total CPU and memory (limit x replicas over all instances) within the plan. "
                + "Cannot be overridden; ask the operator for a bigger plan.";
    }

    @Override
    public boolean overridable() {
        return false;
    }

    @Override
    public ErrorCode errorCode() {
        return ErrorCode.QUOTA_EXCEEDED;
    }

    @Override
    public List<PolicyViolation> check(AgentManifest manifest, PolicyContext context) {
        Quota quota = context.quota();
        QuotaUsage others = context.usageOfOtherInstances();
        QuotaUsage own = QuotaUsage.of(manifest, quota);
        QuotaUsage total = others.plus(own);
        RuntimeSpec runtime = manifest.spec().runtime();
        List<PolicyViolation> violations = new ArrayList<>();
        String cpuPointer = runtime.cpuMillis().isPresent() ? "/spec/runtime/cpu" : "/spec/runtime";
        String memoryPointer = runtime.memoryBytes().isPresent() ? "/spec/runtime/memory" : "/spec/runtime";

        if (total.instances() > quota.maxInstances()) {
            violations.add(new PolicyViolation(NAME, "/metadata/name",
                    "the workspace already has " + others.instances() + " instance" + plural(others.instances())
                            + " and its plan allows " + quota.maxInstances() + "; delete an instance or ask the operator for a bigger plan"));
        }
        runtime.cpuMillis().ifPresent(cpu -> {
            if (cpu > quota.maxCpuMillisPerInstance()) {
                violations.add(new PolicyViolation(NAME, "/spec/runtime/cpu",
                        "asks for " + ResourceQuantity.describeCpu(cpu) + " per replica; the plan allows "
                                + ResourceQuantity.describeCpu(quota.maxCpuMillisPerInstance()) + " per instance; lower cpu or ask "
                                + "the operator for a bigger plan"));
            }
        });
        runtime.memoryBytes().ifPresent(memory -> {
            if (memory > quota.maxMemoryBytesPerInstance()) {
                violations.add(new PolicyViolation(NAME, "/spec/runtime/memory",
                        "asks for " + CanonicalForm.formatMemory(memory) + " per replica; the plan allows "
                                + CanonicalForm.formatMemory(quota.maxMemoryBytesPerInstance()) + " per instance; lower memory or "
                                + "ask the operator for a bigger plan"));
            }
        });
        if (total.cpuMillis() > quota.maxCpuMillisTotal()) {
            violations.add(new PolicyViolation(NAME, cpuPointer,
                    "the workspace would use " + ResourceQuantity.describeCpu(total.cpuMillis()) + " of CPU in total ("
                            + ResourceQuantity.describeCpu(others.cpuMillis()) + " by other instances, "
                            + ResourceQuantity.describeCpu(own.cpuMillis()) + " by this one over " + runtime.replicas()
                            + " replica" + plural(runtime.replicas()) + "); the plan allows "
                            + ResourceQuantity.describeCpu(quota.maxCpuMillisTotal()) + "; lower cpu or replicas"));
        }
        if (total.memoryBytes() > quota.maxMemoryBytesTotal()) {
            violations.add(new PolicyViolation(NAME, memoryPointer,
                    "the workspace would use " + CanonicalForm.formatMemory(total.memoryBytes()) + " of memory in total ("
                            + CanonicalForm.formatMemory(others.memoryBytes()) + " by other instances, "
                            + CanonicalForm.formatMemory(own.memoryBytes()) + " by this one over " + runtime.replicas()
                            + " replica" + plural(runtime.replicas()) + "); the plan allows "
                            + CanonicalForm.formatMemory(quota.maxMemoryBytesTotal()) + "; lower memory or replicas"));
        }
        return violations;
    }

    private static String plural(long count) {
        return count == 1 ? "" : "s";
    }
}
