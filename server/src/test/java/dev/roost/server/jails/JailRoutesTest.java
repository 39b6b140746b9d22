package dev.roost.server.jails;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.server.http.Json;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The node's jail routes with real PostgreSQL: bad reports are refused with the field at fault,
 * a node sees and reports only its own jails and answers only its own calls, and what the
 * server hands a node never holds a secret value unless the node has a jail to make.
 */
class JailRoutesTest {
    private static final String SYNC = "/api/v1/nodes/self/jails/sync";
    private static TestRoost roost;
    private static ApiClient nodeA;
    private static ApiClient nodeB;
    private static UUID idA;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        JsonNode a = roost.joinNodeCredentials("jail-route-a");
        idA = UUID.fromString(a.get("nodeId").asString());
        nodeA = new ApiClient(roost.url(), a.get("nodeToken").asString());
        nodeB = roost.joinNode("jail-route-b");
    }

    @AfterAll
    static void stop() {
        if (roost != null) {
            roost.close();
        }
    }

    private static WorkloadSpec spec(UUID instance) {
        return new WorkloadSpec(instance, "acme", "bot", 1, "roost-test/busybox:1", RuntimeSpec.PullPolicy.IF_NOT_PRESENT, List.of(),
                new TreeMap<>(), new TreeMap<>(Map.of("TOKEN", "api-token")), new TreeMap<>(), OptionalLong.empty(),
                OptionalLong.of(64L << 20), WorkloadSpec.DEFAULT_PIDS_LIMIT, 1, List.of(), Network.DEFAULT, Optional.empty(),
                Optional.of(RuntimeSpec.Kind.SANDBOX));
    }

    /** A jail row on node A, as NodeRuntime writes it. */
    private static String jailOnA() {
        WorkloadSpec spec = spec(UUID.randomUUID());
        String id = NodeRuntime.containerId(idA, spec, 0);
        roost.server().database().transaction(s -> {
            s.nodeJails().insert(id, idA, spec.instanceId(), 0, spec.specHash(), Json.encodeToString(JailDocuments.JailSpec.of(spec)),
                    Instant.now());
            return null;
        });
        return id;
    }

    private static Map<String, Object> report(String containerId, String state) {
        return Map.of("usable", true, "detail", "test", "images", List.of("roost-test/busybox:1"), "waitMillis", 0,
                "jails", List.of(Map.of("containerId", containerId, "appliedGeneration", 1,
                        "observed", Map.of("state", state, "oomKilled", false, "restartCount", 0, "drift", List.of()))));
    }

    @Test
    void secret_values_go_to_the_node_only_while_it_has_the_jail_to_make() {
        roost.createWorkspace("acme", "business");
        ApiClient operator = roost.member("acme", "olga", dev.roost.core.workspace.Role.OPERATOR);
        String value = "value-" + UUID.randomUUID();
        assertThat(operator.put("/api/v1/workspaces/acme/secrets/api-token", Map.of("value", value)).status()).isIn(200, 201);
        String id = jailOnA();
        String encoded = java.util.Base64.getEncoder().encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));

        // Not made yet: the server resolves the value from the workspace's store for the node.
        assertThat(assignmentOf(nodeA.post(SYNC, Map.of("waitMillis", 0)).json(), id).path("secrets").path("api-token").asString())
                .isEqualTo(encoded);
        // Made and applied: no value any more.
        assertThat(nodeA.post(SYNC, report(id, "RUNNING")).status()).isEqualTo(200);
        JsonNode after = nodeA.post(SYNC, Map.of("waitMillis", 0)).json();
        assertThat(assignmentOf(after, id).path("secrets").isMissingNode() || assignmentOf(after, id).path("secrets").isNull()).isTrue();
        assertThat(assignmentOf(after, id).toString()).doesNotContain(encoded);
        // The spec the server stores names the secret, never its value.
        assertThat(roost.server().database().read(s -> s.nodeJails().find(id)).orElseThrow().specJson()).contains("api-token")
                .doesNotContain(value).doesNotContain(encoded);
    }

    private static JsonNode assignmentOf(JsonNode answer, String id) {
        for (JsonNode j : answer.get("jails")) {
            if (j.get("containerId").asString().equals(id)) {
                return j;
            }
        }
        throw new AssertionError("no assignment " + id + " in " + answer);
    }

    @Test
    void bad_reports_are_refused_with_the_field_at_fault() {
        var wait = nodeA.post(SYNC, Map.of("waitMillis", 60_000));
        assertThat(wait.status()).isEqualTo(400);
        assertThat(wait.body()).contains("/waitMillis");

        var state = nodeA.post(SYNC, report(jailOnA(), "SLEEPING"));
        assertThat(state.status()).isEqualTo(400);
        assertThat(state.body()).contains("/jails/0/observed/state");

        var lines = nodeA.post(SYNC, Map.of("logs", List.of(Map.of("containerId", "x", "lines", List.of(Map.of("stream", "STDOUT"))))));
        assertThat(lines.status()).isEqualTo(400);
        assertThat(lines.body()).contains("/logs/0/lines/0");

        var garbage = nodeA.send("POST", SYNC, "{\"jails\": 7".getBytes(), "application/json", Map.of());
        assertThat(garbage.status()).isEqualTo(400);
    }

    @Test
    void a_node_sees_reports_and_answers_only_what_is_its_own() {
        String id = jailOnA();

        JsonNode forA = nodeA.post(SYNC, Map.of("waitMillis", 0)).json();
        JsonNode assignment = null;
        for (JsonNode j : forA.get("jails")) {
            if (j.get("containerId").asString().equals(id)) {
                assignment = j;
            }
        }
        assertThat(assignment).isNotNull();
        assertThat(assignment.get("localId").asString()).startsWith("sbx-").endsWith("-v1-r0");
        assertThat(assignment.get("desired").asString()).isEqualTo("RUNNING");
        // The secret does not exist in the workspace (nor does the workspace): nothing is sent, the node reports the refusal.
        assertThat(assignment.path("secrets").size()).isZero();
        JsonNode forB = nodeB.post(SYNC, Map.of("waitMillis", 0)).json();
        assertThat(forB.get("jails").toString()).doesNotContain(id);

        // B reporting A's jail changes nothing.
        assertThat(nodeB.post(SYNC, report(id, "EXITED")).status()).isEqualTo(200);
        assertThat(roost.server().database().read(s -> s.nodeJails().find(id)).orElseThrow().observedState()).isNull();
        assertThat(nodeA.post(SYNC, report(id, "RUNNING")).status()).isEqualTo(200);
        assertThat(roost.server().database().read(s -> s.nodeJails().find(id)).orElseThrow().observedState()).isEqualTo("RUNNING");

        // A call for A: B cannot answer it, A can, once.
        UUID call = UUID.randomUUID();
        roost.server().database().transaction(s -> {
            s.nodeJails().insertCall(call, idA, "PROBE", "{\"id\":\"" + call + "\",\"kind\":\"PROBE\"}", Instant.now(),
                    Instant.now().plusSeconds(60));
            return null;
        });
        assertThat(nodeB.post("/api/v1/nodes/self/jails/calls/" + call, Map.of("healthy", true, "detail", "HTTP 200")).status())
                .isEqualTo(404);
        assertThat(nodeA.post("/api/v1/nodes/self/jails/calls/not-a-uuid", Map.of("healthy", true)).status()).isEqualTo(404);
        var answered = nodeA.post("/api/v1/nodes/self/jails/calls/" + call, Map.of("healthy", true, "detail", "HTTP 200"));
        assertThat(answered.status()).isEqualTo(200);
        assertThat(answered.json().get("recorded").asBoolean()).isTrue();
        assertThat(nodeA.post("/api/v1/nodes/self/jails/calls/" + call, Map.of("healthy", false, "detail", "late")).json()
                .get("recorded").asBoolean()).isFalse();
        assertThat(roost.server().database().read(s -> s.nodeJails().findCall(call)).orElseThrow().answerJson()).contains("HTTP 200");

        // The admin view of the node lists the jail, without secret values.
        JsonNode listed = roost.admin().get("/api/v1/nodes/" + idA + "/instances").json();
        assertThat(listed.toString()).contains(id).contains("RUNNING");
        assertThat(roost.admin().get("/api/v1/nodes/" + UUID.randomUUID() + "/instances").status()).isEqualTo(404);
    }
}
