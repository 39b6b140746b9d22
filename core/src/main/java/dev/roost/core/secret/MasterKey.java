package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The 32-byte key every stored secret is protected by. It is never used directly: each use
 * (encryption, value fingerprints, the key id) gets its own key derived with HKDF-Expand
 * (RFC 5869) under a distinct label, so no two purposes share key material.
 *
 * <p>The {@link #id() id} is derived from the key, so a server can tell, without decrypting
 * anything, whether stored ciphertexts were sealed with the key it loaded. It reveals nothing
 * about the key. {@link #toString()} shows only the id.
 */
public final class MasterKey {
    /** Length of a master key in bytes (AES-256). */
    public static final int LENGTH = 32;

    private static final String KEY_ID_LABEL = "roost/v1/master-key-id";

    private final byte[] key;
    private final String id;

    private MasterKey(byte[] key) {
        this.key = key;
        this.id = "mk-" + HexFormat.of().formatHex(Arrays.copyOf(derive(KEY_ID_LABEL), 8));
    }

    /** A master key from exactly {@value #LENGTH} bytes; the array is copied. */
    public static MasterKey of(byte[] bytes) {
        requireNonNull(bytes, "bytes is null");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a master key is exactly " + LENGTH + " bytes, got " + bytes.length);
        }
        return new MasterKey(bytes.clone());
    }

    /** A short, stable name of this key, e.g. {@code mk-3f9c0a7d2b4e81c6}; stored with every ciphertext. */
    public String id() {
        return id;
    }

    /**
     * A 32-byte key for one purpose: HKDF-Expand(PRK = master key, info = label, L = 32), which is
     * a single HMAC-SHA256 block. The master key is uniformly random, so it serves as the PRK
     * without an extract step.
     */
    byte[] derive(String label) {
        requireNonNull(label, "label is null");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(label.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 1);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "MasterKey[" + id + "]";
    }
}
