package dev.roost.core.node;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.UUID;

/** A join token as stored: never its value, only what tells tokens apart and whether it still admits nodes. */
public record JoinToken(UUID id, String prefix, String createdBy, Instant createdAt, Instant expiresAt, Integer maxUses,
        int uses, Instant revokedAt) {

    public JoinToken {
        requireNonNull(id, "id is null");
        requireNonNull(prefix, "prefix is null");
        requireNonNull(expiresAt, "expiresAt is null");
    }

    public boolean usedUp() {
        return maxUses != null && uses >= maxUses;
    }

    /** Whether a node may join with this token at {@code now}. */
    public boolean admitsAt(Instant now) {
        return revokedAt == null && now.isBefore(expiresAt) && !usedUp();
    }
}
