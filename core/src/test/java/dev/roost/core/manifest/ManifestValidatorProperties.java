package dev.roost.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;

/**
 * For any input whatsoever, the validator returns a manifest or refuses it with
 * MANIFEST_INVALID and pointers into the input; the reader parses or refuses with
 * MALFORMED_BODY. Nothing else escapes.
 */
class ManifestValidatorProperties {

    @Property(tries = 300)
    void randomTreesAreValidatedOrRefusedCleanly(@ForAll("randomTrees") JsonNode input) {
        Statistics.collect(outcome(input, false));
    }

    @Property(tries = 400)
    void mutatedManifestsAreValidatedOrRefusedCleanly(@ForAll("mutatedManifests") JsonNode input) {
        Statistics.collect(outcome(input, true));
    }

    @Property(tries = 300)
    void anyTextIsParsedOrRefusedAsMalformed(@ForAll("yamlishText") String text) {
        JsonNode parsed;
        try {
            parsed = ManifestReader.read(text, null);
        } catch (RoostException e) {
            assertThat(e.code()).isIn(ErrorCode.MALFORMED_BODY, ErrorCode.BODY_TOO_LARGE);
            Statistics.collect("malformed");
            return;
        }
        Statistics.collect("parsed");
        outcome(parsed, false);
    }

    @Provide
    Arbitrary<JsonNode> randomTrees() {
        return Arbitraries.oneOf(JsonArbitraries.trees(4), JsonArbitraries.manifestShapedTrees());
    }

    @Provide
    Arbitrary<JsonNode> mutatedManifests() {
        Arbitrary<JsonNode> bases = Arbitraries.of("full.yaml", "minimal.yaml").map(ManifestFixtures::tree);
        return Combinators.combine(bases, JsonArbitraries.mutations().list().ofMinSize(1).ofMaxSize(3)).as((base, mutations) -> {
            mutations.forEach(m -> m.applyTo(base));
            return base;
        });
    }

    @Provide
    Arbitrary<String> yamlishText() {
        Arbitrary<String> garbage = Arbitraries.strings().withChars("{}[]:,-&*!|>'\"#%@` \n\tabc019.~?").ofMaxLength(120);
        Arbitrary<String> mangled = Combinators.combine(Arbitraries.integers().between(0, 2000), Arbitraries.strings().ofMaxLength(5))
                .as((at, insert) -> {
                    String text = ManifestFixtures.text("full.yaml");
                    int i = Math.min(at, text.length());
                    return text.substring(0, i) + insert + text.substring(i);
                });
        return Arbitraries.oneOf(garbage, mangled);
    }

    /** Validates and checks the contract; returns a label for statistics. */
    static String outcome(JsonNode input, boolean pointersMustExist) {
        JsonNode before = input.deepCopy();
        try {
            ValidatedManifest manifest = ManifestValidator.validate(input);
            assertThat(ManifestValidator.validate(manifest.canonicalTree()).sha256()).isEqualTo(manifest.sha256());
            return "valid";
        } catch (RoostException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
            List<FieldError> errors = e.fieldErrors();
            assertThat(errors).isNotEmpty();
            for (FieldError error : errors) {
                JsonPointer pointer = JsonPointer.compile(error.pointer());
                boolean exists = !input.at(pointer).isMissingNode();
                boolean parentExists = pointer.head() != null && !input.at(pointer.head()).isMissingNode();
                if (pointersMustExist) {
                    assertThat(exists).as("pointer %s exists in the input", error.pointer()).isTrue();
                } else {
                    assertThat(exists || parentExists).as("pointer %s or its parent exists in the input", error.pointer()).isTrue();
                }
                assertThat(error.message()).isNotBlank();
            }
            return "invalid";
        } finally {
            assertThat(input).as("the validator does not change its input").isEqualTo(before);
        }
    }
}
