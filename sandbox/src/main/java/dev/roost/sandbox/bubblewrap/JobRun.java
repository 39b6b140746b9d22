package dev.roost.sandbox.bubblewrap;

import dev.roost.sandbox.EgressSummary;
import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.RunningJob;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.SandboxUnavailable;
import dev.roost.sandbox.StartTimings;
import dev.roost.sandbox.egress.EgressSession;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job under bubblewrap, from start to clean-up. A platform thread starts the jail and
 * supervises it (see {@link BubblewrapSandbox} on why a platform thread): a thread of its own
 * for a cold start, or the thread that set up the {@link WarmJail} the job was handed to. Two
 * virtual threads drain its output. {@link #cancel()} may come from any thread.
 */
final class JobRun implements RunningJob {
    private static final Logger LOG = LoggerFactory.getLogger(JobRun.class);
    static final String JOIN_FAILED = "roost-sandbox: cannot join cgroup";
    private static final File DEV_NULL = new File("/dev/null");

    private final SandboxJob job;
    private final JobDirectory dir;
    private final JobCgroup cgroup;
    private final Optional<EgressSession> egress;
    private final OutputListener listener;
    private final Runnable onUnavailable;
    private final long requestedAt;
    private final CompletableFuture<SandboxResult> result = new CompletableFuture<>();
    private final CompletableFuture<StartTimings> started = new CompletableFuture<>();
    private final Object lock = new Object();
    // Guarded by lock.
    private Process process;
    private boolean cancelled;
    private boolean ended;

    /** {@code requestedAt}: {@link System#nanoTime()} when the sandbox was asked to start the job. */
    JobRun(SandboxJob job, JobDirectory dir, JobCgroup cgroup, Optional<EgressSession> egress, OutputListener listener,
           Runnable onUnavailable, long requestedAt) {
        this.job = job;
        this.dir = dir;
        this.cgroup = cgroup;
        this.egress = egress;
        this.listener = listener;
        this.onUnavailable = onUnavailable;
        this.requestedAt = requestedAt;
    }

    /** Starts {@code command} (which joins the cgroup, drops to the job user and runs bubblewrap) on a thread of its own. */
    void startCold(List<String> command) {
        long prepared = System.nanoTime();
        Thread.ofPlatform().daemon().name("roost-sandbox-" + job.name()).start(() -> {
            Process p;
            try {
                p = spawn(command);
            } catch (IOException e) {
                finishFailed(new SandboxUnavailable("cannot start the sandbox: " + e.getMessage(), e));
                return;
            }
            long launched = System.nanoTime();
            started.complete(new StartTimings(Instant.now(), Duration.ofNanos(prepared - requestedAt),
                    Duration.ofNanos(launched - prepared), false));
            supervise(p, launched);
        });
    }

    /**
     * The job's jail was waiting and has just been released (by the caller of start, after
     * {@code prepared}; {@code launched} when the release was written). Runs on the waiting jail's thread.
     */
    void superviseReleased(Process p, long prepared, long launched, Instant launchedAt) {
        started.complete(new StartTimings(launchedAt, Duration.ofNanos(prepared - requestedAt),
                Duration.ofNanos(launched - prepared), true));
        supervise(p, launched);
    }

    /** Starts a jail's process: no input, none of the node's environment (the job's is set by bwrap --clearenv/--setenv). */
    static Process spawn(List<String> command) throws IOException {
        return spawn(command, ProcessBuilder.Redirect.from(DEV_NULL));
    }

    static Process spawn(List<String> command, ProcessBuilder.Redirect input) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(input);
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
        return builder.start();
    }

    @Override
    public Path workingDirectory() {
        return dir.work();
    }

    @Override
    public void cancel() {
        Process p;
        synchronized (lock) {
            if (ended || cancelled) {
                return;
            }
            cancelled = true;
            p = process;
            if (p == null) {
                return; // the supervisor sees the flag right after starting the process
            }
        }
        Thread.ofVirtual().start(() -> killTree(p));
    }

    /**
     * Kills every process of the job. The jail process itself is killed by handle too: right
     * after the start it may not have joined the cgroup yet, and bubblewrap's
     * {@code --die-with-parent} takes the jail down with it.
     */
    private void killTree(Process p) {
        p.destroyForcibly();
        cgroup.killAll();
    }

    @Override
    public CompletableFuture<SandboxResult> result() {
        return result;
    }

    @Override
    public CompletableFuture<StartTimings> started() {
        return started;
    }

    private void supervise(Process p, long startedAt) {
        boolean cancelledEarly;
        synchronized (lock) {
            process = p;
            cancelledEarly = cancelled;
        }
        long cap = job.limits().outputCapBytes();
        OutputPump out = new OutputPump(p.getInputStream(), OutputListener.Stream.STDOUT, cap, listener);
        OutputPump err = new OutputPump(p.getErrorStream(), OutputListener.Stream.STDERR, cap, listener);
        Thread outThread = Thread.ofVirtual().name("roost-sandbox-stdout-" + job.name()).start(out);
        Thread errThread = Thread.ofVirtual().name("roost-sandbox-stderr-" + job.name()).start(err);
        boolean timedOut = false;
        try {
            if (cancelledEarly) {
                killTree(p);
            }
            if (!p.waitFor(job.limits().timeout().toNanos() - (System.nanoTime() - startedAt), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                killTree(p);
                p.waitFor();
            }
            long endedAt = System.nanoTime();
            // Whatever outlived the main process (nothing should: bwrap's init took its namespace down).
            cgroup.killAll();
            boolean outEnded = join(outThread) & join(errThread);
            if (!outEnded) {
                LOG.warn("job {}: output pipes stayed open after the job ended; closing them", job.name());
                p.getInputStream().close();
                p.getErrorStream().close();
            }
            boolean oom = cgroup.oomKilled();
            int exit = p.exitValue();
            SandboxResult.CapturedOutput stderr = err.captured();
            if (exit == 125 && stderr.text().contains(JOIN_FAILED)) {
                onUnavailable.run();
                finishFailed(new SandboxUnavailable("the job could not join its cgroup: " + stderr.text().strip()));
                return;
            }
            if (exit == 125 && stderr.text().contains(JailBridge.FAILED)) {
                finishFailed(new SandboxUnavailable("the job did not run: " + stderr.text().strip()));
                return;
            }
            // Every process of the job is gone, so every connection it had is ending: this waits until each is recorded.
            EgressSummary egressSummary = egress.map(EgressSession::finish).orElse(EgressSummary.NONE);
            boolean wasCancelled;
            synchronized (lock) {
                wasCancelled = cancelled;
                this.ended = true;
            }
            cgroup.remove();
            JobDirectory.Artifacts artifacts = dir.collectArtifacts(job.limits());
            Optional<Path> kept = Optional.empty();
            if (job.keepWorkingDirectory()) {
                kept = Optional.of(dir.work());
            } else {
                dir.delete();
            }
            OptionalInt signal = exit > 128 && exit <= 128 + 64 ? OptionalInt.of(exit - 128) : OptionalInt.empty();
            result.complete(new SandboxResult(exit, signal, oom, timedOut && !wasCancelled, wasCancelled,
                    Duration.ofNanos(endedAt - startedAt), out.captured(), stderr, artifacts.files(), artifacts.truncated(), kept,
                    egressSummary));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finishFailed(new IllegalStateException("the sandbox supervisor was interrupted", e));
        } catch (IOException | RuntimeException e) {
            finishFailed(e);
        }
    }

    private static boolean join(Thread t) throws InterruptedException {
        return t.join(Duration.ofSeconds(5));
    }

    /** Kills and removes what is left, then fails the result. */
    private void finishFailed(Exception e) {
        synchronized (lock) {
            ended = true;
        }
        try {
            egress.ifPresent(EgressSession::close);
            cgroup.killAll();
            cgroup.remove();
            dir.delete();
        } catch (RuntimeException cleanup) {
            e.addSuppressed(cleanup);
        }
        started.completeExceptionally(e);
        result.completeExceptionally(e);
    }
}
