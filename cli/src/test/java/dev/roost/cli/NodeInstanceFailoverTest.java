package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.cli.node.NodeAgent;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxRuntimeSettings;
import dev.roost.runtime.sandbox.SandboxTestSupport;
import dev.roost.server.config.NodeSettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A sandboxed instance on joined nodes survives the death of its node: two node processes, the
 * instance placed on one, {@code kill -9} of that node; once the server finds the node LOST the
 * instance comes up, healthy, on the other node, and when the killed node comes back it stops and
 * removes the jail it left running. The server (runtime {@code nodes}) runs nothing itself.
 */
class NodeInstanceFailoverTest {
    private static final String BASE = "/api/v1/workspaces/acme/instances/";
    private static SandboxRuntimeSettings images;

    @BeforeAll
    static void sandbox() {
        images = SandboxTestSupport.settings("nf");
        SandboxTestSupport.requireSandbox(new SandboxRuntime(images)); // builds the test images, or skips with what to install
    }

    private static String manifest(String name) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: %s, workspace: acme, environment: prod}
                spec:
                  runtime: {kind: sandbox, image: "%s", cpu: 200m, memory: 64Mi}
                  health:
                    http: {path: /cgi-bin/healthz, port: 8080}
                    periodSeconds: 2
                    timeoutSeconds: 2
                    failureThreshold: 2
                """.formatted(name, SandboxTestSupport.IMAGE);
    }

    private static void waitFor(Duration within, Callable<Boolean> condition, Supplier<String> context) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not within " + within + "; context:\n" + context.get());
    }

    private static CliProcess node(TestRoost roost, String name, Path state, boolean join) throws Exception {
        Map<String, String> env = new HashMap<>();
        if (join) {
            env.put("ROOST_JOIN_TOKEN", roost.admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1)).json()
                    .get("token").asString());
        }
        env.put("ROOST_SANDBOX_IMAGES", images.images().toString());
        return CliProcess.start(env, Path.of("."), "node", "join", "--server", roost.url(), "--name", name, "--state-dir",
                state.toString(), "--no-tasks");
    }

    @Test
    void an_instance_whose_node_is_killed_comes_up_on_the_other_node_and_the_old_node_removes_its_jail_when_back() throws Exception {
        NodeSettings fast = new NodeSettings(Duration.ofMinutes(10), Duration.ofDays(30), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(4), Duration.ofMillis(500));
        Map<String, Path> states = new LinkedHashMap<>();
        Map<String, CliProcess> nodes = new HashMap<>();
        List<SandboxRuntime> leftovers = new ArrayList<>();
        try (TestRoost roost = TestRoost.start(c -> c.withRuntime("nodes").withNodes(fast)
                .withReconcileInterval(Duration.ofMillis(500)))) {
            roost.createWorkspace("acme", "business");
            ApiClient operator = roost.member("acme", "olga", Role.OPERATOR);
            for (String name : List.of("node-a", "node-b")) {
                states.put(name, TaskTestNodes.stateDir(name));
                nodes.put(name, node(roost, name, states.get(name), true));
            }
            Supplier<String> outputs = () -> {
                StringBuilder all = new StringBuilder();
                nodes.forEach((name, p) -> all.append(name).append(":\n").append(p.output()).append('\n'));
                return all.toString();
            };
            waitFor(Duration.ofSeconds(60), () -> nodes.values().stream().allMatch(n -> n.printed("Sandboxed instances: ")), outputs);

            var created = operator.putText(BASE + "mover", manifest("mover"), "application/yaml");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            waitFor(Duration.ofSeconds(90), () -> {
                JsonNode d = operator.get(BASE + "mover").json();
                return d.path("instance").path("status").asString().equals("RUNNING") && d.path("nodes").size() == 1;
            }, outputs);
            String first = operator.get(BASE + "mover").json().path("nodes").get(0).asString();
            String second = first.equals("node-a") ? "node-b" : "node-a";
            JsonNode listed = roost.admin().get("/api/v1/nodes/" + nodeId(roost, first) + "/instances").json();
            assertThat(listed).singleElement().satisfies(j -> {
                assertThat(j.path("instance").asString()).isEqualTo("mover");
                assertThat(j.path("state").asString()).isEqualTo("RUNNING");
            });

            // The node dies without a word; its jail, supervised on its own, keeps running on the machine.
            nodes.get(first).kill9();
            SandboxRuntime firstJails = new SandboxRuntime(NodeAgent.jailSettings(Map.of("ROOST_SANDBOX_IMAGES",
                    images.images().toString()), states.get(first)));
            leftovers.add(firstJails);
            assertThat(firstJails.observe()).anyMatch(ObservedContainer::running);

            waitFor(Duration.ofSeconds(120), () -> {
                JsonNode d = operator.get(BASE + "mover").json();
                return d.path("instance").path("status").asString().equals("RUNNING") && d.path("nodes").size() == 1
                        && d.path("nodes").get(0).asString().equals(second);
            }, () -> outputs.get() + "\ninstance: " + operator.get(BASE + "mover").json().path("instance")
                    + "\nevents: " + operator.get(BASE + "mover/events?limit=50").json());
            JsonNode events = operator.get(BASE + "mover/events?limit=200").json().path("items");
            List<String> kinds = new ArrayList<>();
            events.forEach(e -> kinds.add(e.path("kind").asString() + " " + e.path("message").asString()));
            assertThat(kinds).as("the moved replica passes its health check").anyMatch(k -> k.startsWith("HEALTHY"));

            // The old node comes back (same identity): it is told its jail moved, and removes it.
            nodes.put(first, node(roost, first, states.get(first), false));
            waitFor(Duration.ofSeconds(60), () -> firstJails.observe().isEmpty(), outputs);
            assertThat(nodes.get(first).output()).contains("Removing jail").contains("the server retired it");
            assertThat(roost.admin().get("/api/v1/nodes/" + nodeId(roost, first) + "/instances").json()).isEmpty();
            JsonNode after = operator.get(BASE + "mover").json();
            assertThat(after.path("instance").path("status").asString()).isEqualTo("RUNNING");
            assertThat(after.path("nodes").get(0).asString()).isEqualTo(second);
        } finally {
            for (CliProcess p : nodes.values()) {
                p.close();
            }
            for (Path state : states.values()) {
                SandboxRuntime jails = new SandboxRuntime(NodeAgent.jailSettings(Map.of("ROOST_SANDBOX_IMAGES",
                        images.images().toString()), state));
                if (jails.status().usable()) {
                    jails.purge(jails.observe().stream().map(ObservedContainer::instanceId).distinct().toList());
                }
                jails.close();
            }
            leftovers.forEach(SandboxRuntime::close);
        }
    }

    private static String nodeId(TestRoost roost, String name) {
        for (JsonNode n : roost.admin().get("/api/v1/nodes").json()) {
            if (n.path("name").asString().equals(name)) {
                return n.path("id").asString();
            }
        }
        throw new AssertionError("no node " + name);
    }
}
