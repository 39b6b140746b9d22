package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.roost.server.config.NodeSettings;
import dev.roost.server.config.TaskSettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import dev.roost.sandbox.egress.EgressNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Operating nodes that run tasks, with real nodes in this JVM and real bubblewrap: draining hands
 * back what a node runs after a timeout (the attempt does not count, another node finishes the
 * task), and a new gateway URL in the node config reaches the running egress proxy.
 */
class NodeDrainTest {
    private static TestRoost roost;
    private static CliRunner cli;
    private static TaskTestNodes.InProcessNode first;
    private static TaskTestNodes.InProcessNode second;
    private static HttpServer gateway;

    @BeforeAll
    static void start() throws Exception {
        TaskTestNodes.requireSandbox();
        roost = TestRoost.start(c -> c.withTasks(new TaskSettings(Duration.ofSeconds(6), Duration.ZERO, Duration.ZERO, 3,
                Duration.ofMillis(500))).withNodes(new NodeSettings(Duration.ofMinutes(10), Duration.ofDays(30),
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(5))));
        roost.createWorkspace("acme", "business");
        gateway = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        gateway.createContext("/v1/models", exchange -> {
            byte[] body = "models from the moved gateway".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        gateway.start();
        first = new TaskTestNodes.InProcessNode(roost.url(), token(), "drain-a", Map.of("pool", "drain"), EgressNetwork.SYSTEM);
        cli = new CliRunner(roost.url());
        assertThat(cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin").exit()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> first.log().contains("Running tasks"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (TaskTestNodes.InProcessNode node : new TaskTestNodes.InProcessNode[] {first, second}) {
            if (node != null) {
                node.close();
            }
        }
        if (gateway != null) {
            gateway.stop(0);
        }
        if (roost != null) {
            roost.close();
        }
    }

    private static String token() {
        return roost.admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1)).json().get("token").asString();
    }

    private static String nodeId(String name) {
        return roost.admin().get("/api/v1/nodes").json().valueStream().filter(n -> n.get("name").asString().equals(name))
                .findFirst().orElseThrow().get("id").asString();
    }

    @Test
    void aNewGatewayUrlReachesTheRunningEgressProxyAndDrainingHandsBackWhatRunsAfterTheTimeout() {
        // The gateway moves: the node applies its new config without a restart.
        String url = "http://127.0.0.1:" + gateway.getAddress().getPort();
        assertThat(roost.admin().put("/api/v1/nodes/" + nodeId("drain-a") + "/config", Map.of("concurrency", 2, "gatewayUrl", url))
                .status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.log().contains("the model gateway is now 127.0.0.1:"
                + gateway.getAddress().getPort()));
        CliRunner.Result viaGateway = cli.run("run", "-w", "acme", "--egress-allow", "example.com", "--", "sh", "-c",
                "wget -q -O - \"$ROOST_GATEWAY_URL/v1/models\"");
        assertThat(viaGateway.exit()).as(viaGateway + "\nnode:\n" + first.log()).isZero();
        assertThat(viaGateway.out()).isEqualTo("models from the moved gateway");

        // A task runs on the node; draining with a timeout waits for it, then hands it back.
        CliRunner.Result submitted = cli.run("run", "-w", "acme", "-d", "--label", "pool=drain", "--", "sh", "-c",
                "sleep 4; echo done");
        assertThat(submitted.exit()).as(submitted.toString()).isZero();
        String id = submitted.out().strip();
        ApiClient admin = roost.admin();
        await().atMost(Duration.ofSeconds(30)).until(() -> state(admin, id).equals("RUNNING"));

        CliRunner.Result drained = cli.run("node", "drain", "drain-a", "--timeout", "1s");
        assertThat(drained.exit()).as(drained.toString()).isZero();
        assertThat(drained.out()).contains("node/drain-a draining: 1 task(s) handed back to the queue");
        JsonNode queued = admin.get("/api/v1/workspaces/acme/tasks/" + id).json();
        assertThat(queued.get("state").asString()).isEqualTo("QUEUED");
        assertThat(queued.get("maxAttempts").asInt()).as("the attempt it lost does not count").isEqualTo(4);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.log().contains("Lost the lease on task " + id));

        second = new TaskTestNodes.InProcessNode(roost.url(), token(), "drain-b", Map.of("pool", "drain"), EgressNetwork.SYSTEM);
        await().atMost(Duration.ofSeconds(60)).until(() -> state(admin, id).equals("SUCCEEDED"));
        JsonNode result = admin.get("/api/v1/workspaces/acme/tasks/" + id + "/result").json();
        assertThat(result.get("attempt").asInt()).isEqualTo(2);
        assertThat(result.get("nodeName").asString()).isEqualTo("drain-b");
        assertThat(result.get("stdout").get("text").asString()).isEqualTo("done\n");

        CliRunner.Result idle = cli.run("node", "drain", "drain-b", "--timeout", "5s");
        assertThat(idle.out()).contains("node/drain-b draining: it runs no tasks");
    }

    private static String state(ApiClient admin, String id) {
        return admin.get("/api/v1/workspaces/acme/tasks/" + id).json().get("state").asString();
    }
}
