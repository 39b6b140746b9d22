package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.roost.server.config.NodeSettings;
import dev.roost.server.config.TaskSettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import dev.roost.sandbox.egress.EgressNetwork;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Tasks end to end on one machine: the CLI submits, a node (in this JVM) claims them over HTTP
 * and runs them under real bubblewrap, output streams back live, results, cancel, timeouts,
 * egress through the node's proxy, and the prompt refusal.
 */
class CliTaskTest {
    private static final String ALLOWED_HOST = "allowed.test";
    /** A public address (documentation ranges are always refused) the test network carries to the loopback server. */
    private static final String ALLOWED_ADDRESS = "93.184.215.14";

    private static TestRoost roost;
    private static CliRunner cli;
    private static TaskTestNodes.InProcessNode node;
    private static HttpServer upstream;

    @BeforeAll
    static void start() throws Exception {
        TaskTestNodes.requireSandbox();
        roost = TestRoost.start(c -> c.withTasks(new TaskSettings(Duration.ofSeconds(6), Duration.ZERO, Duration.ZERO, 2,
                Duration.ofMillis(500))).withNodes(new NodeSettings(Duration.ofMinutes(10), Duration.ofDays(30),
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(5))));
        roost.createWorkspace("acme", "business");
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/hello", exchange -> {
            byte[] body = "hello from upstream".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        int port = upstream.getAddress().getPort();
        EgressNetwork network = new EgressNetwork() {
            @Override
            public List<InetAddress> resolve(String host) throws UnknownHostException {
                if (host.equals(ALLOWED_HOST)) {
                    return List.of(InetAddress.getByName(ALLOWED_ADDRESS));
                }
                throw new UnknownHostException(host);
            }

            @Override
            public Socket connect(InetSocketAddress address, Duration timeout) throws java.io.IOException {
                if (address.getAddress().getHostAddress().equals(ALLOWED_ADDRESS) && address.getPort() == port) {
                    return EgressNetwork.SYSTEM.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeout);
                }
                throw new java.net.ConnectException("test network: no route to " + address);
            }
        };
        String token = roost.admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1)).json().get("token").asString();
        node = new TaskTestNodes.InProcessNode(roost.url(), token, "cli-node", Map.of(), network);
        cli = new CliRunner(roost.url());
        ok(cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
        await().atMost(Duration.ofSeconds(20)).until(() -> node.log().contains("Running tasks"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
        if (roost != null) {
            roost.close();
        }
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void runEchoesItsOutputAndExitsZero() {
        CliRunner.Result r = cli.run("run", "-w", "acme", "--", "echo", "hi");
        assertThat(r.exit()).as(r + "\nnode:\n" + node.log()).isZero();
        assertThat(r.out()).isEqualTo("hi\n");
    }

    @Test
    void runPassesArgumentsWithoutAShellAndExitsWithTheCommandsCode() {
        CliRunner.Result literal = cli.run("run", "-w", "acme", "echo", "$HOME", "*", "a;b");
        assertThat(literal.out()).as("no shell expanded anything").isEqualTo("$HOME * a;b\n");
        CliRunner.Result r = cli.run("run", "-w", "acme", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        assertThat(r.exit()).as(r.toString()).isEqualTo(7);
        assertThat(r.out()).isEqualTo("out\n");
        assertThat(r.err()).contains("err\n");
    }

    @Test
    void attachmentsArePlacedInTheWorkingDirectoryAndArtifactsComeBack() throws Exception {
        Path data = Files.createTempFile("roost-attach", ".txt");
        Files.writeString(data, "attached content\n");
        CliRunner.Result r = cli.run("run", "-w", "acme", "--attach", data + "=in/data.txt", "--",
                "sh", "-c", "cat in/data.txt; cp in/data.txt out/copy.txt; id -u > out/uid.txt");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("attached content\n");
        JsonNode tasks = roost.admin().get("/api/v1/workspaces/acme/tasks?limit=1").json();
        String id = tasks.get("items").get(0).get("id").asString();
        CliRunner.Result result = cli.run("task", "result", "-w", "acme", id);
        assertThat(result.exit()).as(result.toString()).isZero();
        assertThat(result.out()).contains("copy.txt").contains("uid.txt").contains("attached content");
        JsonNode json = roost.admin().get("/api/v1/workspaces/acme/tasks/" + id + "/result").json();
        assertThat(json.get("artifacts")).extracting(a -> a.get("path").asString()).containsExactly("copy.txt", "uid.txt");
    }

    @Test
    void artifactsAreListedAndDownloadedByteForByteAndBinaryOutputIsKept() throws Exception {
        // Every byte value into a file under out/reports/, and bytes that are not UTF-8 on stdout.
        CliRunner.Result r = cli.run("run", "-w", "acme", "--", "sh", "-c",
                "mkdir -p out/reports; i=0; while [ $i -lt 256 ]; do printf \"\\\\$(printf %o $i)\"; i=$((i+1)); done"
                        + " > out/reports/all.bin; printf 'ok\\377\\376\\n'");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = roost.admin().get("/api/v1/workspaces/acme/tasks?limit=1").json().get("items").get(0).get("id").asString();

        CliRunner.Result listed = ok(cli.run("task", "artifacts", "-w", "acme", id));
        assertThat(listed.out()).contains("PATH").contains("reports/all.bin").contains("256");
        Path file = Files.createTempDirectory("roost-artifact").resolve("all.bin");
        CliRunner.Result got = ok(cli.run("task", "artifacts", "-w", "acme", id, "--get", "reports/all.bin", "-o", file.toString()));
        assertThat(got.err()).contains("256 bytes");
        byte[] every = new byte[256];
        for (int i = 0; i < every.length; i++) {
            every[i] = (byte) i;
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(every);
        CliRunner.Result missing = cli.run("task", "artifacts", "-w", "acme", id, "--get", "reports/none.bin");
        assertThat(missing.exit()).isEqualTo(ExitCodes.NOT_FOUND);

        JsonNode stdout = roost.admin().get("/api/v1/workspaces/acme/tasks/" + id + "/result").json().get("stdout");
        assertThat(java.util.Base64.getDecoder().decode(stdout.get("base64").asString()))
                .isEqualTo(new byte[] {'o', 'k', (byte) 0xff, (byte) 0xfe, '\n'});
    }

    @Test
    void outputFollowsLiveWhileTheTaskRuns() throws Exception {
        ApiClient admin = roost.admin();
        String id = admin.post("/api/v1/workspaces/acme/tasks", Map.of("mode", "commands", "commands",
                List.of(List.of("sh", "-c", "echo first; sleep 3; echo second")))).json().get("id").asString();
        List<String> lines = new CopyOnWriteArrayList<>();
        List<Long> firstSeenAt = new CopyOnWriteArrayList<>();
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(roost.url() + "/api/v1/workspaces/acme/tasks/" + id + "/output?follow=true"))
                .header("Authorization", "Bearer " + admin.token()).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
                if (line.contains("first") && firstSeenAt.isEmpty()) {
                    firstSeenAt.add(System.nanoTime());
                }
            }
        }
        long ended = System.nanoTime();
        assertThat(firstSeenAt).as("the first line arrived while the task ran: %s", lines).hasSize(1);
        assertThat(Duration.ofNanos(ended - firstSeenAt.get(0))).isGreaterThan(Duration.ofSeconds(2));
        assertThat(String.join("\n", lines)).contains("second").contains("event: end").contains("SUCCEEDED");
    }

    @Test
    void cancelKillsTheSandboxedProcess() {
        CliRunner.Result submitted = cli.run("run", "-w", "acme", "--detach", "--", "sleep", "297.5");
        assertThat(submitted.exit()).as(submitted.toString()).isZero();
        String id = submitted.out().strip();
        ApiClient admin = roost.admin();
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.get("/api/v1/workspaces/acme/tasks/" + id).json()
                .get("state").asString().equals("RUNNING") && sleeping("297.5"));
        CliRunner.Result cancel = cli.run("task", "cancel", "-w", "acme", id);
        assertThat(cancel.exit()).as(cancel.toString()).isZero();
        await().atMost(Duration.ofSeconds(15)).until(() -> admin.get("/api/v1/workspaces/acme/tasks/" + id).json()
                .get("state").asString().equals("CANCELLED"));
        assertThat(sleeping("297.5")).as("the sandboxed process is gone").isFalse();
        JsonNode result = admin.get("/api/v1/workspaces/acme/tasks/" + id + "/result").json();
        assertThat(result.get("cancelled").asBoolean()).isTrue();
    }

    /** Whether a process runs {@code sleep SECONDS} (a value no other test uses). */
    private static boolean sleeping(String seconds) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().map(c -> c.endsWith("sleep " + seconds))
                .orElse(false));
    }

    @Test
    void aTimeoutKillsTheTaskAndSaysSo() {
        CliRunner.Result r = cli.run("run", "-w", "acme", "--timeout", "1", "--", "sleep", "30");
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).contains("timed out");
    }

    @Test
    void egressReachesAnAllowedHostThroughTheProxyAndNothingElse() {
        int port = upstream.getAddress().getPort();
        CliRunner.Result r = cli.run("run", "-w", "acme", "--egress-allow", ALLOWED_HOST, "--", "sh", "-c",
                "wget -q -O - http://" + ALLOWED_HOST + ":" + port + "/hello; echo; "
                        + "wget -q -T 5 -O - http://denied.test:" + port + "/hello || echo refused");
        assertThat(r.exit()).as(r + "\nnode:\n" + node.log()).isZero();
        assertThat(r.out()).contains("hello from upstream").contains("refused");
        JsonNode tasks = roost.admin().get("/api/v1/workspaces/acme/tasks?limit=1").json();
        String id = tasks.get("items").get(0).get("id").asString();
        JsonNode egress = roost.admin().get("/api/v1/workspaces/acme/tasks/" + id + "/result").json().get("egress");
        assertThat(egress.get("allowed").asLong()).isEqualTo(1);
        assertThat(egress.get("denied").asLong()).isEqualTo(1);
        CliRunner.Result none = cli.run("run", "-w", "acme", "--", "sh", "-c",
                "wget -q -T 3 -O - http://" + ALLOWED_HOST + ":" + port + "/hello || echo offline");
        assertThat(none.out()).as("without egressAllow there is no network at all").contains("offline")
                .doesNotContain("hello from upstream");
    }

    private static JsonNode runToEnd(Map<String, Object> body) {
        ApiClient admin = roost.admin();
        String id = admin.post("/api/v1/workspaces/acme/tasks", body).json().get("id").asString();
        await().atMost(Duration.ofSeconds(60)).until(() -> !List.of("QUEUED", "RUNNING")
                .contains(admin.get("/api/v1/workspaces/acme/tasks/" + id).json().get("state").asString()));
        return admin.get("/api/v1/workspaces/acme/tasks/" + id + "/result").json();
    }

    @Test
    void severalCommandsRunInOrderWithEveryArgumentLiteralAndStopAtTheFirstFailure() {
        JsonNode result = runToEnd(Map.of("mode", "commands", "commands", List.of(
                List.of("echo", "it's $(id) `uname` *"), List.of("sh", "-c", "exit 3"), List.of("echo", "never"))));
        assertThat(result.get("stdout").get("text").asString()).isEqualTo("it's $(id) `uname` *\n");
        assertThat(result.get("exitCode").asInt()).isEqualTo(3);
        assertThat(result.get("state").asString()).isEqualTo("FAILED");
    }

    @Test
    void outputBeyondTheCapIsCutAndFlaggedNotBuffered() {
        JsonNode result = runToEnd(Map.of("mode", "commands", "commands", List.of(
                List.of("sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' a; echo done >&2"))));
        JsonNode stdout = result.get("stdout");
        assertThat(stdout.get("bytes").asLong()).isEqualTo(3_000_000);
        assertThat(stdout.get("truncated").asBoolean()).isTrue();
        assertThat(stdout.get("text").asString().length()).isLessThanOrEqualTo(1024 * 1024);
        assertThat(result.get("stderr").get("text").asString()).isEqualTo("done\n");
        assertThat(result.get("exitCode").asInt()).isZero();
    }

    @Test
    void aMemoryBombIsKilledAndReportedAsOutOfMemory() {
        JsonNode result = runToEnd(Map.of("mode", "commands", "memoryBytes", 32L << 20, "commands", List.of(
                List.of("sh", "-c", "x=a; while true; do x=$x$x; done"))));
        assertThat(result.get("oomKilled").asBoolean()).as(result.toString()).isTrue();
        assertThat(result.get("state").asString()).isEqualTo("FAILED");
    }

    @Test
    void aPromptIsRefusedClearly() {
        CliRunner.Result r = cli.run("task", "prompt", "-w", "acme", "summarise this repository");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("INFERENCE_UNAVAILABLE").contains("No default model is set")
                .contains("roost model alias set default");
    }

    @Test
    void scriptsRunWithTaskRunAndAreListed() throws Exception {
        Path script = Files.createTempFile("roost-script", ".sh");
        Files.writeString(script, "#!/bin/sh\nfor i in 1 2 3; do echo line $i; done\nexit 4\n");
        CliRunner.Result r = cli.run("task", "run", "-w", "acme", "--script", script.toString(), "--wait");
        assertThat(r.exit()).as(r.toString()).isEqualTo(4);
        assertThat(r.out()).isEqualTo("line 1\nline 2\nline 3\n");
        CliRunner.Result list = ok(cli.run("task", "list", "-w", "acme"));
        assertThat(list.out()).contains("FAILED").contains("script");
        String id = roost.admin().get("/api/v1/workspaces/acme/tasks?limit=1").json().get("items").get(0).get("id").asString();
        CliRunner.Result logs = ok(cli.run("task", "logs", "-w", "acme", id));
        assertThat(logs.out()).isEqualTo("line 1\nline 2\nline 3\n");
        CliRunner.Result get = ok(cli.run("task", "get", "-w", "acme", id));
        assertThat(get.out()).contains("FAILED").contains("cli-node").contains("Exit code:   4");
    }
}
