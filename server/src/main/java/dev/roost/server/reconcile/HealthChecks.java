package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Health;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Runs each running container's health probe every {@code periodSeconds} after
 * {@code initialDelaySeconds}, and counts consecutive failures. Probe state lives in memory on
 * the leader: after a failover the new leader starts counting afresh, which at worst delays a
 * verdict by one threshold. Each instance's entry is used by one instance pass at a time.
 */
final class HealthChecks {
    private final Runtime runtime;
    private final Map<UUID, Map<String, Probed>> byInstance = new ConcurrentHashMap<>();

    HealthChecks(Runtime runtime) {
        this.runtime = requireNonNull(runtime, "runtime is null");
    }

    /** What is known of one container's health since it last started. */
    private static final class Probed {
        Instant startedAt;
        Instant lastProbe;
        int failures;
        boolean passed;
        String detail = "";
    }

    /** A verdict on one container: healthy (passed at least once, fewer failures than the threshold), failing, or not known yet. */
    record Verdict(boolean healthy, boolean failing, int failures, String detail) {
    }

    /**
     * Probes whatever is due among {@code containers} (the instance's running containers of
     * {@code spec}) and returns a verdict for each. Without a probe, running counts as healthy.
     */
    Map<String, Verdict> check(WorkloadSpec spec, List<ObservedContainer> containers, Instant now) {
        Map<String, Probed> states = byInstance.computeIfAbsent(spec.instanceId(), id -> new ConcurrentHashMap<>());
        Set<String> present = containers.stream().map(ObservedContainer::containerId).collect(Collectors.toSet());
        states.keySet().retainAll(present);
        Map<String, Verdict> verdicts = new HashMap<>();
        for (ObservedContainer c : containers) {
            if (spec.health().isEmpty()) {
                verdicts.put(c.containerId(), new Verdict(true, false, 0, "running"));
                continue;
            }
            Health health = spec.health().get();
            Probed p = states.computeIfAbsent(c.containerId(), id -> new Probed());
            Instant started = c.startedAt().orElse(p.startedAt == null ? now : p.startedAt);
            if (p.startedAt != null && !p.startedAt.equals(started)) {
                // Started again since the last probe: its history no longer counts.
                Probed fresh = new Probed();
                states.put(c.containerId(), fresh);
                p = fresh;
            }
            p.startedAt = started;
            boolean warmedUp = !now.isBefore(started.plusSeconds(health.initialDelaySeconds()));
            boolean due = p.lastProbe == null || !now.isBefore(p.lastProbe.plusSeconds(Math.max(1, health.periodSeconds())));
            if (warmedUp && due) {
                ProbeResult result = probe(spec, c, health);
                p.lastProbe = now;
                p.detail = result.detail();
                if (result.healthy()) {
                    p.failures = 0;
                    p.passed = true;
                } else {
                    p.failures++;
                }
            }
            boolean failing = p.failures >= Math.max(1, health.failureThreshold());
            verdicts.put(c.containerId(), new Verdict(p.passed && !failing, failing, p.failures, p.detail));
        }
        return verdicts;
    }

    private ProbeResult probe(WorkloadSpec spec, ObservedContainer c, Health health) {
        int port = switch (health.probe()) {
            case Health.Http http -> spec.resolvePort(http.port()).orElse(0);
            case Health.Command command -> 0;
        };
        try {
            return runtime.probe(c.containerId(), health.probe(), port, Duration.ofSeconds(Math.max(1, health.timeoutSeconds())));
        } catch (RuntimeFailure e) {
            return ProbeResult.unhealthy("probe failed: " + e.getMessage());
        }
    }

    /** Forgets instances that are no longer reconciled. */
    void retainOnly(Set<UUID> instances) {
        byInstance.keySet().retainAll(instances);
    }
}
