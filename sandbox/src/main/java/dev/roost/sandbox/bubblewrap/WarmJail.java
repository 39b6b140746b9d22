package dev.roost.sandbox.bubblewrap;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A jail set up before any job asked for it: bubblewrap has made its namespaces and mounts and
 * waits ({@code --block-fd 0}) with an empty working directory, in a cgroup of its own, as the
 * job user. A job that takes it writes its files and its launch script (under
 * {@code /run/roost}, read-only inside), sets its limits on the cgroup, and releases it with one
 * byte on the jail's standard input; bubblewrap then runs {@code /bin/sh /run/roost/launch},
 * which {@code exec}s the job. So a job's start costs its own files and one exec, not the jail.
 *
 * <p>The platform thread that started the jail's process waits for the hand-over and then
 * supervises the job, so the parent-death signal follows the jail for its whole life. A jail
 * whose process died while waiting, or that is discarded, is cleaned up by that thread.
 */
final class WarmJail {
    private static final Logger LOG = LoggerFactory.getLogger(WarmJail.class);
    /** The launch script inside the jail: written by the job that takes the jail. */
    static final String LAUNCH = "/run/roost/launch";

    private final String id;
    private final Object origin;
    private final JobDirectory dir;
    private final JobCgroup cgroup;
    private final CompletableFuture<Process> process = new CompletableFuture<>();
    /** The job, or null to discard the jail. */
    private final CompletableFuture<Handover> handover = new CompletableFuture<>();

    /** A job taking the jail; {@code released} completes once the release byte is written, or with null when it could not be. */
    private record Handover(JobRun run, long prepared, CompletableFuture<Released> released) {
    }

    private record Released(long nanos, Instant at) {
    }

    private WarmJail(String id, Object origin, JobDirectory dir, JobCgroup cgroup) {
        this.id = id;
        this.origin = origin;
        this.dir = dir;
        this.cgroup = cgroup;
    }

    /**
     * Starts a waiting jail: {@code command} is its full command line (cgroup join, job user,
     * bubblewrap with {@code --block-fd 0}); {@code origin} names what it was set up with (a
     * sandbox only hands out jails of its current setup). Returns once the process runs.
     */
    static WarmJail start(String id, Object origin, JobDirectory dir, JobCgroup cgroup, List<String> command) throws IOException {
        WarmJail jail = new WarmJail(id, origin, dir, cgroup);
        Thread.ofPlatform().daemon().name("roost-sandbox-" + id).start(() -> jail.live(command));
        try {
            jail.process.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        return jail;
    }

    private void live(List<String> command) {
        Process p;
        try {
            p = JobRun.spawn(command, ProcessBuilder.Redirect.PIPE);
        } catch (IOException e) {
            cleanUp();
            process.completeExceptionally(e);
            return;
        }
        process.complete(p);
        CompletableFuture.anyOf(handover, p.onExit()).join();
        boolean endedWaiting = handover.complete(null); // false: a job took it (or it was discarded) first
        Handover h = handover.join();
        Released released = h == null ? null : h.released().join();
        if (released != null) {
            h.run().superviseReleased(p, h.prepared(), released.nanos(), released.at());
            return;
        }
        p.destroyForcibly();
        cgroup.killAll();
        if (endedWaiting) {
            String stderr = read(p);
            LOG.warn("the waiting jail {} ended before a job took it (exit {}): {}", id, p.exitValue(),
                    stderr.isBlank() ? "no output" : stderr);
        }
        cleanUp();
    }

    String id() {
        return id;
    }

    JobDirectory directory() {
        return dir;
    }

    JobCgroup cgroup() {
        return cgroup;
    }

    Object origin() {
        return origin;
    }

    /** Whether the jail still waits for a job. */
    boolean waiting() {
        Process p = process.getNow(null);
        return p != null && p.isAlive() && !handover.isDone();
    }

    /**
     * Lets the jail run {@code run}'s job (its files, launch script and limits are in place); false
     * when the jail is gone, and then nothing ran and the caller discards the jail.
     */
    boolean release(JobRun run, long prepared) {
        Process p = process.getNow(null);
        CompletableFuture<Released> released = new CompletableFuture<>();
        // The hand-over first: the job may end before this thread gets to say it released it.
        if (p == null || !p.isAlive() || !handover.complete(new Handover(run, prepared, released))) {
            return false;
        }
        try {
            OutputStream in = p.getOutputStream();
            in.write('1');
            in.close();
        } catch (IOException e) {
            released.complete(null); // it died waiting: nothing ran, and its thread cleans it up
            return false;
        }
        released.complete(new Released(System.nanoTime(), Instant.now()));
        return true;
    }

    /** Kills the jail if no job took it, and removes its directory and cgroup (on its own thread). */
    void discard() {
        if (!handover.complete(null)) {
            return;
        }
        Process p = process.getNow(null);
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private void cleanUp() {
        cgroup.remove();
        dir.delete();
    }

    private static String read(Process p) {
        try {
            return new String(p.getErrorStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
