package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import dev.roost.store.testing.TestPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Nothing is lost when a process dies: nodes and servers run as processes of their own and are
 * killed with SIGKILL mid-task. A task whose node dies completes on another node, exactly once;
 * a task whose server dies is reported when the server is back; {@code roost up} brings its own
 * node so that {@code roost run} works on one machine.
 */
class TaskFailoverTest {
    private static final String ADMIN_PASSWORD = "failover-admin-password";

    @BeforeAll
    static void sandbox() {
        TaskTestNodes.requireSandbox();
    }

    private static Map<String, String> serverEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("ROOST_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("ROOST_RUNTIME", "none");
        env.put("ROOST_TASK_LEASE", "4s");
        env.put("ROOST_TASK_RETRY_BASE", "0s");
        env.put("ROOST_TASK_RETRY_MAX", "0s");
        env.put("ROOST_TASK_REAPER_INTERVAL", "500ms");
        env.put("ROOST_NODE_HEARTBEAT_INTERVAL", "1s");
        env.put("ROOST_LOG_FORMAT", "text");
        return env;
    }

    private static ApiClient login(String url) {
        ApiClient.Response r = new ApiClient(url, null).post("/api/v1/auth/login",
                Map.of("username", "admin", "password", ADMIN_PASSWORD));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return new ApiClient(url, r.json().get("accessToken").asString());
    }

