package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reconciler's meters: {@code roost_reconciler_passes_total{outcome}}, the pass duration,
 * {@code roost_reconciler_actions_total{type,outcome}}, {@code roost_reconciler_failures_total{stage}}
 * and whether this server leads ({@code roost_reconciler_leader}).
 */
final class ReconcilerMetrics {
    private final MeterRegistry meters;
    private final Timer passDuration;
    private final AtomicInteger leader = new AtomicInteger();

    ReconcilerMetrics(MeterRegistry meters) {
        this.meters = requireNonNull(meters, "meters is null");
        this.passDuration = Timer.builder("roost.reconciler.pass.duration").description("How long one reconciler pass took")
                .register(meters);
        Gauge.builder("roost.reconciler.leader", leader, AtomicInteger::get)
                .description("1 while this server runs the reconciler (holds the leader lock)").register(meters);
    }

    void pass(String outcome, long nanos) {
        Counter.builder("roost.reconciler.passes").tag("outcome", outcome).description("Reconciler passes").register(meters).increment();
        passDuration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void action(String type, String outcome) {
        Counter.builder("roost.reconciler.actions").tag("type", type).tag("outcome", outcome)
                .description("Runtime actions the reconciler applied").register(meters).increment();
    }

    void failure(String stage) {
        Counter.builder("roost.reconciler.failures").tag("stage", stage)
                .description("Failures inside the reconciler (it carries on)").register(meters).increment();
    }

    void leading(boolean leading) {
        leader.set(leading ? 1 : 0);
    }
}
