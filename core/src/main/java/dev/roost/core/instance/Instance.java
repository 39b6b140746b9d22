package dev.roost.core.instance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A long-running agent: its identity, a summary of its current manifest version (for lists),
 * the requested state and the observed status with its reason, and the reconciler's rollout
 * state: the last version seen healthy, the version being rolled out (null when none) and why
 * that rollout failed (null unless it did).
 */
public record Instance(
        UUID id,
        UUID workspaceId,
        String workspace,
        String name,
        String environment,
        Map<String, String> labels,
        String image,
        long cpuMillis,
        long memoryBytes,
        int replicas,
        String template,
        int currentVersion,
        DesiredState desiredState,
        InstanceStatus status,
        String statusReason,
        int restartCount,
        Instant restartRequestedAt,
        String createdBy,
        Instant createdAt,
        Instant updatedAt,
        Integer lastHealthyVersion,
        Integer rolloutVersion,
        Instant rolloutStartedAt,
        String rolloutFailure) {
    public Instance {
        requireNonNull(id, "id is null");
        requireNonNull(workspaceId, "workspaceId is null");
        requireNonNull(workspace, "workspace is null");
        requireNonNull(name, "name is null");
        requireNonNull(environment, "environment is null");
        labels = Map.copyOf(labels);
        requireNonNull(image, "image is null");
        requireNonNull(desiredState, "desiredState is null");
        requireNonNull(status, "status is null");
        requireNonNull(statusReason, "statusReason is null");
        requireNonNull(createdBy, "createdBy is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }
}
