package dev.roost.core.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class SecretSealerProperties {
    private static final SecretSealer SEALER = new SecretSealer(SecretSealerTest.key(9));
    private static final SecretFingerprinter FINGERPRINTS = new SecretFingerprinter(SecretSealerTest.key(9));
    private static final SecretBinding BINDING = new SecretBinding(UUID.randomUUID(), "any");

    @Property(tries = 300)
    void anyValueRoundTrips(@ForAll @Size(max = 4096) byte[] value) {
        assertThat(SEALER.open(BINDING, SEALER.seal(BINDING, value))).isEqualTo(value);
        assertThat(FINGERPRINTS.matches(BINDING, value, FINGERPRINTS.fingerprint(BINDING, value))).isTrue();
    }

    @Property(tries = 300)
    void anyChangedBitIsRefused(@ForAll @Size(min = 1, max = 512) byte[] value, @ForAll @IntRange(min = 0) int position) {
        SealedValue sealed = SEALER.seal(BINDING, value);
        byte[] ciphertext = sealed.ciphertext();
        int bit = position % (ciphertext.length * 8);
        ciphertext[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThatThrownBy(() -> SEALER.open(BINDING, new SealedValue(sealed.keyId(), sealed.nonce(), ciphertext)))
                .isInstanceOf(SealedValueException.class);
    }
}
