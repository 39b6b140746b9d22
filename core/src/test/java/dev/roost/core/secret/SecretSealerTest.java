package dev.roost.core.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretSealerTest {
    private static final UUID ACME = UUID.randomUUID();
    private static final UUID GLOBEX = UUID.randomUUID();
    private static final byte[] VALUE = "123456789:telegram-bot-token-value".getBytes(StandardCharsets.UTF_8);

    static MasterKey key(int seed) {
        byte[] bytes = new byte[MasterKey.LENGTH];
        Arrays.fill(bytes, (byte) seed);
        return MasterKey.of(bytes);
    }

    private final SecretSealer sealer = new SecretSealer(key(1));
    private final SecretBinding token = new SecretBinding(ACME, "telegram-bot-token");

    @Test
    void sealedValuesOpenToTheSameBytesAndHideThem() {
        SealedValue sealed = sealer.seal(token, VALUE);

        assertThat(sealed.keyId()).isEqualTo(key(1).id());
        assertThat(sealed.nonce()).hasSize(SecretSealer.NONCE_BYTES);
        assertThat(sealed.ciphertext()).hasSize(VALUE.length + 16);
        assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("telegram-bot-token-value");
        assertThat(sealer.open(token, sealed)).isEqualTo(VALUE);
        assertThat(sealed.toString()).doesNotContain(HexFormat.of().formatHex(sealed.ciphertext()).substring(0, 8));
    }

    @Test
    void everySealUsesAFreshNonce() {
        Set<String> nonces = new HashSet<>();
        Set<String> ciphertexts = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            SealedValue sealed = sealer.seal(token, VALUE);
            nonces.add(HexFormat.of().formatHex(sealed.nonce()));
            ciphertexts.add(HexFormat.of().formatHex(sealed.ciphertext()));
        }
        assertThat(nonces).hasSize(200);
        assertThat(ciphertexts).as("equal values never give equal ciphertexts").hasSize(200);
    }

    @Test
    void emptyAndBinaryValuesRoundTrip() {
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        assertThat(sealer.open(token, sealer.seal(token, binary))).isEqualTo(binary);
        assertThat(sealer.open(token, sealer.seal(token, new byte[0]))).isEmpty();
    }

    @Test
    void aFlippedBitAnywhereIsAnIntegrityErrorNeverGarbage() {
        SealedValue sealed = sealer.seal(token, VALUE);
        byte[] ciphertext = sealed.ciphertext();
        for (int bit = 0; bit < ciphertext.length * 8; bit++) {
            byte[] changed = ciphertext.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            SealedValue tampered = new SealedValue(sealed.keyId(), sealed.nonce(), changed);
            assertThatThrownBy(() -> sealer.open(token, tampered))
                    .isInstanceOf(SealedValueException.class)
                    .hasMessageContaining("telegram-bot-token failed its integrity check");
        }
        byte[] nonce = sealed.nonce();
        nonce[0] ^= 1;
        assertThatThrownBy(() -> sealer.open(token, new SealedValue(sealed.keyId(), nonce, ciphertext)))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("integrity check");
        byte[] truncated = Arrays.copyOf(ciphertext, ciphertext.length - 1);
        assertThatThrownBy(() -> sealer.open(token, new SealedValue(sealed.keyId(), sealed.nonce(), truncated)))
                .isInstanceOf(SealedValueException.class);
        assertThatThrownBy(() -> sealer.open(token, new SealedValue(sealed.keyId(), new byte[8], ciphertext)))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("damaged nonce");
    }

    @Test
    void aCiphertextCopiedToAnotherSecretOrWorkspaceDoesNotOpen() {
        SealedValue sealed = sealer.seal(token, VALUE);

        assertThatThrownBy(() -> sealer.open(new SecretBinding(ACME, "other-secret"), sealed))
                .isInstanceOf(SealedValueException.class)
                .hasMessage("Secret other-secret failed its integrity check: the stored ciphertext was changed, "
                        + "or it was copied from another secret or workspace.");
        assertThatThrownBy(() -> sealer.open(new SecretBinding(GLOBEX, "telegram-bot-token"), sealed))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("copied from another secret or workspace");
    }

    @Test
    void anotherKeyIsNamedInTheErrorAndAForgedKeyIdStillFails() {
        SealedValue sealed = sealer.seal(token, VALUE);
        SecretSealer other = new SecretSealer(key(2));

        assertThatThrownBy(() -> other.open(token, sealed))
                .isInstanceOf(SealedValueException.class)
                .hasMessage("Secret telegram-bot-token was sealed with master key " + key(1).id()
                        + ", but the server runs with master key " + key(2).id() + ".");
        SealedValue relabelled = new SealedValue(other.keyId(), sealed.nonce(), sealed.ciphertext());
        assertThatThrownBy(() -> other.open(token, relabelled))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("integrity check");
    }

    @Test
    void theCiphertextIsNotUnderTheMasterKeyItself() throws Exception {
        byte[] master = new byte[MasterKey.LENGTH];
        Arrays.fill(master, (byte) 1);
        SealedValue sealed = sealer.seal(token, VALUE);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(master, "AES"), new GCMParameterSpec(128, sealed.nonce()));
        assertThatThrownBy(() -> cipher.doFinal(sealed.ciphertext())).isInstanceOf(javax.crypto.AEADBadTagException.class);
    }

    @Test
    void keyIdsAreStablePerKeyAndDistinctBetweenKeys() {
        assertThat(key(1).id()).matches("mk-[0-9a-f]{16}").isEqualTo(key(1).id());
        assertThat(key(1).id()).isNotEqualTo(key(2).id());
        byte[] random = new byte[MasterKey.LENGTH];
        new SecureRandom().nextBytes(random);
        MasterKey k = MasterKey.of(random);
        assertThat(k.toString()).isEqualTo("MasterKey[" + k.id() + "]");
        assertThat(k.toString()).doesNotContain(HexFormat.of().formatHex(random).substring(0, 8));
        assertThat(k.id()).doesNotContain(HexFormat.of().formatHex(random).substring(0, 8));
    }

    @Test
    void masterKeysAreExactly32Bytes() {
        assertThatThrownBy(() -> MasterKey.of(new byte[16])).hasMessage("a master key is exactly 32 bytes, got 16");
        assertThatThrownBy(() -> MasterKey.of(new byte[33])).hasMessage("a master key is exactly 32 bytes, got 33");
    }

    @Test
    void aMasterKeyDoesNotChangeWhenTheArrayItCameFromDoes() {
        byte[] bytes = new byte[MasterKey.LENGTH];
        MasterKey k = MasterKey.of(bytes);
        SealedValue sealed = new SecretSealer(k).seal(token, VALUE);
        Arrays.fill(bytes, (byte) 7);
        assertThat(new SecretSealer(k).open(token, sealed)).isEqualTo(VALUE);
    }

    @Test
    void bindingsTakeOnlyValidSecretNames() {
        assertThatThrownBy(() -> new SecretBinding(ACME, "Not Valid")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SecretBinding(ACME, "")).isInstanceOf(IllegalArgumentException.class);
    }
}
