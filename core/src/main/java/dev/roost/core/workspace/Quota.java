package dev.roost.core.workspace;

/**
 * Limits a workspace may use: instance count, CPU and memory per instance and in total.
 * CPU is in millicores (1000 = one core), memory in bytes.
 */
public record Quota(
        int maxInstances,
        long maxCpuMillisPerInstance,
        long maxMemoryBytesPerInstance,
        long maxCpuMillisTotal,
        long maxMemoryBytesTotal) {

    public Quota {
        if (maxInstances < 0 || maxCpuMillisPerInstance < 0 || maxMemoryBytesPerInstance < 0
                || maxCpuMillisTotal < 0 || maxMemoryBytesTotal < 0) {
            throw new IllegalArgumentException("quota limits must not be negative");
        }
    }
}
