package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A virtual key as stored (never the key itself, only its prefix): scoped to a workspace and
 * optionally to an instance or a user, with a model allowlist (empty: every model), request
 * and token rate limits, a budget, and an expiry.
 */
public record VirtualKey(UUID id, UUID workspaceId, String workspaceName, String name, String prefix, String instanceName,
        String username, List<String> models, Integer rpm, Integer tpm, Budget budget, String createdBy, Instant createdAt,
        Instant expiresAt, Instant revokedAt) {
    public VirtualKey {
        requireNonNull(id, "id is null");
        requireNonNull(workspaceId, "workspaceId is null");
        requireNonNull(name, "name is null");
        requireNonNull(prefix, "prefix is null");
        models = List.copyOf(models);
    }

    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    public boolean allows(String model) {
        return models.isEmpty() || models.contains(model);
    }
}
