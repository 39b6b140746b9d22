package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What one job may use. Memory, CPU and PIDs are enforced by the kernel (cgroups); the rest by
 * the sandbox.
 *
 * @param memoryBytes      memory of all the job's processes together (page cache and its /tmp included); beyond it the kernel kills (OOM)
 * @param cpuMillicores    CPU time per wall-clock second, in thousandths of a core: 1000 = one full core, 500 = half
 * @param pids             processes and threads alive at once
 * @param timeout          wall-clock time from start; then the whole process tree is killed
 * @param outputCapBytes   bytes kept (and handed to the listener) per stream; the rest is counted and dropped
 * @param maxArtifacts     files collected from {@code out/}
 * @param maxArtifactBytes bytes collected from {@code out/}, all files together
 */
public record SandboxLimits(long memoryBytes, int cpuMillicores, int pids, Duration timeout, long outputCapBytes,
                            int maxArtifacts, long maxArtifactBytes) {
    public static final SandboxLimits DEFAULT = new SandboxLimits(512L << 20, 1000, 256, Duration.ofMinutes(10), 1L << 20,
            100, 16L << 20);

    /** Below this, even {@code /bin/sh} cannot start. */
    public static final long MIN_MEMORY_BYTES = 8L << 20;

    public SandboxLimits {
        requireNonNull(timeout, "timeout is null");
        if (memoryBytes < MIN_MEMORY_BYTES) {
            throw new IllegalArgumentException("memoryBytes must be at least " + MIN_MEMORY_BYTES + ", got " + memoryBytes);
        }
        if (cpuMillicores < 10) {
            throw new IllegalArgumentException("cpuMillicores must be at least 10, got " + cpuMillicores);
        }
        if (pids < 4) {
            throw new IllegalArgumentException("pids must be at least 4 (the jail itself needs two), got " + pids);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (outputCapBytes < 0 || maxArtifacts < 0 || maxArtifactBytes < 0) {
            throw new IllegalArgumentException("output and artifact caps must not be negative");
        }
    }

    public SandboxLimits withMemoryBytes(long bytes) {
        return new SandboxLimits(bytes, cpuMillicores, pids, timeout, outputCapBytes, maxArtifacts, maxArtifactBytes);
    }

    public SandboxLimits withCpuMillicores(int millicores) {
        return new SandboxLimits(memoryBytes, millicores, pids, timeout, outputCapBytes, maxArtifacts, maxArtifactBytes);
    }

    public SandboxLimits withPids(int max) {
        return new SandboxLimits(memoryBytes, cpuMillicores, max, timeout, outputCapBytes, maxArtifacts, maxArtifactBytes);
    }

    public SandboxLimits withTimeout(Duration wallClock) {
        return new SandboxLimits(memoryBytes, cpuMillicores, pids, wallClock, outputCapBytes, maxArtifacts, maxArtifactBytes);
    }

    public SandboxLimits withOutputCapBytes(long bytes) {
        return new SandboxLimits(memoryBytes, cpuMillicores, pids, timeout, bytes, maxArtifacts, maxArtifactBytes);
    }

    public SandboxLimits withArtifacts(int count, long bytes) {
        return new SandboxLimits(memoryBytes, cpuMillicores, pids, timeout, outputCapBytes, count, bytes);
    }
}
