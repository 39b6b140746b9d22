package dev.roost.server.plans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.audit.AuditRecord;
import dev.roost.core.workspace.Role;
import dev.roost.server.audit.AuditTrail;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class PlanApiTest {
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

    private static Map<String, Object> quota(int instances, String cpuPer, String memoryPer, String cpuTotal, String memoryTotal) {
        return Map.of("maxInstances", instances, "maxCpuPerInstance", cpuPer, "maxMemoryPerInstance", memoryPer,
                "maxCpuTotal", cpuTotal, "maxMemoryTotal", memoryTotal);
    }

    private static Map<String, Object> plan(String name, Map<String, Object> quota) {
        return Map.of("name", name, "description", "A plan for tests", "quota", quota);
    }

    private static List<String> pointers(Response r) {
        return r.json().get("errors").valueStream().map(e -> e.get("pointer").asString()).toList();
    }

    @Test
    void everyoneSignedInSeesThePlansWithQuotasInKubernetesNotation() {
        roost.createWorkspace("plan-reader-ws", "team");
        ApiClient viewer = roost.member("plan-reader-ws", "plan-reader", Role.VIEWER);
        Response list = viewer.get("/api/v1/plans");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().valueStream().map(p -> p.get("name").asString()))
                .contains("starter", "team", "business", "sovereign");

        JsonNode starter = viewer.get("/api/v1/plans/starter").json();
        assertThat(starter.get("builtIn").asBoolean()).isTrue();
        JsonNode q = starter.get("quota");
        assertThat(q.get("maxInstances").asInt()).isEqualTo(2);
        assertThat(q.get("maxCpuPerInstance").asString()).isEqualTo("1");
        assertThat(q.get("maxCpuMillisPerInstance").asLong()).isEqualTo(1000);
        assertThat(q.get("maxMemoryPerInstance").asString()).isEqualTo("1Gi");
        assertThat(q.get("maxMemoryBytesPerInstance").asLong()).isEqualTo(1L << 30);
        assertThat(starter.has("workspaces")).as("tenancy numbers are for server admins").isFalse();
        assertThat(admin.get("/api/v1/plans/team").json().get("workspaces").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(viewer.get("/api/v1/plans/platinum").code()).isEqualTo("NOT_FOUND");
        assertThat(viewer.post("/api/v1/plans", plan("mine", quota(1, "1", "1Gi", "1", "1Gi"))).status()).isEqualTo(403);
    }

    @Test
    void anAdminCreatesAPlanFromKubernetesQuantities() {
        AuditTrail audit = AuditTrail.watch(roost);
        Response created = admin.post("/api/v1/plans", plan("gold", quota(5, "500m", "512Mi", "2.5", "4Gi")));
        assertThat(created.status()).isEqualTo(201);
        JsonNode q = created.json().get("quota");
        assertThat(q.get("maxCpuPerInstance").asString()).isEqualTo("500m");
        assertThat(q.get("maxCpuMillisPerInstance").asLong()).isEqualTo(500);
        assertThat(q.get("maxMemoryPerInstance").asString()).isEqualTo("512Mi");
        assertThat(q.get("maxMemoryBytesPerInstance").asLong()).isEqualTo(512L << 20);
        assertThat(q.get("maxCpuTotal").asString()).isEqualTo("2500m");
        assertThat(q.get("maxMemoryBytesTotal").asLong()).isEqualTo(4L << 30);
        assertThat(created.json().get("builtIn").asBoolean()).isFalse();

        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("plan.create");
        assertThat(entry.details()).contains("512Mi");
        assertThat(admin.get("/api/v1/plans/gold").json().get("quota")).isEqualTo(q);

        Response duplicate = admin.post("/api/v1/plans", plan("gold", quota(5, "500m", "512Mi", "2", "4Gi")));
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.code()).isEqualTo("ALREADY_EXISTS");
    }

    @Test
    void badQuantitiesArePointedAt() {
        Response r = admin.post("/api/v1/plans", plan("Bad_Name", quota(-1, "two cores", "4 gigs", "2", "4Gi")));
        assertThat(r.status()).isEqualTo(400);
        assertThat(pointers(r)).containsExactlyInAnyOrder("/name", "/quota/maxInstances", "/quota/maxCpuPerInstance",
                "/quota/maxMemoryPerInstance");

        Response inconsistent = admin.post("/api/v1/plans", plan("upside-down", quota(2, "4", "8Gi", "2", "4Gi")));
        assertThat(pointers(inconsistent)).containsExactlyInAnyOrder("/quota/maxCpuPerInstance", "/quota/maxMemoryPerInstance");
        assertThat(inconsistent.json().get("errors").get(0).get("detail").asString()).contains("maxCpuTotal");

        Response noQuota = admin.post("/api/v1/plans", Map.of("name", "empty", "description", ""));
        assertThat(pointers(noQuota)).containsExactly("/quota");

        Response number = admin.post("/api/v1/plans", Map.of("name", "numbers", "description", "",
                "quota", Map.of("maxInstances", 1, "maxCpuPerInstance", 2)));
        assertThat(number.status()).isEqualTo(400);
        assertThat(pointers(number)).containsExactly("/quota/maxCpuPerInstance");
    }

    @Test
    void changingAPlanRecordsWhatChanged() {
        admin.post("/api/v1/plans", plan("silver", quota(3, "1", "1Gi", "2", "2Gi")));
        AuditTrail audit = AuditTrail.watch(roost);
        Response updated = admin.put("/api/v1/plans/silver",
                Map.of("description", "More memory", "quota", quota(3, "1", "2Gi", "2", "6Gi")));
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().get("quota").get("maxMemoryTotal").asString()).isEqualTo("6Gi");
        assertThat(updated.json().get("description").asString()).isEqualTo("More memory");

        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("plan.update");
        assertThat(entry.details()).contains("\"from\"").contains("2Gi").contains("6Gi");

        assertThat(admin.put("/api/v1/plans/nope", Map.of("description", "", "quota", quota(1, "1", "1Gi", "1", "1Gi"))).code())
                .isEqualTo("NOT_FOUND");
    }

    @Test
    void aPlanInUseCannotBeDeleted() {
        admin.post("/api/v1/plans", plan("bronze", quota(1, "1", "1Gi", "1", "1Gi")));
        roost.createWorkspace("on-bronze", "bronze");
        AuditTrail audit = AuditTrail.watch(roost);

        Response refused = admin.delete("/api/v1/plans/bronze");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.code()).isEqualTo("CONFLICT");
        assertThat(refused.json().get("detail").asString()).contains("on-bronze");
        assertThat(audit.newEntries()).isEmpty();

        assertThat(admin.put("/api/v1/workspaces/on-bronze/plan", Map.of("plan", "starter")).status()).isEqualTo(200);
        audit.reset();
        assertThat(admin.delete("/api/v1/plans/bronze").status()).isEqualTo(204);
        assertThat(audit.onlyNewEntry().action()).isEqualTo("plan.delete");
        assertThat(admin.get("/api/v1/plans/bronze").status()).isEqualTo(404);
        assertThat(admin.delete("/api/v1/plans/bronze").status()).isEqualTo(404);
    }

    @Test
    void builtInPlansCanBeEditedButNotDeleted() {
        Response refused = admin.delete("/api/v1/plans/sovereign");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("detail").asString()).contains("ships with Roost");
        assertThat(admin.get("/api/v1/plans/sovereign").status()).isEqualTo(200);
    }
}
