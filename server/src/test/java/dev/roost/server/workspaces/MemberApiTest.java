package dev.roost.server.workspaces;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.audit.AuditRecord;
import dev.roost.core.workspace.Role;
import dev.roost.server.audit.AuditTrail;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MemberApiTest {
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

    private static Response put(ApiClient client, String ws, String user, String role) {
        return client.put("/api/v1/workspaces/" + ws + "/members/" + user, Map.of("role", role));
    }

    private static String roleOf(String ws, String user) {
        return admin.get("/api/v1/workspaces/" + ws + "/members").json().valueStream()
                .filter(m -> m.get("username").asString().equals(user)).map(m -> m.get("role").asString())
                .findFirst().orElse(null);
    }

    @Test
    void anOwnerAddsAndChangesMembers() {
        roost.createWorkspace("team-a", "starter");
        ApiClient owner = roost.member("team-a", "a-owner", Role.OWNER);
        roost.createUser("a-dev", false);

        AuditTrail audit = AuditTrail.watch(roost);
        Response added = put(owner, "team-a", "a-dev", "OPERATOR");
        assertThat(added.status()).isEqualTo(201);
        assertThat(added.json().get("role").asString()).isEqualTo("OPERATOR");
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("member.put");
        assertThat(entry.workspace()).isEqualTo("team-a");
        assertThat(entry.resourceId()).isEqualTo("a-dev");

        audit.reset();
        Response changed = put(owner, "team-a", "a-dev", "ADMIN");
        assertThat(changed.status()).isEqualTo(200);
        assertThat(audit.onlyNewEntry().details()).contains("\"previousRole\":\"OPERATOR\"").contains("\"role\":\"ADMIN\"");

        audit.reset();
        assertThat(put(owner, "team-a", "a-dev", "ADMIN").status()).isEqualTo(200);
        assertThat(audit.newEntries()).as("the same role again changes nothing").isEmpty();

        ApiClient viewer = roost.member("team-a", "a-viewer", Role.VIEWER);
        assertThat(viewer.get("/api/v1/workspaces/team-a/members").json().size()).isEqualTo(3);
        assertThat(put(viewer, "team-a", "a-dev", "VIEWER").status()).isEqualTo(403);
    }

    @Test
    void anAdminManagesOperatorsAndViewersButNotOwnersOrOtherAdmins() {
        roost.createWorkspace("team-b", "starter");
        roost.member("team-b", "b-owner", Role.OWNER);
        ApiClient wsAdmin = roost.member("team-b", "b-admin", Role.ADMIN);
        roost.member("team-b", "b-admin-2", Role.ADMIN);
        roost.createUser("b-new", false);

        assertThat(put(wsAdmin, "team-b", "b-new", "OPERATOR").status()).isEqualTo(201);
        assertThat(put(wsAdmin, "team-b", "b-new", "VIEWER").status()).isEqualTo(200);

        AuditTrail audit = AuditTrail.watch(roost);
        Response grantOwner = put(wsAdmin, "team-b", "b-new", "OWNER");
        assertThat(grantOwner.status()).isEqualTo(403);
        assertThat(grantOwner.json().get("detail").asString()).contains("OWNER role");
        assertThat(audit.newEntries()).isEmpty();
        assertThat(put(wsAdmin, "team-b", "b-new", "ADMIN").status()).as("an ADMIN may make another ADMIN").isEqualTo(200);

        audit.reset();
        assertThat(put(wsAdmin, "team-b", "b-admin-2", "VIEWER").status()).isEqualTo(403);
        assertThat(put(wsAdmin, "team-b", "b-owner", "ADMIN").status()).isEqualTo(403);
        assertThat(wsAdmin.delete("/api/v1/workspaces/team-b/members/b-owner").status()).isEqualTo(403);
        assertThat(wsAdmin.delete("/api/v1/workspaces/team-b/members/b-admin-2").status()).isEqualTo(403);
        assertThat(audit.newEntries()).isEmpty();
        assertThat(roleOf("team-b", "b-owner")).isEqualTo("OWNER");

        assertThat(put(wsAdmin, "team-b", "b-admin", "OPERATOR").status()).as("an ADMIN may step down").isEqualTo(200);
        assertThat(put(wsAdmin, "team-b", "b-admin", "ADMIN").status()).as("and then is an OPERATOR").isEqualTo(403);
    }

    @Test
    void theLastOwnerCannotBeDemotedOrRemoved() {
        roost.createWorkspace("team-c", "starter");
        ApiClient owner = roost.member("team-c", "c-owner", Role.OWNER);
        AuditTrail audit = AuditTrail.watch(roost);

        Response demote = put(owner, "team-c", "c-owner", "ADMIN");
        assertThat(demote.status()).isEqualTo(409);
        assertThat(demote.code()).isEqualTo("CONFLICT");
        assertThat(demote.json().get("detail").asString()).contains("last OWNER");
        assertThat(owner.delete("/api/v1/workspaces/team-c/members/c-owner").code()).isEqualTo("CONFLICT");
        assertThat(admin.delete("/api/v1/workspaces/team-c/members/c-owner").code())
                .as("not even a server admin removes the last owner").isEqualTo("CONFLICT");
        assertThat(audit.newEntries()).isEmpty();

        roost.createUser("c-heir", false);
        assertThat(put(owner, "team-c", "c-heir", "OWNER").status()).isEqualTo(201);
        assertThat(put(owner, "team-c", "c-owner", "VIEWER").status()).isEqualTo(200);
        assertThat(roleOf("team-c", "c-owner")).isEqualTo("VIEWER");
        assertThat(roleOf("team-c", "c-heir")).isEqualTo("OWNER");
    }

    @Test
    void removingAMemberTakesTheirAccessAway() {
        roost.createWorkspace("team-d", "starter");
        ApiClient owner = roost.member("team-d", "d-owner", Role.OWNER);
        ApiClient leaver = roost.member("team-d", "d-leaver", Role.OPERATOR);
        assertThat(leaver.get("/api/v1/workspaces/team-d").status()).isEqualTo(200);

        AuditTrail audit = AuditTrail.watch(roost);
        assertThat(owner.delete("/api/v1/workspaces/team-d/members/d-leaver").status()).isEqualTo(204);
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("member.remove");
        assertThat(entry.details()).contains("OPERATOR");
        assertThat(leaver.get("/api/v1/workspaces/team-d").status()).isEqualTo(404);
        assertThat(owner.delete("/api/v1/workspaces/team-d/members/d-leaver").code()).isEqualTo("NOT_FOUND");
    }

    @Test
    void unknownUsersAndRolesAreRefused() {
        roost.createWorkspace("team-e", "starter");
        ApiClient owner = roost.member("team-e", "e-owner", Role.OWNER);
        assertThat(put(owner, "team-e", "nobody", "VIEWER").code()).isEqualTo("NOT_FOUND");
        Response badRole = put(owner, "team-e", "e-owner", "KING");
        assertThat(badRole.status()).isEqualTo(400);
        assertThat(badRole.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/role");
        assertThat(owner.put("/api/v1/workspaces/team-e/members/e-owner", Map.of()).json().get("errors").get(0)
                .get("pointer").asString()).isEqualTo("/role");
    }
}
