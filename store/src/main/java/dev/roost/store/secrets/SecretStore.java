package dev.roost.store.secrets;

import dev.roost.core.secret.SecretValue;
import dev.roost.store.Session;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where a workspace's secret values live. Values go in as bytes and come out only through
 * {@link #resolve}, for the runtime to inject; everything else sees {@link SecretMetadata}.
 *
 * <p>Every method takes the caller's {@link Session}, so the bookkeeping of a change (and the
 * audit entry the caller writes) commits or rolls back together. {@link DatabaseSecretStore}
 * keeps the encrypted values in PostgreSQL; an adapter for an external store (Vault, AWS
 * Secrets Manager) would keep the values there and the same metadata here.
 *
 * <p>Names follow {@code SecretReference.NAME}; a value is 1 to {@link #MAX_VALUE_BYTES} bytes
 * of anything, binary included. Callers clear the arrays they pass in when done.
 */
public interface SecretStore {
    /** The largest value accepted: 64 KiB. */
    int MAX_VALUE_BYTES = 64 * 1024;

    /** What {@link #put} did. */
    enum Outcome {
        CREATED,
        UPDATED,
        /** The value was already the stored one: no new version. */
        UNCHANGED
    }

    record Change(Outcome outcome, SecretMetadata metadata) {
    }

    record Verification(SecretMetadata metadata, boolean matches) {
    }

    /** Stores {@code value} as a new secret (version 1) or as the next version of an existing one. */
    Change put(Session session, UUID workspaceId, String name, byte[] value, String actor, Instant now);

    /** Removes a secret; the metadata it had, or empty when there was none. */
    Optional<SecretMetadata> delete(Session session, UUID workspaceId, String name);

    /** Every secret of the workspace, by name. */
    List<SecretMetadata> list(Session session, UUID workspaceId);

    Optional<SecretMetadata> find(Session session, UUID workspaceId, String name);

    /** Whether {@code candidate} is the secret's current value; empty when there is no such secret. */
    Optional<Verification> verify(Session session, UUID workspaceId, String name, byte[] candidate);

    /**
     * The current values of {@code names}, for injection into a workload. The caller closes each
     * value as soon as it is handed on. Fails with {@code NOT_FOUND}, naming every missing secret,
     * when any does not exist; and with {@code SealedValueException} when a stored value cannot be
     * opened (changed, moved, or sealed under another master key).
     */
    Map<String, SecretValue> resolve(Session session, UUID workspaceId, Collection<String> names);
}
