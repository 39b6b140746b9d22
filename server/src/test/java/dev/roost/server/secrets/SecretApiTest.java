package dev.roost.server.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.workspace.Role;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SecretApiTest {
    private static final String BASE = "/api/v1/workspaces/acme/secrets/";
    private static TestRoost roost;
    private static ApiClient operator;
    private static ApiClient admin;
    private static ApiClient viewer;
    /** Every answer of a test, checked afterwards for the values it handled. */
    private final List<Response> answers = new ArrayList<>();
    private final List<String> values = new ArrayList<>();

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        roost.createWorkspace("acme", "business");
        operator = roost.member("acme", "olga", Role.OPERATOR);
        admin = roost.member("acme", "adam", Role.ADMIN);
        viewer = roost.member("acme", "vera", Role.VIEWER);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    @AfterEach
    void noAnswerCarriedAValue() {
        for (Response r : answers) {
            for (String value : values) {
                assertThat(r.body()).as("an answer").doesNotContain(value);
            }
        }
    }

    private Response seen(Response r) {
        answers.add(r);
        return r;
    }

    private String value(String v) {
        values.add(v);
        return v;
    }

    private Response putJson(ApiClient client, String name, String value) {
        return seen(client.put(BASE + name, Map.of("value", value)));
    }

    private Response putRaw(String name, byte[] value, String type) {
        return seen(operator.send("PUT", BASE + name, value, type, Map.of()));
    }

    private Response verify(String name, byte[] value, String type) {
        return seen(operator.send("POST", BASE + name + "/verify", value, type, Map.of()));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String manifest(String name, String extraSpec) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: %s, workspace: acme, environment: prod}
                spec:
                  runtime:
                    image: registry.example/bot:1.0.0
                    cpu: 250m
                    memory: 128Mi
                %s""".formatted(name, extraSpec);
    }

    private Response apply(String name, String yaml) {
        return seen(operator.putText("/api/v1/workspaces/acme/instances/" + name, yaml, "application/yaml"));
    }

    private static JsonNode audit(String resourceId) {
        return roost.admin().get("/api/v1/workspaces/acme/audit?resourceType=secret&resourceId=" + resourceId).json().get("items");
    }

    @Test
    void createUpdateAndReadMetadataButNeverTheValue() {
        String first = value("first-bot-token-8d1c");
        Response created = putJson(operator, "bot-token", first);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header("Location")).contains(BASE + "bot-token");
        JsonNode secret = created.json().get("secret");
        assertThat(created.json().get("outcome").asString()).isEqualTo("CREATED");
        assertThat(secret.get("name").asString()).isEqualTo("bot-token");
        assertThat(secret.get("version").asInt()).isEqualTo(1);
        assertThat(secret.get("size").asInt()).isEqualTo(first.length());
        assertThat(secret.get("createdBy").asString()).isEqualTo("olga");
        assertThat(secret.get("usedBy").size()).isZero();
        assertThat(secret.has("value")).isFalse();
        assertThat(secret.has("fingerprint")).isFalse();

        Response same = putJson(operator, "bot-token", first);
        assertThat(same.status()).isEqualTo(200);
        assertThat(same.json().get("outcome").asString()).isEqualTo("UNCHANGED");
        assertThat(same.json().get("secret").get("version").asInt()).isEqualTo(1);

        String second = value("second-bot-token-with-more-characters");
        Response updated = putJson(admin, "bot-token", second);
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().get("outcome").asString()).isEqualTo("UPDATED");
        JsonNode v2 = updated.json().get("secret");
        assertThat(v2.get("version").asInt()).isEqualTo(2);
        assertThat(v2.get("size").asInt()).isEqualTo(second.length());
        assertThat(v2.get("createdBy").asString()).isEqualTo("olga");
        assertThat(v2.get("updatedBy").asString()).isEqualTo("adam");

        Response one = seen(viewer.get(BASE + "bot-token"));
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("version").asInt()).isEqualTo(2);
        Response list = seen(viewer.get("/api/v1/workspaces/acme/secrets"));
        assertThat(list.json().valueStream().map(s -> s.get("name").asString()).toList()).contains("bot-token");
        assertThat(seen(viewer.get(BASE + "nope")).status()).isEqualTo(404);
        assertThat(seen(viewer.get(BASE + "Not%20A%20Name")).status()).isEqualTo(404);

        // One audit entry per real change, each with the name, version and fingerprint only.
        JsonNode entries = audit("bot-token");
        assertThat(entries.valueStream().map(e -> e.get("action").asString()).toList())
                .containsExactly("secret.update", "secret.create");
        for (JsonNode entry : entries) {
            assertThat(entry.get("details").propertyNames()).containsExactlyInAnyOrder("name", "version", "fingerprint");
            assertThat(entry.get("details").get("fingerprint").asString()).matches("[0-9a-f]{64}");
        }
        assertThat(entries.get(0).get("details").get("fingerprint").asString())
                .isNotEqualTo(entries.get(1).get("details").get("fingerprint").asString());
        answers.add(roost.admin().get("/api/v1/workspaces/acme/audit"));
    }

    @Test
    void rawValuesKeepEveryByteIncludingNulAndBinary() {
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        Response created = putRaw("tls-key", binary, "application/octet-stream");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("secret").get("size").asInt()).isEqualTo(256);
        assertThat(verify("tls-key", binary, "application/octet-stream").json().get("matches").asBoolean()).isTrue();
        byte[] changed = binary.clone();
        changed[0] = 1;
        assertThat(verify("tls-key", changed, "application/octet-stream").json().get("matches").asBoolean()).isFalse();
        assertThat(verify("tls-key", Arrays.copyOf(binary, 255), "application/octet-stream").json().get("matches").asBoolean())
                .isFalse();

        // The same text given raw or in JSON is the same value, NUL included.
        String withNul = value("before\u0000after-nul-7a");
        assertThat(putRaw("with-nul", utf8(withNul), "text/plain; charset=utf-8").status()).isEqualTo(201);
        Response viaJson = verify("with-nul", utf8("{\"value\":\"before\\u0000after-nul-7a\"}"), "application/json");
        assertThat(viaJson.json().get("matches").asBoolean()).as(viaJson.body()).isTrue();
        assertThat(verify("with-nul", utf8("before"), "text/plain").json().get("matches").asBoolean()).isFalse();
        assertThat(putJson(operator, "with-nul", withNul).json().get("outcome").asString()).isEqualTo("UNCHANGED");
        // A trailing newline is part of the value: nothing is trimmed.
        assertThat(verify("with-nul", utf8(withNul + "\n"), "text/plain").json().get("matches").asBoolean()).isFalse();
    }

    @Test
    void valuesAreOneByteTo64KiB() {
        byte[] largest = new byte[64 * 1024];
        Arrays.fill(largest, (byte) 'k');
        assertThat(putRaw("largest", largest, "application/octet-stream").status()).isEqualTo(201);

        byte[] tooLarge = new byte[64 * 1024 + 1];
        Arrays.fill(tooLarge, (byte) 'k');
        Response refused = putRaw("too-large", tooLarge, "application/octet-stream");
        assertThat(refused.status()).isEqualTo(413);
        assertThat(refused.code()).isEqualTo("BODY_TOO_LARGE");
        assertThat(refused.json().get("detail").asString()).contains("at most 64 KiB");
        Response asJson = putJson(operator, "too-large", "k".repeat(64 * 1024 + 1));
        assertThat(asJson.code()).isEqualTo("BODY_TOO_LARGE");
        assertThat(asJson.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/value");
        assertThat(seen(viewer.get(BASE + "too-large")).status()).isEqualTo(404);

        Response empty = putRaw("empty", new byte[0], "application/octet-stream");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.code()).isEqualTo("VALIDATION_FAILED");
        Response emptyJson = putJson(operator, "empty", "");
        assertThat(emptyJson.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/value");
        assertThat(seen(viewer.get(BASE + "empty")).status()).isEqualTo(404);
    }

    @Test
    void badRequestsAreRefusedWithoutQuotingTheBody() {
        String canary = value("sk-canary-in-a-bad-request-0c9e");
        Response malformed = putRaw("bad", utf8("{\"value\": \"" + canary), "application/json");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.code()).isEqualTo("MALFORMED_BODY");
        Response unquoted = putRaw("bad", utf8("{\"value\": " + canary + "}"), "application/json");
        assertThat(unquoted.code()).isEqualTo("MALFORMED_BODY");
        Response wrongField = putRaw("bad", utf8("{\"" + canary + "\": \"x\"}"), "application/json");
        assertThat(wrongField.code()).isEqualTo("VALIDATION_FAILED");
        Response notAString = putRaw("bad", utf8("{\"value\": {\"nested\": \"" + canary + "\"}}"), "application/json");
        assertThat(notAString.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/value");
        Response form = putRaw("bad", utf8("value=" + canary), "application/x-www-form-urlencoded");
        assertThat(form.status()).isEqualTo(415);
        Response noType = putRaw("bad", utf8(canary), null);
        assertThat(noType.status()).isEqualTo(415);
        Response badName = putJson(operator, "Bad_Name", canary);
        assertThat(badName.status()).isEqualTo(400);
        assertThat(badName.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/path/name");
        assertThat(putJson(operator, "x".repeat(64), canary).status()).isEqualTo(400);
        assertThat(seen(viewer.get(BASE + "bad")).status()).isEqualTo(404);
        assertThat(verify("nope", utf8(canary), "text/plain").status()).isEqualTo(404);
    }

    @Test
    void verifyIsRecordedAndIgnoresIdempotencyKeys() {
        String known = value("known-value-3e55");
        putJson(operator, "known", known);
        Response right = seen(operator.post(BASE + "known/verify", Map.of("value", known), Map.of("Idempotency-Key", "v-1")));
        assertThat(right.status()).isEqualTo(200);
        assertThat(right.json().get("matches").asBoolean()).isTrue();
        assertThat(right.json().get("version").asInt()).isEqualTo(1);
        assertThat(right.header("Idempotent-Replayed")).isEmpty();
        Response wrong = seen(operator.post(BASE + "known/verify", Map.of("value", "guess"), Map.of("Idempotency-Key", "v-1")));
        assertThat(wrong.status()).as("the key is ignored, so no IDEMPOTENCY_KEY_REUSED").isEqualTo(200);
        assertThat(wrong.json().get("matches").asBoolean()).isFalse();
        long stored = roost.server().database().read(s -> s.handle()
                .createQuery("SELECT count(*) FROM idempotency_keys WHERE key = 'v-1'").mapTo(Long.class).one());
        assertThat(stored).as("no hash of a candidate value is kept").isZero();

        JsonNode entries = audit("known");
        assertThat(entries.valueStream().map(e -> e.get("action").asString()).toList())
                .containsExactly("secret.verify", "secret.verify", "secret.create");
        assertThat(entries.get(0).get("details").get("matches").asBoolean()).isFalse();
        assertThat(entries.get(1).get("details").get("matches").asBoolean()).isTrue();
    }

    @Test
    void aSecretInUseCannotBeDeleted() {
        putJson(operator, "hook-signing", value("hook-signing-value-99"));
        putJson(operator, "spare", value("spare-value-12"));
        String yaml = manifest("hooked", """
                    env: {SIGNING: "secret:hook-signing"}
                  secrets:
                    - {secretRef: hook-signing, file: /run/secrets/signing}
                """);
        assertThat(apply("hooked", yaml).status()).isEqualTo(201);
        assertThat(apply("hooked-too", yaml.replace("name: hooked", "name: hooked-too")).status()).isEqualTo(201);

        JsonNode metadata = seen(viewer.get(BASE + "hook-signing")).json();
        assertThat(metadata.get("usedBy").valueStream().map(JsonNode::asString).toList()).containsExactly("hooked", "hooked-too");
        Response refused = seen(admin.delete(BASE + "hook-signing"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("CONFLICT");
        assertThat(refused.json().get("detail").asString()).contains("hooked, hooked-too");
        assertThat(refused.json().get("usedBy").size()).isEqualTo(2);
        assertThat(seen(operator.delete(BASE + "spare")).status()).as("deleting needs an admin").isEqualTo(403);

        assertThat(seen(admin.delete("/api/v1/workspaces/acme/instances/hooked")).status()).isEqualTo(200);
        assertThat(apply("hooked-too", manifest("hooked-too", "")).status()).as("no longer referenced").isEqualTo(200);
        Response deleted = seen(admin.delete(BASE + "hook-signing"));
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(deleted.json().get("version").asInt()).isEqualTo(1);
        assertThat(seen(viewer.get(BASE + "hook-signing")).status()).isEqualTo(404);
        assertThat(seen(admin.delete(BASE + "hook-signing")).status()).isEqualTo(404);
        assertThat(audit("hook-signing").get(0).get("action").asString()).isEqualTo("secret.delete");
    }

    @Test
    void aManifestReferencingMissingSecretsIsInvalidWithOneErrorPerSecret() {
        String yaml = manifest("chatty", """
                    env: {TELEGRAM_BOT_TOKEN: "secret:tg-token", OTHER: "secret:tg-other", LOG_LEVEL: info}
                  channels:
                    telegram: {botToken: "secret:tg-token"}
                  network: {egress: RESTRICTED, egressAllow: [api.telegram.org]}
                """);
        Response refused = apply("chatty", yaml);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.code()).isEqualTo("MANIFEST_INVALID");
        assertThat(refused.json().get("detail").asString())
                .isEqualTo("2 secrets the manifest references do not exist in workspace acme: tg-other, tg-token. "
                        + "Create each with: roost secret set NAME; see errors.");
        JsonNode errors = refused.json().get("errors");
        assertThat(errors.size()).isEqualTo(2);
        assertThat(errors.get(0).get("pointer").asString()).isEqualTo("/spec/runtime/env/OTHER");
        assertThat(errors.get(0).get("detail").asString())
                .isEqualTo("secret \"tg-other\" does not exist in workspace acme; create it with: roost secret set tg-other");
        assertThat(errors.get(1).get("pointer").asString()).isEqualTo("/spec/channels/telegram/botToken");
        assertThat(errors.get(1).get("detail").asString()).isEqualTo("secret \"tg-token\" does not exist in workspace acme; "
                + "create it with: roost secret set tg-token (also referenced at /spec/runtime/env/TELEGRAM_BOT_TOKEN)");

        Response dryRun = seen(operator.putText("/api/v1/workspaces/acme/instances/chatty?dryRun=true", yaml, "application/yaml"));
        assertThat(dryRun.code()).isEqualTo("MANIFEST_INVALID");
        assertThat(dryRun.json().get("errors").size()).isEqualTo(2);

        putJson(operator, "tg-token", value("123456789:tg-token-value-abcdefghijklmnopqrstuvwx"));
        Response one = apply("chatty", yaml);
        assertThat(one.json().get("detail").asString()).isEqualTo(
                "Secret \"tg-other\" does not exist in workspace acme; create it with: roost secret set tg-other.");
        assertThat(seen(viewer.get("/api/v1/workspaces/acme/instances/chatty")).status()).isEqualTo(404);

        putJson(operator, "tg-other", value("tg-other-value-77"));
        assertThat(apply("chatty", yaml).status()).isEqualTo(201);
    }

    @Test
    void aTemplateNeedsItsSecretsToo() {
        Response refused = seen(operator.post("/api/v1/workspaces/acme/instances", Map.of("name", "slacker", "template",
                "slack-bot", "environment", "dev", "parameters", Map.of("image", "registry.example/slack:1.0.0"))));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.code()).isEqualTo("MANIFEST_INVALID");
        assertThat(refused.json().get("errors").valueStream().map(e -> e.get("detail").asString()).toList())
                .allSatisfy(d -> assertThat(d).contains("roost secret set"))
                .anySatisfy(d -> assertThat(d).contains("\"slack-bot-token\""));
    }

    @Test
    void deletingAWorkspaceRemovesItsSecrets() {
        ApiClient server = roost.admin();
        roost.createWorkspace("short-lived", "starter");
        Response created = seen(server.put("/api/v1/workspaces/short-lived/secrets/token", Map.of("value", value("short-lived-1"))));
        assertThat(created.status()).isEqualTo(201);
        assertThat(seen(server.delete("/api/v1/workspaces/short-lived")).status()).isEqualTo(204);

        long rows = roost.server().database().read(s -> s.handle().createQuery(
                "SELECT count(*) FROM secrets s WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = s.workspace_id)")
                .mapTo(Long.class).one());
        assertThat(rows).isZero();
        JsonNode entry = server.get("/api/v1/audit?action=workspace.delete&resourceId=short-lived").json().get("items").get(0);
        assertThat(entry.get("details").get("secretsRemoved").asInt()).isEqualTo(1);
        roost.createWorkspace("short-lived", "starter");
        assertThat(seen(server.get("/api/v1/workspaces/short-lived/secrets")).json().size())
                .as("a new workspace of the same name starts without secrets").isZero();
    }
}
