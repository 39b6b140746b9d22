package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.cli.node.NodeAgent;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxTestSupport;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Sandboxed instances on two nodes (in this JVM, real bubblewrap), through the API and the
 * reconciler of a server that runs nothing itself: a secret reaches the jail and is masked in
 * the logs read through the server; draining a node moves its instance to the other node and
 * the drained node removes the jail; a cordoned node takes no new instance.
 */
class NodeInstancePlacementTest {
    private static final String BASE = "/api/v1/workspaces/acme/instances/";
    private static final Duration UP = Duration.ofSeconds(90);
    private static TestRoost roost;
    private static ApiClient operator;
    private static final Map<String, Node> nodes = new LinkedHashMap<>();

    private record Node(NodeAgent agent, Thread thread, ByteArrayOutputStream log) {
        SandboxRuntime jails() {
            return agent.jails().orElseThrow().runtime();
        }
    }

    @BeforeAll
    static void start() {
        SandboxRuntime probe = new SandboxRuntime(SandboxTestSupport.settings("pp"));
        SandboxTestSupport.requireSandbox(probe); // builds the test images, or skips with what to install
        roost = TestRoost.start(c -> c.withRuntime("nodes").withReconcileInterval(Duration.ofMillis(500)));
        roost.createWorkspace("acme", "business");
        operator = roost.member("acme", "olga", Role.OPERATOR);
        for (String name : List.of("pa", "pb")) {
            String token = roost.admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1)).json().get("token").asString();
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            NodeAgent agent = new NodeAgent(roost.url(), TaskTestNodes.stateDir(name), new PrintStream(log, true, StandardCharsets.UTF_8),
                    Clock.systemUTC(), NodeAgent.TaskOptions.disabled()).withJails(SandboxTestSupport.settings(name));
            Thread thread = Thread.ofPlatform().name("test-node-" + name).daemon(true)
                    .start(() -> agent.run(token, name, Map.of(), Long.MAX_VALUE));
            nodes.put(name, new Node(agent, thread, log));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> roost.server().database()
                .read(s -> s.nodeJails().hosts(Optional.empty()).size() == 2));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (Node n : nodes.values()) {
            if (n.agent().jails().isPresent()) {
                SandboxRuntime jails = n.jails();
                jails.purge(jails.observe().stream().map(ObservedContainer::instanceId).distinct().toList());
            }
            n.agent().stop();
            n.thread().interrupt();
            n.thread().join(5000);
        }
        if (roost != null) {
            roost.close();
        }
    }

    private static String manifest(String name, String env) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: %s, workspace: acme, environment: prod}
                spec:
                  runtime:
                    kind: sandbox
                    image: "%s"
                    cpu: 200m
                    memory: 64Mi
                    env: {%s}
                  health:
                    http: {path: /cgi-bin/healthz, port: 8080}
                    periodSeconds: 2
                    timeoutSeconds: 2
                    failureThreshold: 2
                """.formatted(name, SandboxTestSupport.IMAGE, env);
    }

    private static JsonNode detail(String name) {
        return operator.get(BASE + name).json();
    }

    private static String runningOn(String name) {
        await().atMost(UP).until(() -> {
            JsonNode d = detail(name);
            return d.path("instance").path("status").asString().equals("RUNNING") && d.path("nodes").size() == 1;
        });
        return detail(name).path("nodes").get(0).asString();
    }

    private static String nodeId(String name) {
        for (JsonNode n : roost.admin().get("/api/v1/nodes").json()) {
            if (n.path("name").asString().equals(name)) {
                return n.path("id").asString();
            }
        }
        throw new AssertionError("no node " + name);
    }

    @Test
    void a_secret_reaches_the_jail_on_its_node_and_is_masked_in_the_logs_read_through_the_server() {
        String canary = "canary-" + UUID.randomUUID();
        assertThat(operator.put("/api/v1/workspaces/acme/secrets/print-me", Map.of("value", canary)).status()).isIn(200, 201);
        var created = operator.putText(BASE + "talker", manifest("talker", "ROOST_TEST_PRINT: \"secret:print-me\""),
                "application/yaml");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String node = runningOn("talker");

        // The value is in the jail's environment on the node...
        ObservedContainer jail = nodes.get(node).jails().observe().stream().filter(c -> c.instance().equals("talker")).findFirst()
                .orElseThrow();
        assertThat(dev.roost.runtime.sandbox.JailHooks.environmentOf(nodes.get(node).jails(), jail.containerId(), "ROOST_TEST_PRINT"))
                .contains(canary);
        // ...and never in what the server shows: the logs come masked, the node's log says nothing of it.
        await().atMost(UP).untilAsserted(() -> {
            String logs = operator.get(BASE + "talker/logs?tail=50").body();
            assertThat(logs).contains("ROOST_TEST_PRINT=****").doesNotContain(canary);
        });
        nodes.values().forEach(n -> assertThat(n.log().toString(StandardCharsets.UTF_8)).doesNotContain(canary));
        assertThat(roost.admin().get("/api/v1/nodes/" + nodeId(node) + "/instances").body()).doesNotContain(canary);

        // The CLI shows where it runs, both ways.
        CliRunner cli = new CliRunner(roost.url());
        assertThat(cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin").exit()).isZero();
        CliRunner.Result described = cli.run("describe", "instance", "talker", "-w", "acme");
        assertThat(described.exit()).as(described.toString()).isZero();
        assertThat(described.out()).containsPattern("Node:\\s+" + node);
        CliRunner.Result got = cli.run("get", "instance", "talker", "-w", "acme", "-o", "table");
        assertThat(got.out()).as(got.toString()).contains("Node: " + node);
        CliRunner.Result nodeView = cli.run("node", "describe", node);
        assertThat(nodeView.exit()).as(nodeView.toString()).isZero();
        assertThat(nodeView.out()).contains("Instances:").containsPattern("acme\\s+talker\\s+1\\s+0\\s+RUNNING")
                .doesNotContain(canary);
        cli.assertNoTokenPrinted();
    }

    @Test
    void draining_a_node_moves_its_instance_to_the_other_node_and_a_cordoned_node_takes_no_new_one() {
        var created = operator.putText(BASE + "drifter", manifest("drifter", ""), "application/yaml");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String first = runningOn("drifter");
        String other = first.equals("pa") ? "pb" : "pa";

        assertThat(roost.admin().post("/api/v1/nodes/" + nodeId(first) + "/drain", Map.of()).status()).isEqualTo(200);
        await().atMost(UP).until(() -> {
            JsonNode d = detail("drifter");
            return d.path("instance").path("status").asString().equals("RUNNING") && d.path("nodes").size() == 1
                    && d.path("nodes").get(0).asString().equals(other);
        });
        await().atMost(UP).until(() -> nodes.get(first).jails().observe().stream().noneMatch(c -> c.instance().equals("drifter")));

        // The drained node takes nothing new; cordoning the other leaves no node, so a new instance waits.
        assertThat(roost.admin().post("/api/v1/nodes/" + nodeId(other) + "/cordon", Map.of()).status()).isEqualTo(200);
        try {
            operator.putText(BASE + "waiter", manifest("waiter", ""), "application/yaml");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> detail("waiter").path("nodes").isEmpty());
            assertThat(detail("waiter").path("instance").path("status").asString()).isNotEqualTo("RUNNING");
            assertThat(detail("drifter").path("nodes").get(0).asString()).as("a cordon keeps what runs").isEqualTo(other);
        } finally {
            roost.admin().post("/api/v1/nodes/" + nodeId(other) + "/uncordon", Map.of());
            roost.admin().post("/api/v1/nodes/" + nodeId(first) + "/uncordon", Map.of());
        }
        assertThat(runningOn("waiter")).isIn("pa", "pb");
    }
}
