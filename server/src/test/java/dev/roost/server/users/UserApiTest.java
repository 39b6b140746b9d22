package dev.roost.server.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.audit.AuditRecord;
import dev.roost.core.workspace.Role;
import dev.roost.server.audit.AuditTrail;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class UserApiTest {
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

    private static Map<String, Object> newUser(String username, String password) {
        Map<String, Object> body = new HashMap<>();
        body.put("username", username);
        body.put("password", password);
        return body;
    }

    private static List<String> pointers(Response r) {
        return r.json().get("errors").valueStream().map(e -> e.get("pointer").asString()).toList();
    }

    private static Response login(String username, String password) {
        return roost.anonymous().post("/api/v1/auth/login", Map.of("username", username, "password", password));
    }

    @Test
    void anAdminCreatesAUserWhoCanThenSignIn() {
        AuditTrail audit = AuditTrail.watch(roost);
        Map<String, Object> body = newUser("Carla.Ops", "carla-long-password");
        body.put("displayName", "Carla from Ops");
        Response created = admin.post("/api/v1/users", body);

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.json().get("username").asString()).isEqualTo("Carla.Ops");
        assertThat(created.json().get("serverAdmin").asBoolean()).isFalse();
        assertThat(created.body()).doesNotContain("carla-long-password").doesNotContain("argon2");
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("user.create");
        assertThat(entry.resourceId()).isEqualTo("Carla.Ops");
        assertThat(entry.actor()).isEqualTo("admin");
        assertThat(entry.details()).contains("Carla from Ops").doesNotContain("carla-long-password").doesNotContain("argon2");

        assertThat(login("carla.ops", "carla-long-password").status()).as("usernames ignore case at sign-in").isEqualTo(200);

        assertThat(admin.get("/api/v1/users").json().valueStream().map(u -> u.get("username").asString()))
                .contains("admin", "Carla.Ops");
    }

    @Test
    void aDuplicateUsernameInAnyCaseIsAlreadyExists() {
        assertThat(admin.post("/api/v1/users", newUser("dupe", "a-long-enough-password")).status()).isEqualTo(201);
        AuditTrail audit = AuditTrail.watch(roost);
        Response again = admin.post("/api/v1/users", newUser("DUPE", "a-long-enough-password"));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.code()).isEqualTo("ALREADY_EXISTS");
        assertThat(audit.newEntries()).as("a refused mutation records nothing").isEmpty();
    }

    @Test
    void badUsernamesAndWeakPasswordsAreReportedTogether() {
        Response r = admin.post("/api/v1/users", newUser("no spaces!", "short"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
        assertThat(pointers(r)).containsExactlyInAnyOrder("/username", "/password");

        Response tooLong = admin.post("/api/v1/users", newUser("x".repeat(65), "a-long-enough-password"));
        assertThat(pointers(tooLong)).containsExactly("/username");
        Response missing = admin.post("/api/v1/users", Map.of("username", "nopass"));
        assertThat(pointers(missing)).containsExactly("/password");
    }

    @Test
    void onlyServerAdminsManageUsers() {
        roost.createWorkspace("only-admins", "starter");
        ApiClient owner = roost.member("only-admins", "owner-not-admin", Role.OWNER);
        assertThat(owner.get("/api/v1/users").status()).isEqualTo(403);
        assertThat(owner.post("/api/v1/users", newUser("sneaky", "a-long-enough-password")).status()).isEqualTo(403);
        assertThat(owner.patch("/api/v1/users/owner-not-admin", Map.of("serverAdmin", true)).status()).isEqualTo(403);
        assertThat(roost.anonymous().get("/api/v1/users").status()).isEqualTo(401);
    }

    @Test
    void showingAUserListsTheirWorkspaceRoles() {
        roost.createWorkspace("show-a", "starter");
        roost.createWorkspace("show-b", "starter");
        roost.member("show-a", "shown", Role.OPERATOR);
        roost.addMember("show-b", "shown", Role.VIEWER);

        Response r = admin.get("/api/v1/users/SHOWN");
        assertThat(r.status()).isEqualTo(200);
        JsonNode memberships = r.json().get("memberships");
        assertThat(memberships.valueStream().map(m -> m.get("workspace").asString() + ":" + m.get("role").asString()))
                .containsExactly("show-a:OPERATOR", "show-b:VIEWER");
        assertThat(admin.get("/api/v1/users/nobody").code()).isEqualTo("NOT_FOUND");
    }

    @Test
    void disablingSignsTheUserOutEverywhereAndKeepsThemOut() {
        roost.createUser("dora", false);
        JsonNode session = login("dora", TestRoost.password("dora")).json();
        ApiClient dora = roost.anonymous().withToken(session.get("accessToken").asString());
        assertThat(dora.get("/api/v1/auth/me").status()).isEqualTo(200);

        AuditTrail audit = AuditTrail.watch(roost);
        Response disabled = admin.patch("/api/v1/users/dora", Map.of("disabled", true));
        assertThat(disabled.status()).isEqualTo(200);
        assertThat(disabled.json().get("disabled").asBoolean()).isTrue();
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("user.update");
        assertThat(entry.details()).contains("\"disabled\":true").contains("\"sessionsRevoked\":1");

        assertThat(dora.get("/api/v1/auth/me").status()).isEqualTo(401);
        assertThat(roost.anonymous().post("/api/v1/auth/refresh",
                Map.of("refreshToken", session.get("refreshToken").asString())).status()).isEqualTo(401);
        assertThat(login("dora", TestRoost.password("dora")).code()).isEqualTo("INVALID_CREDENTIALS");

        assertThat(admin.patch("/api/v1/users/dora", Map.of("disabled", false)).status()).isEqualTo(200);
        assertThat(login("dora", TestRoost.password("dora")).status()).isEqualTo(200);
    }

    @Test
    void aPasswordResetEndsSessionsAndTheNewPasswordWorks() {
        roost.createUser("pete", false);
        String refresh = login("pete", TestRoost.password("pete")).json().get("refreshToken").asString();

        Response weak = admin.patch("/api/v1/users/pete", Map.of("password", "aaaaaaaaaaaaaa"));
        assertThat(weak.status()).isEqualTo(400);
        assertThat(pointers(weak)).containsExactly("/password");

        AuditTrail audit = AuditTrail.watch(roost);
        assertThat(admin.patch("/api/v1/users/pete", Map.of("password", "pete-brand-new-password")).status()).isEqualTo(200);
        assertThat(audit.onlyNewEntry().details()).contains("\"passwordReset\":true").doesNotContain("pete-brand-new-password");
        assertThat(roost.anonymous().post("/api/v1/auth/refresh", Map.of("refreshToken", refresh)).code())
                .isEqualTo("TOKEN_INVALID");
        assertThat(login("pete", TestRoost.password("pete")).status()).isEqualTo(401);
        assertThat(login("pete", "pete-brand-new-password").status()).isEqualTo(200);
    }

    @Test
    void aChangeThatChangesNothingRecordsNothing() {
        roost.createUser("steady", false);
        AuditTrail audit = AuditTrail.watch(roost);
        Response same = admin.patch("/api/v1/users/steady", Map.of("displayName", "steady", "serverAdmin", false));
        assertThat(same.status()).isEqualTo(200);
        assertThat(audit.newEntries()).isEmpty();
    }

    @Test
    void anAdminCannotDemoteDisableOrDeleteThemselves() {
        AuditTrail audit = AuditTrail.watch(roost);
        Response demote = admin.patch("/api/v1/users/admin", Map.of("serverAdmin", false));
        assertThat(demote.status()).isEqualTo(409);
        assertThat(demote.code()).isEqualTo("CONFLICT");
        assertThat(admin.patch("/api/v1/users/admin", Map.of("disabled", true)).code()).isEqualTo("CONFLICT");
        assertThat(admin.delete("/api/v1/users/admin").code()).isEqualTo("CONFLICT");
        assertThat(audit.newEntries()).isEmpty();
        assertThat(admin.get("/api/v1/auth/me").json().get("serverAdmin").asBoolean()).isTrue();
        // Changing one's own display name is fine.
        assertThat(admin.patch("/api/v1/users/admin", Map.of("displayName", "The Admin")).status()).isEqualTo(200);
    }

    @Test
    void anotherAdminCanBePromotedAndDemoted() {
        roost.createUser("second-admin", false);
        Response promoted = admin.patch("/api/v1/users/second-admin", Map.of("serverAdmin", true));
        assertThat(promoted.json().get("serverAdmin").asBoolean()).isTrue();
        ApiClient second = roost.login("second-admin", TestRoost.password("second-admin"));
        assertThat(second.get("/api/v1/users").status()).isEqualTo(200);

        assertThat(second.patch("/api/v1/users/second-admin", Map.of("serverAdmin", false)).code())
                .as("not even with another admin around may one demote oneself").isEqualTo("CONFLICT");
        assertThat(admin.patch("/api/v1/users/second-admin", Map.of("serverAdmin", false)).status()).isEqualTo(200);
        assertThat(second.get("/api/v1/users").status()).as("rights are checked on every request").isEqualTo(403);
    }

    @Test
    void theOnlyOwnerOfAWorkspaceCannotBeDeleted() {
        roost.createWorkspace("owned-1", "starter");
        roost.createWorkspace("owned-2", "starter");
        roost.createWorkspace("shared", "starter");
        roost.member("owned-1", "solo", Role.OWNER);
        roost.addMember("owned-2", "solo", Role.OWNER);
        roost.addMember("shared", "solo", Role.OWNER);
        roost.createUser("co-owner", false);
        roost.addMember("shared", "co-owner", Role.OWNER);

        AuditTrail audit = AuditTrail.watch(roost);
        Response refused = admin.delete("/api/v1/users/solo");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("detail").asString()).contains("owned-1").contains("owned-2").doesNotContain("shared");
        assertThat(refused.json().get("workspaces").valueStream().map(JsonNode::asString)).containsExactly("owned-1", "owned-2");
        assertThat(audit.newEntries()).isEmpty();

        roost.addMember("owned-1", "co-owner", Role.OWNER);
        roost.addMember("owned-2", "co-owner", Role.OWNER);
        assertThat(admin.delete("/api/v1/users/solo").status()).isEqualTo(204);
        assertThat(admin.get("/api/v1/users/solo").status()).isEqualTo(404);
        assertThat(admin.get("/api/v1/workspaces/shared/members").json().valueStream()
                .map(m -> m.get("username").asString())).containsExactly("co-owner");
        AuditRecord entry = audit.onlyNewEntry();
        assertThat(entry.action()).isEqualTo("user.delete");
        assertThat(entry.details()).contains("owned-1", "owned-2", "shared");
        assertThat(login("solo", TestRoost.password("solo")).status()).isEqualTo(401);
    }

    @Test
    void unknownUsersAre404() {
        assertThat(admin.patch("/api/v1/users/ghost", Map.of("displayName", "x")).code()).isEqualTo("NOT_FOUND");
        assertThat(admin.delete("/api/v1/users/ghost").code()).isEqualTo("NOT_FOUND");
    }
}
