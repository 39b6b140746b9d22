package dev.roost.core.audit;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One entry of the audit log as stored. {@code details} and {@code warnings} are JSON text,
 * kept byte-for-byte so the chain can be recomputed. They never hold secret values.
 */
public record AuditRecord(
        long seq,
        Instant at,
        String actor,
        String action,
        String resourceType,
        String resourceId,
        String workspace,
        String requestId,
        String details,
        String warnings,
        String prevHash,
        String hash) {
    public AuditRecord {
        requireNonNull(at, "at is null");
        requireNonNull(actor, "actor is null");
        requireNonNull(action, "action is null");
        requireNonNull(resourceType, "resourceType is null");
        requireNonNull(resourceId, "resourceId is null");
        requireNonNull(requestId, "requestId is null");
        requireNonNull(details, "details is null");
        requireNonNull(warnings, "warnings is null");
        requireNonNull(prevHash, "prevHash is null");
        requireNonNull(hash, "hash is null");
    }
}
