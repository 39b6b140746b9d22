package dev.roost.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.ManifestFixtures;
import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.manifest.Trees;
import dev.roost.core.secret.CredentialPattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import tools.jackson.databind.node.ObjectNode;

/**
 * A credential anywhere in a manifest is refused, by the validator or by policy, even
 * when the manifest overrides no-plaintext-secrets, and no answer ever repeats it.
 */
class CredentialProperties {

    enum Placement {
        ENV_VALUE("/spec/runtime/env/NOTE"),
        ENV_NAME(null),
        COMMAND_ARGUMENT("/spec/runtime/command/1"),
        ANNOTATION_VALUE("/metadata/annotations/note"),
        ANNOTATION_KEY(null),
        LABEL_VALUE("/metadata/labels/team"),
        NAME("/metadata/name"),
        IMAGE_TAG("/spec/runtime/image"),
        HEALTH_COMMAND("/spec/health/command/0"),
        SKILL("/spec/skills/allowlist/0"),
        EGRESS_HOST("/spec/network/egressAllow/0"),
        WEBHOOK_PATH("/spec/channels/webhook/path"),
        UNKNOWN_PROPERTY_NAME(null);

        final String pointer;

        Placement(String pointer) {
            this.pointer = pointer;
        }
    }

    @Provide
    Arbitrary<String> credentials() {
        net.jqwik.api.arbitraries.StringArbitrary alnum = Arbitraries.strings().alpha().numeric();
        net.jqwik.api.arbitraries.StringArbitrary urlSafe = Arbitraries.strings().alpha().numeric().withChars('_', '-');
        return Arbitraries.oneOf(
                alnum.ofLength(32).map(s -> "sk-" + s),
                urlSafe.ofMinLength(40).ofMaxLength(80).map(s -> "sk-ant-api03-" + s),
                alnum.ofLength(36).map(s -> "ghp_" + s),
                alnum.ofMinLength(30).ofMaxLength(60).map(s -> "github_pat_11A" + s),
                alnum.ofLength(20).map(s -> "glpat-" + s),
                Arbitraries.strings().numeric().withChars('-').ofMinLength(20).ofMaxLength(40).map(s -> "xoxb-1" + s),
                alnum.ofMinLength(20).ofMaxLength(40).map(s -> "xapp-1-A" + s),
                Arbitraries.strings().withCharRange('A', 'Z').numeric().ofLength(16).map(s -> "AKIA" + s),
                urlSafe.ofLength(35).map(s -> "AIza" + s),
                Combinators.combine(Arbitraries.integers().between(10_000_000, 999_999_999), urlSafe.ofLength(35))
                        .as((id, secret) -> id + ":" + secret),
                alnum.ofMinLength(10).ofMaxLength(30).map(s -> "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi" + s + ".sig" + s),
                alnum.ofMinLength(6).ofMaxLength(20).map(s -> "-----BEGIN OPENSSH PRIVATE KEY-----" + s),
                alnum.ofMinLength(6).ofMaxLength(20).map(s -> "postgres://app:" + s + "@db.internal/app"));
    }

    @Property(tries = 300)
    void aCredentialAnywhereIsRefusedAndNeverEchoed(
            @ForAll("credentials") String credential, @ForAll Placement placement, @ForAll boolean embedded,
            @ForAll boolean overrideNoPlaintextSecrets) {
        assertThat(CredentialPattern.find(credential)).as("generator makes credentials the scanner knows").isPresent();
        String value = embedded ? "prefix " + credential + " suffix" : credential;
        ObjectNode manifest = ManifestFixtures.full();
        switch (placement) {
            case ENV_NAME -> Trees.set(manifest, "/spec/runtime/env/" + credential.replace("/", "~1"), "x");
            case ANNOTATION_KEY -> Trees.set(manifest, "/metadata/annotations/" + credential.replace("~", "~0").replace("/", "~1"), "x");
            case UNKNOWN_PROPERTY_NAME -> manifest.withObject("/spec/runtime").put(credential, 1);
            case IMAGE_TAG -> Trees.set(manifest, placement.pointer, "ghcr.io/acme/bot:" + value);
            case HEALTH_COMMAND -> Trees.set(manifest, "/spec/health", Trees.yaml("{command: [x]}"));
            default -> Trees.set(manifest, placement.pointer, value);
        }
        if (placement == Placement.HEALTH_COMMAND) {
            Trees.set(manifest, placement.pointer, value);
        }
        if (overrideNoPlaintextSecrets) {
            Trees.set(manifest, "/spec/policies/allowUnsafe", Trees.yaml("[no-plaintext-secrets]"));
        }
        try {
            ManifestPolicy.standard().evaluate(ManifestValidator.validate(manifest), PolicyFixtures.EMPTY_TEAM, true);
            fail("a manifest with a credential at " + placement + " was accepted");
        } catch (RoostException e) {
            Statistics.collect(e.code());
            assertThat(e.code()).isIn(ErrorCode.MANIFEST_INVALID, ErrorCode.POLICY_VIOLATION);
            StringBuilder everything = new StringBuilder(e.getMessage());
            for (FieldError error : e.fieldErrors()) {
                everything.append('\n').append(error.pointer()).append('\n').append(error.message());
            }
            everything.append('\n').append(e.extensions());
            assertThat(everything.toString()).doesNotContain(credential);
        }
    }
}
