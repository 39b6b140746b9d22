package dev.roost.store.secrets;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * What Roost may show about a secret: never its value. {@code fingerprint} is the keyed HMAC
 * of the value (see {@code SecretFingerprinter}); {@code keyId} the master key it is sealed with.
 */
public record SecretMetadata(String name, int version, int size, String fingerprint, String keyId, String createdBy,
        Instant createdAt, String updatedBy, Instant updatedAt) {
    public SecretMetadata {
        requireNonNull(name, "name is null");
        requireNonNull(fingerprint, "fingerprint is null");
        requireNonNull(keyId, "keyId is null");
        requireNonNull(createdBy, "createdBy is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedBy, "updatedBy is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }
}
