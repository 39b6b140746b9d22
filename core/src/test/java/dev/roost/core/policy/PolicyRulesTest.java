package dev.roost.core.policy;

import static dev.roost.core.manifest.Trees.remove;
import static dev.roost.core.manifest.Trees.set;
import static dev.roost.core.manifest.Trees.yaml;
import static dev.roost.core.policy.PolicyFixtures.check;
import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.manifest.ManifestFixtures;
import dev.roost.core.workspace.Quota;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.node.ObjectNode;

class PolicyRulesTest {

    @Nested
    class NoPlaintextSecretsRule {
        private final NoPlaintextSecrets rule = new NoPlaintextSecrets();

        @Test
        void aSecretLookingVariableWithAPlainValueIsRefusedWithoutQuotingIt() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/runtime/env", yaml("{API_TOKEN: hunter2-plain, LOG_LEVEL: debug}"));
            List<PolicyViolation> violations = check(rule, m);
            assertThat(violations).singleElement().satisfies(v -> {
                assertThat(v.rule()).isEqualTo("no-plaintext-secrets");
                assertThat(v.pointer()).isEqualTo("/spec/runtime/env/API_TOKEN");
                assertThat(v.message()).contains("secret:NAME").doesNotContain("hunter2");
                assertThat(v.overridable()).isTrue();
            });
        }