    /** Waits for a condition; on time-out fails with what {@code context} shows (a process's output). */
    private static void waitFor(Duration within, java.util.concurrent.Callable<Boolean> condition,
            java.util.function.Supplier<String> context) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not within " + within + "; output:\n" + context.get());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String joinToken(ApiClient admin) {
        return admin.post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1)).json().get("token").asString();
    }

    private static JsonNode task(ApiClient admin, String id) {
        return admin.get("/api/v1/workspaces/acme/tasks/" + id).json();
    }

    @Test
    void whenANodeIsKilledMidTaskTheTaskCompletesOnTheOtherNodeExactlyOnce() throws Exception {
        try (TestRoost roost = TestRoost.start(c -> c.withTasks(new dev.roost.server.config.TaskSettings(Duration.ofSeconds(4),
                Duration.ZERO, Duration.ZERO, 3, Duration.ofMillis(500))))) {
            roost.createWorkspace("acme", "business");
            ApiClient admin = roost.admin();
            Map<String, CliProcess> nodes = new HashMap<>();
            try {
                for (String name : List.of("node-a", "node-b")) {
                    Map<String, String> env = new HashMap<>();
                    env.put("ROOST_JOIN_TOKEN", joinToken(admin));
                    nodes.put(name, CliProcess.start(env, Path.of("."), "node", "join", "--server", roost.url(),
                            "--name", name, "--state-dir", TaskTestNodes.stateDir(name).toString()));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> nodes.values().stream().allMatch(n -> n.printed("Running tasks")));
                String id = admin.post("/api/v1/workspaces/acme/tasks", Map.of("mode", "commands", "commands",
                        List.of(List.of("sh", "-c", "echo started; sleep 4.31; echo finished")))).json().get("id").asString();
                await().atMost(Duration.ofSeconds(20)).until(() -> task(admin, id).get("state").asString().equals("RUNNING"));
                String first = task(admin, id).get("nodeName").asString();
                // (sleep 4.31: a duration no other process on the machine is likely to use, for the check at the end.)
                // Let it start for real, then kill its node without a chance to say anything.
                await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("/api/v1/workspaces/acme/tasks/" + id + "/output")
                        .json().get("chunks").size() > 0);
                nodes.get(first).kill9();

                String second = first.equals("node-a") ? "node-b" : "node-a";
                waitFor(Duration.ofSeconds(60), () -> task(admin, id).get("state").asString().equals("SUCCEEDED"),
                        () -> nodes.get(second).output());
                JsonNode view = task(admin, id);
                String logs = "\n" + first + ":\n" + nodes.get(first).output() + "\n" + second + ":\n" + nodes.get(second).output();
                assertThat(view.get("nodeName").asString()).as(logs).isEqualTo(second);
                // At least one more attempt; on a loaded machine a lease may lapse once more, which costs an attempt, never a second result.
                assertThat(view.get("attempts").asInt()).as(logs).isGreaterThanOrEqualTo(2);
                JsonNode result = admin.get("/api/v1/workspaces/acme/tasks/" + id + "/result").json();
                assertThat(result.get("attempt").asInt()).isEqualTo(view.get("attempts").asInt());
                assertThat(result.get("stdout").get("text").asString()).isEqualTo("started\nfinished\n");
                int results = roost.server().database().read(s -> s.tasks().resultCount(java.util.UUID.fromString(id)));
                assertThat(results).as("recorded exactly once").isEqualTo(1);
                assertThat(ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                        .map(c -> c.contains("sleep 4.31")).orElse(false)))
                        .as("the killed node's sandbox died with it").isFalse();
            } finally {
                for (CliProcess p : nodes.values()) {
                    p.close();
                }
            }
        }
    }

    @Test
    void whenTheServerIsKilledMidTaskTheNodeReconnectsAndTheResultIsRecorded() throws Exception {
        String databaseUrl = TestPostgres.get().newDatabaseUrl();
        Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-homes")), "failover-");
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        String[] up = {"up", "--home", home.toAbsolutePath().toString(), "--port", Integer.toString(port), "--database-url",
                databaseUrl, "--no-local-node"};
        // A lease long enough to outlast the restart even on a loaded machine: the running attempt must be kept.
        Map<String, String> env = serverEnv();
        env.put("ROOST_TASK_LEASE", "60s");
        CliProcess server = CliProcess.start(env, Path.of("."), up);
        TaskTestNodes.InProcessNode node = null;
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> server.printed("Roost is ready at"));
            ApiClient admin = login(url);
            assertThat(admin.post("/api/v1/workspaces", Map.of("name", "acme", "plan", "business", "owner", "admin")).status()).isEqualTo(201);
            node = new TaskTestNodes.InProcessNode(url, joinToken(admin), "survivor", Map.of(), dev.roost.sandbox.egress.EgressNetwork.SYSTEM);
            TaskTestNodes.InProcessNode started = node;
            await().atMost(Duration.ofSeconds(30)).until(() -> started.log().contains("Running tasks"));
            String id = admin.post("/api/v1/workspaces/acme/tasks", Map.of("mode", "commands", "commands",
                    List.of(List.of("sh", "-c", "echo before; sleep 5; echo after")))).json().get("id").asString();
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("/api/v1/workspaces/acme/tasks/" + id + "/output")
                    .json().get("chunks").size() > 0);
            server.kill9();

            try (CliProcess again = CliProcess.start(env, Path.of("."), up)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> again.printed("Roost is ready at"));
                ApiClient admin2 = login(url);
                await().atMost(Duration.ofSeconds(60)).until(() -> task(admin2, id).get("state").asString().equals("SUCCEEDED"));
                JsonNode result = admin2.get("/api/v1/workspaces/acme/tasks/" + id + "/result").json();
                assertThat(result.get("stdout").get("text").asString()).isEqualTo("before\nafter\n");
                assertThat(result.get("nodeName").asString()).isEqualTo("survivor");
                assertThat(task(admin2, id).get("attempts").asInt()).as("the running attempt was kept, not re-run").isEqualTo(1);
            }
        } finally {
            if (node != null) {
                node.close();
            }
            server.close();
        }
    }

    @Test
    void roostUpStartsALocalNodeSoRunJustWorks() throws Exception {
        String databaseUrl = TestPostgres.get().newDatabaseUrl();
        Path home = Files.createTempDirectory(Path.of("/tmp"), "roost-up-");
        int port = freePort();
        String url = "http://127.0.0.1:" + port;
        try (CliProcess server = CliProcess.start(serverEnv(), Path.of("."), "up", "--home", home.toString(), "--port",
                Integer.toString(port), "--database-url", databaseUrl)) {
            waitFor(Duration.ofSeconds(60), () -> server.printed("Running tasks"), server::output);
            ApiClient admin = login(url);
            assertThat(admin.post("/api/v1/workspaces", Map.of("name", "acme", "plan", "business", "owner", "admin")).status()).isEqualTo(201);
            CliRunner cli = new CliRunner(url);
            CliRunner.Result login = cli.runWithInput(ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin");
            assertThat(login.exit()).as(login.toString()).isZero();
            CliRunner.Result r = cli.run("run", "-w", "acme", "--", "echo", "hi");
            assertThat(r.exit()).as(r + "\nserver:\n" + server.output()).isZero();
            assertThat(r.out()).isEqualTo("hi\n");
            assertThat(Files.exists(home.resolve("node").resolve("node.json"))).as("the local node's state is in <home>/node").isTrue();
            JsonNode nodes = admin.get("/api/v1/nodes").json();
            assertThat(nodes).extracting(n -> n.get("name").asString()).contains("local");
        }
    }
}
