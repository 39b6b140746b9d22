package dev.roost.server.tasks;

import static java.util.Objects.requireNonNull;

import dev.roost.store.jobs.JobWakeups;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the server's waiting claims (nodes long-polling for work) when a job may have arrived:
 * one thread LISTENs for the queue's submission notices (from any server sharing the database)
 * and bumps a generation counter that waiters watch. A notice is only a hint, so waiters also
 * wake up by themselves now and then. Also bumped when output arrives, so followers of a
 * task's output see it without polling hard.
 */
public final class WorkSignal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkSignal.class);

    private final JobWakeups wakeups;
    private final Thread listener;
    private final Object lock = new Object();
    private long generation;
    private volatile boolean closed;

    public WorkSignal(JobWakeups wakeups) {
        this.wakeups = requireNonNull(wakeups, "wakeups is null");
        this.listener = Thread.ofPlatform().name("roost-work-signal").daemon(true).unstarted(this::listen);
    }

    public void start() {
        listener.start();
    }

    /** The current generation; pass it to {@link #awaitAfter} to wait for the next change. */
    public long generation() {
        synchronized (lock) {
            return generation;
        }
    }

    /** Tells every waiter that something changed. */
    public void signal() {
        synchronized (lock) {
            generation++;
            lock.notifyAll();
        }
    }

    /** Waits until the generation moves past {@code seen}, at most {@code timeout}; true when it did. */
    public boolean awaitAfter(long seen, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (generation == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    private void listen() {
        while (!closed) {
            try {
                if (wakeups.await(Duration.ofSeconds(5))) {
                    signal();
                    // Notices arriving meanwhile stay queued on the connection; a short pause keeps a
                    // connection that keeps failing from spinning.
                    Thread.sleep(5);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Listening for job submissions failed; waiting claims poll instead", e);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
        wakeups.close();
    }
}