        @Test
        void secretReferencesAndHarmlessValuesPass() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/runtime/env",
                    yaml("{API_TOKEN: 'secret:api-token', MAX_TOKENS: 4096, TOKEN_FILE: /run/secrets/token, "
                            + "SECRET_ROTATION: 'false', PASSWORD_HINT: '', TOKENIZER: cl100k}"));
            assertThat(check(rule, m)).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"API_TOKEN", "GITHUB_TOKEN", "botToken", "DB_PASSWORD", "PGPASSWORD", "OPENAI_API_KEY", "APIKEY",
                "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "PRIVATE_KEY", "SSH_KEY", "CLIENT_SECRET", "GOOGLE_CREDENTIALS",
                "SMTP_PASSWD", "GPG_PASSPHRASE", "jwtSecret", "SLACK_SIGNING_SECRET"})
        void namesThatLookSecret(String name) {
            assertThat(NoPlaintextSecrets.looksLikeSecretName(name)).isTrue();
        }

        @ParameterizedTest
        @ValueSource(strings = {"LOG_LEVEL", "MAX_TOKENS", "TOKENIZER_MODEL", "TOKEN_FILE", "SECRET_PATH", "OAUTH_TOKEN_URL",
                "CACHE_KEY", "SORT_KEY", "KEYBOARD", "PORT", "PASSWORDLESS_LOGIN_ENABLED_FLAG_X"})
        void namesThatDoNot(String name) {
            assertThat(NoPlaintextSecrets.looksLikeSecretName(name)).isFalse();
        }

        @Test
        void credentialsAnywhereAreFoundAndNeverQuoted() {
            String openai = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2";
            String github = "ghp_" + "x".repeat(36);
            String aws = "AKIAIOSFODNN7EXAMPLE";
            String telegram = "123456789:AAH" + "b".repeat(32);
            ObjectNode m = ManifestFixtures.minimal();
            set(m, "/spec/runtime/command", yaml("[/app/bot, '--key=" + openai + "']"));
            set(m, "/metadata/annotations/note", "token is " + github);
            set(m, "/metadata/labels/k", aws);
            set(m, "/spec/runtime/env", yaml("{LOG_LEVEL: '" + telegram + "'}"));
            set(m, "/metadata/annotations/" + aws, "key as a key");
            List<PolicyViolation> violations = check(rule, m);
            assertThat(violations).extracting(PolicyViolation::pointer).containsExactlyInAnyOrder(
                    "/metadata/annotations", "/metadata/annotations/note", "/metadata/labels/k", "/spec/runtime/command/1",
                    "/spec/runtime/env/LOG_LEVEL");
            assertThat(violations).allSatisfy(v -> {
                assertThat(v.overridable()).isFalse();
                for (String secret : List.of(openai, github, aws, telegram)) {
                    assertThat(v.message()).doesNotContain(secret);
                    assertThat(v.pointer()).doesNotContain(secret);
                }
            });
            assertThat(violations).extracting(PolicyViolation::message).anySatisfy(m2 -> assertThat(m2).contains("a GitHub token"));
        }

        @Test
        void pemKeysJwtsAndUrlsWithPasswordsAreCaught() {
            ObjectNode m = ManifestFixtures.minimal();
            set(m, "/metadata/annotations/a", "-----BEGIN RSA PRIVATE KEY-----\nMIIE...");
            set(m, "/metadata/annotations/b", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl");
            set(m, "/metadata/annotations/c", "postgres://app:s3cret@db:5432/app");
            assertThat(check(rule, m)).extracting(PolicyViolation::pointer)
                    .containsExactly("/metadata/annotations/a", "/metadata/annotations/b", "/metadata/annotations/c");
        }

        @Test
        void wordsThatMerelyContainAPrefixAreNotCredentials() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/metadata/annotations/a", "task-runner-for-the-nightly-batch-jobs");
            set(m, "/metadata/annotations/b", "https://example.com/docs:8080@latest");
            assertThat(check(rule, m)).isEmpty();
        }
    }

    @Nested
    class PinnedImageRule {
        private final PinnedImage rule = new PinnedImage();

        @ParameterizedTest
        @ValueSource(strings = {"ghcr.io/acme/bot", "ghcr.io/acme/bot:latest", "ghcr.io/acme/bot:LATEST", "bot:main",
                "localhost:5000/acme/bot", "registry.example.com:443/bot:nightly"})
        void unpinnedImagesAreRefused(String image) {
            assertThat(check(rule, set(ManifestFixtures.minimal(), "/spec/runtime/image", image)))
                    .singleElement().satisfies(v -> assertThat(v.pointer()).isEqualTo("/spec/runtime/image"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"ghcr.io/acme/bot:1.4.2", "localhost:5000/bot:2024-05-01", "bot:v3",
                "ghcr.io/acme/bot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "ghcr.io/acme/bot:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
        void pinnedImagesPass(String image) {
            assertThat(check(rule, set(ManifestFixtures.minimal(), "/spec/runtime/image", image))).isEmpty();
        }
    }

    @Nested
    class NoPublicAdminRule {
        private final NoPublicAdmin rule = new NoPublicAdmin();

        @Test
        void adminPortsAndAdminLookingPortsMustNotBePublic() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/network/ports", yaml("""
                    [{name: gateway, port: 18789, exposure: PUBLIC, admin: true},
                     {name: dashboard, port: 3000, exposure: PUBLIC},
                     {name: web, port: 8080, exposure: PUBLIC},
                     {name: console, port: 9000, exposure: WORKSPACE, admin: true},
                     {name: prom, port: 9100, exposure: PUBLIC}]"""));
            set(m, "/spec/observability/metrics/port", "prom");
            assertThat(check(rule, m)).extracting(PolicyViolation::pointer).containsExactly(
                    "/spec/network/ports/0/exposure", "/spec/network/ports/1/exposure", "/spec/observability/metrics/port");
        }

        @Test
        void privateAndWorkspaceAdminPortsPass() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/network/ports",
                    yaml("[{name: admin, port: 9000, exposure: WORKSPACE, admin: true}, {name: ui, port: 8080, exposure: PUBLIC}]"));
            assertThat(check(rule, m)).isEmpty();
        }
    }

    @Nested
    class NoWildcardPermissionsRule {
        private final NoWildcardPermissions rule = new NoWildcardPermissions();

        @Test
        void wildcardsInAllowlistsAreRefused() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/skills/allowlist", yaml("[calendar, '*']"));
            set(m, "/spec/model", yaml("{allowedModels: ['gpt-*', claude-sonnet]}"));
            set(m, "/spec/network", yaml("{egress: RESTRICTED, egressAllow: ['*', '*.com', '*.co.uk', '*.s3.amazonaws.com', "
                    + "'*.example.com', api.example.com]}"));
            assertThat(check(rule, m)).extracting(PolicyViolation::pointer).containsExactly(
                    "/spec/skills/allowlist/1", "/spec/model/allowedModels/0", "/spec/network/egressAllow/0",
                    "/spec/network/egressAllow/1", "/spec/network/egressAllow/2", "/spec/network/egressAllow/3");
        }

        @Test
        void namedPermissionsPass() {
            assertThat(check(rule, ManifestFixtures.full())).isEmpty();
        }
    }

    @Nested
    class LimitsRequiredRule {
        private final LimitsRequired rule = new LimitsRequired();

        @Test
        void missingLimitsPointAtTheRuntime() {
            ObjectNode m = remove(remove(ManifestFixtures.minimal(), "/spec/runtime/cpu"), "/spec/runtime/memory");
            assertThat(check(rule, m)).extracting(PolicyViolation::pointer).containsExactly("/spec/runtime", "/spec/runtime");
        }

        @Test
        void zeroMeansUnlimitedAndIsRefused() {
            ObjectNode m = set(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", "0"), "/spec/runtime/memory", 0);
            assertThat(check(rule, m)).extracting(PolicyViolation::pointer).containsExactly("/spec/runtime/cpu", "/spec/runtime/memory");
        }

        @Test
        void aStoppedInstanceWithLimitsPasses() {
            assertThat(check(rule, set(ManifestFixtures.minimal(), "/spec/runtime/replicas", 0))).isEmpty();
        }
    }

    @Nested
    class WithinPlanQuotaRule {
        private final WithinPlanQuota rule = new WithinPlanQuota();
        private final Quota starter = PolicyFixtures.STARTER;

        @Test
        void perReplicaLimitsMustFitThePerInstanceQuota() {
            ObjectNode m = set(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", "1500m"), "/spec/runtime/memory", "2Gi");
            List<PolicyViolation> violations = check(rule, m, new PolicyContext(starter, QuotaUsage.NONE));
            assertThat(violations).extracting(PolicyViolation::pointer)
                    .contains("/spec/runtime/cpu", "/spec/runtime/memory");
            assertThat(violations.get(0).message()).contains("1.5 cores per replica").contains("1 core per instance");
        }

        @Test
        void theInstanceCountIncludesThisOne() {
            PolicyContext full = new PolicyContext(starter, new QuotaUsage(2, 0, 0));
            assertThat(check(rule, ManifestFixtures.minimal(), full)).singleElement()
                    .satisfies(v -> assertThat(v.message()).contains("already has 2 instances").contains("allows 2"));
        }

        @Test
        void totalsCountLimitTimesReplicasOverAllInstances() {
            // starter: 2 cores and 2Gi in total; others use 1.5 cores; this one asks 2 x 250m
            PolicyContext context = new PolicyContext(starter, new QuotaUsage(1, 1_500, 512L << 20));
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/runtime/replicas", 2);
            set(m, "/spec/runtime/cpu", "300m");
            assertThat(check(rule, m, context)).singleElement().satisfies(v -> {
                assertThat(v.pointer()).isEqualTo("/spec/runtime/cpu");
                assertThat(v.message()).contains("2.1 cores of CPU in total").contains("0.6 cores by this one over 2 replicas");
            });
            set(m, "/spec/runtime/cpu", "250m");
            assertThat(check(rule, m, context)).isEmpty();
        }

        @Test
        void anInstanceWithoutLimitsCountsAtThePerInstanceMaximum() {
            ObjectNode m = remove(ManifestFixtures.minimal(), "/spec/runtime/cpu");
            assertThat(QuotaUsage.of(dev.roost.core.manifest.ManifestValidator.validate(m), starter))
                    .isEqualTo(new QuotaUsage(1, 1_000, 128L << 20));
            PolicyContext context = new PolicyContext(starter, new QuotaUsage(1, 1_500, 0));
            assertThat(check(rule, m, context)).extracting(PolicyViolation::pointer).containsExactly("/spec/runtime");
        }

        @Test
        void isNotOverridableAndAnswersWithQuotaExceeded() {
            assertThat(rule.overridable()).isFalse();
            assertThat(rule.errorCode()).isEqualTo(dev.roost.core.error.ErrorCode.QUOTA_EXCEEDED);
        }
    }
}
