package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes usage records off the request path: requests hand a record to a bounded queue and go
 * on; one background thread writes what has gathered in batches, every flush interval or as
 * soon as a batch is full. {@link #close()} stops taking new work and writes everything still
 * queued, so a clean shutdown loses nothing. A failed write is retried with the next batch;
 * records are dropped (and counted) only when the queue is full.
 */
public final class UsageRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UsageRecorder.class);
    static final int BATCH = 500;
    static final int CAPACITY = 100_000;

    private final Database database;
    private final Duration interval;
    private final GatewayMetrics metrics;
    private final BlockingQueue<UsageRecord> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final List<UsageRecord> pending = new ArrayList<>();
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicInteger unwritten = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean running = true;

    UsageRecorder(Database database, Duration interval, GatewayMetrics metrics) {
        this.database = requireNonNull(database, "database is null");
        this.interval = requireNonNull(interval, "interval is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.thread = Thread.ofPlatform().name("roost-gateway-usage").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** Queues a record; never blocks the request. */
    void record(UsageRecord record) {
        if (queue.offer(record)) {
            unwritten.incrementAndGet();
        } else {
            metrics.usageDropped();
            log.warn("The usage queue is full ({} records); a usage record was dropped", CAPACITY);
        }
    }

    private void run() {
        long intervalNanos = interval.toNanos();
        long tick = TimeUnit.MILLISECONDS.toNanos(100);
        while (running) {
            try {
                // Gather for one interval (or until a batch is full), noticing a close within a tick.
                long deadline = System.nanoTime() + intervalNanos;
                while (running && pending.size() < BATCH) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    UsageRecord next = queue.poll(Math.min(left, tick), TimeUnit.NANOSECONDS);
                    if (next != null) {
                        pending.add(next);
                        queue.drainTo(pending, BATCH - pending.size());
                    }
                }
                if (running) {
                    writePending();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                metrics.usageWriteFailed();
                log.warn("Writing {} usage records failed; retrying with the next batch", pending.size(), e);
                sleepQuietly();
            }
        }
    }

    private void writePending() {
        if (pending.isEmpty()) {
            return;
        }
        List<UsageRecord> batch = List.copyOf(pending);
        database.transaction(session -> {
            new GatewayRepository(session.handle()).insertUsage(batch);
            return null;
        });
        pending.clear();
        unwritten.addAndGet(-batch.size());
        metrics.usageWritten(batch.size());
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(Math.min(1000, interval.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes everything queued now (tests, and before shutdown). */
    public synchronized void flush() {
        if (thread.isAlive() && running) {
            // Let the writer do it: wait until the queue is empty and nothing is pending.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (unwritten.get() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        running = false; // the writer notices within a tick; no interrupt, so no write is cut in half
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.drainTo(pending);
        for (int attempt = 1; attempt <= 3 && !pending.isEmpty(); attempt++) {
            try {
                while (!pending.isEmpty()) {
                    List<UsageRecord> part = List.copyOf(pending.subList(0, Math.min(BATCH, pending.size())));
                    database.transaction(session -> {
                        new GatewayRepository(session.handle()).insertUsage(part);
                        return null;
                    });
                    pending.subList(0, part.size()).clear();
                    unwritten.addAndGet(-part.size());
                    metrics.usageWritten(part.size());
                }
            } catch (RuntimeException e) {
                log.error("Writing {} usage records at shutdown failed (attempt {} of 3)", pending.size(), attempt, e);
            }
        }
    }
}
