package dev.roost.sandbox;

/**
 * Runs one job in a jail: its own namespaces, no network, the host's system directories
 * read-only, a private working directory, memory/CPU/PID limits and bounded output. Every
 * adapter passes the shared contract suite {@code SandboxContract}.
 *
 * <p>A sandbox never runs a job unjailed: when it cannot jail (bubblewrap missing, namespaces
 * or cgroups not usable), {@link #start} throws {@link SandboxUnavailable} and {@link #probe}
 * says why. Implementations are thread-safe; jobs may run concurrently.
 */
public interface Sandbox extends AutoCloseable {

    /** A short name for capabilities and logs: {@code bubblewrap}. */
    String name();

    /**
     * Checks, now, whether jobs can run here and reports what is usable (versions, cgroup
     * controllers) or what is missing, with what to do about it. Runs a trivial job when the
     * adapter needs to, so it costs milliseconds; callers cache the answer.
     */
    SandboxAvailability probe();

    /**
     * Starts a job and returns at once. Output reaches {@code listener} as it comes, on a
     * thread of the sandbox's own, up to the job's output cap per stream.
     *
     * @throws SandboxUnavailable when this sandbox cannot jail the job; nothing ran
     * @throws IllegalArgumentException when the job cannot be run as given (e.g. an attachment name leaves the working directory)
     */
    RunningJob start(SandboxJob job, OutputListener listener);

    /**
     * Releases what the sandbox keeps ready for jobs to come (such as jails set up in advance).
     * Jobs that run go on; later jobs still start, only without what was kept ready.
     */
    @Override
    default void close() {
    }

    /** Runs a job to its end. */
    default SandboxResult run(SandboxJob job, OutputListener listener) throws InterruptedException {
        return start(job, listener).await();
    }

    /** Runs a job to its end, without a live listener. */
    default SandboxResult run(SandboxJob job) throws InterruptedException {
        return run(job, OutputListener.NONE);
    }
}
