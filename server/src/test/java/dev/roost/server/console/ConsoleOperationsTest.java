package dev.roost.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.workspace.Role;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ConsoleClient;
import dev.roost.server.testing.ConsoleClient.Response;
import dev.roost.server.testing.PlayedNode;
import dev.roost.server.testing.TestRoost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The console's tasks, nodes, gateway and secret pages over plain HTTP: what each role sees and
 * may do, that the forms go through the API's rules (refusals shown on the page, nothing stored),
 * that keys and join tokens are shown once and secret values never, and the security headers.
 */
class ConsoleOperationsTest {
    private static final String WS = "/console/w/acme";
    private static final String TASKS_API = "/api/v1/workspaces/acme/tasks";
    private static final String PROVIDER_KEY = "sk-canary-provider-9d41e0c7";
    private static final String SECRET_VALUE = "canary-secret-value-5b2f";
    private static TestRoost roost;
    private static ApiClient admin;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withReconcilerEnabled(false));
        roost.createWorkspace("acme", "business");
        admin = roost.admin();
        roost.createUser("vic", false);
        roost.addMember("acme", "vic", Role.VIEWER);
        roost.createUser("ophelia", false);
        roost.addMember("acme", "ophelia", Role.OPERATOR);
        roost.createUser("ada", false);
        roost.addMember("acme", "ada", Role.ADMIN);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static long count(String table) {
        return roost.server().database().read(s -> s.handle().createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    private static List<String> postForms(String html) {
        return Pattern.compile("<form[^>]*method=\"post\"[^>]*action=\"([^\"]+)\"").matcher(html).results().map(m -> m.group(1)).toList();
    }

    // ---- tasks ------------------------------------------------------------------------------

    @Test
    void anOperatorSubmitsCommandsAndSeesTheOutputAndResultOnTheTaskPage() throws Exception {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        Response form = operator.get(WS + "/tasks/new");
        assertThat(form.status()).isEqualTo(200);
        String key = Pattern.compile("name=\"idempotencyKey\" value=\"([^\"]+)\"").matcher(form.body()).results().findFirst()
                .orElseThrow().group(1);
        PlayedNode node = PlayedNode.join(roost, "console-runner");
        Map<String, String> fields = Map.of("mode", "commands", "commands", "echo 'hello world' \"a b\"\nsh -c 'exit 3'",
                "timeoutSeconds", "30", "memoryMiB", "64", "idempotencyKey", key);
        Response submitted = operator.post(WS + "/tasks", fields);
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(303);
        String location = submitted.header("Location").orElseThrow();
        assertThat(location).matches(WS + "/tasks/[0-9a-f-]{36}\\?notice=submitted");
        String id = location.substring((WS + "/tasks/").length(), location.indexOf('?'));
        // The same form sent twice (a double click, a reload) is one task: the form's idempotency key.
        assertThat(operator.post(WS + "/tasks", fields).header("Location").orElseThrow()).contains(id);
        JsonNode stored = admin.get(TASKS_API + "/" + id).json();
        assertThat(stored.get("mode").asString()).isEqualTo("commands");
        assertThat(stored.get("timeoutSeconds").asInt()).isEqualTo(30);
        assertThat(admin.get(TASKS_API).json().get("items")).hasSize(1);

        Response queued = operator.get(location);
        assertThat(queued.body()).contains("QUEUED").contains("data-task-stream=\"" + WS + "/tasks/" + id + "/output/stream\"")
                .contains("Cancel task");

        PlayedNode.Claimed job = node.claim();
        assertThat(job.id()).isEqualTo(id);
        // The node's page lists what it runs now, in any workspace, for a server admin.
        assertThat(ConsoleClient.withSession(roost, TestRoost.ADMIN).get("/console/nodes/" + node.id()).body())
                .contains(WS + "/tasks/" + id).contains("acme").doesNotContain("Nothing runs on this node now");
        node.output(job, 0, "stdout", "hello world a b\n");
        // The console's stream is the API's own: server-sent events with the output so far.
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest streamRequest = HttpRequest.newBuilder(URI.create(roost.url() + WS + "/tasks/" + id + "/output/stream"))
                .header("Cookie", operator.cookieHeader()).timeout(Duration.ofSeconds(20)).build();
        var streaming = http.sendAsync(streamRequest, HttpResponse.BodyHandlers.ofString());
        node.output(job, 1, "stderr", "exit 3 <b>not bold</b>\n");
        node.artifact(job, "reports/summary page.html", "<script>alert(1)</script>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        node.complete(job, Map.of("exitCode", 3, "durationMs", 1234, "stdoutBytes", 16, "stderrBytes", 23, "oomKilled", false));
        HttpResponse<String> stream = streaming.get();
        assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(stream.body()).contains("event: output").contains("hello world a b").contains("event: end").contains("FAILED");

        Response done = operator.get(WS + "/tasks/" + id);
        assertThat(done.body()).contains("FAILED").contains("console-runner").contains("1.2 s").contains("hello world a b")
                .contains("exit 3 &lt;b&gt;not bold&lt;/b&gt;").doesNotContain("<b>not bold")
                .doesNotContain("data-task-stream").doesNotContain("Cancel task");
        assertThat(Pattern.compile("id=\"task-exit\">3<").matcher(done.body()).find()).as(done.body()).isTrue();
        assertThat(operator.get(WS + "/tasks").body()).contains(id.substring(0, 8)).contains("console-runner");
        // An artifact is a download, byte for byte, never a page of the console's origin.
        String link = WS + "/tasks/" + id + "/artifacts/reports/summary%20page.html";
        assertThat(done.body()).contains("href=\"" + link + "\" download");
        Response file = operator.get(link);
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.header("Content-Disposition")).hasValueSatisfying(d -> assertThat(d).startsWith("attachment"));
        assertThat(file.header("Content-Type")).contains("application/octet-stream");
        assertThat(file.header("Content-Security-Policy")).isPresent();
        assertThat(file.body()).isEqualTo("<script>alert(1)</script>");
        assertThat(ConsoleClient.withSession(roost, "vic").get(link).status()).isEqualTo(403);

        // A viewer sees that the task exists and how it ended, but not its output, and no control.
        ConsoleClient viewer = ConsoleClient.withSession(roost, "vic");
        Response seen = viewer.get(WS + "/tasks/" + id);
        assertThat(seen.status()).isEqualTo(200);
        assertThat(seen.body()).contains("FAILED").doesNotContain("hello world a b");
        assertThat(postForms(seen.body())).containsExactly("/console/logout");
        assertThat(viewer.get(WS + "/tasks").body()).doesNotContain("New task");
        assertThat(viewer.get(WS + "/tasks/" + id + "/output/stream").status()).isEqualTo(403);
        assertThat(viewer.post(WS + "/tasks", fields).status()).isEqualTo(403);
    }

    @Test
    void aRefusedTaskIsShownOnTheFormAndNothingIsQueued() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        long before = count("jobs");
        Response prompt = operator.post(WS + "/tasks", Map.of("mode", "prompt", "prompt", "Summarise <i>the</i> logs"));
        assertThat(prompt.status()).isEqualTo(503);
        assertThat(prompt.body()).contains("INFERENCE_UNAVAILABLE").contains("Summarise &lt;i&gt;the&lt;/i&gt; logs");
        Response quote = operator.post(WS + "/tasks", Map.of("mode", "commands", "commands", "echo 'unclosed"));
        assertThat(quote.status()).isEqualTo(400);
        assertThat(quote.body()).contains("Line 1: has an unclosed single quote").contains("aria-invalid=\"true\"");
        Response limits = operator.post(WS + "/tasks", Map.of("mode", "script", "script", "echo hi", "timeoutSeconds", "999999"));
        assertThat(limits.status()).isEqualTo(400);
        assertThat(limits.body()).contains("/timeoutSeconds").contains("echo hi");
        Response empty = operator.post(WS + "/tasks", Map.of("mode", "script", "script", "  "));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(count("jobs")).isEqualTo(before);
    }

    @Test
    void aQueuedTaskIsCancelledFromItsPage() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        Response submitted = operator.post(WS + "/tasks", Map.of("mode", "script", "script", "sleep 600\n"));
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(303);
        String page = submitted.header("Location").orElseThrow().replaceAll("\\?.*", "");
        assertThat(postForms(operator.get(page).body())).contains(page + "/cancel");
        Response cancelled = operator.post(page + "/cancel", Map.of());
        assertThat(cancelled.status()).isEqualTo(303);
        Response after = operator.get(cancelled.header("Location").orElseThrow());
        assertThat(after.body()).contains("Cancel requested").contains("CANCELLED").doesNotContain(page + "/cancel");
        assertThat(admin.get("/api/v1/workspaces/acme/audit?action=task.cancel").body()).contains("\"actor\":\"ophelia\"");
    }

    @Test
    void aPromptIsAnsweredByTheDefaultModelAndTheAnswerShownOnTheTaskPage() throws Exception {
        // A local provider speaking OpenAI's chat completions wire format.
        com.sun.net.httpserver.HttpServer model = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        model.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = """
                    {"id":"chatcmpl-console","object":"chat.completion","created":1767000000,"model":"small",
                    "choices":[{"index":0,"message":{"role":"assistant","content":"Three <b>bullets</b>, as asked."},"finish_reason":"stop"}],
                    "usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}""".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        model.start();
        try {
            roost.createWorkspace("thinking", "business");
            roost.addMember("thinking", "ophelia", Role.OPERATOR);
            ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
            assertThat(operator.get("/console/w/thinking/tasks/new").body()).contains("Prompts cannot be answered now");
            assertThat(admin.post("/api/v1/workspaces/thinking/providers", Map.of("name", "local", "kind", "openai-compatible",
                    "baseUrl", "http://127.0.0.1:" + model.getAddress().getPort() + "/v1")).status()).isEqualTo(201);
            assertThat(admin.put("/api/v1/workspaces/thinking/models/default", Map.of("targets",
                    List.of(Map.of("provider", "local", "model", "small")))).status()).isEqualTo(201);
            assertThat(operator.get("/console/w/thinking/tasks/new").body()).contains("answered by the workspace's default model");

            Response submitted = operator.post("/console/w/thinking/tasks", Map.of("mode", "prompt",
                    "prompt", "Summarise the notes in three bullets", "timeoutSeconds", "60"));
            assertThat(submitted.status()).as(submitted.body()).isEqualTo(303);
            String page = submitted.header("Location").orElseThrow().replaceAll("\\?.*", "");
            String id = page.substring(page.lastIndexOf('/') + 1);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    admin.get("/api/v1/workspaces/thinking/tasks/" + id).json().get("state").asString().equals("SUCCEEDED"));
            Response done = operator.get(page);
            assertThat(done.body()).contains("SUCCEEDED").contains("Three &lt;b&gt;bullets&lt;/b&gt;, as asked.")
                    .contains("none: a Roost server asks the model gateway").doesNotContain("<b>bullets");
        } finally {
            model.stop(0);
        }
    }

    @Test
    void theArgumentSplitterKeepsQuotedTextTogetherAndRunsNoShell() {
        assertThat(TaskPages.Argv.split("python3 -c 'print(\"a b\")' $HOME \"x\\\"y\" a\\ b"))
                .containsExactly("python3", "-c", "print(\"a b\")", "$HOME", "x\"y", "a b");
        assertThat(TaskPages.Argv.split("  echo   ''  ")).containsExactly("echo", "");
    }

    // ---- gateway ----------------------------------------------------------------------------

    @Test
    void anAdminCreatesAKeyThatIsShownOnceAndRevokesIt() throws Exception {
        ConsoleClient ada = ConsoleClient.withSession(roost, "ada");
        Response page = ada.get(WS + "/gateway/keys");
        assertThat(page.body()).contains("No virtual keys yet").contains("Create key");
        Response created = ada.post(WS + "/gateway/keys", Map.of("name", "ci-runner", "models", "fast, smart", "rpm", "60",
                "budget", "20USD/month", "expires", "30d"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header("Cache-Control")).hasValueSatisfying(c -> assertThat(c).contains("no-store"));
        Matcher m = Pattern.compile("id=\"key-value\" tabindex=\"0\">(roost_vk_[^<]+)<").matcher(created.body());
        assertThat(m.find()).as(created.body()).isTrue();
        String key = m.group(1);
        ApiClient client = new ApiClient(roost.url(), key);
        assertThat(client.get("/v1/models").status()).isEqualTo(200);

        Response later = ada.get(WS + "/gateway/keys");
        assertThat(later.body()).contains("ci-runner").contains(key.substring(0, 16)).doesNotContain(key).contains("60 req/min")
                .contains("ACTIVE");
        String keyId = admin.get("/api/v1/workspaces/acme/keys").json().get(0).get("id").asString();
        assertThat(postForms(later.body())).contains(WS + "/gateway/keys/" + keyId + "/revoke");
        assertThat(admin.get("/api/v1/workspaces/acme/audit?action=gateway.key").body()).doesNotContain(key);

        // An operator and a viewer see the keys but may not create or revoke one.
        for (String user : List.of("ophelia", "vic")) {
            ConsoleClient other = ConsoleClient.withSession(roost, user);
            Response seen = other.get(WS + "/gateway/keys");
            assertThat(seen.body()).contains("ci-runner").doesNotContain("Create key");
            assertThat(postForms(seen.body())).containsExactly("/console/logout");
            assertThat(other.post(WS + "/gateway/keys/" + keyId + "/revoke", Map.of()).status()).isEqualTo(403);
        }

        Response revoked = ada.post(WS + "/gateway/keys/" + keyId + "/revoke", Map.of());
        assertThat(revoked.status()).isEqualTo(303);
        assertThat(ada.get(revoked.header("Location").orElseThrow()).body()).contains("REVOKED").contains("Key revoked");
        assertThat(client.get("/v1/models").status()).isEqualTo(401);

        // A form without the session's token, or sent from another site, makes nothing.
        Response forged = ada.postRaw(WS + "/gateway/keys", Map.of("name", "forged"), Map.of());
        assertThat(forged.status()).isEqualTo(403);
        assertThat(forged.errorCode()).isEqualTo("CSRF_TOKEN_INVALID");
        Response crossSite = ada.postRaw(WS + "/gateway/keys", Map.of("csrf", ada.csrf(), "name", "forged"),
                Map.of("Origin", "http://evil.example"));
        assertThat(crossSite.status()).isEqualTo(403);
        assertThat(admin.get("/api/v1/workspaces/acme/keys").body()).doesNotContain("forged");

        Response bad = ada.post(WS + "/gateway/keys", Map.of("name", "Bad Name", "rpm", "lots"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("/rpm").contains("value=\"Bad Name\"");
    }

    @Test
    void aProvidersKeyGoesIntoTheSecretStoreAndNeverBackIntoAPage() {
        ConsoleClient ada = ConsoleClient.withSession(roost, "ada");
        long secretsBefore = count("secrets");
        Response refused = ada.post(WS + "/gateway/providers", Map.of("name", "broken", "kind", "openai-compatible",
                "keyValue", PROVIDER_KEY));
        assertThat(refused.status()).as("openai-compatible needs a base URL").isEqualTo(400);
        assertThat(refused.body()).contains("/baseUrl").doesNotContain(PROVIDER_KEY);
        assertThat(count("secrets")).as("a refused provider leaves no secret behind").isEqualTo(secretsBefore);

        Response added = ada.post(WS + "/gateway/providers", Map.of("name", "upstream", "kind", "openai-compatible",
                "baseUrl", "http://127.0.0.1:9/v1", "keyValue", PROVIDER_KEY));
        assertThat(added.status()).as(added.body()).isEqualTo(303);
        JsonNode provider = admin.get("/api/v1/workspaces/acme/providers").json().get(0);
        assertThat(provider.get("key").asString()).isEqualTo("secret:upstream-api-key");
        assertThat(admin.get("/api/v1/workspaces/acme/secrets/upstream-api-key").status()).isEqualTo(200);

        Response alias = ada.post(WS + "/gateway/models", Map.of("alias", "fast", "targets", "upstream small-model 3\n"));
        assertThat(alias.status()).as(alias.body()).isEqualTo(303);
        Response page = ada.get(WS + "/gateway/providers");
        assertThat(page.body()).contains("upstream").contains("secret:upstream-api-key").contains("upstream/small-model ×3")
                .doesNotContain(PROVIDER_KEY);
        Response unknown = ada.post(WS + "/gateway/models", Map.of("alias", "slow", "targets", "nowhere model"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).contains("/targets/0/provider");
        Response inUse = ada.post(WS + "/gateway/providers/upstream/remove", Map.of());
        assertThat(inUse.status()).isEqualTo(409);
        assertThat(inUse.body()).contains("model alias");
        assertThat(ada.post(WS + "/gateway/models/fast/remove", Map.of()).status()).isEqualTo(303);
        assertThat(ada.post(WS + "/gateway/providers/upstream/remove", Map.of()).status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/workspaces/acme/audit").body()).doesNotContain(PROVIDER_KEY)
                .contains("gateway.provider.create").contains("gateway.alias.create");
    }

    @Test
    void usageIsDrawnAsChartsByModelAndByKeyWithTheFiguresAsTables() {
        roost.createWorkspace("metering", "business");
        ApiClient.Response bot = admin.putText("/api/v1/workspaces/metering/instances/bot", """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: bot, workspace: metering, environment: dev}
                spec: {runtime: {image: "registry.example/bot:1.0.0", cpu: 100m, memory: 64Mi}}
                """, "application/yaml");
        assertThat(bot.status()).as(bot.body()).isEqualTo(201);
        JsonNode created = admin.post("/api/v1/workspaces/metering/keys", Map.of("name", "metered", "instance", "bot")).json();
        String keyId = created.get("key").get("id").asString();
        String secret = created.get("secret").asString();
        Instant now = Instant.now();
        roost.server().database().transaction(s -> {
            UUID ws = s.workspaces().findByName("metering").orElseThrow().id();
            for (int day = 0; day < 3; day++) {
                for (String model : List.of("fast", "smart")) {
                    s.handle().createUpdate("""
                                    INSERT INTO gateway_usage (at, workspace_id, key_id, instance_name, endpoint, model, provider, input_tokens,
                                    output_tokens, cost_micros, latency_ms, gateway_ms, status, streamed, attempts)
                                    VALUES (:at, :ws, :key, 'bot', '/v1/chat/completions', :model, 'upstream', :in, :out, 1500, 20, 1, 200, false, 1)""")
                            .bind("at", java.sql.Timestamp.from(now.minus(Duration.ofDays(day)))).bind("ws", ws)
                            .bind("key", UUID.fromString(keyId)).bind("model", model).bind("in", 1000L * (day + 1))
                            .bind("out", model.equals("fast") ? 200 : 900).execute();
                }
            }
            return null;
        });
        Response usage = ConsoleClient.withSession(roost, TestRoost.ADMIN).get("/console/w/metering/gateway/usage?days=7");
        assertThat(usage.status()).isEqualTo(200);
        assertThat(usage.body()).contains("<svg").contains("id=\"chart-models\"").contains("id=\"chart-keys\"")
                .contains("class=\"series-0\"").contains("fast").contains("smart").contains("metered")
                .contains("<strong>6</strong> requests");
        assertThat(usage.body()).doesNotContainPattern("<[^>]*\\sstyle=").doesNotContainPattern("<script(?![^>]*\\ssrc=\"/console/static/)");
        Response empty = ConsoleClient.withSession(roost, "vic").get("/console/w/acme/gateway/usage?days=90");
        assertThat(empty.status()).isEqualTo(200);

        // The instance page loads its key and use after the page itself: name and prefix, never the key.
        ConsoleClient root = ConsoleClient.withSession(roost, TestRoost.ADMIN);
        String page = "/console/w/metering/instances/bot";
        assertThat(root.get(page).body()).contains("hx-get=\"" + page + "/gateway-use\"");
        Response use = root.get(page + "/gateway-use");
        assertThat(use.body()).contains("metered").contains(secret.substring(0, 16)).doesNotContain(secret).contains("active")
                .contains("6 requests").contains("0.009 USD");
        assertThat(root.get("/console/w/metering/instances/nobody/gateway-use").status()).isEqualTo(404);
    }

    // ---- nodes ------------------------------------------------------------------------------

    @Test
    void aServerAdminSeesNodesCordonsOneAndMakesAJoinTokenShownOnce() {
        PlayedNode node = PlayedNode.join(roost, "rack-7");
        ConsoleClient root = ConsoleClient.withSession(roost, TestRoost.ADMIN);
        Response list = root.get("/console/nodes");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).contains("rack-7").contains("bubblewrap 0.8.0").contains("READY");
        Response detail = root.get("/console/nodes/" + node.id());
        assertThat(detail.body()).contains("pool=test").contains("Nothing runs on this node now").contains("Cordon").contains("Drain");

        Response cordoned = root.post("/console/nodes/" + node.id() + "/actions/cordon", Map.of());
        assertThat(cordoned.status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/nodes/" + node.id()).json().get("scheduling").asString()).isEqualTo("CORDONED");
        assertThat(root.get(cordoned.header("Location").orElseThrow()).body()).contains("Node cordoned").contains("Uncordon");
        assertThat(root.post("/console/nodes/" + node.id() + "/actions/uncordon", Map.of()).status()).isEqualTo(303);
        assertThat(root.post("/console/nodes/" + node.id() + "/actions/reboot", Map.of()).status()).isEqualTo(404);
        Response drained = root.post("/console/nodes/" + node.id() + "/actions/drain", Map.of("requeue", "true"));
        assertThat(drained.status()).isEqualTo(303);
        assertThat(root.get(drained.header("Location").orElseThrow()).body()).contains("Node draining")
                .contains("Handed back now: 0 task(s); still running there: 0.");
        assertThat(admin.get("/api/v1/nodes/" + node.id()).json().get("scheduling").asString()).isEqualTo("DRAINING");
        assertThat(root.post("/console/nodes/" + node.id() + "/actions/uncordon", Map.of()).status()).isEqualTo(303);

        Response made = root.post("/console/nodes/tokens", Map.of("ttl", "15m", "uses", "1"));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        Matcher m = Pattern.compile("id=\"join-token-value\" tabindex=\"0\">([^<]+)<").matcher(made.body());
        assertThat(m.find()).isTrue();
        String token = m.group(1);
        assertThat(root.get("/console/nodes").body()).doesNotContain(token).contains(token.substring(0, 16));
        ApiClient.Response joined = roost.anonymous().post("/api/v1/nodes/join", Map.of("token", token, "name", "joined-by-console",
                "capabilities", Map.of("cpus", 1)));
        assertThat(joined.status()).isEqualTo(201);
        Response badTtl = root.post("/console/nodes/tokens", Map.of("ttl", "forever"));
        assertThat(badTtl.status()).isEqualTo(400);
        assertThat(badTtl.body()).contains("/ttl");

        // Nodes serve every workspace: a workspace admin has no nodes page and no link to it.
        ConsoleClient ada = ConsoleClient.withSession(roost, "ada");
        assertThat(ada.get("/console/nodes").status()).isEqualTo(403);
        assertThat(ada.post("/console/nodes/" + node.id() + "/actions/drain", Map.of()).status()).isEqualTo(403);
        assertThat(ada.get(WS + "/instances").body()).doesNotContain("/console/nodes");
        assertThat(root.get(WS + "/instances").body()).contains("href=\"/console/nodes\"");
    }

    // ---- secrets ----------------------------------------------------------------------------

    @Test
    void secretsAreWrittenFromTheSettingsPageAndTheirValuesNeverShown() {
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        Response stored = operator.post(WS + "/secrets", Map.of("name", "slack-token", "value", SECRET_VALUE));
        assertThat(stored.status()).isEqualTo(303);
        Response settings = operator.get(stored.header("Location").orElseThrow().replace("#secrets", ""));
        assertThat(settings.body()).contains("Secret stored").contains("slack-token").doesNotContain(SECRET_VALUE)
                .contains("Replace").doesNotContain(WS + "/secrets/slack-token/delete");
        Response replaced = operator.post(WS + "/secrets", Map.of("name", "slack-token", "value", SECRET_VALUE + "-2"));
        assertThat(replaced.header("Location")).hasValueSatisfying(l -> assertThat(l).contains("secret-updated"));
        assertThat(admin.get("/api/v1/workspaces/acme/secrets/slack-token").json().get("version").asInt()).isEqualTo(2);
        Response bad = operator.post(WS + "/secrets", Map.of("name", "Not Valid", "value", SECRET_VALUE));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).doesNotContain(SECRET_VALUE);
        assertThat(operator.post(WS + "/secrets/slack-token/delete", Map.of()).status()).as("deleting is for admins").isEqualTo(403);

        ConsoleClient ada = ConsoleClient.withSession(roost, "ada");
        assertThat(ada.get(WS + "/settings").body()).contains(WS + "/secrets/slack-token/delete");
        assertThat(ada.post(WS + "/secrets/slack-token/delete", Map.of()).status()).isEqualTo(303);
        assertThat(admin.get("/api/v1/workspaces/acme/secrets/slack-token").status()).isEqualTo(404);
        assertThat(admin.get("/api/v1/workspaces/acme/audit?action=secret.").body()).doesNotContain(SECRET_VALUE);

        ConsoleClient viewer = ConsoleClient.withSession(roost, "vic");
        assertThat(postForms(viewer.get(WS + "/settings").body())).containsExactly("/console/logout");
        assertThat(viewer.post(WS + "/secrets", Map.of("name", "x", "value", "y")).status()).isEqualTo(403);
    }

    // ---- instances list ----------------------------------------------------------------------

    @Test
    void theInstancesListSearchesCountsAndPagesInTheDatabase() {
        roost.createWorkspace("fleet", "business");
        roost.server().database().transaction(s -> {
            UUID ws = s.workspaces().findByName("fleet").orElseThrow().id();
            for (int i = 0; i < 130; i++) {
                s.instances().create(ws, String.format("agent-%03d", i), new dev.roost.store.instances.InstanceRepository.Summary(
                        i % 2 == 0 ? "prod" : "dev", Map.of("team", i % 3 == 0 ? "blue" : "red"), "registry.example/agent:" + (i % 5) + ".0",
                        100, 64L << 20, 1, null), "test");
            }
            return null;
        });
        ConsoleClient root = ConsoleClient.withSession(roost, TestRoost.ADMIN);
        String list = "/console/w/fleet/instances";
        Response first = root.get(list);
        assertThat(first.body()).contains("130 of 130 instances · page 1 of 2, rows 1 to 100").contains("agent-000")
                .doesNotContain("agent-100").contains("Next page");
        assertThat(root.get(list + "?page=2").body()).contains("130 of 130 instances · page 2 of 2, rows 101 to 130")
                .contains("agent-129").doesNotContain("agent-099");
        assertThat(root.get(list + "?page=99").body()).as("a page past the end shows the last").contains("page 2 of 2");
        // 0, 3, 6 … 129: 44 instances have team=blue; of those the even ones are in prod.
        assertThat(root.get(list + "?q=TEAM%3DBlue").body()).contains("44 of 130 instances");
        assertThat(root.get(list + "?q=team%3Dblue&environment=prod").body()).contains("22 of 130 instances");
        assertThat(root.get(list + "?q=agent%3A3.0").body()).contains("26 of 130 instances");
        assertThat(root.get(list + "?q=agent-12").body()).contains("10 of 130 instances");
        assertThat(root.get(list + "?q=%25").body()).as("LIKE wildcards are searched for as text")
                .contains("No instance matches these filters").contains("Show all 130 instances");
        assertThat(root.get(list + "?status=RUNNING").body()).contains("No instance matches these filters");
        assertThat(root.get("/console/w/fleet/instances-table?q=agent-00&status=CREATING").body()).contains("10 of 130 instances");
    }

    @Test
    void theInstancePageListsTheNewestVersionsAndLinksToAllOfThem() {
        for (int v = 1; v <= 25; v++) {
            ApiClient.Response r = admin.putText("/api/v1/workspaces/acme/instances/long-lived", """
                    apiVersion: roost/v1
                    kind: AgentInstance
                    metadata: {name: long-lived, workspace: acme, environment: dev}
                    spec: {runtime: {image: "registry.example/app:1.0.%d", cpu: 100m, memory: 64Mi}}
                    """.formatted(v), "application/yaml");
            assertThat(r.status()).as(r.body()).isIn(200, 201);
        }
        ConsoleClient operator = ConsoleClient.withSession(roost, "ophelia");
        String page = WS + "/instances/long-lived";
        Response newest = operator.get(page);
        assertThat(newest.body()).contains("The newest 20 of 25 versions").contains(page + "?versions=all#versions")
                .contains("Roll back to version 6").doesNotContain("Roll back to version 5<");
        Response all = operator.get(page + "?versions=all");
        assertThat(all.body()).contains("Roll back to version 1<").doesNotContain("The newest 20");
    }

    // ---- every new page ---------------------------------------------------------------------

    @Test
    void everyNewPageCarriesTheStrictPolicyAndNoInlineScriptOrStyle() {
        ConsoleClient root = ConsoleClient.withSession(roost, TestRoost.ADMIN);
        List<Response> pages = List.of(root.get(WS + "/tasks"), root.get(WS + "/tasks/new"), root.get(WS + "/gateway/keys"),
                root.get(WS + "/gateway/providers"), root.get(WS + "/gateway/usage"), root.get("/console/nodes"),
                root.get(WS + "/tasks/" + UUID.randomUUID()));
        for (Response page : pages) {
            assertThat(page.header("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'none'")
                    .doesNotContain("unsafe-inline"));
            assertThat(page.body()).doesNotContainPattern("<script(?![^>]*\\ssrc=\"/console/static/)")
                    .doesNotContainPattern("<[^>]*\\son[a-z]+=").doesNotContainPattern("<[^>]*\\sstyle=")
                    .doesNotContainPattern("(src|href|action)=\"(https?:)?//");
        }
        assertThat(pages.get(pages.size() - 1).status()).isEqualTo(404);
    }
}
