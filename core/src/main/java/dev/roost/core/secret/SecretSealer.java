package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts and decrypts secret values with AES-256-GCM under a key derived from the
 * {@link MasterKey}. Every seal draws a fresh random 96-bit nonce; the {@link SecretBinding}
 * (workspace id and secret name) is the associated data, so a ciphertext opens only in the
 * row it was written for. A value that does not open is an exception, never garbage.
 * Thread-safe.
 */
public final class SecretSealer {
    /** Bytes of the GCM nonce (96 bits, the size GCM is designed for). */
    public static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String ENCRYPTION_LABEL = "roost/v1/secret-encryption";
    private static final String ASSOCIATED_DATA_LABEL = "roost/v1/secret-value";

    private final SecretKeySpec key;
    private final String keyId;
    private final SecureRandom random;

    public SecretSealer(MasterKey masterKey, SecureRandom random) {
        requireNonNull(masterKey, "masterKey is null");
        this.key = new SecretKeySpec(masterKey.derive(ENCRYPTION_LABEL), "AES");
        this.keyId = masterKey.id();
        this.random = requireNonNull(random, "random is null");
    }

    public SecretSealer(MasterKey masterKey) {
        this(masterKey, new SecureRandom());
    }

    /** The id of the master key this sealer seals under. */
    public String keyId() {
        return keyId;
    }

    public SealedValue seal(SecretBinding binding, byte[] plaintext) {
        requireNonNull(binding, "binding is null");
        requireNonNull(plaintext, "plaintext is null");
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(binding.encode(ASSOCIATED_DATA_LABEL));
            return new SealedValue(keyId, nonce, cipher.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** The plaintext; the caller clears it when done. */
    public byte[] open(SecretBinding binding, SealedValue sealed) {
        requireNonNull(binding, "binding is null");
        requireNonNull(sealed, "sealed is null");
        if (!sealed.keyId().equals(keyId)) {
            throw new SealedValueException("Secret " + binding.name() + " was sealed with master key " + sealed.keyId()
                    + ", but the server runs with master key " + keyId + ".");
        }
        byte[] nonce = sealed.nonce();
        if (nonce.length != NONCE_BYTES) {
            throw new SealedValueException("Secret " + binding.name() + " has a damaged nonce (" + nonce.length
                    + " bytes instead of " + NONCE_BYTES + ").");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(binding.encode(ASSOCIATED_DATA_LABEL));
            return cipher.doFinal(sealed.ciphertext());
        } catch (AEADBadTagException e) {
            throw new SealedValueException("Secret " + binding.name() + " failed its integrity check: the stored ciphertext "
                    + "was changed, or it was copied from another secret or workspace.");
        } catch (GeneralSecurityException e) {
            throw new SealedValueException("Secret " + binding.name() + " could not be decrypted: " + e.getClass().getSimpleName());
        }
    }
}
