package dev.roost.core.identity;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.UUID;

/**
 * A long-lived token for automation. It acts as its user. Only its hash is stored; the
 * {@link #prefix()} (the first characters of the token) lets a person recognise it.
 */
public record ApiToken(
        UUID id, UUID userId, String name, String prefix, Instant createdAt, Instant expiresAt, Instant lastUsedAt,
        Instant revokedAt) {
    public ApiToken {
        requireNonNull(id, "id is null");
        requireNonNull(userId, "userId is null");
        requireNonNull(name, "name is null");
        requireNonNull(prefix, "prefix is null");
        requireNonNull(createdAt, "createdAt is null");
    }

    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }
}
