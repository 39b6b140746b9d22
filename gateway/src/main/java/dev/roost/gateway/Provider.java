package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.UUID;

/**
 * A model provider: server-wide ({@code workspaceId} null) or a workspace's own. Its API key is
 * a secret in a workspace's secret store, named here ({@code keySecret} in
 * {@code keyWorkspaceName}); the value never leaves the secret store except into the upstream
 * request.
 */
public record Provider(UUID id, UUID workspaceId, String name, ProviderKind kind, String baseUrl, UUID keyWorkspaceId,
        String keyWorkspaceName, String keySecret, String createdBy, Instant createdAt) {
    public Provider {
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(baseUrl, "baseUrl is null");
    }

    public boolean serverWide() {
        return workspaceId == null;
    }

    /** The key reference as shown to people: {@code secret:NAME} or {@code secret:WORKSPACE/NAME}. */
    public String keyReference() {
        if (keySecret == null) {
            return null;
        }
        return serverWide() ? "secret:" + keyWorkspaceName + "/" + keySecret : "secret:" + keySecret;
    }
}
