package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.reconcile.Reconciler;
import dev.roost.server.testing.TestRoost;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code roost plan NAME} and {@code roost events NAME}: what the reconciler would do and what it did. */
class CliDeploymentTest {
    private static TestRoost roost;
    private static CliRunner cli;
    private static FakeRuntime fake;
    private static Reconciler reconciler;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withReconcileInterval(Duration.ofHours(1)));
        fake = (FakeRuntime) roost.server().runtime().orElseThrow();
        fake.withImage("roost-test/bot:1.0.0");
        reconciler = roost.server().reconciler().orElseThrow();
        cli = new CliRunner(roost.url());
        ok(cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
        ok(cli.run("workspace", "create", "acme", "--owner", "admin", "--plan", "business"));
        ok(cli.run("workspace", "use", "acme"));
        await().atMost(Duration.ofSeconds(10)).until(reconciler::isLeader);
    }

    @AfterAll
    static void stop() {
        cli.assertNoTokenPrinted();
        roost.close();
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    static String manifest(String name, String image) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: %s, workspace: acme, environment: prod}
                spec:
                  runtime: {image: %s, cpu: 100m, memory: 64Mi}
                """.formatted(name, image);
    }

    @Test
    void planShowsActionsWithReasonsAndDrift() {
        ok(cli.runWithInput(manifest("bot", "roost-test/bot:1.0.0"), "apply", "-f", "-"));
        await().atMost(Duration.ofSeconds(10)).until(() -> fake.observe().stream().anyMatch(c -> c.instance().equals("bot")));
        reconciler.reconcileNow();
        assertThat(ok(cli.run("plan", "bot")).out()).contains("No changes: the instance is as its manifest asks.");

        String id = fake.observe().stream().filter(c -> c.instance().equals("bot")).findFirst().orElseThrow().containerId();
        fake.crashBehindBack(id, 137, true);
        String plan = ok(cli.run("plan", "bot")).out();
        assertThat(plan).contains("1. start container " + id.substring(0, 12))
                .contains("why: restart replica 0 (container " + id.substring(0, 12) + ") was OOM killed (exit 137) (self-heal)")
                .contains("Drift (changed behind Roost's back):");
        assertThat(ok(cli.run("plan", "bot", "-o", "json")).out()).contains("\"actions\"");
        assertThat(cli.run("plan", "nobody").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void eventsListOldestLastAndFollowPrintsNewOnes() {
        ok(cli.runWithInput(manifest("logger", "roost-test/bot:1.0.0"), "apply", "-f", "-"));
        await().atMost(Duration.ofSeconds(10)).until(() -> fake.observe().stream().anyMatch(c -> c.instance().equals("logger")));
        reconciler.reconcileNow();
        String out = ok(cli.run("events", "logger")).out();
        assertThat(out).containsPattern("(?m)^TIME +KIND +VERSION +MESSAGE");
        assertThat(out.indexOf("ROLLOUT_STARTED")).isLessThan(out.indexOf("HEALTHY"));
        assertThat(cli.run("events", "logger", "--limit", "0").exit()).isEqualTo(ExitCodes.USAGE);

        Thread stopper = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                return;
            }
            roost.admin().post("/api/v1/workspaces/acme/instances/logger/actions/stop", java.util.Map.of());
        });
        String followed = ok(cli.run("events", "logger", "-f", "--poll-interval", "0.2", "--polls", "15")).out();
        stopper.interrupt();
        assertThat(followed).contains("STATUS").contains("STOPPED: stopped on request");
    }

    @Test
    void plansAreTheSubscriptionPlans() {
        assertThat(ok(cli.run("plans", "list")).out()).contains("starter");
        assertThat(cli.run("plan").exit()).as("plan needs an instance name").isEqualTo(ExitCodes.USAGE);
    }
}
