package dev.roost.server.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.node.Node;
import dev.roost.core.node.NodeState;
import dev.roost.server.config.NodeSettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.MutableClock;
import dev.roost.server.testing.TestRoost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class NodeApiTest {
    private static final MutableClock clock = new MutableClock();
    private static TestRoost roost;
    /** The watcher's own thread looks only once an hour here, so the test's passes are the ones that count. */
    private static final NodeSettings SETTINGS = new NodeSettings(Duration.ofMinutes(10), Duration.ofDays(30),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofHours(1));

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withNodes(SETTINGS), clock);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static final Map<String, Object> CAPABILITIES = Map.of("cpus", 8, "memoryBytes", 16L << 30, "diskBytes", 100L << 30,
            "os", "linux", "arch", "amd64", "sandboxes", List.of(Map.of("kind", "bubblewrap", "version", "0.9.0")),
            "docker", false, "labels", Map.of("zone", "eu-1"));

    private static String createToken(Map<String, Object> request) {
        Response r = roost.admin().post("/api/v1/nodes/tokens", request);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("token").asString();
    }

    private static Response join(String token, String name) {
        return roost.anonymous().post("/api/v1/nodes/join", Map.of("token", token, "name", name, "capabilities", CAPABILITIES));
    }

    private static ApiClient node(Response joined) {
        return roost.anonymous().withToken(joined.json().get("nodeToken").asString());
    }

    private static JsonNode describe(String id) {
        Response r = roost.admin().get("/api/v1/nodes/" + id);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    @Test
    void joinTokensAreShownOnceListedWithoutValuesAndRevocable() {
        ApiClient admin = roost.admin();
        Response created = admin.post("/api/v1/nodes/tokens", Map.of("ttl", "1h", "uses", 3));
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().get("token").asString();
        String id = created.json().get("id").asString();
        assertThat(token).startsWith("roost_join_");
        assertThat(created.json().get("maxUses").asInt()).isEqualTo(3);

        Response list = admin.get("/api/v1/nodes/tokens");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).contains(id).doesNotContain(token);
        assertThat(list.body()).contains(token.substring(0, 16));

        assertThat(admin.delete("/api/v1/nodes/tokens/" + id).status()).isEqualTo(204);
        JsonNode revoked = findById(admin.get("/api/v1/nodes/tokens").json(), id);
        assertThat(revoked.get("active").asBoolean()).isFalse();
        assertThat(revoked.has("revokedAt")).isTrue();

        Response refused = join(token, "after-revoke");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.code()).isEqualTo("JOIN_TOKEN_INVALID");
        assertThat(refused.json().get("detail").asString()).contains("revoked");

        assertThat(admin.post("/api/v1/nodes/tokens", Map.of("ttl", "forever")).code()).isEqualTo("VALIDATION_FAILED");
        assertThat(admin.post("/api/v1/nodes/tokens", Map.of("ttl", "90d")).code()).isEqualTo("VALIDATION_FAILED");
        assertThat(admin.post("/api/v1/nodes/tokens", Map.of("uses", 0)).code()).isEqualTo("VALIDATION_FAILED");
        assertThat(admin.delete("/api/v1/nodes/tokens/" + java.util.UUID.randomUUID()).status()).isEqualTo(404);
    }

    @Test
    void expiredAndUsedUpJoinTokensAreRefused() {
        String once = createToken(Map.of("ttl", "1h", "uses", 1));
        assertThat(join(once, "used-once").status()).isEqualTo(201);
        Response usedUp = join(once, "used-twice");
        assertThat(usedUp.status()).isEqualTo(401);
        assertThat(usedUp.code()).isEqualTo("JOIN_TOKEN_INVALID");
        assertThat(usedUp.json().get("detail").asString()).contains("used up");

        String shortLived = createToken(Map.of("ttl", "5m"));
        clock.advance(Duration.ofMinutes(6));
        Response expired = join(shortLived, "too-late");
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.code()).isEqualTo("JOIN_TOKEN_INVALID");
        assertThat(expired.json().get("detail").asString()).contains("expired");

        Response unknown = join("roost_join_not-a-real-token", "unknown");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.code()).isEqualTo("JOIN_TOKEN_INVALID");
    }

    @Test
    void joiningGivesANodeIdentityAndAWorkingNodeToken() {
        String token = createToken(Map.of("ttl", "1h"));
        Response joined = join(token, "worker-a");
        assertThat(joined.status()).as(joined.body()).isEqualTo(201);
        JsonNode body = joined.json();
        assertThat(body.get("nodeToken").asString()).isNotBlank();
        assertThat(body.get("refreshCredential").asString()).startsWith("roost_node_");
        assertThat(body.get("expiresIn").asLong()).isEqualTo(600);

        Response beat = node(joined).post("/api/v1/nodes/self/heartbeat", Map.of("load", Map.of("loadAverage", 0.5,
                "freeMemoryBytes", 1L << 30, "runningJobs", 0)));
        assertThat(beat.status()).as(beat.body()).isEqualTo(200);
        assertThat(beat.json().get("state").asString()).isEqualTo("READY");
        assertThat(beat.json().get("configVersion").asLong()).isEqualTo(1);
        assertThat(beat.json().get("config").get("concurrency").asInt()).isEqualTo(2);

        JsonNode described = describe(body.get("nodeId").asString());
        assertThat(described.get("name").asString()).isEqualTo("worker-a");
        assertThat(described.get("capabilities").get("sandboxes").get(0).get("kind").asString()).isEqualTo("bubblewrap");
        assertThat(described.get("capabilities").get("labels").get("zone").asString()).isEqualTo("eu-1");
        assertThat(described.get("load").get("freeMemoryBytes").asLong()).isEqualTo(1L << 30);

        Response list = roost.admin().get("/api/v1/nodes");
        assertThat(list.body()).contains("worker-a").doesNotContain(body.get("refreshCredential").asString())
                .doesNotContain(body.get("nodeToken").asString());
        Response audit = roost.admin().get("/api/v1/audit?action=node.&limit=500");
        assertThat(audit.body()).contains("node.join").doesNotContain(token)
                .doesNotContain(body.get("refreshCredential").asString());

        Response taken = join(token, "worker-a");
        assertThat(taken.status()).isEqualTo(409);
        Response badName = join(token, "Not A Name!");
        assertThat(badName.status()).isEqualTo(400);
    }

    @Test
    void nodeTokensExpireAndRenewWithRotatingCredentialsWhoseReuseRevokesTheNode() {
        Response joined = join(createToken(Map.of("ttl", "1h")), "worker-renew");
        String firstCredential = joined.json().get("refreshCredential").asString();

        clock.advance(Duration.ofMinutes(11));
        Response late = node(joined).post("/api/v1/nodes/self/heartbeat", Map.of());
        assertThat(late.status()).isEqualTo(401);
        assertThat(late.code()).isEqualTo("TOKEN_EXPIRED");

        Response renewed = roost.anonymous().post("/api/v1/nodes/renew", Map.of("refreshCredential", firstCredential));
        assertThat(renewed.status()).as(renewed.body()).isEqualTo(200);
        String secondCredential = renewed.json().get("refreshCredential").asString();
        assertThat(secondCredential).isNotEqualTo(firstCredential);
        assertThat(node(renewed).post("/api/v1/nodes/self/heartbeat", Map.of()).status()).isEqualTo(200);

        Response reused = roost.anonymous().post("/api/v1/nodes/renew", Map.of("refreshCredential", firstCredential));
        assertThat(reused.status()).isEqualTo(401);
        assertThat(reused.code()).isEqualTo("REFRESH_TOKEN_REUSED");
        Response afterReuse = roost.anonymous().post("/api/v1/nodes/renew", Map.of("refreshCredential", secondCredential));
        assertThat(afterReuse.status()).isEqualTo(401);
        assertThat(afterReuse.code()).isEqualTo("TOKEN_INVALID");
        assertThat(roost.admin().get("/api/v1/audit?action=node.&limit=500").body()).contains("node.credential-reused");
    }

    @Test
    void nodeTokensWorkOnNodeRoutesOnlyAndUserTokensNeverThere() {
        Response joined = join(createToken(Map.of("ttl", "1h")), "worker-split");
        ApiClient node = node(joined);
        for (String path : List.of("/api/v1/auth/me", "/api/v1/nodes", "/api/v1/workspaces", "/api/v1/tokens")) {
            Response r = node.get(path);
            assertThat(r.status()).as(path).isEqualTo(403);
        }
        Response admin = roost.admin().post("/api/v1/nodes/self/heartbeat", Map.of());
        assertThat(admin.status()).isEqualTo(403);
        assertThat(admin.json().get("detail").asString()).contains("nodes");
        Response forged = roost.anonymous().withToken(roost.admin().token()).post("/api/v1/nodes/self/heartbeat", Map.of());
        assertThat(forged.status()).isEqualTo(403);
    }

    @Test
    void heartbeatsCarryCapabilityChangesAndAcknowledgeConfigVersions() {
        Response joined = join(createToken(Map.of("ttl", "1h")), "worker-config");
        String id = joined.json().get("nodeId").asString();
        ApiClient node = node(joined);

        Response put = roost.admin().put("/api/v1/nodes/" + id + "/config", Map.of("concurrency", 8,
                "sandbox", Map.of("timeoutSeconds", 300, "memoryBytes", 256L << 20), "egressAllow", List.of("api.example.com")));
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(put.json().get("configVersion").asLong()).isEqualTo(2);
        assertThat(roost.admin().put("/api/v1/nodes/" + id + "/config", Map.of("concurrency", -1)).status()).isEqualTo(400);

        Response beat = node.post("/api/v1/nodes/self/heartbeat", Map.of("appliedConfigVersion", 1));
        assertThat(beat.json().get("configVersion").asLong()).isEqualTo(2);
        assertThat(beat.json().get("config").get("concurrency").asInt()).isEqualTo(8);
        assertThat(beat.json().get("config").get("egressAllow").get(0).asString()).isEqualTo("api.example.com");

        Map<String, Object> changed = new java.util.HashMap<>(CAPABILITIES);
        changed.put("cpus", 16);
        changed.put("docker", true);
        Response ack = node.post("/api/v1/nodes/self/heartbeat", Map.of("appliedConfigVersion", 2, "capabilities", changed));
        assertThat(ack.status()).as(ack.body()).isEqualTo(200);
        JsonNode described = describe(id);
        assertThat(described.get("appliedConfigVersion").asLong()).isEqualTo(2);
        assertThat(described.get("capabilities").get("cpus").asInt()).isEqualTo(16);
        assertThat(described.get("capabilities").get("docker").asBoolean()).isTrue();

        Response future = node.post("/api/v1/nodes/self/heartbeat", Map.of("appliedConfigVersion", 7));
        assertThat(future.status()).isEqualTo(400);
        assertThat(future.code()).isEqualTo("VALIDATION_FAILED");
        String audit = roost.admin().get("/api/v1/audit?action=node.&limit=500").body();
        assertThat(audit).contains("node.config-applied").contains("node.capabilities").contains("node.config");
    }

    @Test
    void silentNodesBecomeNotReadyThenLostAndReadyAgainOnAHeartbeat() {
        Response joined = join(createToken(Map.of("ttl", "1h")), "worker-watch");
        String id = joined.json().get("nodeId").asString();
        NodeHeartbeatWatcher watcher = roost.server().nodeWatcher();
        watcher.check(); // settle other tests' nodes
        assertThat(node(joined).post("/api/v1/nodes/self/heartbeat", Map.of()).status()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(20));
        assertThat(watcher.check()).extracting(Node::name).doesNotContain("worker-watch");
        assertThat(describe(id).get("state").asString()).isEqualTo("READY");

        clock.advance(Duration.ofSeconds(15));
        assertThat(watcher.check()).filteredOn(n -> n.name().equals("worker-watch"))
                .extracting(Node::state).containsExactly(NodeState.NOT_READY);
        assertThat(describe(id).get("state").asString()).isEqualTo("NOT_READY");

        clock.advance(Duration.ofSeconds(90));
        assertThat(watcher.check()).filteredOn(n -> n.name().equals("worker-watch"))
                .extracting(Node::state).containsExactly(NodeState.LOST);
        assertThat(describe(id).get("state").asString()).isEqualTo("LOST");
        assertThat(watcher.check()).extracting(Node::name).doesNotContain("worker-watch");

        Response back = node(joined).post("/api/v1/nodes/self/heartbeat", Map.of());
        assertThat(back.json().get("state").asString()).isEqualTo("READY");
        assertThat(describe(id).get("state").asString()).isEqualTo("READY");
    }

    @Test
    void adminsCordonDrainAndRemoveNodesAndRemovalRevokesCredentials() {
        Response joined = join(createToken(Map.of("ttl", "1h")), "worker-admin");
        String id = joined.json().get("nodeId").asString();
        ApiClient admin = roost.admin();

        assertThat(admin.post("/api/v1/nodes/" + id + "/cordon", Map.of()).json().get("scheduling").asString())
                .isEqualTo("CORDONED");
        assertThat(node(joined).post("/api/v1/nodes/self/heartbeat", Map.of()).json().get("scheduling").asString())
                .isEqualTo("CORDONED");
        assertThat(admin.post("/api/v1/nodes/" + id + "/uncordon", Map.of()).json().get("scheduling").asString())
                .isEqualTo("SCHEDULABLE");
        assertThat(admin.post("/api/v1/nodes/" + id + "/drain", Map.of()).json().get("scheduling").asString())
                .isEqualTo("DRAINING");

        assertThat(admin.delete("/api/v1/nodes/" + id).status()).isEqualTo(204);
        assertThat(admin.get("/api/v1/nodes/" + id).status()).isEqualTo(404);
        assertThat(admin.get("/api/v1/nodes").body()).doesNotContain("worker-admin");
        Response stale = node(joined).post("/api/v1/nodes/self/heartbeat", Map.of());
        assertThat(stale.status()).isEqualTo(401);
        assertThat(stale.code()).isEqualTo("TOKEN_INVALID");
        Response renew = roost.anonymous().post("/api/v1/nodes/renew",
                Map.of("refreshCredential", joined.json().get("refreshCredential").asString()));
        assertThat(renew.status()).isEqualTo(401);
        assertThat(admin.get("/api/v1/audit?action=node.&limit=500").body()).contains("node.cordon").contains("node.drain")
                .contains("node.remove");
        // the name is free again
        assertThat(join(createToken(Map.of("ttl", "1h")), "worker-admin").status()).isEqualTo(201);
    }

    @Test
    void expiredNodeCredentialsAreSweptAndUsedOnesKeptUntilThen() {
        Response joined = join(createToken(Map.of("ttl", "1h")), "worker-sweep");
        java.util.UUID id = java.util.UUID.fromString(joined.json().get("nodeId").asString());
        String first = joined.json().get("refreshCredential").asString();
        String second = roost.anonymous().post("/api/v1/nodes/renew", Map.of("refreshCredential", first)).json()
                .get("refreshCredential").asString();
        var sweeper = new dev.roost.server.maintenance.ExpiredRecordsSweeper(roost.server().database(), clock,
                Duration.ofHours(1), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

        sweeper.sweep();
        assertThat(credentialsOf(id)).as("a used credential is kept to recognise its reuse").isEqualTo(2);

        clock.advance(Duration.ofDays(32));
        sweeper.sweep();
        assertThat(credentialsOf(id)).isZero();
        Response late = roost.anonymous().post("/api/v1/nodes/renew", Map.of("refreshCredential", second));
        assertThat(late.status()).isEqualTo(401);
        assertThat(late.code()).isEqualTo("TOKEN_INVALID");
    }

    private static int credentialsOf(java.util.UUID nodeId) {
        return roost.server().database().read(s -> s.handle()
                .createQuery("SELECT count(*) FROM node_credentials WHERE node_id = :id").bind("id", nodeId)
                .mapTo(Integer.class).one());
    }

    private static JsonNode findById(JsonNode list, String id) {
        for (JsonNode item : list) {
            if (item.get("id").asString().equals(id)) {
                return item;
            }
        }
        throw new AssertionError("no item " + id + " in " + list);
    }
}
