package dev.roost.server.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.RuntimesByKind;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxTestSupport;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Instances whose manifest says {@code spec.runtime.kind: sandbox} run as real bubblewrap jails,
 * end to end through the API and the reconciler, next to instances on the server's default
 * runtime (a fake here). Skipped (or failed, under {@code ROOST_REQUIRE_SANDBOX=1}) where
 * bubblewrap jails cannot run.
 */
class SandboxInstancesTest {
    private static final String BASE = "/api/v1/workspaces/acme/instances/";
    private static final Duration UP = Duration.ofSeconds(60);

    private static SandboxRuntime sandbox;
    private static FakeRuntime fake;
    private static TestRoost roost;
    private static ApiClient operator;
    private static final List<UUID> made = new ArrayList<>();

    @BeforeAll
    static void start() {
        sandbox = new SandboxRuntime(SandboxTestSupport.settings("server"));
        SandboxTestSupport.requireSandbox(sandbox);
        fake = new FakeRuntime().withImage(SandboxTestSupport.IMAGE);
        RuntimesByKind runtimes = new RuntimesByKind(Map.of(RuntimeSpec.Kind.DOCKER, fake, RuntimeSpec.Kind.SANDBOX, sandbox),
                RuntimeSpec.Kind.DOCKER);
        roost = TestRoost.start(c -> c.withReconcileInterval(Duration.ofMillis(500)), java.time.Clock.systemUTC(), runtimes);
        roost.createWorkspace("acme", "business");
        operator = roost.member("acme", "olga", Role.OPERATOR);
    }

    @AfterAll
    static void stop() {
        if (roost != null) {
            roost.close();
        }
        if (sandbox != null) {
            if (sandbox.status().usable()) {
                sandbox.purge(sandbox.observe().stream().map(ObservedContainer::instanceId).distinct().toList());
            }
            sandbox.close();
        }
    }

    private static String manifest(String name, String kind) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata:
                  name: %s
                  workspace: acme
                  environment: prod
                spec:
                  runtime:
                    %s
                    image: %s
                    cpu: 200m
                    memory: 64Mi
                  health:
                    http: {path: /cgi-bin/healthz, port: 8080}
                    periodSeconds: 2
                    timeoutSeconds: 2
                    failureThreshold: 2
                """.formatted(name, kind.isEmpty() ? "" : "kind: " + kind, SandboxTestSupport.IMAGE);
    }

    private static JsonNode instance(String name) {
        return operator.get(BASE + name).json().get("instance");
    }

    private static List<String> events(String name) {
        List<String> texts = new ArrayList<>();
        operator.get(BASE + name + "/events?limit=500").json().get("items")
                .forEach(e -> texts.add(e.get("kind").asString() + " " + e.get("message").asString()));
        return texts;
    }

    private static ObservedContainer jailOf(String name) {
        List<ObservedContainer> jails = sandbox.observe().stream().filter(c -> c.instance().equals(name) && c.running()).toList();
        assertThat(jails).as("running jails of " + name).hasSize(1);
        return jails.getFirst();
    }

    @Test
    void a_sandbox_instance_runs_in_a_jail_passes_its_health_check_and_is_healed_after_a_kill() {
        var created = operator.putText(BASE + "jailed", manifest("jailed", "sandbox"), "application/yaml");
        assertThat(created.status()).as(created.body()).isEqualTo(201);

        await().atMost(UP).untilAsserted(() -> assertThat(instance("jailed").get("status").asString()).isEqualTo("RUNNING"));
        assertThat(events("jailed")).anyMatch(e -> e.startsWith("HEALTHY"));
        ObservedContainer jail = jailOf("jailed");
        made.add(jail.instanceId());
        assertThat(jail.containerId()).startsWith(SandboxRuntime.ID_PREFIX);
        assertThat(fake.observe()).noneMatch(c -> c.instance().equals("jailed"));

        SandboxTestSupport.killBehindBack(sandbox, jail.containerId());

        await().atMost(UP).untilAsserted(() -> {
            assertThat(events("jailed")).anyMatch(e -> e.startsWith("DRIFT") && e.contains("exited with code 137"));
            ObservedContainer healed = jailOf("jailed");
            assertThat(healed.restartCount()).isGreaterThanOrEqualTo(1);
            assertThat(instance("jailed").get("status").asString()).isEqualTo("RUNNING");
        });
        assertThat(sandbox.probe(jailOf("jailed").containerId(), new dev.roost.core.manifest.Health.Http("/cgi-bin/healthz",
                new dev.roost.core.manifest.PortRef.ByNumber(8080)), 8080, Duration.ofSeconds(3)).healthy()).isTrue();
    }

    @Test
    void an_instance_without_a_kind_runs_on_the_default_runtime_and_its_logs_come_from_its_runtime() {
        var created = operator.putText(BASE + "plain", manifest("plain", ""), "application/yaml");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        var jailed = operator.putText(BASE + "talker", manifest("talker", "sandbox"), "application/yaml");
        assertThat(jailed.status()).as(jailed.body()).isEqualTo(201);

        await().atMost(UP).untilAsserted(() -> {
            assertThat(fake.observe()).anyMatch(c -> c.instance().equals("plain") && c.running());
            assertThat(instance("talker").get("status").asString()).isEqualTo("RUNNING");
        });
        assertThat(sandbox.observe()).noneMatch(c -> c.instance().equals("plain"));
        made.add(jailOf("talker").instanceId());

        await().atMost(UP).untilAsserted(() -> {
            var logs = operator.get(BASE + "talker/logs?tail=10");
            assertThat(logs.status()).as(logs.body()).isEqualTo(200);
            assertThat(logs.body()).contains("roost-test-service: serving /www on port 8080");
        });
    }
}
