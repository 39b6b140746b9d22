package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A keyed fingerprint of a secret value: HMAC-SHA256 under a key derived from the
 * {@link MasterKey} for this purpose only, over the {@link SecretBinding} and the value.
 * It lets the audit log record that a value changed, and lets someone who knows a value
 * confirm it, without revealing the value: nobody without the master key can compute it, and
 * the same value stored under two names or in two workspaces has unrelated fingerprints.
 * Thread-safe.
 */
public final class SecretFingerprinter {
    private static final String FINGERPRINT_LABEL = "roost/v1/secret-fingerprint";
    private static final String INPUT_LABEL = "roost/v1/secret-value";

    private final SecretKeySpec key;

    public SecretFingerprinter(MasterKey masterKey) {
        requireNonNull(masterKey, "masterKey is null");
        this.key = new SecretKeySpec(masterKey.derive(FINGERPRINT_LABEL), "HmacSHA256");
    }

    /** The fingerprint as 64 lower-case hex digits. */
    public String fingerprint(SecretBinding binding, byte[] value) {
        return HexFormat.of().formatHex(mac(binding, value));
    }

    /** Whether {@code candidate} is the value {@code expectedHex} was computed from; constant time. */
    public boolean matches(SecretBinding binding, byte[] candidate, String expectedHex) {
        requireNonNull(expectedHex, "expectedHex is null");
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(expectedHex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(binding, candidate), expected);
    }

    private byte[] mac(SecretBinding binding, byte[] value) {
        requireNonNull(binding, "binding is null");
        requireNonNull(value, "value is null");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(binding.encode(INPUT_LABEL));
            mac.update(value);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
