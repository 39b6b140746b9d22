package dev.roost.server.instances;

import dev.roost.core.instance.Instance;
import dev.roost.core.workspace.ResourceQuantity;
import java.time.Instant;
import java.util.Map;

/**
 * An instance as the API shows it: identity, current manifest summary, requested state, observed
 * status with its reason, the last version seen healthy and the rollout in progress (null when none).
 */
public record InstanceView(
        String name,
        String workspace,
        String environment,
        Map<String, String> labels,
        String image,
        String cpu,
        String memory,
        int replicas,
        String template,
        int version,
        String desiredState,
        String status,
        String statusReason,
        int restartCount,
        Instant restartRequestedAt,
        String createdBy,
        Instant createdAt,
        Instant updatedAt,
        Integer lastHealthyVersion,
        Rollout rollout) {

    /** A rollout in progress (or failed): the version, since when, and why it failed (null while it runs). */
    public record Rollout(int version, Instant startedAt, String failure) {
    }

    static InstanceView of(Instance i) {
        return new InstanceView(i.name(), i.workspace(), i.environment(), i.labels(), i.image(),
                ResourceQuantity.formatCpu(i.cpuMillis()), ResourceQuantity.formatMemory(i.memoryBytes()), i.replicas(),
                i.template(), i.currentVersion(), i.desiredState().name(), i.status().name(), i.statusReason(),
                i.restartCount(), i.restartRequestedAt(), i.createdBy(), i.createdAt(), i.updatedAt(), i.lastHealthyVersion(),
                i.rolloutVersion() == null ? null : new Rollout(i.rolloutVersion(), i.rolloutStartedAt(), i.rolloutFailure()));
    }
}
