package dev.roost.server.workspaces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.audit.AuditRecord;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.server.audit.AuditTrail;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WorkspaceApiTest {
    private static final long GIB = 1L << 30;
    private static TestRoost roost;
    private static ApiClient admin;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        admin = roost.admin();
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static List<String> pointers(Response r) {
        return r.json().get("errors").valueStream().map(e -> e.get("pointer").asString()).toList();
    }

    private static List<String> names(Response list) {
        return list.json().valueStream().map(w -> w.get("name").asString()).toList();
    }

    /**
     * An instance row with two manifest versions, written straight to the database: the instances
     * API belongs to another part of Roost, and these tests only need what a workspace sees of it.
     */
    private static UUID instance(String workspace, String name, String environment, long cpuMillis, long memoryBytes,
            int replicas) {
        UUID id = UUID.randomUUID();
        roost.server().database().transaction(s -> {
            Workspace w = s.workspaces().findByName(workspace).orElseThrow();
            s.handle().createUpdate("""
                            INSERT INTO instances (id, workspace_id, name, environment, image, cpu_millis, memory_bytes,
                                replicas, current_version, desired_state, status, created_by)
                            VALUES (:id, :w, :name, :env, 'example/bot:1.0', :cpu, :mem, :replicas, 2, 'RUNNING', 'RUNNING', 't')""")
                    .bind("id", id).bind("w", w.id()).bind("name", name).bind("env", environment).bind("cpu", cpuMillis)
                    .bind("mem", memoryBytes).bind("replicas", replicas).execute();
            for (int v = 1; v <= 2; v++) {
                s.handle().createUpdate("""
                                INSERT INTO manifest_versions (instance_id, version, manifest, sha256, source, created_by)
                                VALUES (:id, :v, '{}'::jsonb, 'x', 'api', 't')""").bind("id", id).bind("v", v).execute();
            }
            return s.handle().createUpdate("INSERT INTO manifest_tags (instance_id, tag, version, created_by) VALUES (:id, 'stable', 2, 't')")
                    .bind("id", id).execute();
        });
        return id;
    }

    private static void markDeleted(UUID instance) {
        roost.server().database().transaction(s -> s.handle()
                .createUpdate("UPDATE instances SET deleted_at = now(), desired_state = 'DELETED' WHERE id = :id")
                .bind("id", instance).execute());
    }

    private static long count(String sql) {
        return roost.server().database().read(s -> s.handle().createQuery(sql).mapTo(Long.class).one());
    }

    private static Map<String, Object> workspace(String name, String owner) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("owner", owner);
        return body;
    }

    @Test
    void anAdminCreatesAWorkspaceWhoseOwnerCanUseIt() {
        roost.createUser("olga", false);
        AuditTrail audit = AuditTrail.watch(roost);
        Map<String, Object> body = workspace("acme", "olga");
        body.put("displayName", "ACME Corp");
        Response created = admin.post("/api/v1/workspaces", body);

        assertThat(created.status()).isEqualTo(201);
        JsonNode ws = created.json();
        assertThat(ws.get("plan").asString()).isEqualTo("starter");
        assertThat(ws.get("environments").valueStream().map(JsonNode::asString)).containsExactly("dev", "staging", "prod");
        assertThat(ws.get("quotaSource").asString()).isEqualTo("plan");
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("workspace.create");
        assertThat(entry.workspace()).as("the workspace's own audit view starts with its creation").isEqualTo("acme");
        assertThat(entry.details()).contains("\"owner\":\"olga\"");

        ApiClient olga = roost.login("olga", TestRoost.password("olga"));
        JsonNode seen = olga.get("/api/v1/workspaces/acme").json();
        assertThat(seen.get("displayName").asString()).isEqualTo("ACME Corp");
        assertThat(seen.get("role").asString()).isEqualTo("OWNER");
        assertThat(seen.get("memberRole").asString()).isEqualTo("OWNER");
        assertThat(olga.get("/api/v1/workspaces/acme/members").json().valueStream()
                .map(m -> m.get("username").asString() + ":" + m.get("role").asString())).containsExactly("olga:OWNER");

        Response again = admin.post("/api/v1/workspaces", workspace("acme", "olga"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("ALREADY_EXISTS");
    }

    @Test
    void aCreateBodyNamingMissingThingsIsPointedAt() {
        roost.createUser("valid-owner", false);
        Map<String, Object> body = workspace("Not A Label", "nobody-at-all");
        body.put("plan", "platinum");
        body.put("environments", List.of("dev", "Prod!", "dev"));
        AuditTrail audit = AuditTrail.watch(roost);
        Response r = admin.post("/api/v1/workspaces", body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(pointers(r)).containsExactlyInAnyOrder("/name", "/plan", "/owner", "/environments/1", "/environments/2");
        assertThat(audit.newEntries()).isEmpty();

        Map<String, Object> noOwner = new HashMap<>(Map.of("name", "no-owner"));
        assertThat(pointers(admin.post("/api/v1/workspaces", noOwner))).containsExactly("/owner");
        assertThat(admin.get("/api/v1/workspaces/no-owner").status()).isEqualTo(404);

        roost.createWorkspace("creator-ws", "starter");
        ApiClient owner = roost.member("creator-ws", "ws-owner-not-admin", Role.OWNER);
        assertThat(owner.post("/api/v1/workspaces", workspace("by-owner", "valid-owner")).status())
                .as("only server admins create workspaces").isEqualTo(403);
    }

    @Test
    void usersSeeOnlyTheirWorkspacesAndOthersDoNotExistForThem() {
        roost.createWorkspace("vis-one", "starter");
        roost.createWorkspace("vis-two", "team");
        ApiClient one = roost.member("vis-one", "vis-user-one", Role.OPERATOR);
        ApiClient two = roost.member("vis-two", "vis-user-two", Role.OWNER);

        Response mine = one.get("/api/v1/workspaces");
        assertThat(names(mine)).containsExactly("vis-one");
        assertThat(mine.json().get(0).get("role").asString()).isEqualTo("OPERATOR");

        Response other = two.get("/api/v1/workspaces/vis-one");
        Response missing = two.get("/api/v1/workspaces/does-not-exist");
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.json().get("detail").asString().replace("vis-one", "X"))
                .as("someone else's workspace looks exactly like a missing one")
                .isEqualTo(missing.json().get("detail").asString().replace("does-not-exist", "X"));
        assertThat(two.get("/api/v1/workspaces/vis-one/members").status()).isEqualTo(404);
        assertThat(two.patch("/api/v1/workspaces/vis-one", Map.of("displayName", "mine now")).status()).isEqualTo(404);

        Response all = admin.get("/api/v1/workspaces");
        assertThat(names(all)).contains("vis-one", "vis-two");
        JsonNode visOne = all.json().valueStream().filter(w -> w.get("name").asString().equals("vis-one")).findFirst().orElseThrow();
        assertThat(visOne.get("role").asString()).as("a server admin may act as OWNER everywhere").isEqualTo("OWNER");
        assertThat(visOne.has("memberRole")).isFalse();
    }

    @Test
    void theDetailShowsEffectiveQuotaAndLiveUsage() {
        roost.createWorkspace("usage", "team");
        ApiClient viewer = roost.member("usage", "usage-viewer", Role.VIEWER);
        instance("usage", "bot-a", "dev", 500, GIB, 2);
        instance("usage", "bot-b", "prod", 250, GIB / 2, 1);
        markDeleted(instance("usage", "bot-old", "prod", 4000, 8 * GIB, 4));

        JsonNode ws = viewer.get("/api/v1/workspaces/usage").json();
        JsonNode usage = ws.get("usage");
        assertThat(usage.get("liveInstances").asLong()).isEqualTo(2);
        assertThat(usage.get("cpuMillis").asLong()).isEqualTo(1250);
        assertThat(usage.get("cpu").asString()).isEqualTo("1250m");
        assertThat(usage.get("memoryBytes").asLong()).isEqualTo(2 * GIB + GIB / 2);
        assertThat(usage.get("memory").asString()).isEqualTo("2560Mi");
        assertThat(ws.get("quota").get("maxInstances").asInt()).isEqualTo(10);
        assertThat(ws.get("quotaSource").asString()).isEqualTo("plan");
        assertThat(ws.get("role").asString()).isEqualTo("VIEWER");
    }

    @Test
    void adminsRenameAndReshapeEnvironmentsButNotWhileInstancesUseThem() {
        roost.createWorkspace("envs", "starter");
        ApiClient wsAdmin = roost.member("envs", "envs-admin", Role.ADMIN);
        ApiClient operator = roost.member("envs", "envs-operator", Role.OPERATOR);
        instance("envs", "prod-bot", "prod", 100, GIB / 4, 1);

        assertThat(operator.patch("/api/v1/workspaces/envs", Map.of("displayName", "Nope")).status()).isEqualTo(403);

        AuditTrail audit = AuditTrail.watch(roost);
        Response refused = wsAdmin.patch("/api/v1/workspaces/envs", Map.of("environments", List.of("dev", "staging")));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("environments").valueStream().map(JsonNode::asString)).containsExactly("prod");
        assertThat(audit.newEntries()).isEmpty();

        Response changed = wsAdmin.patch("/api/v1/workspaces/envs",
                Map.of("displayName", "Environments Inc", "environments", List.of("prod", "qa")));
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.json().get("environments").valueStream().map(JsonNode::asString)).containsExactly("prod", "qa");
        assertThat(changed.json().get("displayName").asString()).isEqualTo("Environments Inc");
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("workspace.update");
        assertThat(entry.actor()).isEqualTo("envs-admin");
        assertThat(entry.details()).contains("staging").contains("qa");

        assertThat(pointers(wsAdmin.patch("/api/v1/workspaces/envs", Map.of("environments", List.of()))))
                .containsExactly("/environments");
    }

    @Test
    void serverAdminsMoveWorkspacesBetweenPlansAndOverrideQuotas() {
        roost.createWorkspace("mover", "starter");
        ApiClient owner = roost.member("mover", "mover-owner", Role.OWNER);
        Map<String, Object> override = Map.of("maxInstances", 40, "maxCpuPerInstance", "4", "maxMemoryPerInstance", "16Gi",
                "maxCpuTotal", "64", "maxMemoryTotal", "256Gi");

        assertThat(owner.put("/api/v1/workspaces/mover/plan", Map.of("plan", "sovereign")).status())
                .as("owners do not choose their own plan").isEqualTo(403);
        assertThat(pointers(admin.put("/api/v1/workspaces/mover/plan", Map.of("plan", "platinum")))).containsExactly("/plan");
        assertThat(admin.put("/api/v1/workspaces/nowhere/plan", Map.of("plan", "team")).code()).isEqualTo("NOT_FOUND");

        AuditTrail audit = AuditTrail.watch(roost);
        Response moved = admin.put("/api/v1/workspaces/mover/plan", Map.of("plan", "business", "quota", override));
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.json().get("quotaSource").asString()).isEqualTo("override");
        assertThat(moved.json().get("quota").get("maxMemoryPerInstance").asString()).isEqualTo("16Gi");
        assertThat(moved.json().get("planQuota").get("maxInstances").asInt()).isEqualTo(25);
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("workspace.plan-change");
        assertThat(entry.workspace()).isEqualTo("mover");
        assertThat(entry.details()).contains("\"from\":\"starter\"").contains("\"to\":\"business\"").contains("16Gi");

        Response plain = admin.put("/api/v1/workspaces/mover/plan", Map.of("plan", "business"));
        assertThat(plain.json().get("quotaSource").asString()).as("no quota removes the override").isEqualTo("plan");
        assertThat(owner.get("/api/v1/workspaces/mover").json().get("quota").get("maxInstances").asInt()).isEqualTo(25);
    }

    @Test
    void aDowngradeBelowCurrentUsageIsAllowedWithAWarning() {
        roost.createWorkspace("shrink", "team");
        for (int i = 0; i < 3; i++) {
            instance("shrink", "bot-" + i, "dev", 500, GIB / 2, 1);
        }
        Response r = admin.put("/api/v1/workspaces/shrink/plan", Map.of("plan", "starter"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("warnings").get(0).asString()).contains("3 live instances").contains("allows 2");
    }

    @Test
    void liveInstancesBlockDeletingAWorkspace() {
        roost.createWorkspace("busy", "starter");
        roost.member("busy", "busy-owner", Role.OWNER);
        UUID live = instance("busy", "still-running", "dev", 100, GIB / 4, 1);
        AuditTrail audit = AuditTrail.watch(roost);

        Response refused = admin.delete("/api/v1/workspaces/busy");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("liveInstances").asLong()).isEqualTo(1);
        assertThat(audit.newEntries()).isEmpty();
        assertThat(admin.get("/api/v1/workspaces/busy").status()).isEqualTo(200);
        assertThat(count("SELECT count(*) FROM manifest_versions WHERE instance_id = '" + live + "'")).isEqualTo(2);

        ApiClient owner = roost.login("busy-owner", TestRoost.password("busy-owner"));
        assertThat(owner.delete("/api/v1/workspaces/busy").status()).as("deleting a workspace is for server admins").isEqualTo(403);
    }

    @Test
    void deletingAWorkspacePurgesItsDataButTheAuditLogKeepsItsHistory() {
        roost.createUser("purge-owner", false);
        assertThat(admin.post("/api/v1/workspaces", workspace("doomed", "purge-owner")).status()).isEqualTo(201);
        ApiClient owner = roost.login("purge-owner", TestRoost.password("purge-owner"));
        roost.createUser("purge-viewer", false);
        assertThat(owner.put("/api/v1/workspaces/doomed/members/purge-viewer", Map.of("role", "VIEWER")).status()).isEqualTo(201);
        UUID old = instance("doomed", "old-bot", "dev", 100, GIB / 4, 1);
        markDeleted(old);
        long auditBefore = count("SELECT count(*) FROM audit_log WHERE workspace = 'doomed'");

        AuditTrail audit = AuditTrail.watch(roost);
        assertThat(admin.delete("/api/v1/workspaces/doomed").status()).isEqualTo(204);

        assertThat(admin.get("/api/v1/workspaces/doomed").status()).isEqualTo(404);
        assertThat(owner.get("/api/v1/workspaces").json().size()).isZero();
        assertThat(count("SELECT count(*) FROM instances WHERE id = '" + old + "'")).isZero();
        assertThat(count("SELECT count(*) FROM manifest_versions WHERE instance_id = '" + old + "'")).isZero();
        assertThat(count("SELECT count(*) FROM manifest_tags WHERE instance_id = '" + old + "'")).isZero();
        assertThat(count("SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id "
                + "WHERE u.username IN ('purge-owner', 'purge-viewer')")).isZero();

        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("workspace.delete");
        assertThat(entry.details()).contains("\"instancesPurged\":1").contains("\"manifestVersionsPurged\":2");
        assertThat(count("SELECT count(*) FROM audit_log WHERE workspace = 'doomed'")).isEqualTo(auditBefore + 1);
        JsonNode verify = admin.get("/api/v1/audit/verify").json();
        assertThat(verify.get("intact").asBoolean()).isTrue();
        assertThat(admin.get("/api/v1/audit?workspace=doomed").json().get("items").valueStream()
                .map(e -> e.get("action").asString())).containsExactly("workspace.delete", "member.put", "workspace.create");
    }

    @Test
    void aReusedNameDoesNotInheritTheOldWorkspacesAuditHistory() {
        roost.createUser("first-tenant", false);
        roost.createUser("second-tenant", false);
        admin.post("/api/v1/workspaces", workspace("reused", "first-tenant"));
        admin.patch("/api/v1/workspaces/reused", Map.of("displayName", "First tenant's secret project"));
        assertThat(admin.delete("/api/v1/workspaces/reused").status()).isEqualTo(204);
        admin.post("/api/v1/workspaces", workspace("reused", "second-tenant"));

        ApiClient second = roost.login("second-tenant", TestRoost.password("second-tenant"));
        Response history = second.get("/api/v1/workspaces/reused/audit");
        assertThat(history.status()).isEqualTo(200);
        assertThat(history.body()).doesNotContain("secret project").doesNotContain("first-tenant");
        assertThat(history.json().get("items").valueStream().map(e -> e.get("action").asString()))
                .containsExactly("workspace.create");
        assertThat(admin.get("/api/v1/audit?workspace=reused").body()).as("server admins still see everything")
                .contains("secret project");
    }
}
