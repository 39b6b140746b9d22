package dev.roost.server.workspaces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.testing.TestRoost;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The published API document describes the tenancy routes with their access rules and bodies. */
class TenancyOpenApiTest {
    private static TestRoost roost;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private record Expected(String method, String path, String access, String requestSchema, String responseSchema) {
    }

    @Test
    void everyTenancyRouteIsDescribed() {
        JsonNode doc = roost.admin().get("/api/openapi.json").json();
        List<Expected> expected = List.of(
                new Expected("get", "/api/v1/users", "server admin", null, "UserView"),
                new Expected("post", "/api/v1/users", "server admin", "CreateUserRequest", "UserView"),
                new Expected("get", "/api/v1/users/{username}", "server admin", null, "UserDetail"),
                new Expected("patch", "/api/v1/users/{username}", "server admin", "UpdateUserRequest", "UserView"),
                new Expected("delete", "/api/v1/users/{username}", "server admin", null, null),
                new Expected("get", "/api/v1/plans", "any authenticated user", null, "PlanView"),
                new Expected("get", "/api/v1/plans/{plan}", "any authenticated user", null, "PlanView"),
                new Expected("post", "/api/v1/plans", "server admin", "CreatePlanRequest", "PlanView"),
                new Expected("put", "/api/v1/plans/{plan}", "server admin", "UpdatePlanRequest", "PlanView"),
                new Expected("delete", "/api/v1/plans/{plan}", "server admin", null, null),
                new Expected("get", "/api/v1/workspaces", "any authenticated user", null, "WorkspaceSummary"),
                new Expected("post", "/api/v1/workspaces", "server admin", "CreateWorkspaceRequest", "WorkspaceDetail"),
                new Expected("get", "/api/v1/workspaces/{ws}", "workspace role VIEWER or higher", null, "WorkspaceDetail"),
                new Expected("patch", "/api/v1/workspaces/{ws}", "workspace role ADMIN or higher", "UpdateWorkspaceRequest",
                        "WorkspaceDetail"),
                new Expected("put", "/api/v1/workspaces/{ws}/plan", "server admin", "PlanChangeRequest", "WorkspaceDetail"),
                new Expected("delete", "/api/v1/workspaces/{ws}", "server admin", null, null),
                new Expected("get", "/api/v1/workspaces/{ws}/members", "workspace role VIEWER or higher", null, "MemberView"),
                new Expected("put", "/api/v1/workspaces/{ws}/members/{username}", "workspace role ADMIN or higher",
                        "MemberRequest", "MemberView"),
                new Expected("delete", "/api/v1/workspaces/{ws}/members/{username}", "workspace role ADMIN or higher", null, null),
                new Expected("get", "/api/v1/audit", "server admin", null, "AuditPage"),
                new Expected("get", "/api/v1/audit/verify", "server admin", null, "AuditVerification"),
                new Expected("get", "/api/v1/workspaces/{ws}/audit", "workspace role VIEWER or higher", null, "AuditPage"));

        for (Expected e : expected) {
            JsonNode op = doc.get("paths").get(e.path()).get(e.method());
            assertThat(op).as(e.method() + " " + e.path()).isNotNull();
            assertThat(op.get("x-roost-access").asString()).as(e.method() + " " + e.path()).isEqualTo(e.access());
            assertThat(op.get("summary").asString()).isNotBlank();
            if (e.requestSchema() != null) {
                assertThat(op.get("requestBody").toString()).contains("#/components/schemas/" + e.requestSchema());
            }
            if (e.responseSchema() != null) {
                assertThat(op.get("responses").toString()).contains("#/components/schemas/" + e.responseSchema());
            }
        }
        JsonNode quota = doc.get("components").get("schemas").get("QuotaInput").get("properties");
        assertThat(quota.get("maxCpuPerInstance").get("type").asString()).isEqualTo("string");
        JsonNode entry = doc.get("components").get("schemas").get("AuditEntry").get("properties");
        assertThat(entry.get("details").get("type").asString()).isEqualTo("object");
    }
}
