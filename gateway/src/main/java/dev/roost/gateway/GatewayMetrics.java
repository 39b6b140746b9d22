package dev.roost.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's Prometheus metrics: upstream latency by provider, tokens by provider and kind,
 * errors by code, fallbacks, the gateway's own added time, and the usage writer's health.
 * Meters are looked up once per tag set and kept.
 */
final class GatewayMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Timer> latency = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final DistributionSummary added;

    GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.added = DistributionSummary.builder("roost.gateway.added.ms")
                .description("Time the gateway itself adds to a request (before the upstream call and after its headers)")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void upstreamLatency(String provider, Endpoint endpoint, int status, long nanos) {
        latency.computeIfAbsent(provider + ' ' + endpoint + ' ' + status, k -> Timer.builder("roost.gateway.upstream")
                .description("Time until the provider's response headers, by provider, endpoint and status")
                .tags("provider", provider, "endpoint", endpoint.path(), "status", Integer.toString(status))
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    void tokens(String provider, TokenCounts tokens) {
        if (tokens.input() > 0) {
            counter("roost.gateway.tokens", "provider", provider, "kind", "input").increment(tokens.input());
        }
        if (tokens.output() > 0) {
            counter("roost.gateway.tokens", "provider", provider, "kind", "output").increment(tokens.output());
        }
        if (tokens.cached() > 0) {
            counter("roost.gateway.tokens", "provider", provider, "kind", "cached").increment(tokens.cached());
        }
    }

    void error(String code) {
        counter("roost.gateway.errors", "code", code, null, null).increment();
    }

    void fallback(String fromProvider) {
        counter("roost.gateway.fallbacks", "from", fromProvider, null, null).increment();
    }

    void added(double millis) {
        added.record(millis);
    }

    void usageWritten(int rows) {
        counter("roost.gateway.usage.written", null, null, null, null).increment(rows);
    }

    void usageWriteFailed() {
        counter("roost.gateway.usage.write.failures", null, null, null, null).increment();
    }

    void usageDropped() {
        counter("roost.gateway.usage.dropped", null, null, null, null).increment();
    }

    private Counter counter(String name, String k1, String v1, String k2, String v2) {
        String id = name + '|' + v1 + '|' + v2;
        return counters.computeIfAbsent(id, k -> {
            Counter.Builder b = Counter.builder(name);
            if (k1 != null) {
                b.tag(k1, v1);
            }
            if (k2 != null) {
                b.tag(k2, v2);
            }
            return b.register(registry);
        });
    }
}
