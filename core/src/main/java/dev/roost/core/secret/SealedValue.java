package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * A secret value encrypted with AES-256-GCM: the id of the master key it was sealed under, the
 * 96-bit nonce, and the ciphertext with its 128-bit authentication tag appended. Not secret
 * itself, but {@link #toString()} still prints no bytes.
 */
public record SealedValue(String keyId, byte[] nonce, byte[] ciphertext) {
    public SealedValue {
        requireNonNull(keyId, "keyId is null");
        requireNonNull(nonce, "nonce is null");
        requireNonNull(ciphertext, "ciphertext is null");
        nonce = nonce.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealedValue other && keyId.equals(other.keyId) && Arrays.equals(nonce, other.nonce)
                && Arrays.equals(ciphertext, other.ciphertext);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * keyId.hashCode() + Arrays.hashCode(nonce)) + Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "SealedValue[keyId=" + keyId + ", " + ciphertext.length + " bytes]";
    }
}
