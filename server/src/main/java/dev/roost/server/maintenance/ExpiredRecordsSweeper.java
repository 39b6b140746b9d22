package dev.roost.server.maintenance;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Database;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes refresh tokens and node refresh credentials that expired, and idempotency records
 * older than a day. Runs on its
 * own thread every {@code period}; a failed sweep is logged and counted and the next one runs
 * as planned.
 */
public final class ExpiredRecordsSweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiredRecordsSweeper.class);
    private static final Duration IDEMPOTENCY_RETENTION = Duration.ofHours(24);

    private final Database database;
    private final Clock clock;
    private final Duration period;
    private final Counter failures;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("roost-sweeper").daemon(true).factory());

    public ExpiredRecordsSweeper(Database database, Clock clock, Duration period, MeterRegistry meters) {
        this.database = requireNonNull(database, "database is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.period = requireNonNull(period, "period is null");
        this.failures = meters.counter("roost.background.failures", "task", "expired-records-sweeper");
    }

    public void start() {
        executor.scheduleWithFixedDelay(this::sweepQuietly, period.toSeconds(), period.toSeconds(), TimeUnit.SECONDS);
    }

    /** One sweep; returns the number of rows removed. */
    public int sweep() {
        return database.transaction(session -> session.refreshTokens().purgeExpired(clock.instant())
                + session.nodes().purgeExpiredCredentials(clock.instant())
                + session.idempotency().purgeOlderThan(clock.instant().minus(IDEMPOTENCY_RETENTION))
                + session.consoleSessions().purge(clock.instant()));
    }

    private void sweepQuietly() {
        try {
            int removed = sweep();
            if (removed > 0) {
                log.info("Removed {} expired refresh token, node credential and idempotency records", removed);
            }
        } catch (RuntimeException e) {
            failures.increment();
            log.warn("Sweeping expired records failed; will retry in {}", period, e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
