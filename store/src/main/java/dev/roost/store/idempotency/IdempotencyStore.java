package dev.roost.store.idempotency;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Rows;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * First answers to POSTs that carried an {@code Idempotency-Key}, kept so that a retry gets
 * the same answer instead of doing the work twice. Stored in the same transaction as the work.
 */
public final class IdempotencyStore {
    private final Handle handle;

    public IdempotencyStore(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public record StoredResponse(String method, String path, String requestHash, int status, String contentType,
            byte[] body) {
    }

    /**
     * Serialises concurrent requests with the same key: the second waits until the first
     * commits or rolls back, then sees its stored answer (or none).
     */
    public void lock(String principal, String key) {
        handle.createUpdate("SELECT pg_advisory_xact_lock(hashtextextended(:k, 7))")
                .bind("k", principal + "\n" + key).execute();
    }

    public Optional<StoredResponse> find(String principal, String key) {
        return handle.createQuery("""
                        SELECT method, path, request_hash, status, content_type, body FROM idempotency_keys
                        WHERE principal = :p AND key = :k""")
                .bind("p", principal).bind("k", key)
                .map((rs, ctx) -> new StoredResponse(rs.getString("method"), rs.getString("path"),
                        rs.getString("request_hash"), rs.getInt("status"), rs.getString("content_type"),
                        rs.getBytes("body")))
                .findOne();
    }

    public void save(String principal, String key, StoredResponse response) {
        handle.createUpdate("""
                        INSERT INTO idempotency_keys (principal, key, method, path, request_hash, status, content_type, body)
                        VALUES (:p, :k, :method, :path, :requestHash, :status, :contentType, :body)""")
                .bind("p", principal).bind("k", key)
                .bindMethods(response)
                .execute();
    }

    /** Forgets answers older than {@code cutoff}; returns how many. */
    public int purgeOlderThan(Instant cutoff) {
        return handle.createUpdate("DELETE FROM idempotency_keys WHERE created_at < :c")
                .bind("c", Rows.timestamp(cutoff)).execute();
    }
}
