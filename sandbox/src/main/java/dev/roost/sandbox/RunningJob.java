package dev.roost.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A started job: wait for its result, or cancel it. Thread-safe. */
public interface RunningJob {

    /** The job's working directory on the host (mounted at {@code /work} inside), for diagnostics and tests. */
    Path workingDirectory();

    /**
     * Kills the job's whole process tree. The result then says {@code cancelled}. Does nothing
     * once the job has ended; returns before the result is ready.
     */
    void cancel();

    /**
     * Completes once the jail's process was launched, with how long the steps before took; fails
     * like {@link #result()} when the job could not start.
     */
    CompletableFuture<StartTimings> started();

    /** Completes once the job has ended and everything it held (processes, cgroups) is gone. */
    CompletableFuture<SandboxResult> result();

    /** Waits for the result. */
    default SandboxResult await() throws InterruptedException {
        try {
            return result().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw propagate(e.getCause());
        }
    }

    /** Waits for the result at most {@code timeout}. */
    default Optional<SandboxResult> await(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(result().get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.empty();
        } catch (java.util.concurrent.ExecutionException e) {
            throw propagate(e.getCause());
        }
    }

    private static RuntimeException propagate(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("the sandbox failed: " + cause, cause);
    }
}
