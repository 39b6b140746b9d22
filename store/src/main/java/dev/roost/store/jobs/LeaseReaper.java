package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes back the jobs of nodes that stopped heartbeating: every {@code period} it re-queues
 * jobs whose lease expired (after the back-off; the attempt counts), fails those out of
 * attempts and cancels those whose cancel was requested. Runs on its own thread; a failed pass
 * is logged and counted and the next one runs as planned. Any number of servers may run one:
 * they skip each other's rows.
 */
public final class LeaseReaper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseReaper.class);
    static final int BATCH = 500;

    private final JobQueue queue;
    private final Duration period;
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("roost-lease-reaper").daemon(true).factory());

    public LeaseReaper(JobQueue queue, Duration period) {
        this.queue = requireNonNull(queue, "queue is null");
        this.period = requireNonNull(period, "period is null");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive");
        }
    }

    public void start() {
        executor.scheduleWithFixedDelay(this::reapQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass: takes back every expired lease, in batches; returns the jobs changed. */
    public int reap() {
        int total = 0;
        List<Job> batch;
        do {
            batch = queue.reapExpired(BATCH);
            total += batch.size();
            for (Job job : batch) {
                log.info("Lease of job {} (workspace {}) on node {} expired: now {}", job.id(), job.workspaceId(),
                        job.leaseOwner(), job.state());
            }
        } while (batch.size() == BATCH);
        return total;
    }

    /** Passes that failed since start, for metrics. */
    public long failures() {
        return failures.get();
    }

    private void reapQuietly() {
        try {
            reap();
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            log.warn("Reaping expired job leases failed; will retry in {}", period, e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
