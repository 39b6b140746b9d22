package dev.roost.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ConsoleClient;
import dev.roost.server.testing.ConsoleClient.Response;
import dev.roost.server.testing.TestRoost;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web console over plain HTTP: sign-in and sessions, CSRF refusals, forged posts, what a
 * viewer sees, escaping of hostile text, and the security headers.
 */
class ConsoleHttpTest {
    private static final String HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    private static final String BOT = "/console/w/acme/instances/bot";
    private static TestRoost roost;
    private static ApiClient admin;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withReconcilerEnabled(false));
        roost.server().database().transaction(s -> s.workspaces().create("acme", HOSTILE, "business", null,
                Workspace.DEFAULT_ENVIRONMENTS));
        admin = roost.admin();
        ApiClient.Response r = admin.putText("/api/v1/workspaces/acme/instances/bot", """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: bot, workspace: acme, environment: dev, labels: {team: "support"}}
                spec:
                  runtime: {image: registry.example/bot:1.0.0, cpu: 250m, memory: 128Mi,
                            env: {GREETING: "%s"}}
                """.formatted(HOSTILE.replace("'", "''").replace("\"", "\\\"")), "application/yaml");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        roost.createUser("vic", false);
        roost.addMember("acme", "vic", Role.VIEWER);
        roost.createUser("ophelia", false);
        roost.addMember("acme", "ophelia", Role.OPERATOR);
        roost.createUser("ada", false);
        roost.addMember("acme", "ada", Role.ADMIN);
        roost.createUser("newcomer", false);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static String desiredState() {
        return admin.get("/api/v1/workspaces/acme/instances/bot").json().get("instance").get("desiredState").asString();
    }

    @Test
    void signInSetsAStrictHttpOnlySessionCookieAndSignOutEndsIt() {
        ConsoleClient browser = new ConsoleClient(roost.url());
        Response page = browser.get("/console/login");
        assertThat(page.status()).isEqualTo(200);
        String loginCookie = page.headers().get("set-cookie").get(0);
        assertThat(loginCookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict");
        String token = browser.csrfIn(page.body()).orElseThrow();

        Response wrong = browser.postRaw("/console/login", Map.of("csrf", token, "username", "ophelia", "password", "nope-nope-nope",
                "next", "/console"), Map.of());
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.body()).contains("Wrong username or password").contains("value=\"ophelia\"");

        String again = browser.csrfIn(wrong.body()).orElseThrow();
        Response ok = browser.postRaw("/console/login", Map.of("csrf", again, "username", "ophelia",
                "password", TestRoost.password("ophelia"), "next", "/console/w/acme/instances"), Map.of());
        assertThat(ok.status()).isEqualTo(303);
        assertThat(ok.header("Location")).contains("/console/w/acme/instances");
        String session = ok.headers().get("set-cookie").stream().filter(c -> c.startsWith("roost_console=")).findFirst().orElseThrow();
        assertThat(session).contains("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/console")
                .doesNotContain("Secure"); // plain HTTP here; Secure is set when served over TLS

        Response list = browser.get("/console/w/acme/instances");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).contains("bot").contains("ophelia");

        Response out = browser.post("/console/logout", Map.of("csrf", browser.csrfIn(list.body()).orElseThrow()));
        assertThat(out.status()).isEqualTo(303);
        Response after = browser.get("/console/w/acme/instances");
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.body()).contains("Sign in to Roost");
        assertThat(admin.get("/api/v1/audit?action=auth.log").body()).contains("auth.login").contains("auth.logout");
    }

    @Test
    void aStateChangingRequestWithoutTheSessionsCsrfTokenIsRefusedAndChangesNothing() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        String before = desiredState();
        Response none = operator.postRaw(BOT + "/actions/stop", Map.of(), Map.of());
        assertThat(none.status()).isEqualTo(403);
        assertThat(none.errorCode()).isEqualTo("CSRF_TOKEN_INVALID");
        assertThat(none.body()).contains("CSRF_TOKEN_INVALID");

        Response wrong = operator.postRaw(BOT + "/actions/stop", Map.of("csrf", "not-the-token"), Map.of());
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.errorCode()).isEqualTo("CSRF_TOKEN_INVALID");

        // Another user's token does not fit this session either.
        ConsoleClient viewer = ConsoleClient.withSession(roost, "vic");
        Response borrowed = operator.postRaw(BOT + "/actions/stop", Map.of("csrf", viewer.csrf()), Map.of());
        assertThat(borrowed.status()).isEqualTo(403);
        assertThat(desiredState()).isEqualTo(before);

        Response signIn = new ConsoleClient(roost.url()).postRaw("/console/login", Map.of("username", "ophelia",
                "password", TestRoost.password("ophelia")), Map.of());
        assertThat(signIn.status()).as("a sign-in form without its token").isEqualTo(403);
        assertThat(signIn.errorCode()).isEqualTo("CSRF_TOKEN_INVALID");
    }

    @Test
    void aFormPostedFromAnotherSiteIsRefusedEvenWithTheToken() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        String before = desiredState();
        Response forged = operator.postRaw(BOT + "/actions/stop", Map.of("csrf", operator.csrf()),
                Map.of("Origin", "http://evil.example"));
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.errorCode()).isEqualTo("CSRF_TOKEN_INVALID");
        assertThat(desiredState()).isEqualTo(before);
    }

    @Test
    void aViewerSeesNoMutatingControlAndAForgedPostIsRefused() {
        ConsoleClient viewer = ConsoleClient.withSession(roost, "vic");
        for (String path : List.of("/console/w/acme/instances", BOT, "/console/w/acme/audit", "/console/w/acme/settings")) {
            Response page = viewer.get(path);
            assertThat(page.status()).as(path).isEqualTo(200);
            List<String> forms = Pattern.compile("<form[^>]*method=\"post\"[^>]*action=\"([^\"]+)\"").matcher(page.body()).results()
                    .map(m -> m.group(1)).toList();
            assertThat(forms).as("post forms a viewer sees on " + path).containsExactly("/console/logout");
            assertThat(page.body()).doesNotContain("New instance").doesNotContain("Edit manifest").doesNotContain("Live logs");
        }
        // The same buttons are there for an operator.
        Response operatorPage = ConsoleClient.withSession(roost, "ophelia").get(BOT);
        assertThat(operatorPage.body()).contains(BOT + "/actions/stop").contains("Edit manifest").doesNotContain(BOT + "/delete");

        // A viewer who posts the form anyway, with a valid token, is refused by the server.
        for (String action : List.of("/actions/stop", "/delete", "/rollback", "/edit")) {
            Response r = viewer.post(BOT + action, Map.of("to", "1", "manifest", "x: 1"));
            assertThat(r.status()).as(action).isEqualTo(403);
            assertThat(r.errorCode()).isEqualTo("FORBIDDEN");
        }
        assertThat(viewer.get(BOT + "/edit").status()).isEqualTo(403);
        assertThat(viewer.get(BOT + "/logs/stream").status()).isEqualTo(403);
        assertThat(admin.get("/api/v1/workspaces/acme/instances/bot").status()).isEqualTo(200);
    }

    @Test
    void hostileTextIsEscapedEverywhereItIsShown() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        Response settings = operator.get("/console/w/acme/settings");
        Response detail = operator.get(BOT);
        Response search = operator.get("/console/w/acme/instances?q=" + java.net.URLEncoder.encode(HOSTILE,
                java.nio.charset.StandardCharsets.UTF_8));
        Response missing = operator.get("/console/w/acme/instances/" + "no-such%3Cb%3E");
        for (Response page : List.of(settings, detail, search, missing)) {
            assertThat(page.body()).doesNotContain("<script>alert").doesNotContain("<img src=x").doesNotContain("<b>");
        }
        assertThat(settings.body()).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
        assertThat(detail.body()).contains("&lt;img src=x onerror=alert(1)&gt;");
        assertThat(search.body()).contains("value=\"&lt;script&gt;alert(&#39;x&#39;)");
    }

    @Test
    void everyPageCarriesAStrictContentSecurityPolicyAndNoInlineScript() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        List<Response> pages = List.of(new ConsoleClient(roost.url()).get("/console/login"), operator.get("/console/w/acme/instances"),
                operator.get(BOT), operator.get(BOT + "/edit"), operator.get(BOT + "/diff?from=1&to=1"), operator.get(BOT + "/logs"),
                operator.get("/console/w/acme/new"), operator.get("/console/w/acme/new?template=telegram-bot"),
                operator.get("/console/w/acme/audit"), operator.get("/console/w/acme/settings"), operator.get("/console/w/nowhere/instances"),
                operator.get("/console/no-such-page"));
        for (Response page : pages) {
            String csp = page.header("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'").contains("script-src 'self'").contains("frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval");
            assertThat(page.header("X-Frame-Options")).contains("DENY");
            assertThat(page.header("X-Content-Type-Options")).contains("nosniff");
            assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\ssrc=\"/console/static/)")
                    .doesNotContainPattern("<[^>]*\\son[a-z]+=").doesNotContainPattern("<[^>]*\\sstyle=")
                    .doesNotContainPattern("(src|href|action)=\"(https?:)?//");
        }
        assertThat(pages.get(pages.size() - 1).status()).isEqualTo(404);
        assertThat(pages.get(pages.size() - 1).body()).contains("There is no route");
        Response htmx = new ConsoleClient(roost.url()).get("/console/static/htmx.min.js");
        assertThat(htmx.status()).isEqualTo(200);
        assertThat(htmx.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        assertThat(htmx.body()).contains("htmx");
        assertThat(new ConsoleClient(roost.url()).get("/console/static/..%2Fsecret").status()).isEqualTo(404);
    }

    @Test
    void anInvalidManifestIsShownWithItsErrorsAndStoresNothing() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        int before = admin.get("/api/v1/workspaces/acme/instances/bot").json().get("instance").get("version").asInt();
        String edited = operator.get(BOT + "/edit").body();
        assertThat(edited).contains("registry.example/bot:1.0.0");
        Response r = operator.post(BOT + "/edit", Map.of("manifest", """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: bot, workspace: acme, environment: dev}
                spec:
                  runtime: {image: "registry.example/bot:latest", cpu: 250m, memory: 128Mi}
                """));
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.body()).contains("POLICY_VIOLATION").contains("/spec/runtime/image").contains("registry.example/bot:latest")
                .contains("aria-invalid=\"true\"");
        assertThat(admin.get("/api/v1/workspaces/acme/instances/bot").json().get("instance").get("version").asInt()).isEqualTo(before);
    }

    @Test
    void anAdminManagesMembersThroughTheSameRulesAsTheApi() {
        ConsoleClient ada = ConsoleClient.withSession(roost, "ada");
        assertThat(ada.get("/console/w/acme/settings").body()).contains("/console/w/acme/members").contains("Add member");
        Response added = ada.post("/console/w/acme/members", Map.of("username", "newcomer", "role", "OPERATOR"));
        assertThat(added.status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/workspaces/acme/members").body()).contains("\"username\":\"newcomer\",\"role\":\"OPERATOR\"");

        // An admin may not make someone an owner: the API's member rules answer, on the page.
        Response refused = ada.post("/console/w/acme/members", Map.of("username", "newcomer", "role", "OWNER"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).contains("class=\"error\"").contains("Settings of");
        assertThat(admin.get("/api/v1/workspaces/acme/members").body()).contains("\"username\":\"newcomer\",\"role\":\"OPERATOR\"");

        assertThat(ada.post("/console/w/acme/members/newcomer/remove", Map.of()).status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/workspaces/acme/members").body()).doesNotContain("newcomer");
        assertThat(admin.get("/api/v1/workspaces/acme/audit?action=member.").body()).contains("member.put").contains("member.remove")
                .contains("\"actor\":\"ada\"");
    }

    @Test
    void sideBySideDiffPairsChangedLines() {
        List<SideBySide.Row> rows = SideBySide.of("a: 1\nb: 2\nc: 3\n", "a: 1\nb: 5\nc: 3\nd: 4\n");
        assertThat(rows).extracting(SideBySide.Row::kind).containsExactly(SideBySide.Kind.SAME, SideBySide.Kind.CHANGED,
                SideBySide.Kind.SAME, SideBySide.Kind.ADDED);
        assertThat(rows.get(1).left()).isEqualTo("b: 2");
        assertThat(rows.get(1).right()).isEqualTo("b: 5");
        assertThat(InstancePages.lineOf("apiVersion: x\nspec:\n  runtime:\n    image: y\n", "/spec/runtime/image")).contains(4);
    }
}
