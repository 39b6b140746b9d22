package dev.roost.store.identity;

import static java.util.Objects.requireNonNull;

import dev.roost.core.identity.ApiToken;
import dev.roost.core.identity.User;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Long-lived API tokens, stored as SHA-256 hashes. */
public final class ApiTokenRepository {
    private static final String COLUMNS =
            "t.id, t.user_id, t.name, t.prefix, t.created_at, t.expires_at, t.last_used_at, t.revoked_at";

    private final Handle handle;

    public ApiTokenRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public record TokenOwner(ApiToken token, User user) {
    }

    public ApiToken insert(UUID userId, String name, byte[] tokenHash, String prefix, Instant expiresAt) {
        UUID id = UUID.randomUUID();
        handle.createUpdate("""
                        INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, expires_at)
                        VALUES (:id, :user, :name, :hash, :prefix, :expires)""")
                .bind("id", id).bind("user", userId).bind("name", name).bind("hash", tokenHash)
                .bind("prefix", prefix).bind("expires", Rows.timestamp(expiresAt))
                .execute();
        return find(id).orElseThrow();
    }

    public Optional<ApiToken> find(UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM api_tokens t WHERE t.id = :id")
                .bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    /** The token with this hash and its user, whatever its state; the caller checks expiry and revocation. */
    public Optional<TokenOwner> findByHash(byte[] tokenHash) {
        return handle.createQuery("""
                        SELECT %s, u.id AS uid, u.username, u.display_name, u.server_admin, u.disabled, u.created_at AS ucreated
                        FROM api_tokens t JOIN users u ON u.id = t.user_id
                        WHERE t.token_hash = :hash""".formatted(COLUMNS))
                .bind("hash", tokenHash)
                .map((rs, ctx) -> new TokenOwner(map(rs), new User(
                        rs.getObject("uid", UUID.class), rs.getString("username"), rs.getString("display_name"),
                        rs.getBoolean("server_admin"), rs.getBoolean("disabled"), Rows.instant(rs, "ucreated"))))
                .findOne();
    }

    public List<ApiToken> listOfUser(UUID userId) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM api_tokens t WHERE t.user_id = :u ORDER BY t.created_at")
                .bind("u", userId).map((rs, ctx) -> map(rs)).list();
    }

    public boolean revoke(UUID id, Instant at) {
        return handle.createUpdate("UPDATE api_tokens SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                .bind("at", Rows.timestamp(at)).bind("id", id).execute() == 1;
    }

    /** Records use, at most once a minute per token, so a busy script does not write on every call. */
    public void touch(UUID id, Instant at) {
        handle.createUpdate("""
                        UPDATE api_tokens SET last_used_at = :at
                        WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :at - interval '1 minute')""")
                .bind("at", Rows.timestamp(at)).bind("id", id).execute();
    }

    private static ApiToken map(ResultSet rs) throws SQLException {
        return new ApiToken(
                rs.getObject("id", UUID.class), rs.getObject("user_id", UUID.class), rs.getString("name"),
                rs.getString("prefix"), Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"),
                Rows.instant(rs, "last_used_at"), Rows.instant(rs, "revoked_at"));
    }
}
