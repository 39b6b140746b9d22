package dev.roost.store.identity;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Rows;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Rotating refresh tokens, stored as SHA-256 hashes. Each token belongs to a family (one
 * login); a reused token revokes its family.
 */
public final class RefreshTokenRepository {
    private final Handle handle;

    public RefreshTokenRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public record StoredRefreshToken(
            UUID id, UUID familyId, UUID userId, Instant expiresAt, Instant usedAt, Instant revokedAt) {
    }

    public void insert(UUID id, UUID familyId, UUID userId, byte[] tokenHash, Instant expiresAt) {
        handle.createUpdate("""
                        INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)
                        VALUES (:id, :family, :user, :hash, :expires)""")
                .bind("id", id).bind("family", familyId).bind("user", userId).bind("hash", tokenHash)
                .bind("expires", Rows.timestamp(expiresAt))
                .execute();
    }

    /** Finds a token by hash and locks its row until the transaction ends. */
    public Optional<StoredRefreshToken> findForUpdate(byte[] tokenHash) {
        return handle.createQuery("""
                        SELECT id, family_id, user_id, expires_at, used_at, revoked_at
                        FROM refresh_tokens WHERE token_hash = :hash FOR UPDATE""")
                .bind("hash", tokenHash)
                .map((rs, ctx) -> new StoredRefreshToken(
                        rs.getObject("id", UUID.class), rs.getObject("family_id", UUID.class),
                        rs.getObject("user_id", UUID.class), Rows.instant(rs, "expires_at"),
                        Rows.instant(rs, "used_at"), Rows.instant(rs, "revoked_at")))
                .findOne();
    }

    public void markUsed(UUID id, Instant at) {
        handle.createUpdate("UPDATE refresh_tokens SET used_at = :at WHERE id = :id")
                .bind("at", Rows.timestamp(at)).bind("id", id).execute();
    }

    public int revokeFamily(UUID familyId, Instant at) {
        return handle.createUpdate("UPDATE refresh_tokens SET revoked_at = :at WHERE family_id = :f AND revoked_at IS NULL")
                .bind("at", Rows.timestamp(at)).bind("f", familyId).execute();
    }

    public int revokeAllOfUser(UUID userId, Instant at) {
        return handle.createUpdate("UPDATE refresh_tokens SET revoked_at = :at WHERE user_id = :u AND revoked_at IS NULL")
                .bind("at", Rows.timestamp(at)).bind("u", userId).execute();
    }

    /** Removes tokens that expired more than a day ago; returns how many. */
    public int purgeExpired(Instant now) {
        return handle.createUpdate("DELETE FROM refresh_tokens WHERE expires_at < :cutoff")
                .bind("cutoff", Rows.timestamp(now.minusSeconds(86_400))).execute();
    }
}
