package dev.roost.sandbox.bubblewrap;

import dev.roost.sandbox.OutputListener;
import dev.roost.sandbox.RunningJob;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxResult;
import dev.roost.sandbox.SandboxUnavailable;
import dev.roost.sandbox.EgressSummary;
import dev.roost.sandbox.egress.EgressSession;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job under bubblewrap, from start to clean-up. A platform thread of its own starts the
 * jail and supervises it (see {@link BubblewrapSandbox} on why a platform thread); two virtual
 * threads drain its output. {@link #cancel()} may come from any thread.
 */
final class JobRun implements RunningJob {
    private static final Logger LOG = LoggerFactory.getLogger(JobRun.class);
    static final String JOIN_FAILED = "roost-sandbox: cannot join cgroup";
    private static final File DEV_NULL = new File("/dev/null");

    private final SandboxJob job;
    private final List<String> command;
    private final JobDirectory dir;
    private final JobCgroup cgroup;
    private final Optional<EgressSession> egress;
    private final OutputListener listener;
    private final Runnable onUnavailable;
    private final CompletableFuture<SandboxResult> result = new CompletableFuture<>();
    private final Object lock = new Object();
    // Guarded by lock.
    private Process process;
    private boolean cancelled;
    private boolean ended;

    JobRun(SandboxJob job, List<String> command, JobDirectory dir, JobCgroup cgroup, Optional<EgressSession> egress,
           OutputListener listener, Runnable onUnavailable) {
        this.job = job;
        this.command = command;
        this.dir = dir;
        this.cgroup = cgroup;
        this.egress = egress;
        this.listener = listener;
        this.onUnavailable = onUnavailable;
    }

    void start() {
        Thread.ofPlatform().daemon().name("roost-sandbox-" + job.name()).start(this::supervise);
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

    private void supervise() {
        Process p;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(DEV_NULL);
            // Not even the jail tools see the node's environment; the job's is set by bwrap --clearenv/--setenv.
            builder.environment().clear();
            builder.environment().put("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
            p = builder.start();
        } catch (IOException e) {
            finishFailed(new SandboxUnavailable("cannot start the sandbox: " + e.getMessage(), e));
            return;
        }
        long started = System.nanoTime();
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
            if (!p.waitFor(job.limits().timeout().toNanos(), TimeUnit.NANOSECONDS)) {
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
                    Duration.ofNanos(endedAt - started), out.captured(), stderr, artifacts.files(), artifacts.truncated(), kept,
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
        result.completeExceptionally(e);
    }
}
