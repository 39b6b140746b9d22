package dev.roost.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AuditApiTest {
    private static TestRoost roost;
    private static ApiClient admin;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        admin = roost.admin();
        // Some history: two workspaces, members, a plan.
        roost.createUser("audit-owner", false);
        roost.createUser("other-owner", false);
        admin.post("/api/v1/workspaces", Map.of("name", "audited", "owner", "audit-owner"));
        admin.post("/api/v1/workspaces", Map.of("name", "elsewhere", "owner", "other-owner"));
        for (int i = 0; i < 5; i++) {
            roost.createUser("audit-member-" + i, false);
            admin.put("/api/v1/workspaces/audited/members/audit-member-" + i, Map.of("role", "VIEWER"));
        }
        admin.put("/api/v1/workspaces/elsewhere/members/audit-member-0", Map.of("role", "OPERATOR"));
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static List<JsonNode> items(Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("items").valueStream().toList();
    }

    private static List<String> actions(Response r) {
        return items(r).stream().map(e -> e.get("action").asString()).toList();
    }

    @Test
    void anEntryTellsWhoDidWhatToWhichResourceInWhichRequest() {
        roost.createUser("traced", false);
        Response put = admin.send("PUT", "/api/v1/workspaces/audited/members/traced",
                "{\"role\":\"OPERATOR\"}".getBytes(), "application/json", Map.of("X-Request-Id", "trace-member-put-1"));
        assertThat(put.status()).isEqualTo(201);

        List<JsonNode> found = items(admin.get("/api/v1/audit?resourceType=member&resourceId=traced"));
        assertThat(found).hasSize(1);
        JsonNode entry = found.get(0);
        assertThat(entry.get("action").asString()).isEqualTo("member.put");
        assertThat(entry.get("actor").asString()).isEqualTo("admin");
        assertThat(entry.get("workspace").asString()).isEqualTo("audited");
        assertThat(entry.get("requestId").asString()).isEqualTo("trace-member-put-1");
        assertThat(entry.get("details").get("role").asString()).as("details are a JSON object").isEqualTo("OPERATOR");
        assertThat(entry.get("warnings").isArray()).isTrue();
        assertThat(Instant.parse(entry.get("at").asString())).isBeforeOrEqualTo(Instant.now());
        assertThat(entry.get("seq").asLong()).isPositive();
    }

    @Test
    void aRefusedMutationLeavesNoEntry() {
        long before = AuditTrail.watch(roost).headSeq();
        assertThat(admin.post("/api/v1/workspaces", Map.of("name", "audited", "owner", "audit-owner")).status()).isEqualTo(409);
        assertThat(admin.delete("/api/v1/workspaces/audited/members/audit-owner").status()).isEqualTo(409);
        assertThat(admin.put("/api/v1/workspaces/audited/plan", Map.of("plan", "nope")).status()).isEqualTo(400);
        assertThat(admin.patch("/api/v1/users/admin", Map.of("serverAdmin", false)).status()).isEqualTo(409);
        assertThat(AuditTrail.watch(roost).headSeq()).isEqualTo(before);
    }

    @Test
    void filtersNarrowTheLog() {
        assertThat(actions(admin.get("/api/v1/audit?workspace=elsewhere")))
                .containsExactly("member.put", "workspace.create");
        assertThat(actions(admin.get("/api/v1/audit?action=workspace.&workspace=audited")))
                .containsExactly("workspace.create");
        assertThat(items(admin.get("/api/v1/audit?actor=admin&action=member.")))
                .allSatisfy(e -> assertThat(e.get("action").asString()).startsWith("member."))
                .hasSizeGreaterThanOrEqualTo(6);
        assertThat(items(admin.get("/api/v1/audit?actor=nobody"))).isEmpty();
        assertThat(items(admin.get("/api/v1/audit?resourceType=plan"))).as("the built-in plans at first start")
                .extracting(e -> e.get("actor").asString()).containsOnly("roost");

        List<JsonNode> all = items(admin.get("/api/v1/audit?limit=500"));
        Instant newest = Instant.parse(all.get(0).get("at").asString());
        Instant oldest = Instant.parse(all.get(all.size() - 1).get("at").asString());
        assertThat(items(admin.get("/api/v1/audit?limit=500&from=" + newest))).extracting(e -> e.get("seq").asLong())
                .containsExactly(all.get(0).get("seq").asLong());
        assertThat(items(admin.get("/api/v1/audit?limit=500&to=" + newest))).hasSize(all.size() - 1);
        assertThat(items(admin.get("/api/v1/audit?limit=500&from=" + oldest + "&to=" + oldest))).isEmpty();
    }

    @Test
    void pagesWalkTheWholeLogNewestFirstWithoutOverlap() {
        long total = items(admin.get("/api/v1/audit?limit=500")).size();
        List<Long> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            Response page = admin.get("/api/v1/audit?limit=3" + (next == null ? "" : "&before=" + next));
            List<JsonNode> items = items(page);
            assertThat(items).hasSizeLessThanOrEqualTo(3).isNotEmpty();
            items.forEach(e -> seen.add(e.get("seq").asLong()));
            next = page.json().has("next") ? page.json().get("next").asString() : null;
            pages++;
        } while (next != null && pages < 100);
        assertThat(seen).hasSize((int) total).doesNotHaveDuplicates();
        assertThat(seen).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(pages).isEqualTo((int) ((total + 2) / 3));
    }

    @Test
    void badQueryParametersArePointedAt() {
        for (String query : List.of("limit=0", "limit=501", "limit=ten", "before=abc", "before=0", "from=yesterday")) {
            Response r = admin.get("/api/v1/audit?" + query);
            assertThat(r.status()).as(query).isEqualTo(400);
            String name = query.substring(0, query.indexOf('='));
            assertThat(r.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/query/" + name);
        }
    }

    @Test
    void membersReadTheirWorkspacesLogAndNothingElse() {
        ApiClient viewer = roost.login("audit-member-1", TestRoost.password("audit-member-1"));
        List<JsonNode> entries = items(viewer.get("/api/v1/workspaces/audited/audit?limit=500"));
        assertThat(entries).isNotEmpty().allSatisfy(e -> assertThat(e.get("workspace").asString()).isEqualTo("audited"));
        assertThat(entries.get(entries.size() - 1).get("action").asString()).isEqualTo("workspace.create");
        assertThat(actions(viewer.get("/api/v1/workspaces/audited/audit?action=workspace."))).containsExactly("workspace.create");

        assertThat(viewer.get("/api/v1/workspaces/elsewhere/audit").status()).as("not a member there").isEqualTo(404);
        assertThat(viewer.get("/api/v1/workspaces/audited/audit?workspace=elsewhere").status()).isEqualTo(400);
        assertThat(viewer.get("/api/v1/audit").status()).isEqualTo(403);
        assertThat(viewer.get("/api/v1/audit/verify").status()).isEqualTo(403);

        Response firstPage = viewer.get("/api/v1/workspaces/audited/audit?limit=2");
        String next = firstPage.json().get("next").asString();
        Set<Long> seqs = new HashSet<>();
        items(firstPage).forEach(e -> seqs.add(e.get("seq").asLong()));
        items(viewer.get("/api/v1/workspaces/audited/audit?limit=2&before=" + next)).forEach(e -> assertThat(seqs.add(e.get("seq").asLong())).isTrue());
    }

    @Test
    void verificationReportsAnIntactChainAndItsHead() {
        JsonNode v = admin.get("/api/v1/audit/verify").json();
        assertThat(v.get("intact").asBoolean()).isTrue();
        long head = AuditTrail.watch(roost).headSeq();
        assertThat(v.get("headSeq").asLong()).isEqualTo(head);
        assertThat(v.get("entriesChecked").asLong()).isEqualTo(head);
        assertThat(v.get("headHash").asString()).hasSize(64);
        assertThat(v.has("firstBrokenSeq")).isFalse();
    }

    @Test
    void verificationFindsATamperedEntry() {
        try (TestRoost tampered = TestRoost.start()) {
            ApiClient root = tampered.admin();
            tampered.createUser("victim", false);
            for (String name : List.of("one", "two", "three")) {
                root.post("/api/v1/workspaces", Map.of("name", name, "owner", "victim"));
            }
            long target = tampered.server().database().read(s -> s.handle()
                    .createQuery("SELECT seq FROM audit_log WHERE action = 'workspace.create' AND resource_id = 'two'")
                    .mapTo(Long.class).one());
            long head = AuditTrail.watch(tampered).headSeq();

            // The test connects as the database superuser: someone with that power switches the guard off.
            tampered.server().database().transaction(s -> {
                s.handle().execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
                s.handle().execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = " + target);
                s.handle().execute("UPDATE audit_log SET details = 'not json' WHERE seq = " + head);
                return s.handle().execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only");
            });

            JsonNode v = root.get("/api/v1/audit/verify").json();
            assertThat(v.get("intact").asBoolean()).isFalse();
            assertThat(v.get("firstBrokenSeq").asLong()).isEqualTo(target);
            assertThat(v.get("entriesChecked").asLong()).isEqualTo(target - 1);
            assertThat(v.get("reason").asString()).contains("entry " + target).contains("changed");
            assertThat(v.get("headSeq").asLong()).as("the head is still the newest entry").isEqualTo(head);

            Response log = root.get("/api/v1/audit");
            assertThat(log.status()).as("a mangled entry does not hide the rest of the log").isEqualTo(200);
            assertThat(items(log).get(0).get("details").get("unreadable").asString()).isEqualTo("not json");
        }
    }

    @Test
    void everyWorkspaceMutationWritesExactlyOneEntry() {
        roost.createUser("counted", false);
        AuditTrail audit = AuditTrail.watch(roost);
        List<Response> mutations = List.of(
                admin.post("/api/v1/workspaces", Map.of("name", "counted", "owner", "counted")),
                admin.patch("/api/v1/workspaces/counted", Map.of("displayName", "Counted")),
                admin.put("/api/v1/workspaces/counted/plan", Map.of("plan", "team")),
                admin.put("/api/v1/workspaces/counted/members/audit-member-2", Map.of("role", "VIEWER")),
                admin.delete("/api/v1/workspaces/counted/members/audit-member-2"),
                admin.delete("/api/v1/workspaces/counted"));
        assertThat(mutations).allSatisfy(r -> assertThat(r.status()).as(r.body()).isBetween(200, 204));
        assertThat(audit.newEntries()).extracting(e -> e.action()).containsExactly("workspace.create", "workspace.update",
                "workspace.plan-change", "member.put", "member.remove", "workspace.delete");
        assertThat(audit.newEntries()).allSatisfy(e -> assertThat(e.workspace()).isEqualTo("counted"));
        assertThat(admin.get("/api/v1/audit/verify").json().get("intact").asBoolean()).isTrue();
    }
}
