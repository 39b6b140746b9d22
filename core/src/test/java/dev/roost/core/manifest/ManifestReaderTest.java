package dev.roost.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ManifestReaderTest {

    @Test
    void readsJsonAndYamlToTheSameTree() {
        JsonNode fromJson = ManifestReader.read("{\"a\": {\"b\": [1, \"x\", true]}}", "application/json");
        JsonNode fromYaml = ManifestReader.read("a:\n  b:\n    - 1\n    - x\n    - true\n", "application/yaml");
        assertThat(fromYaml).isEqualTo(fromJson);
    }

    @Test
    void detectsTheFormatWhenTheContentTypeIsUnknownOrMissing() {
        assertThat(ManifestReader.read("  {\"a\": 1}", null).path("a").intValue()).isEqualTo(1);
        assertThat(ManifestReader.read("a: 1\n", "text/plain").path("a").intValue()).isEqualTo(1);
        assertThat(ManifestReader.read("a: 1\n", "application/octet-stream").path("a").intValue()).isEqualTo(1);
    }

    @Test
    void acceptsContentTypeParametersAndYamlAliasesOfTheMediaType() {
        assertThat(ManifestReader.read("{\"a\": 1}", "application/json; charset=utf-8").path("a").intValue()).isEqualTo(1);
        assertThat(ManifestReader.read("a: 1", "text/yaml").path("a").intValue()).isEqualTo(1);
        assertThat(ManifestReader.read("a: 1", "application/x-yaml").path("a").intValue()).isEqualTo(1);
    }

    @Test
    void skipsAByteOrderMark() {
        byte[] body = "\uFEFFa: 1\n".getBytes(StandardCharsets.UTF_8);
        assertThat(ManifestReader.read(body, null).path("a").intValue()).isEqualTo(1);
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        assertThatThrownBy(() -> ManifestReader.read("{\n  \"a\": 1,\n  \"b\" 2\n}", "application/json"))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY);
                    assertThat(e.getMessage()).contains("JSON").contains("line 3");
                });
    }

    @Test
    void malformedYamlNamesLineAndColumnWithoutEchoingTheSourceLines() {
        String body = "a: [1, 2\nb: some-private-text\n";
        assertThatThrownBy(() -> ManifestReader.read(body, "application/yaml"))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY);
                    assertThat(e.getMessage()).contains("line 2, column");
                    assertThat(e.getMessage()).doesNotContain("some-private-text");
                });
    }

    @Test
    void credentialsInParserMessagesAreRedacted() {
        String token = "ghp_" + "a".repeat(36);
        assertThatThrownBy(() -> ManifestReader.read("{\"a\": " + token + "}", "application/json"))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY);
                    assertThat(e.getMessage()).doesNotContain(token);
                });
    }

    @Test
    void duplicateKeysAreAnErrorInBothFormats() {
        assertThatThrownBy(() -> ManifestReader.read("a: 1\nb: 2\na: 3\n", "application/yaml"))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY);
                    assertThat(e.getMessage()).contains("Duplicate key 'a'").contains("line 3");
                });
        assertThatThrownBy(() -> ManifestReader.read("{\"a\": 1, \"a\": 2}", "application/json"))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.getMessage()).contains("Duplicate key 'a'"));
    }

    @Test
    void moreThanOneYamlDocumentIsAnError() {
        assertThatThrownBy(() -> ManifestReader.read("a: 1\n---\nb: 2\n", "application/yaml"))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY);
                    assertThat(e.getMessage()).contains("more than one YAML document").contains("line 3");
                });
    }

    @Test
    void trailingContentAfterJsonIsAnError() {
        assertThatThrownBy(() -> ManifestReader.read("{\"a\": 1} {\"b\": 2}", "application/json"))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY));
    }

    @Test
    void emptyBodiesAreAnError() {
        for (String body : new String[] {"", "   \n", "# only a comment\n"}) {
            assertThatThrownBy(() -> ManifestReader.read(body, null))
                    .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY));
        }
    }

    @Test
    void bodiesOverOneMebibyteAreTooLarge() {
        byte[] body = ("a: \"" + "x".repeat(ManifestReader.MAX_BODY_BYTES) + "\"\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ManifestReader.read(body, null))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BODY_TOO_LARGE));
    }

    @Test
    void invalidUtf8IsMalformed() {
        byte[] body = {'a', ':', ' ', (byte) 0xC3, (byte) 0x28};
        assertThatThrownBy(() -> ManifestReader.read(body, null))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY);
                    assertThat(e.getMessage()).contains("UTF-8");
                });
    }

    @Test
    void yamlAliasesOfMapsAndListsAreExpanded() {
        JsonNode node = ManifestReader.read("base: &b {cpu: 500m, memory: 256Mi}\ncopy: *b\nlist: &l [a, b]\nagain: *l\n", null);
        assertThat(node.path("copy")).isEqualTo(node.path("base"));
        assertThat(node.path("again")).isEqualTo(node.path("list"));
    }

    @Test
    void aliasesOfSingleValuesAreRefusedWithAnExplanation() {
        assertThatThrownBy(() -> ManifestReader.read("name: &n bot\nagain: *n\n", "application/yaml"))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.getMessage()).contains("not on single values"));
    }

    @Test
    void aYamlAliasBombIsStoppedBeforeItExpands() {
        StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        String previous = "a";
        for (char level = 'b'; level <= 'j'; level++) {
            String refs = ("*" + previous + ", ").repeat(9) + "*" + previous;
            bomb.append(level).append(": &").append(level).append(" [").append(refs).append("]\n");
            previous = String.valueOf(level);
        }
        assertThat(bomb.length()).isLessThan(1000);
        assertThatThrownBy(() -> ManifestReader.read(bomb.toString(), "application/yaml"))
                .isInstanceOfSatisfying(RoostException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY);
                    assertThat(e.getMessage()).contains("more than " + ManifestReader.MAX_NODES + " values");
                });
    }

    @Test
    void anAliasToAnUndefinedAnchorIsAnError() {
        assertThatThrownBy(() -> ManifestReader.read("a: *nowhere\n", "application/yaml"))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.getMessage()).contains("anchor"));
    }

    @Test
    void deepNestingIsRefusedInBothFormats() {
        String json = "[".repeat(200) + "]".repeat(200);
        assertThatThrownBy(() -> ManifestReader.read(json, "application/json"))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY));
        String yaml = "[".repeat(200) + "]".repeat(200);
        assertThatThrownBy(() -> ManifestReader.read(yaml, "application/yaml"))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_BODY));
    }
}
