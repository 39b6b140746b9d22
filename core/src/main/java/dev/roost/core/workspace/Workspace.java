package dev.roost.core.workspace;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A tenant. Its effective quota is its own override when set, else its plan's. */
public record Workspace(
        UUID id, String name, String displayName, String plan, Quota quotaOverride, List<String> environments,
        Instant createdAt) {
    public static final List<String> DEFAULT_ENVIRONMENTS = List.of("dev", "staging", "prod");

    public Workspace {
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(displayName, "displayName is null");
        requireNonNull(plan, "plan is null");
        environments = List.copyOf(environments);
        requireNonNull(createdAt, "createdAt is null");
    }

    public Quota effectiveQuota(Plan planRecord) {
        return quotaOverride != null ? quotaOverride : planRecord.quota();
    }
}
