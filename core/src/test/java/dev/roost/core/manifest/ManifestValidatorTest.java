package dev.roost.core.manifest;

import static dev.roost.core.manifest.Trees.remove;
import static dev.roost.core.manifest.Trees.set;
import static dev.roost.core.manifest.Trees.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ManifestValidatorTest {

    static List<FieldError> errorsOf(JsonNode manifest) {
        RoostException e = invalid(() -> ManifestValidator.validate(manifest));
        return e.fieldErrors();
    }

    static RoostException invalid(ThrowingCallable call) {
        RoostException[] caught = new RoostException[1];
        assertThatThrownBy(call).isInstanceOfSatisfying(RoostException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MANIFEST_INVALID);
            caught[0] = e;
        });
        return caught[0];
    }

    static FieldError errorAt(JsonNode manifest, String pointer) {
        List<FieldError> errors = errorsOf(manifest);
        return errors.stream().filter(e -> e.pointer().equals(pointer)).findFirst()
                .orElseThrow(() -> new AssertionError("no error at " + pointer + " in " + errors));
    }

    @Nested
    class ValidManifests {
        @Test
        void theFullExampleIsValidAndTyped() {
            ValidatedManifest v = ManifestValidator.validate(ManifestFixtures.full());
            assertThat(v.name()).isEqualTo("support-bot");
            assertThat(v.workspace()).isEqualTo("acme");
            assertThat(v.environment()).isEqualTo(Environment.PROD);
            assertThat(v.labels()).containsEntry("team", "support");
            assertThat(v.image()).isEqualTo("ghcr.io/acme/bot:1.4.2");
            assertThat(v.cpuMillis()).hasValue(500);
            assertThat(v.memoryBytes()).hasValue(256L << 20);
            assertThat(v.replicas()).isEqualTo(1);
            assertThat(v.secretReferences()).containsExactly("hook-signing", "telegram-token", "tls-key");
            Spec spec = v.manifest().spec();
            assertThat(spec.secrets()).containsExactly(
                    new SecretMount(new dev.roost.core.secret.SecretReference("telegram-token"), new SecretMount.AsEnv("TELEGRAM_BOT_TOKEN")),
                    new SecretMount(new dev.roost.core.secret.SecretReference("tls-key"), new SecretMount.AsFile("/run/secrets/tls.key")));
            assertThat(spec.channels().webhook().orElseThrow().port()).contains(new PortRef.ByName("ui"));
            assertThat(spec.health().orElseThrow().probe()).isEqualTo(new Health.Http("/healthz", new PortRef.ByNumber(8080)));
            assertThat(spec.model().monthlyBudgetUsd()).contains(new BigDecimal("20"));
            assertThat(spec.runtime().env()).containsEntry("WORKERS", "4");
            assertThat(v.sha256()).hasSize(64).matches("[0-9a-f]{64}");
        }

        @Test
        void omittedSectionsGetTheirDefaults() {
            ValidatedManifest v = ManifestValidator.validate(ManifestFixtures.minimal());
            Spec spec = v.manifest().spec();
            assertThat(spec.runtime().kind()).as("absent: the server's configured runtime").isEmpty();
            assertThat(spec.runtime().imagePullPolicy()).isEqualTo(RuntimeSpec.PullPolicy.IF_NOT_PRESENT);
            assertThat(spec.runtime().replicas()).isEqualTo(1);
            assertThat(spec.network()).isEqualTo(Network.DEFAULT);
            assertThat(spec.skills()).isEqualTo(Skills.DEFAULT);
            assertThat(spec.lifecycle()).isEqualTo(Lifecycle.DEFAULT);
            assertThat(spec.observability()).isEqualTo(Observability.DEFAULT);
            assertThat(spec.model()).isEqualTo(ModelAccess.NONE);
            assertThat(spec.health()).isEmpty();
            assertThat(v.secretReferences()).isEmpty();
        }

        @Test
        void cpuMayBeANumberOfCoresAndMemoryAPlainByteCount() {
            ObjectNode m = set(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", 1.5), "/spec/runtime/memory", 1048576);
            ValidatedManifest v = ManifestValidator.validate(m);
            assertThat(v.cpuMillis()).hasValue(1500);
            assertThat(v.memoryBytes()).hasValue(1048576);
        }

        @Test
        void allowedModelsDefaultsToTheDefaultModel() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/model", yaml("{defaultModel: gpt-4o-mini}"));
            assertThat(ManifestValidator.validate(m).manifest().spec().model().allowedModels()).containsExactly("gpt-4o-mini");
        }
    }

    @Nested
    class SchemaErrors {
        @Test
        void aMissingRequiredPropertyPointsAtItsParentAndNamesIt() {
            FieldError error = errorAt(remove(ManifestFixtures.minimal(), "/spec/runtime/image"), "/spec/runtime");
            assertThat(error.message()).isEqualTo("missing required property 'image'");
        }

        @Test
        void anUnknownPropertyPointsAtItselfAndListsWhatIsAllowed() {
            FieldError error = errorAt(set(ManifestFixtures.minimal(), "/spec/runtime/imagePolicy", "Always"),
                    "/spec/runtime/imagePolicy");
            assertThat(error.message()).startsWith("unknown property").contains("imagePullPolicy");
        }

        @Test
        void aValueOfTheWrongTypePointsAtTheValue() {
            assertThat(errorAt(set(ManifestFixtures.minimal(), "/spec/runtime/replicas", "two"), "/spec/runtime/replicas").message())
                    .isEqualTo("must be a whole number");
            assertThat(errorAt(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", true), "/spec/runtime/cpu").message())
                    .isEqualTo("must be a string or a number");
        }

        @Test
        void enumsListTheirValues() {
            assertThat(errorAt(set(ManifestFixtures.minimal(), "/metadata/environment", "production"), "/metadata/environment")
                    .message()).isEqualTo("must be one of dev, staging, prod");
        }

        @Test
        void patternsExplainTheExpectedFormWithoutQuotingTheValue() {
            FieldError error = errorAt(set(ManifestFixtures.minimal(), "/metadata/name", "Support_Bot"), "/metadata/name");
            assertThat(error.message()).contains("lowercase letters, digits or '-'").doesNotContain("Support_Bot");
            FieldError memory = errorAt(set(ManifestFixtures.minimal(), "/spec/runtime/memory", "1 GB"), "/spec/runtime/memory");
            assertThat(memory.message()).contains("256Mi");
        }

        @Test
        void errorsInsideListsPointAtTheElement() {
            ObjectNode m = set(ManifestFixtures.full(), "/spec/network/ports/1/port", 70000);
            assertThat(errorAt(m, "/spec/network/ports/1/port").message()).isEqualTo("must be at most 65535");
        }

        @Test
        void aBadMapKeyPointsAtTheKey() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/runtime/env", yaml("{'9LIVES': x, 'a/b': y}"));
            List<FieldError> errors = errorsOf(m);
            assertThat(errors).extracting(FieldError::pointer).contains("/spec/runtime/env/9LIVES", "/spec/runtime/env/a~1b");
            assertThat(errors).allSatisfy(e -> assertThat(e.message()).startsWith("is not a valid key"));
        }

        @Test
        void channelCredentialsMustBeSecretReferences() {
            ObjectNode m = set(ManifestFixtures.full(), "/spec/channels/telegram/botToken", "123456789:plain-text-token");
            assertThat(errorAt(m, "/spec/channels/telegram/botToken").message()).contains("secret:NAME");
        }

        @Test
        void everyProblemIsReportedAtOnceSortedByPointer() {
            ObjectNode m = ManifestFixtures.full();
            set(m, "/apiVersion", "roost/v2");
            set(m, "/metadata/name", "UPPER");
            remove(m, "/metadata/environment");
            set(m, "/spec/runtime/replicas", 99);
            set(m, "/spec/network/ports/0/exposure", "OPEN");
            set(m, "/spec/unknown", 1);
            List<FieldError> errors = errorsOf(m);
            assertThat(errors).extracting(FieldError::pointer).containsExactly(
                    "/apiVersion", "/metadata", "/metadata/name", "/spec/network/ports/0/exposure", "/spec/runtime/replicas",
                    "/spec/unknown");
            assertThat(errors.get(0).message()).isEqualTo("must be 'roost/v1'");
        }

        @Test
        void theSummaryCountsProblemsAndShowsTheFirst() {
            ObjectNode m = set(set(ManifestFixtures.minimal(), "/spec/runtime/replicas", -1), "/metadata/name", "");
            RoostException e = invalid(() -> ManifestValidator.validate(m));
            assertThat(e.getMessage()).startsWith("The manifest is not valid: 2 problems. First: /metadata/name must be 1 to 63");
        }

        @Test
        void theRootMustBeAnObject() {
            assertThat(errorsOf(yaml("[1, 2]"))).containsExactly(new FieldError("", "must be an object"));
            assertThat(errorsOf(yaml("just text"))).containsExactly(new FieldError("", "must be an object"));
        }

        @Test
        void oversizedValuesAreReportedBeforeTheSchemaRuns() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/metadata/annotations/huge", "x".repeat(70_000));
            assertThat(errorAt(m, "/metadata/annotations/huge").message()).contains("longer than");
            ObjectNode nan = set(ManifestFixtures.minimal(), "/spec/runtime/cpu", Double.NaN);
            assertThat(errorAt(nan, "/spec/runtime/cpu").message()).contains("finite");
        }
    }

    @Nested
    class SemanticErrors {
        @Test
        void quantitiesTheSchemaAdmitsButResourceQuantityRefuses() {
            assertThat(errorAt(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", "1.5m"), "/spec/runtime/cpu").message())
                    .contains("whole numbers");
            assertThat(errorAt(set(ManifestFixtures.minimal(), "/spec/runtime/cpu", 0.0001), "/spec/runtime/cpu").message())
                    .contains("CPU must look like");
        }

        @Test
        void aSecretNeedsExactlyOneOfEnvAndFile() {
            ObjectNode both = set(ManifestFixtures.minimal(), "/spec/secrets", yaml("[{secretRef: a, env: A, file: /a}]"));
            assertThat(errorAt(both, "/spec/secrets/0").message()).contains("exactly one of env");
            ObjectNode neither = set(ManifestFixtures.minimal(), "/spec/secrets", yaml("[{secretRef: a}]"));
            assertThat(errorAt(neither, "/spec/secrets/0").message()).contains("exactly one of env");
        }

        @Test
        void anEnvironmentVariableIsSetInOnePlaceOnly() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/runtime/env", yaml("{TOKEN: 'secret:a'}"));
            set(m, "/spec/secrets", yaml("[{secretRef: b, env: TOKEN}, {secretRef: c, env: OTHER}, {secretRef: d, env: OTHER}]"));
            List<FieldError> errors = errorsOf(m);
            assertThat(errors).extracting(FieldError::pointer).containsExactly("/spec/secrets/0/env", "/spec/secrets/2/env");
        }

        @Test
        void secretFilesAndVolumesNeedCleanDistinctPaths() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/secrets",
                    yaml("[{secretRef: a, file: /run/../etc/shadow}, {secretRef: b, file: /x}, {secretRef: c, file: /x}]"));
            set(m, "/spec/volumes", yaml("[{name: data, mountPath: /data}, {name: data, mountPath: /data}, {name: root, mountPath: /}, "
                    + "{name: proc, mountPath: /proc/x}]"));
            List<FieldError> errors = errorsOf(m);
            assertThat(errors).extracting(FieldError::pointer).contains(
                    "/spec/secrets/0/file", "/spec/secrets/2/file", "/spec/volumes/1/name", "/spec/volumes/1/mountPath",
                    "/spec/volumes/2/mountPath", "/spec/volumes/3/mountPath");
        }

        @Test
        void egressAllowOnlyWithRestrictedAndRestrictedOnlyWithHosts() {
            ObjectNode allowWithoutRestricted = set(ManifestFixtures.minimal(), "/spec/network", yaml("{egressAllow: [api.example.com]}"));
            assertThat(errorAt(allowWithoutRestricted, "/spec/network/egressAllow").message()).contains("RESTRICTED");
            ObjectNode restrictedWithoutHosts = set(ManifestFixtures.minimal(), "/spec/network", yaml("{egress: RESTRICTED}"));
            assertThat(errorAt(restrictedWithoutHosts, "/spec/network/egress").message()).contains("egressAllow");
        }

        @Test
        void portsAreUniqueAndNamedPortReferencesMustExist() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/network/ports",
                    yaml("[{name: ui, port: 8080}, {name: ui, port: 8080}]"));
            set(m, "/spec/health", yaml("{http: {path: /healthz, port: api}}"));
            set(m, "/spec/observability", yaml("{metrics: {port: prom}}"));
            List<FieldError> errors = errorsOf(m);
            assertThat(errors).extracting(FieldError::pointer).containsExactly(
                    "/spec/health/http/port", "/spec/network/ports/1/name", "/spec/network/ports/1/port",
                    "/spec/observability/metrics/port");
        }

        @Test
        void aHealthPortMayBeAnyNumberEvenIfNotDeclared() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/health", yaml("{http: {path: /healthz, port: 9000}}"));
            assertThat(ManifestValidator.validate(m).manifest().spec().health()).isPresent();
        }

        @Test
        void healthNeedsExactlyOneProbe() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/health", yaml("{periodSeconds: 5}"));
            assertThat(errorAt(m, "/spec/health").message()).contains("exactly one of http");
        }

        @Test
        void webhookChannelsNeedInboundWebhooksAndAPort() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/channels",
                    yaml("{webhook: {path: /in, signingSecret: 'secret:s'}, telegram: {botToken: 'secret:t', mode: WEBHOOK}}"));
            assertThat(errorsOf(m)).extracting(FieldError::pointer)
                    .containsExactly("/spec/channels/telegram/mode", "/spec/channels/webhook");
            ObjectNode inboundWithoutPort = set(ManifestFixtures.minimal(), "/spec/network", yaml("{inbound: WEBHOOK}"));
            assertThat(errorAt(inboundWithoutPort, "/spec/network/inbound").message()).contains("port");
        }

        @Test
        void aPollingTelegramBotRunsAsOneReplica() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/channels", yaml("{telegram: {botToken: 'secret:t'}}"));
            set(m, "/spec/runtime/replicas", 2);
            assertThat(errorAt(m, "/spec/runtime/replicas").message()).contains("one replica");
        }

        @Test
        void slackNeedsSocketModeOrInboundEvents() {
            ObjectNode neither = set(ManifestFixtures.minimal(), "/spec/channels", yaml("{slack: {botToken: 'secret:b'}}"));
            assertThat(errorAt(neither, "/spec/channels/slack").message()).contains("appToken");
            ObjectNode events = set(ManifestFixtures.minimal(), "/spec/channels", yaml("{slack: {botToken: 'secret:b', signingSecret: 'secret:s'}}"));
            assertThat(errorAt(events, "/spec/channels/slack").message()).contains("inbound");
            ObjectNode socket = set(ManifestFixtures.minimal(), "/spec/channels", yaml("{slack: {botToken: 'secret:b', appToken: 'secret:a'}}"));
            assertThat(ManifestValidator.validate(socket).secretReferences()).containsExactly("a", "b");
        }

        @Test
        void malformedSecretReferencesInEnvAreRefused() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/runtime/env", yaml("{A: 'secret:', B: 'secret:Bad Name', C: 'secret:ok'}"));
            assertThat(errorsOf(m)).extracting(FieldError::pointer).containsExactly("/spec/runtime/env/A", "/spec/runtime/env/B");
        }

        @Test
        void modelsAndSkillsAreConsistent() {
            ObjectNode m = set(ManifestFixtures.minimal(), "/spec/model",
                    yaml("{defaultModel: gpt-4o, allowedModels: [claude-sonnet], monthlyBudgetUsd: 10.005}"));
            set(m, "/spec/skills", yaml("{mode: NONE, allowlist: [web-search]}"));
            assertThat(errorsOf(m)).extracting(FieldError::pointer)
                    .containsExactly("/spec/model/defaultModel", "/spec/model/monthlyBudgetUsd", "/spec/skills/allowlist");
        }
    }

    @Test
    void anyNonRoostFailureInsideIsStillAClientError() {
        // A tree with a value kind no parser produces: still a clean MANIFEST_INVALID.
        ObjectNode m = ManifestFixtures.minimal();
        m.putPOJO("pojo", Map.of("a", 1));
        assertThat(errorsOf(m)).extracting(FieldError::pointer).containsExactly("/pojo");
    }
}
