package dev.roost.server.http;

/**
 * A response body that carries a secret shown once (a new API token, a join token). When the
 * request carried an {@code Idempotency-Key}, {@link #redacted()} is what is stored and
 * replayed, so the secret never lands in the database.
 */
public interface Redactable {
    Object redacted();
}
