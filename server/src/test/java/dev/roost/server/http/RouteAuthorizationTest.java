package dev.roost.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.identity.User;
import dev.roost.core.instance.ManifestVersion;
import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import dev.roost.store.Rows;
import dev.roost.store.Session;
import dev.roost.store.instances.InstanceRepository;
import io.javalin.router.ParsedEndpoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every registered route × every kind of caller. The expected rule of each route is written
 * here, independently of the route's own declaration, so a new route without a line in
 * {@link #EXPECTED} fails the build, and so does a route whose rule changes silently.
 */
class RouteAuthorizationTest {
    /**
     * The callers: not signed in, the four workspace roles, another workspace's owner, a server
     * admin, and a joined worker node holding its node JWT.
     */
    enum Caller { ANONYMOUS, VIEWER, OPERATOR, ADMIN, OWNER, OTHER_OWNER, SERVER_ADMIN, NODE }

    /** Who may call a route, as this test expects it. */
    sealed interface Rule permits Anyone, SignedIn, ServerAdmin, Member, SignedBySender, NodeOnly, VirtualKeyOnly {
    }

    record Anyone() implements Rule {
    }

    record SignedIn() implements Rule {
    }

    record ServerAdmin() implements Rule {
    }

    record Member(Role minimum) implements Rule {
    }

    /**
     * Public as far as Roost sign-in goes, but only calls signed by the sender get through: every
     * caller here, signed in to Roost or not, sends no signature and must get 401
     * WEBHOOK_SIGNATURE_INVALID (never 403, never a hidden workspace).
     */
    record SignedBySender() implements Rule {
    }

    /**
     * The model gateway's data plane: only a virtual key gets in. No caller here holds one, so
     * every caller, signed in to Roost or not, must get 401 GATEWAY_KEY_INVALID: a Roost access
     * token is not a virtual key.
     */
    record VirtualKeyOnly() implements Rule {
    }

    /** A joined node with its node JWT, and nobody else: users, whatever their role, get 403. */
    record NodeOnly() implements Rule {
    }

    private static final Rule ANYONE = new Anyone();
    private static final Rule NODE_ONLY = new NodeOnly();
    private static final Rule SIGNED_IN = new SignedIn();
    private static final Rule SERVER_ADMIN = new ServerAdmin();
    private static final Rule VIEWER = new Member(Role.VIEWER);
    private static final Rule OPERATOR = new Member(Role.OPERATOR);
    private static final Rule ADMIN = new Member(Role.ADMIN);
    private static final Rule SIGNED_BY_SENDER = new SignedBySender();
    private static final Rule VIRTUAL_KEY = new VirtualKeyOnly();

    private static final String I = "/api/v1/workspaces/{ws}/instances";
    private static final String S = "/api/v1/workspaces/{ws}/secrets";
    private static final String C = "/console/w/{ws}";

    static final Map<String, Rule> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("GET /healthz", ANYONE);
        EXPECTED.put("GET /readyz", ANYONE);
        EXPECTED.put("GET /metrics", SERVER_ADMIN);
        EXPECTED.put("GET /api/openapi.json", SIGNED_IN);
        EXPECTED.put("GET /api/v1/schemas/agent-instance.json", SIGNED_IN);
        EXPECTED.put("GET /api/v1/schemas/template.json", SIGNED_IN);
        EXPECTED.put("GET /api/v1/policies", SIGNED_IN);

        EXPECTED.put("POST /api/v1/auth/login", ANYONE);
        EXPECTED.put("POST /api/v1/auth/refresh", ANYONE);
        EXPECTED.put("POST /api/v1/auth/logout", ANYONE);
        EXPECTED.put("GET /api/v1/auth/me", SIGNED_IN);
        EXPECTED.put("POST /api/v1/auth/password", SIGNED_IN);
        EXPECTED.put("POST /api/v1/tokens", SIGNED_IN);
        EXPECTED.put("GET /api/v1/tokens", SIGNED_IN);
        EXPECTED.put("DELETE /api/v1/tokens/{id}", SIGNED_IN);

        EXPECTED.put("GET /api/v1/users", SERVER_ADMIN);
        EXPECTED.put("POST /api/v1/users", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/users/{username}", SERVER_ADMIN);
        EXPECTED.put("PATCH /api/v1/users/{username}", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/users/{username}", SERVER_ADMIN);

        EXPECTED.put("GET /api/v1/plans", SIGNED_IN);
        EXPECTED.put("GET /api/v1/plans/{plan}", SIGNED_IN);
        EXPECTED.put("POST /api/v1/plans", SERVER_ADMIN);
        EXPECTED.put("PUT /api/v1/plans/{plan}", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/plans/{plan}", SERVER_ADMIN);

        EXPECTED.put("GET /api/v1/templates", SIGNED_IN);
        EXPECTED.put("GET /api/v1/templates/{name}", SIGNED_IN);
        EXPECTED.put("POST /api/v1/templates", SERVER_ADMIN);
        EXPECTED.put("PUT /api/v1/templates/{name}", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/templates/{name}", SERVER_ADMIN);

        EXPECTED.put("GET /api/v1/audit", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/audit/verify", SERVER_ADMIN);

        EXPECTED.put("GET /api/v1/workspaces", SIGNED_IN);
        EXPECTED.put("POST /api/v1/workspaces", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/workspaces/{ws}", VIEWER);
        EXPECTED.put("PATCH /api/v1/workspaces/{ws}", ADMIN);
        EXPECTED.put("PUT /api/v1/workspaces/{ws}/plan", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/workspaces/{ws}", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/audit", VIEWER);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/members", VIEWER);
        EXPECTED.put("PUT /api/v1/workspaces/{ws}/members/{username}", ADMIN);
        EXPECTED.put("DELETE /api/v1/workspaces/{ws}/members/{username}", ADMIN);

        EXPECTED.put("GET " + I, VIEWER);
        EXPECTED.put("POST " + I, OPERATOR);
        EXPECTED.put("PUT " + I + "/{name}", OPERATOR);
        EXPECTED.put("GET " + I + "/{name}", VIEWER);
        EXPECTED.put("DELETE " + I + "/{name}", ADMIN);
        EXPECTED.put("GET " + I + "/{name}/versions", VIEWER);
        EXPECTED.put("GET " + I + "/{name}/versions/{version}", VIEWER);
        EXPECTED.put("GET " + I + "/{name}/diff", VIEWER);
        EXPECTED.put("POST " + I + "/{name}/rename", OPERATOR);
        EXPECTED.put("PUT " + I + "/{name}/tags/{tag}", OPERATOR);
        EXPECTED.put("DELETE " + I + "/{name}/tags/{tag}", OPERATOR);
        EXPECTED.put("POST " + I + "/{name}/rollback", OPERATOR);
        EXPECTED.put("POST " + I + "/{name}/actions/{action}", OPERATOR);
        EXPECTED.put("GET " + I + "/{name}/events", VIEWER);
        EXPECTED.put("GET " + I + "/{name}/plan", VIEWER);
        EXPECTED.put("GET " + I + "/{name}/logs", OPERATOR);

        EXPECTED.put("POST /hooks/{ws}/{instance}/<path>", SIGNED_BY_SENDER);

        EXPECTED.put("POST /api/v1/nodes/tokens", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/nodes/tokens", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/nodes/tokens/{id}", SERVER_ADMIN);
        EXPECTED.put("POST /api/v1/nodes/join", ANYONE);
        EXPECTED.put("POST /api/v1/nodes/renew", ANYONE);
        EXPECTED.put("POST /api/v1/nodes/self/heartbeat", NODE_ONLY);
        EXPECTED.put("GET /api/v1/nodes", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/nodes/{id}", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/nodes/{id}/instances", SERVER_ADMIN);
        EXPECTED.put("PUT /api/v1/nodes/{id}/config", SERVER_ADMIN);
        EXPECTED.put("POST /api/v1/nodes/{id}/cordon", SERVER_ADMIN);
        EXPECTED.put("POST /api/v1/nodes/{id}/uncordon", SERVER_ADMIN);
        EXPECTED.put("POST /api/v1/nodes/{id}/drain", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/nodes/{id}", SERVER_ADMIN);

        EXPECTED.put("POST /api/v1/workspaces/{ws}/tasks", OPERATOR);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/tasks", VIEWER);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/tasks/{id}", VIEWER);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/tasks/{id}/result", OPERATOR);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/tasks/{id}/output", OPERATOR);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/tasks/{id}/artifacts", OPERATOR);
        EXPECTED.put("GET /api/v1/workspaces/{ws}/tasks/{id}/artifacts/<path>", OPERATOR);
        EXPECTED.put("POST /api/v1/workspaces/{ws}/tasks/{id}/cancel", OPERATOR);
        EXPECTED.put("POST /api/v1/nodes/self/claim", NODE_ONLY);
        EXPECTED.put("POST /api/v1/nodes/self/leases", NODE_ONLY);
        EXPECTED.put("POST /api/v1/nodes/self/jobs/{id}/output", NODE_ONLY);
        EXPECTED.put("POST /api/v1/nodes/self/jobs/{id}/artifacts", NODE_ONLY);
        EXPECTED.put("POST /api/v1/nodes/self/jobs/{id}/complete", NODE_ONLY);
        EXPECTED.put("POST /api/v1/nodes/self/jobs/{id}/fail", NODE_ONLY);
        EXPECTED.put("POST /api/v1/nodes/self/jails/sync", NODE_ONLY);
        EXPECTED.put("POST /api/v1/nodes/self/jails/calls/{id}", NODE_ONLY);

        EXPECTED.put("GET " + S, VIEWER);
        EXPECTED.put("GET " + S + "/{name}", VIEWER);
        EXPECTED.put("PUT " + S + "/{name}", OPERATOR);
        EXPECTED.put("DELETE " + S + "/{name}", ADMIN);
        EXPECTED.put("POST " + S + "/{name}/verify", OPERATOR);

        String ws = "/api/v1/workspaces/{ws}";
        EXPECTED.put("POST " + ws + "/keys", ADMIN);
        EXPECTED.put("GET " + ws + "/keys", VIEWER);
        EXPECTED.put("DELETE " + ws + "/keys/{id}", ADMIN);
        EXPECTED.put("POST " + ws + "/providers", ADMIN);
        EXPECTED.put("GET " + ws + "/providers", VIEWER);
        EXPECTED.put("DELETE " + ws + "/providers/{name}", ADMIN);
        EXPECTED.put("PUT " + ws + "/models/{alias}", ADMIN);
        EXPECTED.put("GET " + ws + "/models", VIEWER);
        EXPECTED.put("DELETE " + ws + "/models/{alias}", ADMIN);
        EXPECTED.put("GET " + ws + "/usage", VIEWER);
        EXPECTED.put("GET " + ws + "/inference", VIEWER);
        EXPECTED.put("POST /api/v1/gateway/providers", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/gateway/providers", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/gateway/providers/{name}", SERVER_ADMIN);
        EXPECTED.put("PUT /api/v1/gateway/models/{alias}", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/gateway/models", SERVER_ADMIN);
        EXPECTED.put("DELETE /api/v1/gateway/models/{alias}", SERVER_ADMIN);
        EXPECTED.put("GET /api/v1/gateway/prices", SERVER_ADMIN);
        EXPECTED.put("PUT /api/v1/gateway/prices", SERVER_ADMIN);
        EXPECTED.put("POST /v1/chat/completions", VIRTUAL_KEY);
        EXPECTED.put("POST /v1/responses", VIRTUAL_KEY);
        EXPECTED.put("POST /v1/embeddings", VIRTUAL_KEY);
        EXPECTED.put("GET /v1/models", VIRTUAL_KEY);
        EXPECTED.put("POST /v1/messages", VIRTUAL_KEY);
        EXPECTED.put("POST /v1/messages/count_tokens", VIRTUAL_KEY);
        EXPECTED.put("POST /v1beta/models/{model}", VIRTUAL_KEY);
        EXPECTED.put("POST /v1/models/{model}", VIRTUAL_KEY);
        // The web console: signed in with a session cookie instead of a bearer token, same rules.
        EXPECTED.put("GET /console", SIGNED_IN);
        EXPECTED.put("GET /console/login", ANYONE);
        EXPECTED.put("POST /console/login", ANYONE);
        EXPECTED.put("POST /console/logout", SIGNED_IN);
        EXPECTED.put("GET /console/switch", SIGNED_IN);
        EXPECTED.put("GET /console/static/{file}", ANYONE);
        EXPECTED.put("GET " + C, VIEWER);
        EXPECTED.put("GET " + C + "/instances", VIEWER);
        EXPECTED.put("GET " + C + "/instances-table", VIEWER);
        EXPECTED.put("GET " + C + "/instances/{name}", VIEWER);
        EXPECTED.put("GET " + C + "/instances/{name}/events-timeline", VIEWER);
        EXPECTED.put("GET " + C + "/instances/{name}/diff", VIEWER);
        EXPECTED.put("GET " + C + "/instances/{name}/gateway-use", VIEWER);
        EXPECTED.put("GET " + C + "/instances/{name}/edit", OPERATOR);
        EXPECTED.put("POST " + C + "/instances/{name}/edit", OPERATOR);
        EXPECTED.put("POST " + C + "/instances/{name}/actions/{action}", OPERATOR);
        EXPECTED.put("POST " + C + "/instances/{name}/rollback", OPERATOR);
        EXPECTED.put("POST " + C + "/instances/{name}/delete", ADMIN);
        EXPECTED.put("GET " + C + "/instances/{name}/logs", OPERATOR);
        EXPECTED.put("GET " + C + "/instances/{name}/logs/stream", OPERATOR);
        EXPECTED.put("GET " + C + "/new", OPERATOR);
        EXPECTED.put("POST " + C + "/new/review", OPERATOR);
        EXPECTED.put("POST " + C + "/new", OPERATOR);
        EXPECTED.put("GET " + C + "/audit", VIEWER);
        EXPECTED.put("GET " + C + "/settings", VIEWER);
        EXPECTED.put("POST " + C + "/members", ADMIN);
        EXPECTED.put("POST " + C + "/members/{username}/remove", ADMIN);
        EXPECTED.put("POST " + C + "/secrets", OPERATOR);
        EXPECTED.put("POST " + C + "/secrets/{name}/delete", ADMIN);
        EXPECTED.put("GET " + C + "/tasks", VIEWER);
        EXPECTED.put("GET " + C + "/tasks-table", VIEWER);
        EXPECTED.put("GET " + C + "/tasks/new", OPERATOR);
        EXPECTED.put("POST " + C + "/tasks", OPERATOR);
        EXPECTED.put("GET " + C + "/tasks/{id}", VIEWER);
        EXPECTED.put("GET " + C + "/tasks/{id}/summary", VIEWER);
        EXPECTED.put("GET " + C + "/tasks/{id}/output/stream", OPERATOR);
        EXPECTED.put("GET " + C + "/tasks/{id}/artifacts/<path>", OPERATOR);
        EXPECTED.put("POST " + C + "/tasks/{id}/cancel", OPERATOR);
        EXPECTED.put("GET " + C + "/gateway", VIEWER);
        EXPECTED.put("GET " + C + "/gateway/keys", VIEWER);
        EXPECTED.put("POST " + C + "/gateway/keys", ADMIN);
        EXPECTED.put("POST " + C + "/gateway/keys/{id}/revoke", ADMIN);
        EXPECTED.put("GET " + C + "/gateway/providers", VIEWER);
        EXPECTED.put("POST " + C + "/gateway/providers", ADMIN);
        EXPECTED.put("POST " + C + "/gateway/providers/{name}/remove", ADMIN);
        EXPECTED.put("POST " + C + "/gateway/models", ADMIN);
        EXPECTED.put("POST " + C + "/gateway/models/{alias}/remove", ADMIN);
        EXPECTED.put("GET " + C + "/gateway/usage", VIEWER);
        EXPECTED.put("GET /console/nodes", SERVER_ADMIN);
        EXPECTED.put("GET /console/nodes/{id}", SERVER_ADMIN);
        EXPECTED.put("POST /console/nodes/{id}/actions/{action}", SERVER_ADMIN);
        EXPECTED.put("POST /console/nodes/tokens", SERVER_ADMIN);
        EXPECTED.put("POST /console/nodes/tokens/{id}/revoke", SERVER_ADMIN);
    }

    private static TestRoost roost;
    private static final Map<Caller, ApiClient> clients = new LinkedHashMap<>();
    /** The username of each caller that can have a console session (nodes and anonymous callers cannot). */
    private static final Map<Caller, String> usernames = Map.of(Caller.VIEWER, "vic", Caller.OPERATOR, "ophelia", Caller.ADMIN, "ada",
            Caller.OWNER, "otto", Caller.OTHER_OWNER, "gus", Caller.SERVER_ADMIN, TestRoost.ADMIN);

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        roost.createWorkspace("acme", "business");
        roost.createWorkspace("globex", "team");
        clients.put(Caller.ANONYMOUS, roost.anonymous());
        clients.put(Caller.VIEWER, roost.member("acme", "vic", Role.VIEWER));
        clients.put(Caller.OPERATOR, roost.member("acme", "ophelia", Role.OPERATOR));
        clients.put(Caller.ADMIN, roost.member("acme", "ada", Role.ADMIN));
        clients.put(Caller.OWNER, roost.member("acme", "otto", Role.OWNER));
        clients.put(Caller.OTHER_OWNER, roost.member("globex", "gus", Role.OWNER));
        clients.put(Caller.SERVER_ADMIN, roost.admin());
        clients.put(Caller.NODE, roost.joinNode("route-test-node"));
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    @Test
    void everyRegisteredRouteHasAnExpectedRule() {
        Set<String> registered = roost.server().http().javalin().unsafe.internalRouter.allHttpHandlers().stream()
                .map((ParsedEndpoint e) -> e.endpoint.method.name() + " " + e.endpoint.path)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(registered)
                .as("a route was added or removed: give it a line in RouteAuthorizationTest.EXPECTED")
                .containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    }

    @Test
    void eachRouteDeclaresTheRuleThisTestExpects() {
        for (ApiRoute route : roost.server().http().routes()) {
            Rule expected = EXPECTED.get(route.key());
            Rule declared = switch (route.access()) {
                case Access.Public p -> ANYONE;
                case Access.SenderSignature p -> SIGNED_BY_SENDER;
                case Access.GatewayKey g -> VIRTUAL_KEY;
                case Access.Authenticated a -> SIGNED_IN;
                case Access.ServerAdmin s -> SERVER_ADMIN;
                case Access.NodeCaller n -> NODE_ONLY;
                case Access.MetricsReader m -> SERVER_ADMIN; // or the metrics token, tested in AuthApiTest
                case Access.WorkspaceRole w -> new Member(w.minimum());
            };
            assertThat(declared).as(route.key()).isEqualTo(expected);
        }
    }

    @Test
    void everyRouteAnswersEveryCallerAsExpected() {
        List<String> failures = new ArrayList<>();
        // Refusals first: they must not change anything.
        for (var entry : EXPECTED.entrySet()) {
            for (Caller caller : Caller.values()) {
                if (!allowed(entry.getValue(), caller)) {
                    check(entry.getKey(), entry.getValue(), caller, failures);
                }
            }
        }
        for (var entry : EXPECTED.entrySet()) {
            for (Caller caller : Caller.values()) {
                if (allowed(entry.getValue(), caller)) {
                    check(entry.getKey(), entry.getValue(), caller, failures);
                }
            }
        }
        assertThat(failures).as("route × caller answers").isEmpty();
    }

    private static boolean allowed(Rule rule, Caller caller) {
        return switch (rule) {
            case Anyone a -> true;
            case SignedBySender a -> true;
            case VirtualKeyOnly v -> true;
            case SignedIn s -> caller != Caller.ANONYMOUS && caller != Caller.NODE;
            case ServerAdmin s -> caller == Caller.SERVER_ADMIN;
            case NodeOnly n -> caller == Caller.NODE;
            case Member m -> caller == Caller.SERVER_ADMIN || roleOf(caller) != null && roleOf(caller).atLeast(m.minimum());
        };
    }

    private static Role roleOf(Caller caller) {
        return switch (caller) {
            case VIEWER -> Role.VIEWER;
            case OPERATOR -> Role.OPERATOR;
            case ADMIN -> Role.ADMIN;
            case OWNER -> Role.OWNER;
            default -> null;
        };
    }

    private static void check(String key, Rule rule, Caller caller, List<String> failures) {
        ensureFixtures();
        String method = key.substring(0, key.indexOf(' '));
        String path = key.substring(key.indexOf(' ') + 1)
                .replace("{ws}", "acme")
                .replace("/instances/{name}", "/instances/bot")
                .replace("/secrets/{name}", "/secrets/fixture-secret")
                .replace("/templates/{name}", "/templates/fixture-template")
                .replace("{plan}", "fixture-plan")
                .replace("{username}", "someone")
                .replace("{id}", UUID.randomUUID().toString())
                .replace("{version}", "1")
                .replace("{tag}", "stable")
                .replace("{action}", "restart")
                .replace("{alias}", "fixture-alias")
                .replace("/providers/{name}", "/providers/fixture-provider")
                .replace("{instance}", "hook")
                .replace("{file}", "console.css")
                .replace("{model}", "gemini-2.5-flash:generateContent")
                .replace("<path>", "incoming");
        Response r;
        if (path.startsWith("/console")) {
            r = console(method, path, caller);
        } else {
            byte[] body = method.equals("GET") || method.equals("DELETE") ? null : "{}".getBytes();
            r = clients.get(caller).send(method, path, body, body == null ? null : "application/json", Map.of());
        }
        // A node cannot hold a console session: to the console it is anonymous.
        String verdict = verdict(rule, path.startsWith("/console") && caller == Caller.NODE ? Caller.ANONYMOUS : caller, r);
        if (verdict != null) {
            failures.add(key + " as " + caller + ": " + verdict + " (got " + r.status() + " " + r.code() + ")");
        }
    }

    /**
     * A console request by {@code caller}: a fresh session cookie each time (sign-out ends one) and
     * the session's CSRF token on forms. Nodes and anonymous callers have no console session.
     */
    private static Response console(String method, String path, Caller caller) {
        String username = usernames.get(caller);
        dev.roost.server.testing.ConsoleClient client = username == null ? new dev.roost.server.testing.ConsoleClient(roost.url())
                : dev.roost.server.testing.ConsoleClient.withSession(roost, username);
        String token = client.csrf() == null ? "anonymous-form-token-0123456789" : client.csrf();
        client.setCookie("roost_console_login", token); // the sign-in form's double-submit cookie
        var answer = method.equals("GET") ? client.get(path)
                : client.postRaw(path, Map.of("csrf", token), Map.of());
        return new Response(answer.status(), answer.headers(), answer.body());
    }

    /** Null when the answer is right for this caller, else what is wrong. */
    private static String verdict(Rule rule, Caller caller, Response r) {
        if (r.status() >= 500) {
            return "server error";
        }
        if (rule instanceof SignedBySender) {
            return r.status() == 401 && "WEBHOOK_SIGNATURE_INVALID".equals(r.code()) ? null
                    : "should be 401 WEBHOOK_SIGNATURE_INVALID, whoever signed in to Roost";
        }
        if (rule instanceof VirtualKeyOnly) {
            return r.status() == 401 && "GATEWAY_KEY_INVALID".equals(r.gatewayCode()) ? null
                    : "should be 401 GATEWAY_KEY_INVALID: only a virtual key opens the model gateway";
        }
        boolean workspaceHidden = r.status() == 404 && String.valueOf(r.body()).contains("Workspace acme");
        if (allowed(rule, caller)) {
            return r.status() == 401 || r.status() == 403 || workspaceHidden ? "should be allowed" : null;
        }
        if (caller == Caller.ANONYMOUS) {
            return r.status() == 401 ? null : "should be 401";
        }
        if (rule instanceof Member && caller == Caller.OTHER_OWNER) {
            return workspaceHidden ? null : "another tenant should get 404 for the workspace";
        }
        return r.status() == 403 ? null : "should be 403";
    }

    /** Recreates whatever an allowed request removed: the target user, plan, template, instance, tag, secret. */
    private static void ensureFixtures() {
        roost.server().database().transaction((Session s) -> {
            Workspace acme = s.workspaces().findByName("acme").orElseThrow();
            User someone = s.users().findByUsername("someone").orElseGet(() -> s.users().create("someone", "Someone", null, false));
            s.memberships().put(acme.id(), someone.id(), Role.VIEWER);
            if (s.plans().find("fixture-plan").isEmpty()) {
                s.plans().create(new Plan("fixture-plan", "for tests", new Quota(1, 1000, 1L << 30, 1000, 1L << 30)), false);
            }
            if (s.templates().find("fixture-template").isEmpty()) {
                String document = s.templates().find("webhook-bot").orElseThrow().document()
                        .replace("name: webhook-bot", "name: fixture-template");
                s.templates().create("fixture-template", "for tests", document, false, "test");
            }
            if (s.instances().find(acme.id(), "bot").isEmpty()) {
                var bot = s.instances().create(acme.id(), "bot", new InstanceRepository.Summary("prod", Map.of(),
                        "registry.example/bot:1.0.0", 100, 64L << 20, 1, null), "test");
                String manifest = """
                        {"apiVersion":"roost/v1","kind":"AgentInstance","metadata":{"environment":"prod","name":"bot",
                        "workspace":"acme"},"spec":{"runtime":{"cpu":"100m","image":"registry.example/bot:1.0.0",
                        "memory":"64Mi"}}}""";
                s.manifests().append(new ManifestVersion(bot.id(), 1, manifest, "fixture", "test", List.of(), "test", Rows.now()));
            }
            if (s.instances().find(acme.id(), "hook").isEmpty()) {
                var hook = s.instances().create(acme.id(), "hook", new InstanceRepository.Summary("prod", Map.of(),
                        "registry.example/hook:1.0.0", 100, 64L << 20, 1, null), "test");
                String manifest = """
                        {"apiVersion":"roost/v1","kind":"AgentInstance","metadata":{"environment":"prod","name":"hook",
                        "workspace":"acme"},"spec":{"runtime":{"cpu":"100m","image":"registry.example/hook:1.0.0",
                        "memory":"64Mi"},"network":{"inbound":"WEBHOOK","ports":[{"name":"http","port":8080}]},
                        "channels":{"webhook":{"path":"/incoming","signingSecret":"secret:fixture-secret"}}}}""";
                s.manifests().append(new ManifestVersion(hook.id(), 1, manifest, "fixture", "test", List.of(), "test", Rows.now()));
            }
            var bot = s.instances().find(acme.id(), "bot").orElseThrow();
            if (s.manifests().resolveTag(bot.id(), "stable").isEmpty()) {
                s.manifests().putTag(bot.id(), "stable", 1, "test");
            }
            if (roost.server().secrets().find(s, acme.id(), "fixture-secret").isEmpty()) {
                roost.server().secrets().put(s, acme.id(), "fixture-secret", "fixture value".getBytes(), "test", Rows.now());
            }
            return null;
        });
    }

}
