package dev.roost.core.secret;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretFingerprinterTest {
    private static final UUID ACME = UUID.randomUUID();
    private static final byte[] VALUE = "hunter2-but-longer".getBytes(StandardCharsets.UTF_8);

    private final SecretFingerprinter fingerprints = new SecretFingerprinter(SecretSealerTest.key(1));
    private final SecretBinding binding = new SecretBinding(ACME, "db-password");

    @Test
    void aKnownValueIsConfirmedAndAnyOtherIsNot() {
        String fingerprint = fingerprints.fingerprint(binding, VALUE);

        assertThat(fingerprint).matches("[0-9a-f]{64}");
        assertThat(fingerprints.fingerprint(binding, VALUE.clone())).isEqualTo(fingerprint);
        assertThat(fingerprints.matches(binding, VALUE, fingerprint)).isTrue();
        assertThat(fingerprints.matches(binding, "hunter2-but-longeR".getBytes(StandardCharsets.UTF_8), fingerprint)).isFalse();
        assertThat(fingerprints.matches(binding, new byte[0], fingerprint)).isFalse();
        assertThat(fingerprints.matches(binding, VALUE, "not hex")).isFalse();
        assertThat(fingerprints.matches(binding, VALUE, fingerprint.substring(2))).isFalse();
    }

    @Test
    void theSameValueElsewhereOrUnderAnotherKeyHasAnUnrelatedFingerprint() {
        String here = fingerprints.fingerprint(binding, VALUE);

        assertThat(fingerprints.fingerprint(new SecretBinding(ACME, "other"), VALUE)).isNotEqualTo(here);
        assertThat(fingerprints.fingerprint(new SecretBinding(UUID.randomUUID(), "db-password"), VALUE)).isNotEqualTo(here);
        assertThat(new SecretFingerprinter(SecretSealerTest.key(2)).fingerprint(binding, VALUE)).isNotEqualTo(here);
    }

    @Test
    void theFingerprintKeyIsDerivedNotTheMasterKeyItself() throws Exception {
        byte[] master = new byte[MasterKey.LENGTH];
        Arrays.fill(master, (byte) 1);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(master, "HmacSHA256"));
        String plainHmac = HexFormat.of().formatHex(mac.doFinal(VALUE));

        assertThat(fingerprints.fingerprint(binding, VALUE)).isNotEqualTo(plainHmac);
    }
}
