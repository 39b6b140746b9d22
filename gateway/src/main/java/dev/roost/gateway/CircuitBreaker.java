package dev.roost.gateway;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One upstream's circuit breaker: after {@code threshold} failures in a row it opens and the
 * upstream is skipped for {@code openNanos}; then one trial request is let through (half
 * open), and its outcome closes or reopens the circuit. Thread-safe, lock-free.
 */
final class CircuitBreaker {
    private final int threshold;
    private final long openNanos;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicLong openedAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean trialRunning = new AtomicBoolean();

    CircuitBreaker(int threshold, long openNanos) {
        this.threshold = threshold;
        this.openNanos = openNanos;
    }

    /** Whether a request may go to this upstream now. */
    boolean allows(long now) {
        long opened = openedAt.get();
        if (opened == Long.MIN_VALUE) {
            return true;
        }
        if (now - opened < openNanos) {
            return false;
        }
        return trialRunning.compareAndSet(false, true);
    }

    void succeeded() {
        failures.set(0);
        openedAt.set(Long.MIN_VALUE);
        trialRunning.set(false);
    }

    void failed(long now) {
        if (failures.incrementAndGet() >= threshold || trialRunning.get()) {
            openedAt.set(now);
        }
        trialRunning.set(false);
    }

    boolean open(long now) {
        long opened = openedAt.get();
        return opened != Long.MIN_VALUE && now - opened < openNanos;
    }
}
