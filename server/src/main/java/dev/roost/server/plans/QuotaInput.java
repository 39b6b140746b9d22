package dev.roost.server.plans;

import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.ResourceQuantity;
import dev.roost.server.http.Checks;
import java.util.function.ToLongFunction;

/**
 * Quota limits as a client writes them: CPU and memory in Kubernetes notation
 * ({@code "500m"}, {@code "2"}, {@code "4Gi"}), the instance count as a number.
 */
public record QuotaInput(
        Integer maxInstances,
        String maxCpuPerInstance,
        String maxMemoryPerInstance,
        String maxCpuTotal,
        String maxMemoryTotal) {
    public static final int MAX_INSTANCES = 100_000;

    /**
     * Adds every problem to {@code checks} with pointers under {@code pointer} (e.g. {@code /quota})
     * and returns the quota, or null when something was wrong.
     */
    public Quota toQuota(Checks checks, String pointer) {
        boolean ok = true;
        if (maxInstances == null) {
            checks.required(pointer + "/maxInstances", null);
            ok = false;
        } else if (maxInstances < 0 || maxInstances > MAX_INSTANCES) {
            checks.that(false, pointer + "/maxInstances", "must be between 0 and " + MAX_INSTANCES);
            ok = false;
        }
        Long cpuPer = parse(checks, pointer + "/maxCpuPerInstance", maxCpuPerInstance, ResourceQuantity::parseCpuMillis);
        Long memoryPer = parse(checks, pointer + "/maxMemoryPerInstance", maxMemoryPerInstance,
                ResourceQuantity::parseMemoryBytes);
        Long cpuTotal = parse(checks, pointer + "/maxCpuTotal", maxCpuTotal, ResourceQuantity::parseCpuMillis);
        Long memoryTotal = parse(checks, pointer + "/maxMemoryTotal", maxMemoryTotal, ResourceQuantity::parseMemoryBytes);
        if (!ok || cpuPer == null || memoryPer == null || cpuTotal == null || memoryTotal == null) {
            return null;
        }
        boolean consistent = true;
        if (cpuPer > cpuTotal) {
            checks.that(false, pointer + "/maxCpuPerInstance", "must not be more than maxCpuTotal (" + maxCpuTotal + ")");
            consistent = false;
        }
        if (memoryPer > memoryTotal) {
            checks.that(false, pointer + "/maxMemoryPerInstance",
                    "must not be more than maxMemoryTotal (" + maxMemoryTotal + ")");
            consistent = false;
        }
        return consistent ? new Quota(maxInstances, cpuPer, memoryPer, cpuTotal, memoryTotal) : null;
    }

    private static Long parse(Checks checks, String pointer, String text, ToLongFunction<String> parser) {
        if (text == null || text.isBlank()) {
            checks.required(pointer, null);
            return null;
        }
        try {
            return parser.applyAsLong(text);
        } catch (IllegalArgumentException e) {
            checks.that(false, pointer, e.getMessage());
            return null;
        }
    }
}
