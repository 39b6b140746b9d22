package dev.roost.store.console;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Rows;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Web console sign-in sessions, found by the SHA-256 of the cookie token. The CSRF token is
 * stored as it is: it is no credential on its own (a request also needs the session cookie).
 */
public final class ConsoleSessionRepository {
    private final Handle handle;

    public ConsoleSessionRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /** A live or ended session. */
    public record StoredConsoleSession(UUID id, UUID userId, String csrfToken, Instant createdAt, Instant lastSeenAt,
            Instant expiresAt, Instant endedAt) {
        @Override
        public String toString() {
            return "StoredConsoleSession[id=" + id + ", userId=" + userId + "]"; // never print the CSRF token
        }
    }

    public void insert(UUID id, UUID userId, byte[] tokenHash, String csrfToken, Instant now, Instant expiresAt) {
        handle.createUpdate("""
                        INSERT INTO console_sessions (id, user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at)
                        VALUES (:id, :user, :hash, :csrf, :now, :now, :expires)""")
                .bind("id", id).bind("user", userId).bind("hash", tokenHash).bind("csrf", csrfToken)
                .bind("now", Rows.timestamp(now)).bind("expires", Rows.timestamp(expiresAt))
                .execute();
    }

    public Optional<StoredConsoleSession> findByHash(byte[] tokenHash) {
        return handle.createQuery("""
                        SELECT id, user_id, csrf_token, created_at, last_seen_at, expires_at, ended_at
                        FROM console_sessions WHERE token_hash = :hash""")
                .bind("hash", tokenHash)
                .map((rs, ctx) -> new StoredConsoleSession(rs.getObject("id", UUID.class), rs.getObject("user_id", UUID.class),
                        rs.getString("csrf_token"), Rows.instant(rs, "created_at"), Rows.instant(rs, "last_seen_at"),
                        Rows.instant(rs, "expires_at"), Rows.instant(rs, "ended_at")))
                .findOne();
    }

    /** Notes activity; written at most once a minute per session so reads stay cheap. */
    public void touch(UUID id, Instant now) {
        handle.createUpdate("""
                        UPDATE console_sessions SET last_seen_at = :now
                        WHERE id = :id AND last_seen_at < :now - interval '1 minute'""")
                .bind("id", id).bind("now", Rows.timestamp(now)).execute();
    }

    /** Ends a session (sign-out); true when it was live. */
    public boolean end(UUID id, Instant now) {
        return handle.createUpdate("UPDATE console_sessions SET ended_at = :now WHERE id = :id AND ended_at IS NULL")
                .bind("id", id).bind("now", Rows.timestamp(now)).execute() > 0;
    }

    /** Ends every live session of a user (password change, account disabled). */
    public int endAllOfUser(UUID userId, Instant now) {
        return handle.createUpdate("UPDATE console_sessions SET ended_at = :now WHERE user_id = :u AND ended_at IS NULL")
                .bind("u", userId).bind("now", Rows.timestamp(now)).execute();
    }

    /** Deletes sessions that expired or ended before {@code before}; returns how many. */
    public int purge(Instant before) {
        return handle.createUpdate("DELETE FROM console_sessions WHERE expires_at < :t OR ended_at < :t")
                .bind("t", Rows.timestamp(before)).execute();
    }
}
