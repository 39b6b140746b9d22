package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the gateway talks to providers and meters: timeouts per kind of route (until the
 * upstream's response headers arrive), retries per target before falling back to the next,
 * the circuit breaker per provider, how often usage is written, how long configuration is
 * cached, and how many requests the gateway relays at once (beyond that it answers 503 at once
 * rather than queue without bound).
 */
public record GatewaySettings(Duration connectTimeout, Duration generationTimeout, Duration quickTimeout,
        int retriesPerTarget, int breakerFailures, Duration breakerOpenFor, Duration usageFlushInterval,
        Duration cacheTtl, int maxInFlight) {
    public static final GatewaySettings DEFAULTS = new GatewaySettings(Duration.ofSeconds(5), Duration.ofSeconds(120),
            Duration.ofSeconds(30), 1, 5, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(5), 1024);

    public GatewaySettings {
        requireNonNull(connectTimeout, "connectTimeout is null");
        requireNonNull(generationTimeout, "generationTimeout is null");
        requireNonNull(quickTimeout, "quickTimeout is null");
        requireNonNull(breakerOpenFor, "breakerOpenFor is null");
        requireNonNull(usageFlushInterval, "usageFlushInterval is null");
        requireNonNull(cacheTtl, "cacheTtl is null");
        for (Duration d : new Duration[] {connectTimeout, generationTimeout, quickTimeout, breakerOpenFor, usageFlushInterval}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("gateway durations must be positive");
            }
        }
        if (retriesPerTarget < 0 || retriesPerTarget > 5) {
            throw new IllegalArgumentException("retries per target must be between 0 and 5");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("the gateway must be allowed at least 1 request in flight");
        }
        if (breakerFailures < 1) {
            throw new IllegalArgumentException("the circuit breaker needs at least 1 failure to open");
        }
    }

    public Duration timeoutFor(Endpoint endpoint) {
        return endpoint.generates() ? generationTimeout : quickTimeout;
    }

    public GatewaySettings withTimeouts(Duration generation, Duration quick) {
        return new GatewaySettings(connectTimeout, generation, quick, retriesPerTarget, breakerFailures, breakerOpenFor,
                usageFlushInterval, cacheTtl, maxInFlight);
    }

    public GatewaySettings withBreaker(int failures, Duration openFor) {
        return new GatewaySettings(connectTimeout, generationTimeout, quickTimeout, retriesPerTarget, failures, openFor,
                usageFlushInterval, cacheTtl, maxInFlight);
    }

    public GatewaySettings withUsageFlushInterval(Duration interval) {
        return new GatewaySettings(connectTimeout, generationTimeout, quickTimeout, retriesPerTarget, breakerFailures,
                breakerOpenFor, interval, cacheTtl, maxInFlight);
    }

    public GatewaySettings withMaxInFlight(int max) {
        return new GatewaySettings(connectTimeout, generationTimeout, quickTimeout, retriesPerTarget, breakerFailures,
                breakerOpenFor, usageFlushInterval, cacheTtl, max);
    }
}
