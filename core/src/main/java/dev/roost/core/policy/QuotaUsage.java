package dev.roost.core.policy;

import static java.util.Objects.requireNonNull;

import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.core.manifest.ValidatedManifest;
import dev.roost.core.workspace.Quota;

/**
 * Resources counted against a workspace quota: instances, and CPU and memory summed over
 * replicas. An instance without a CPU or memory limit counts at the plan's per-instance
 * maximum per replica, which is also what the runtime caps it at.
 */
public record QuotaUsage(int instances, long cpuMillis, long memoryBytes) {
    public static final QuotaUsage NONE = new QuotaUsage(0, 0, 0);

    public QuotaUsage {
        if (instances < 0 || cpuMillis < 0 || memoryBytes < 0) {
            throw new IllegalArgumentException("usage must not be negative");
        }
    }

    /** What one instance counts against {@code quota}. */
    public static QuotaUsage of(AgentManifest manifest, Quota quota) {
        requireNonNull(manifest, "manifest is null");
        requireNonNull(quota, "quota is null");
        RuntimeSpec runtime = manifest.spec().runtime();
        long cpu = runtime.cpuMillis().orElse(quota.maxCpuMillisPerInstance());
        long memory = runtime.memoryBytes().orElse(quota.maxMemoryBytesPerInstance());
        return new QuotaUsage(1, saturatedMultiply(cpu, runtime.replicas()), saturatedMultiply(memory, runtime.replicas()));
    }

    public static QuotaUsage of(ValidatedManifest manifest, Quota quota) {
        return of(requireNonNull(manifest, "manifest is null").manifest(), quota);
    }

    public QuotaUsage plus(QuotaUsage other) {
        return new QuotaUsage(
                (int) Math.min(Integer.MAX_VALUE, (long) instances + other.instances),
                saturatedAdd(cpuMillis, other.cpuMillis),
                saturatedAdd(memoryBytes, other.memoryBytes));
    }

    private static long saturatedMultiply(long value, int times) {
        try {
            return Math.multiplyExact(value, times);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long saturatedAdd(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
