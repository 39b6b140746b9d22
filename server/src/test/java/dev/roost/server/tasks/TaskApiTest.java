package dev.roost.server.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.core.workspace.Role;
import dev.roost.server.config.TaskSettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The task API and the node protocol over HTTP, with a test playing the node (its real node JWT,
 * no sandbox): submit, claim, output, artifacts, result, cancel, idempotency, leases lost to
 * another node, and the refusals.
 */
class TaskApiTest {
    private static final String TASKS = "/api/v1/workspaces/acme/tasks";
    private static TestRoost roost;
    private static ApiClient operator;
    private static ApiClient viewer;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withTasks(new TaskSettings(Duration.ofSeconds(2), Duration.ZERO, Duration.ZERO, 3,
                Duration.ofMillis(200))));
        roost.createWorkspace("acme", "business");
        roost.createWorkspace("globex", "team");
        operator = roost.member("acme", "olga", Role.OPERATOR);
        viewer = roost.member("acme", "vera", Role.VIEWER);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    /** A joined node that reports a usable bubblewrap sandbox, so it may claim. */
    static ApiClient node(String name, Map<String, String> labels) {
        Response token = roost.admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1));
        Response joined = roost.anonymous().post("/api/v1/nodes/join", Map.of("token", token.json().get("token").asString(),
                "name", name, "capabilities", Map.of("cpus", 4, "memoryBytes", 8L << 30, "os", "linux", "arch", "amd64",
                        "sandboxes", List.of(Map.of("kind", "bubblewrap", "version", "0.8.0")), "labels", labels)));
        assertThat(joined.status()).as(joined.body()).isEqualTo(201);
        return new ApiClient(roost.url(), joined.json().get("nodeToken").asString());
    }

    private static JsonNode submit(Map<String, Object> body) {
        Response r = operator.post(TASKS, body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json();
    }

    private static JsonNode claimOne(ApiClient node) {
        Response r = node.post("/api/v1/nodes/self/claim", Map.of("capacity", 1, "waitSeconds", 5));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("jobs")).as("a claimed job").hasSize(1);
        return r.json().get("jobs").get(0);
    }

    private static Map<String, Object> exit(int code) {
        return Map.of("exitCode", code, "durationMs", 12, "stdoutBytes", 6, "stderrBytes", 0);
    }

    @Test
    void aTaskIsClaimedRunReportedAndItsResultRead() {
        ApiClient node = node("runner-1", Map.of());
        JsonNode task = submit(Map.of("mode", "commands", "commands", List.of(List.of("echo", "hi; rm -rf /")),
                "timeoutSeconds", 30, "attachments", List.of(Map.of("name", "in/data.txt", "content", "hello", "encoding", "utf-8"))));
        String id = task.get("id").asString();
        assertThat(task.get("state").asString()).isEqualTo("QUEUED");

        JsonNode job = claimOne(node);
        assertThat(job.get("id").asString()).isEqualTo(id);
        assertThat(job.get("spec").get("commands").get(0)).extracting(JsonNode::asString).containsExactly("echo", "hi; rm -rf /");
        assertThat(new String(Base64.getDecoder().decode(job.get("attachments").get(0).get("content").asString()),
                StandardCharsets.UTF_8)).isEqualTo("hello");
        String token = job.get("leaseToken").asString();
        assertThat(operator.get(TASKS + "/" + id).json().get("state").asString()).isEqualTo("RUNNING");
        Response early = operator.get(TASKS + "/" + id + "/result");
        assertThat(early.status()).isEqualTo(409);
        assertThat(early.code()).isEqualTo("TASK_NOT_FINISHED");

        Response out = node.post("/api/v1/nodes/self/jobs/" + id + "/output", Map.of("leaseToken", token, "chunks",
                List.of(Map.of("seq", 0, "stream", "stdout", "text", "hi; rm"), Map.of("seq", 1, "stream", "stdout", "text", " -rf /\n"))));
        assertThat(out.status()).as(out.body()).isEqualTo(200);
        Response again = node.post("/api/v1/nodes/self/jobs/" + id + "/output", Map.of("leaseToken", token, "chunks",
                List.of(Map.of("seq", 1, "stream", "stdout", "text", " -rf /\n"))));
        assertThat(again.json().get("stored").asInt()).as("a retried chunk is stored once").isZero();
        Response artifact = node.post("/api/v1/nodes/self/jobs/" + id + "/artifacts", Map.of("leaseToken", token,
                "path", "report.txt", "content", Base64.getEncoder().encodeToString("done".getBytes(StandardCharsets.UTF_8))));
        assertThat(artifact.status()).as(artifact.body()).isEqualTo(204);
        Response done = node.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", token, "outcome", exit(0)));
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        assertThat(done.json().get("state").asString()).isEqualTo("SUCCEEDED");

        JsonNode view = viewer.get(TASKS + "/" + id).json();
        assertThat(view.get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.get("nodeName").asString()).isEqualTo("runner-1");
        assertThat(view.get("exitCode").asInt()).isZero();
        assertThat(view.get("attempts").asInt()).isEqualTo(1);
        JsonNode result = operator.get(TASKS + "/" + id + "/result").json();
        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.get("stdout").get("text").asString()).isEqualTo("hi; rm -rf /\n");
        assertThat(result.get("stdout").get("truncated").asBoolean()).isFalse();
        assertThat(result.get("artifacts").get(0).get("path").asString()).isEqualTo("report.txt");
        assertThat(result.get("durationMs").asLong()).isEqualTo(12);
        Response late = node.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", token, "outcome", exit(1)));
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.code()).isEqualTo("LEASE_LOST");
        assertThat(operator.get(TASKS + "/" + id + "/result").json().get("exitCode").asInt()).as("recorded once").isZero();

        JsonNode listed = viewer.get(TASKS).json();
        assertThat(listed.get("items")).extracting(t -> t.get("id").asString()).contains(id);
        Response viewerResult = viewer.get(TASKS + "/" + id + "/result");
        assertThat(viewerResult.status()).as("output is for operators, as instance logs are").isEqualTo(403);
        assertThat(roost.admin().get("/api/v1/workspaces/acme/audit").body()).contains("task.submit");
    }

    @Test
    void artifactsDownloadByteForByteAndOutputThatIsNotTextIsKeptExactly() throws Exception {
        ApiClient node = node("runner-bytes", Map.of("pool", "bytes"));
        String id = submit(Map.of("mode", "script", "script", "true\n", "nodeLabels", Map.of("pool", "bytes"))).get("id").asString();
        JsonNode job = claimOne(node);
        String token = job.get("leaseToken").asString();
        byte[] every = new byte[256];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
        }
        byte[] notText = {(byte) 0xff, (byte) 0xfe, 'o', 'k', 0, '\n'};
        assertThat(operator.get(TASKS + "/" + id + "/artifacts").code()).as("not before it ends").isEqualTo("TASK_NOT_FINISHED");
        Response out = node.post("/api/v1/nodes/self/jobs/" + id + "/output", Map.of("leaseToken", token, "chunks", List.of(
                Map.of("seq", 0, "stream", "stdout", "text", "text ✓\n"),
                Map.of("seq", 1, "stream", "stdout", "base64", Base64.getEncoder().encodeToString(notText)))));
        assertThat(out.status()).as(out.body()).isEqualTo(200);
        Response both = node.post("/api/v1/nodes/self/jobs/" + id + "/output", Map.of("leaseToken", token, "chunks", List.of(
                Map.of("seq", 2, "stream", "stdout", "text", "a", "base64", "YQ=="))));
        assertThat(both.status()).isEqualTo(400);
        assertThat(both.body()).contains("/chunks/0");
        for (String path : List.of("all-bytes.bin", "reports/week 1 \"final\".html", "summary.csv")) {
            byte[] content = path.endsWith(".bin") ? every : path.endsWith(".csv") ? "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8)
                    : "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8);
            assertThat(node.post("/api/v1/nodes/self/jobs/" + id + "/artifacts", Map.of("leaseToken", token, "path", path,
                    "content", Base64.getEncoder().encodeToString(content))).status()).isEqualTo(204);
        }
        assertThat(node.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", token, "outcome", exit(0)))
                .status()).isEqualTo(200);

        JsonNode listed = operator.get(TASKS + "/" + id + "/artifacts").json();
        assertThat(listed.get("artifacts")).extracting(a -> a.get("path").asString())
                .containsExactly("all-bytes.bin", "reports/week 1 \"final\".html", "summary.csv");
        java.net.http.HttpResponse<byte[]> bin = operator.getBytes(TASKS + "/" + id + "/artifacts/all-bytes.bin");
        assertThat(bin.statusCode()).isEqualTo(200);
        assertThat(bin.body()).isEqualTo(every);
        assertThat(bin.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
        assertThat(bin.headers().firstValue("Content-Length")).hasValue("256");
        assertThat(bin.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"all-bytes.bin\"; "
                + "filename*=UTF-8''all-bytes.bin");
        assertThat(bin.headers().firstValue("Repr-Digest")).hasValue("sha-256=:" + Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(every)) + ":");
        java.net.http.HttpResponse<byte[]> page = operator.getBytes(TASKS + "/" + id + "/artifacts/reports/week%201%20%22final%22.html");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).as("a task's HTML is never served as a page")
                .hasValue("application/octet-stream");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("Content-Disposition").orElseThrow())
                .startsWith("attachment; filename=\"week 1 _final_.html\"");
        assertThat(operator.getBytes(TASKS + "/" + id + "/artifacts/summary.csv").headers().firstValue("Content-Type"))
                .hasValue("text/csv; charset=utf-8");
        Response missing = operator.get(TASKS + "/" + id + "/artifacts/nope.txt");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.code()).isEqualTo("NOT_FOUND");
        assertThat(operator.get(TASKS + "/" + id + "/artifacts/..%2F..%2Fetc%2Fpasswd").status()).isEqualTo(404);
        assertThat(viewer.getBytes(TASKS + "/" + id + "/artifacts/all-bytes.bin").statusCode()).isEqualTo(403);

        JsonNode chunks = operator.get(TASKS + "/" + id + "/output").json().get("chunks");
        assertThat(chunks.get(0).get("text").asString()).isEqualTo("text ✓\n");
        assertThat(chunks.get(0).has("base64")).as("text is text").isFalse();
        assertThat(Base64.getDecoder().decode(chunks.get(1).get("base64").asString())).isEqualTo(notText);
        JsonNode stdout = operator.get(TASKS + "/" + id + "/result").json().get("stdout");
        byte[] all = new byte["text ✓\n".getBytes(StandardCharsets.UTF_8).length + notText.length];
        System.arraycopy("text ✓\n".getBytes(StandardCharsets.UTF_8), 0, all, 0, all.length - notText.length);
        System.arraycopy(notText, 0, all, all.length - notText.length, notText.length);
        assertThat(Base64.getDecoder().decode(stdout.get("base64").asString())).isEqualTo(all);
        assertThat(stdout.get("text").asString()).startsWith("text ✓\n\uFFFD");
    }

    @Test
    void drainingWithRequeueHandsBackWhatTheNodeRunsWithoutCountingTheAttempt() {
        ApiClient draining = node("drained-1", Map.of("pool", "drain"));
        String id = submit(Map.of("mode", "script", "script", "sleep 60\n", "nodeLabels", Map.of("pool", "drain"),
                "maxAttempts", 1)).get("id").asString();
        JsonNode job = claimOne(draining);
        String token = job.get("leaseToken").asString();
        String nodeId = roost.admin().get("/api/v1/nodes").json().valueStream()
                .filter(n -> n.get("name").asString().equals("drained-1")).findFirst().orElseThrow().get("id").asString();

        JsonNode waiting = roost.admin().post("/api/v1/nodes/" + nodeId + "/drain", Map.of()).json();
        assertThat(waiting.get("scheduling").asString()).isEqualTo("DRAINING");
        assertThat(waiting.get("running").asInt()).as("a plain drain lets the task finish").isEqualTo(1);
        assertThat(operator.get(TASKS + "/" + id).json().get("state").asString()).isEqualTo("RUNNING");

        JsonNode handed = roost.admin().post("/api/v1/nodes/" + nodeId + "/drain", Map.of("requeue", true)).json();
        assertThat(handed.get("handedBack").asInt()).isEqualTo(1);
        assertThat(handed.get("running").asInt()).isZero();
        JsonNode view = operator.get(TASKS + "/" + id).json();
        assertThat(view.get("state").asString()).isEqualTo("QUEUED");
        assertThat(view.get("attempts").asInt()).isEqualTo(1);
        assertThat(view.get("maxAttempts").asInt()).as("the lost attempt does not count").isEqualTo(2);
        assertThat(view.get("failureReason").asString()).contains("handed back");
        JsonNode beat = draining.post("/api/v1/nodes/self/leases", Map.of("leases", List.of(Map.of("jobId", id, "leaseToken", token))))
                .json().get("leases").get(0);
        assertThat(beat.get("status").asString()).as("the node learns it at its next lease heartbeat").isEqualTo("LOST");
        assertThat(draining.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", token, "outcome", exit(0)))
                .code()).isEqualTo("LEASE_LOST");
        assertThat(draining.post("/api/v1/nodes/self/claim", Map.of("capacity", 1, "waitSeconds", 0)).json().get("jobs"))
                .as("a draining node takes nothing").isEmpty();

        ApiClient other = node("drained-2", Map.of("pool", "drain"));
        JsonNode again = claimOne(other);
        assertThat(again.get("id").asString()).isEqualTo(id);
        assertThat(again.get("attempt").asInt()).isEqualTo(2);
        assertThat(other.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", again.get("leaseToken").asString(),
                "outcome", exit(0))).status()).isEqualTo(200);
        assertThat(operator.get(TASKS + "/" + id).json().get("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(roost.admin().get("/api/v1/audit?action=node.&limit=500").body()).contains("node.hand-back");
    }

    @Test
    void aNonZeroExitIsAFailedTaskWithItsExitCode() {
        ApiClient node = node("runner-exit", Map.of("pool", "exit"));
        JsonNode task = submit(Map.of("mode", "script", "script", "exit 3\n", "nodeLabels", Map.of("pool", "exit")));
        JsonNode job = claimOne(node);
        String id = task.get("id").asString();
        assertThat(job.get("id").asString()).isEqualTo(id);
        node.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", job.get("leaseToken").asString(),
                "outcome", exit(3)));
        JsonNode view = operator.get(TASKS + "/" + id).json();
        assertThat(view.get("state").asString()).isEqualTo("FAILED");
        assertThat(view.get("exitCode").asInt()).isEqualTo(3);
    }

    @Test
    void aPromptIsNeverRunAndAnswersInferenceUnavailable() {
        int before = operator.get(TASKS + "?limit=200").json().get("items").size();
        Response r = operator.post(TASKS, Map.of("mode", "prompt", "prompt", "rm -rf / and summarise the repo"));
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("INFERENCE_UNAVAILABLE");
        assertThat(r.json().get("detail").asString()).contains("No default model is set").contains("roost model alias set default")
                .contains("never executed");
        assertThat(operator.get(TASKS + "?limit=200").json().get("items")).as("nothing was queued").hasSize(before);
    }

    @Test
    void malformedHostileAndOversizedBodiesAreRefusedWithStableCodes() {
        record Case(Object body, int status, String code, String pointer) {
        }
        String big = "x".repeat(2 * 1024 * 1024);
        List<Case> cases = List.of(
                new Case(Map.of(), 400, "VALIDATION_FAILED", "/mode"),
                new Case(Map.of("mode", "shell", "script", "id"), 400, "VALIDATION_FAILED", "/mode"),
                new Case(Map.of("mode", "commands"), 400, "VALIDATION_FAILED", "/commands"),
                new Case(Map.of("mode", "commands", "commands", List.of()), 400, "VALIDATION_FAILED", "/commands"),
                new Case(Map.of("mode", "commands", "commands", List.of(List.of())), 400, "VALIDATION_FAILED", "/commands/0"),
                new Case(Map.of("mode", "commands", "commands", List.of(List.of("echo")), "script", "id"), 400,
                        "VALIDATION_FAILED", "/script"),
                new Case(Map.of("mode", "script", "script", "id", "timeoutSeconds", 0), 400, "VALIDATION_FAILED",
                        "/timeoutSeconds"),
                new Case(Map.of("mode", "script", "script", "id", "memoryBytes", 1024), 400, "VALIDATION_FAILED", "/memoryBytes"),
                new Case(Map.of("mode", "script", "script", "id", "egressAllow", List.of("10.0.0.1")), 400, "VALIDATION_FAILED",
                        "/egressAllow/0"),
                new Case(Map.of("mode", "script", "script", "id", "attachments",
                        List.of(Map.of("name", "../../etc/passwd", "content", "eA=="))), 400, "VALIDATION_FAILED",
                        "/attachments/0/name"),
                new Case(Map.of("mode", "script", "script", "id", "attachments",
                        List.of(Map.of("name", "a", "content", "not base64 !!"))), 400, "VALIDATION_FAILED",
                        "/attachments/0/content"),
                new Case(Map.of("mode", "script", "script", "id", "surprise", true), 400, null, null),
                new Case("{\"mode\": \"script\", \"script\": ", 400, "MALFORMED_BODY", null),
                new Case("[1,2,3]", 400, null, null),
                new Case(Map.of("mode", "script", "script", big), 413, "BODY_TOO_LARGE", null));
        int before = operator.get(TASKS + "?limit=200").json().get("items").size();
        for (Case c : cases) {
            Response r = operator.post(TASKS, c.body());
            assertThat(r.status()).as("%s -> %s", c.body() instanceof String s && s.length() > 100 ? "big" : c.body(), r.body())
                    .isEqualTo(c.status());
            assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
            if (c.code() != null) {
                assertThat(r.code()).isEqualTo(c.code());
            }
            if (c.pointer() != null) {
                assertThat(r.body()).contains("\"" + c.pointer() + "\"");
            }
        }
        Response textBody = operator.send("POST", TASKS, "echo hi".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        assertThat(textBody.status()).isEqualTo(415);
        assertThat(operator.get(TASKS + "?limit=200").json().get("items")).as("nothing was queued").hasSize(before);
    }

    @Test
    void anIdempotencyKeyReturnsTheSameTaskAndRefusesADifferentOne() {
        Map<String, Object> body = Map.of("mode", "script", "script", "echo once\n", "idempotencyKey", "deploy-42",
                "nodeLabels", Map.of("pool", "none"));
        Response first = operator.post(TASKS, body);
        Response second = operator.post(TASKS, body);
        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().get("id").asString()).isEqualTo(first.json().get("id").asString());
        Response other = operator.post(TASKS, Map.of("mode", "script", "script", "echo twice\n", "idempotencyKey", "deploy-42",
                "nodeLabels", Map.of("pool", "none")));
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.code()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        Response header = operator.post(TASKS, Map.of("mode", "script", "script", "echo header\n", "nodeLabels",
                Map.of("pool", "none")), Map.of("Idempotency-Key", "hdr-1"));
        Response headerAgain = operator.post(TASKS, Map.of("mode", "script", "script", "echo header\n", "nodeLabels",
                Map.of("pool", "none")), Map.of("Idempotency-Key", "hdr-1"));
        assertThat(headerAgain.json().get("id").asString()).isEqualTo(header.json().get("id").asString());
        operator.post(TASKS + "/" + first.json().get("id").asString() + "/cancel", null);
        operator.post(TASKS + "/" + header.json().get("id").asString() + "/cancel", null);
    }

    @Test
    void aNodeWhoseLeaseWasTakenBackCannotReportAndTheOtherNodesResultCounts() {
        ApiClient first = node("stale-1", Map.of("pool", "stale"));
        ApiClient second = node("stale-2", Map.of("pool", "stale"));
        JsonNode task = submit(Map.of("mode", "commands", "commands", List.of(List.of("sleep", "1")),
                "nodeLabels", Map.of("pool", "stale")));
        String id = task.get("id").asString();
        JsonNode lost = claimOne(first);
        // The first node goes silent: its 2 s lease expires, the reaper takes the job back, the second node claims it.
        JsonNode won = claimOneWithin(second, Duration.ofSeconds(15));
        assertThat(won.get("id").asString()).isEqualTo(id);
        assertThat(won.get("attempt").asInt()).isEqualTo(2);
        Response beat = first.post("/api/v1/nodes/self/leases", Map.of("leases",
                List.of(Map.of("jobId", id, "leaseToken", lost.get("leaseToken").asString()))));
        assertThat(beat.json().get("leases").get(0).get("status").asString()).isEqualTo("LOST");
        Response staleOutput = first.post("/api/v1/nodes/self/jobs/" + id + "/output", Map.of("leaseToken",
                lost.get("leaseToken").asString(), "chunks", List.of(Map.of("seq", 0, "stream", "stdout", "text", "stale"))));
        assertThat(staleOutput.code()).isEqualTo("LEASE_LOST");
        Response ok = second.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken",
                won.get("leaseToken").asString(), "outcome", exit(0)));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        Response stale = first.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken",
                lost.get("leaseToken").asString(), "outcome", exit(7)));
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.code()).isEqualTo("LEASE_LOST");
        JsonNode result = operator.get(TASKS + "/" + id + "/result").json();
        assertThat(result.get("exitCode").asInt()).isZero();
        assertThat(result.get("nodeName").asString()).isEqualTo("stale-2");
        assertThat(result.get("attempt").asInt()).isEqualTo(2);
        int results = roost.server().database().read(s -> s.tasks().resultCount(java.util.UUID.fromString(id)));
        assertThat(results).isEqualTo(1);
    }

    private static JsonNode claimOneWithin(ApiClient node, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            Response r = node.post("/api/v1/nodes/self/claim", Map.of("capacity", 1, "waitSeconds", 2));
            if (r.json().get("jobs").size() == 1) {
                return r.json().get("jobs").get(0);
            }
        }
        throw new AssertionError("no job to claim within " + within);
    }

    @Test
    void cancelReachesTheNodeInItsLeaseHeartbeatAndEndsCancelled() {
        ApiClient node = node("cancel-1", Map.of("pool", "cancel"));
        JsonNode task = submit(Map.of("mode", "commands", "commands", List.of(List.of("sleep", "600")),
                "nodeLabels", Map.of("pool", "cancel")));
        String id = task.get("id").asString();
        JsonNode job = claimOne(node);
        String token = job.get("leaseToken").asString();
        Map<String, Object> beat = Map.of("leases", List.of(Map.of("jobId", id, "leaseToken", token)));
        assertThat(node.post("/api/v1/nodes/self/leases", beat).json().get("leases").get(0).get("cancelRequested").asBoolean())
                .isFalse();
        assertThat(viewer.post(TASKS + "/" + id + "/cancel", null).status()).isEqualTo(403);
        Response cancel = operator.post(TASKS + "/" + id + "/cancel", null);
        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.json().get("cancelRequested").asBoolean()).isTrue();
        JsonNode answer = node.post("/api/v1/nodes/self/leases", beat).json().get("leases").get(0);
        assertThat(answer.get("status").asString()).isEqualTo("HELD");
        assertThat(answer.get("cancelRequested").asBoolean()).isTrue();
        Response reported = node.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", token, "outcome",
                Map.of("exitCode", 137, "signal", 9, "cancelled", true, "durationMs", 300)));
        assertThat(reported.status()).as(reported.body()).isEqualTo(200);
        assertThat(reported.json().get("state").asString()).isEqualTo("CANCELLED");
        JsonNode result = operator.get(TASKS + "/" + id + "/result").json();
        assertThat(result.get("cancelled").asBoolean()).isTrue();
        assertThat(result.get("signal").asInt()).isEqualTo(9);
        assertThat(roost.admin().get("/api/v1/workspaces/acme/audit").body()).contains("task.cancel");
    }

    @Test
    void followingOutputSeesChunksAsTheyArriveAndEndsWithTheTask() throws Exception {
        ApiClient node = node("follow-1", Map.of("pool", "follow"));
        JsonNode task = submit(Map.of("mode", "commands", "commands", List.of(List.of("yes")),
                "nodeLabels", Map.of("pool", "follow")));
        String id = task.get("id").asString();
        JsonNode job = claimOne(node);
        String token = job.get("leaseToken").asString();
        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(roost.url() + TASKS + "/" + id + "/output?follow=true"))
                .header("Authorization", "Bearer " + operator.token()).GET().build();
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request,
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // ended
            }
        });
        node.post("/api/v1/nodes/self/jobs/" + id + "/output", Map.of("leaseToken", token, "chunks",
                List.of(Map.of("seq", 0, "stream", "stdout", "text", "first line\n"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("first line")));
        assertThat(lines).noneMatch(l -> l.startsWith("event: end"));
        node.post("/api/v1/nodes/self/jobs/" + id + "/output", Map.of("leaseToken", token, "chunks",
                List.of(Map.of("seq", 1, "stream", "stderr", "text", "second line\n"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("second line")));
        node.post("/api/v1/nodes/self/jobs/" + id + "/complete", Map.of("leaseToken", token, "outcome", exit(0)));
        reader.join(Duration.ofSeconds(5));
        assertThat(reader.isAlive()).as("the stream ends with the task").isFalse();
        assertThat(lines).contains("event: end");
        assertThat(String.join("\n", lines)).contains("\"state\":\"SUCCEEDED\"");
        JsonNode page = operator.get(TASKS + "/" + id + "/output").json();
        assertThat(page.get("chunks")).extracting(c -> c.get("stream").asString()).containsExactly("stdout", "stderr");
    }

    @Test
    void aNodeWithoutASandboxIsGivenNoTasks() {
        ApiClient bare = roost.joinNode("no-sandbox");
        Response r = bare.post("/api/v1/nodes/self/claim", Map.of("capacity", 1));
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("SANDBOX_UNAVAILABLE");
    }

    @Test
    void anotherTenantCannotSeeOrCancelTasks() {
        JsonNode task = submit(Map.of("mode", "script", "script", "true\n", "nodeLabels", Map.of("pool", "none")));
        ApiClient other = roost.member("globex", "gil", Role.OWNER);
        String id = task.get("id").asString();
        assertThat(other.get("/api/v1/workspaces/globex/tasks/" + id).status()).isEqualTo(404);
        assertThat(other.post("/api/v1/workspaces/globex/tasks/" + id + "/cancel", null).status()).isEqualTo(404);
        operator.post(TASKS + "/" + id + "/cancel", null);
        assertThat(operator.get(TASKS + "/" + id).json().get("state").asString()).isEqualTo("CANCELLED");
    }
}
