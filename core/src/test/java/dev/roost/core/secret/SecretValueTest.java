package dev.roost.core.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SecretValueTest {
    @Test
    void closingOverwritesTheValueAndNothingPrintsIt() {
        byte[] bytes = "pässwörd-canary".getBytes(StandardCharsets.UTF_8);
        SecretValue value = SecretValue.wrap(bytes);

        assertThat(value.toString()).doesNotContain("canary").contains(bytes.length + " bytes");
        assertThat(value.isText()).isTrue();
        assertThat(new String(value.chars())).isEqualTo("pässwörd-canary");
        value.close();

        assertThat(bytes).containsOnly(0);
        assertThatThrownBy(value::bytes).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(value::chars).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void binaryValuesAreNotText() {
        try (SecretValue value = SecretValue.wrap(new byte[] {(byte) 0xff, 0, 1})) {
            assertThat(value.isText()).isFalse();
            assertThat(value.size()).isEqualTo(3);
            assertThatThrownBy(value::chars).hasMessage("the secret value is binary, not UTF-8 text");
        }
    }
}
