package dev.roost.core.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {
    private static final String TOKEN = "tok-7f3a9c1e55d0";

    private static SecretMasker masker(String... values) {
        List<SecretValue> secrets = Stream.of(values).map(v -> SecretValue.wrap(v.getBytes(StandardCharsets.UTF_8))).toList();
        try {
            return SecretMasker.of(secrets);
        } finally {
            secrets.forEach(SecretValue::close);
        }
    }

    @Test
    void masksEveryOccurrenceOfTheValue() {
        try (SecretMasker m = masker(TOKEN)) {
            assertThat(m.mask("using " + TOKEN + " and again " + TOKEN + "!")).isEqualTo("using **** and again ****!");
            assertThat(m.mask("nothing here")).isEqualTo("nothing here");
            assertThat(m.mask("")).isEmpty();
        }
    }

    @Test
    void masksCommonEncodings() {
        byte[] raw = TOKEN.getBytes(StandardCharsets.UTF_8);
        String basic = Base64.getEncoder().encodeToString(("user:" + TOKEN).getBytes(StandardCharsets.UTF_8));
        try (SecretMasker m = masker(TOKEN)) {
            for (String encoded : List.of(Base64.getEncoder().encodeToString(raw), Base64.getUrlEncoder().encodeToString(raw),
                    HexFormat.of().formatHex(raw), HexFormat.of().withUpperCase().formatHex(raw))) {
                assertThat(m.mask("x=" + encoded + ";")).as(encoded).doesNotContain(encoded).contains(SecretMasker.MASK);
            }
            String masked = m.mask("Authorization: Basic " + basic);
            assertThat(masked).as("the value inside a longer base64 string").contains(SecretMasker.MASK);
            assertThat(masked.length()).isLessThan(("Authorization: Basic " + basic).length() - 8);
        }
        try (SecretMasker m = masker("a\"b c/d&e")) {
            assertThat(m.mask("json {\"k\":\"a\\\"b c/d&e\"} url a%22b+c%2Fd%26e"))
                    .isEqualTo("json {\"k\":\"****\"} url ****");
        }
    }

    @Test
    void masksEachLineOfAMultiLineValue() {
        String pem = "-----BEGIN KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----";
        try (SecretMasker m = masker(pem)) {
            assertThat(m.mask("MIIBVQIBADANBgkqhkiG9w0BAQEFAASC")).isEqualTo(SecretMasker.MASK);
        }
    }

    @Test
    void overlappingValuesBecomeOneMask() {
        try (SecretMasker m = masker("abcdefgh", "efghijkl")) {
            assertThat(m.mask("[abcdefghijkl]")).isEqualTo("[****]");
        }
    }

    @Test
    void shortValuesAreNotMasked() {
        try (SecretMasker m = masker("abc")) {
            assertThat(m.patternCount()).isZero();
            assertThat(m.mask("abc abc")).isEqualTo("abc abc");
        }
    }

    @Test
    void aClosedMaskerRefusesWork() {
        SecretMasker m = masker(TOKEN);
        m.close();
        assertThatThrownBy(() -> m.mask("x")).isInstanceOf(IllegalStateException.class);
        assertThat(m.toString()).doesNotContain(TOKEN);
    }

    @Property(tries = 300)
    void theValueNeverSurvivesMasking(@ForAll @AlphaChars @StringLength(min = 4, max = 40) String value,
            @ForAll @StringLength(max = 60) String before, @ForAll @StringLength(max = 60) String after) {
        try (SecretMasker m = masker(value)) {
            assertThat(m.mask(before + value + after)).doesNotContain(value);
            byte[] raw = value.getBytes(StandardCharsets.UTF_8);
            String b64 = Base64.getEncoder().withoutPadding().encodeToString(raw);
            if (b64.length() >= 12) {
                assertThat(m.mask(before + b64 + after)).doesNotContain(b64);
            }
        }
    }
}
