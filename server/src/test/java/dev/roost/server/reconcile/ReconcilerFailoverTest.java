package dev.roost.server.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.SecretSource;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import dev.roost.store.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Several servers on one database and one runtime: only the leader acts, another takes over
 * when it goes, and a server started after a crash in the middle of a rollout converges with
 * no duplicate and no orphan container.
 */
class ReconcilerFailoverTest {
    private static final Duration FAST = Duration.ofMillis(200);

    static String manifest(String name, String image) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: %s, workspace: acme, environment: prod}
                spec:
                  runtime: {image: %s, cpu: 100m, memory: 64Mi, replicas: 2}
                """.formatted(name, image);
    }

    @Test
    void onlyTheLeaderActsAndAnotherTakesOverWhenItCloses() throws Exception {
        FakeRuntime fake = new FakeRuntime().withImage("roost-test/bot:1.0.0");
        String db = TestPostgres.get().newDatabaseUrl();
        TestRoost first = TestRoost.startOn(TestRoost.newHome(), db, c -> c.withReconcileInterval(FAST), Clock.systemUTC(), fake);
        TestRoost second = TestRoost.startOn(TestRoost.newHome(), db, c -> c.withReconcileInterval(FAST), Clock.systemUTC(), fake);
        try {
            Reconciler a = first.server().reconciler().orElseThrow();
            Reconciler b = second.server().reconciler().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> a.isLeader() || b.isLeader());
            Thread.sleep(FAST.toMillis() * 3); // both had time to try
            assertThat(a.isLeader() && b.isLeader()).as("never two leaders").isFalse();
            assertThat(b.reconcileNow()).isEqualTo(a.isLeader() ? Reconciler.PassOutcome.NOT_LEADER : Reconciler.PassOutcome.DONE);

            first.createWorkspace("acme", "business");
            ApiClient operator = first.member("acme", "olga", Role.OPERATOR);
            operator.putText("/api/v1/workspaces/acme/instances/bot", manifest("bot", "roost-test/bot:1.0.0"), "application/yaml");
            await().atMost(Duration.ofSeconds(10)).until(() -> fake.observe().stream().filter(ObservedContainer::running).count() == 2);
            Thread.sleep(FAST.toMillis() * 3); // several passes by whoever leads, and tries by the other
            assertThat(fake.appliedCount(RuntimeAction.CreateContainer.class)).as("created once, by one leader").isEqualTo(2);

            TestRoost leader = a.isLeader() ? first : second;
            Reconciler follower = a.isLeader() ? b : a;
            leader.close();
            await().atMost(Duration.ofSeconds(10)).until(follower::isLeader);
            String gone = fake.observe().get(0).containerId();
            fake.removeBehindBack(gone);
            await().atMost(Duration.ofSeconds(10)).until(() -> fake.observe().size() == 2
                    && fake.observe().stream().allMatch(ObservedContainer::running));
            assertThat(fake.observe()).noneMatch(c -> c.containerId().equals(gone));
        } finally {
            first.close();
            second.close();
        }
    }

    @Test
    void aLeaderWhoseConnectionDropsStopsAndLeadershipIsTakenAgain() throws Exception {
        FakeRuntime fake = new FakeRuntime();
        try (TestRoost roost = TestRoost.start(c -> c.withReconcileInterval(FAST), Clock.systemUTC(), fake)) {
            Reconciler reconciler = roost.server().reconciler().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(reconciler::isLeader);
            int killed = roost.server().database().read(s -> s.handle().createQuery(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'roost-leader:reconciler' "
                            + "AND datname = current_database()").mapTo(Integer.class).one());
            assertThat(killed).isEqualTo(1);
            long before = reconciler.loopPasses();
            await().atMost(Duration.ofSeconds(10)).until(() -> reconciler.isLeader() && reconciler.loopPasses() > before + 1);
            int leaders = roost.server().database().read(s -> s.handle().createQuery(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'roost-leader:reconciler' "
                            + "AND datname = current_database()").mapTo(Integer.class).one());
            assertThat(leaders).as("one new lock connection").isEqualTo(1);
        }
    }

    @Test
    void aServerStartedAfterACrashMidRolloutConvergesWithoutDuplicatesOrOrphans() throws Exception {
        FakeRuntime fake = new FakeRuntime().withImage("roost-test/bot:1.0.0").withImage("roost-test/bot:2.0.0");
        String db = TestPostgres.get().newDatabaseUrl();
        var home = TestRoost.newHome();
        UUID id;
        try (TestRoost roost = TestRoost.startOn(home, db, c -> c.withReconcileInterval(Duration.ofHours(1)), Clock.systemUTC(), fake)) {
            roost.createWorkspace("acme", "business");
            ApiClient operator = roost.member("acme", "olga", Role.OPERATOR);
            operator.putText("/api/v1/workspaces/acme/instances/bot", manifest("bot", "roost-test/bot:1.0.0"), "application/yaml");
            await().atMost(Duration.ofSeconds(10)).until(() -> fake.observe().size() == 2);
            id = fake.observe().get(0).instanceId();
        }
        // While no server runs, version 2 is stored and the crashed leader had got half-way through its rollout:
        // replica 0 of version 2 exists, version 1 still runs both replicas; plus a container of an instance nobody knows.
        try (TestRoost roost = TestRoost.startOn(home, db, c -> c.withRuntime("none"), Clock.systemUTC())) {
            ApiClient admin = roost.admin();
            assertThat(admin.putText("/api/v1/workspaces/acme/instances/bot", manifest("bot", "roost-test/bot:2.0.0"), "application/yaml")
                    .status()).isEqualTo(200);
            String json = admin.get("/api/v1/workspaces/acme/instances/bot").json().get("manifest").toString();
            WorkloadSpec v2 = WorkloadSpec.of(id, 2, ManifestValidator.validate(ManifestFormats.json().readTree(json)).manifest());
            fake.apply(new RuntimeAction.CreateContainer(v2, 0, "crashed rollout"), SecretSource.NONE);
            WorkloadSpec stranger = WorkloadSpec.of(UUID.randomUUID(), 1, ManifestValidator.validate(ManifestFormats.json().readTree(
                    json.replace("\"bot\"", "\"ghost\""))).manifest());
            fake.apply(new RuntimeAction.CreateContainer(stranger, 0, "left over"), SecretSource.NONE);
        }
        assertThat(fake.observe()).hasSize(4);
        try (TestRoost roost = TestRoost.startOn(home, db, c -> c.withReconcileInterval(Duration.ofHours(1)), Clock.systemUTC(), fake)) {
            Reconciler reconciler = roost.server().reconciler().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> reconciler.loopPasses() > 0);
            reconciler.reconcileNow();
            List<ObservedContainer> containers = fake.observe();
            assertThat(containers).hasSize(2).allMatch(c -> c.instanceId().equals(id) && c.version() == 2 && c.running());
            assertThat(containers.stream().map(ObservedContainer::replica).sorted().toList()).containsExactly(0, 1);
            assertThat(roost.admin().get("/api/v1/workspaces/acme/instances/bot").json().get("instance").get("status").asString())
                    .isEqualTo("RUNNING");
            assertThat(roost.admin().get("/api/v1/audit?limit=50").json().toString()).contains("runtime.orphan-removed");
        }
    }

    @Test
    void aCanarySecretReachesTheContainerAndNothingElse() throws Exception {
        ch.qos.logback.classic.LoggerContext context = (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured = new ch.qos.logback.core.read.ListAppender<>();
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
        String canary = "canary-" + UUID.randomUUID();
        FakeRuntime fake = new FakeRuntime().withImage("roost-test/bot:1.0.0");
        try (TestRoost roost = TestRoost.start(c -> c.withReconcileInterval(Duration.ofHours(1)), Clock.systemUTC(), fake)) {
            roost.createWorkspace("acme", "business");
            ApiClient admin = roost.admin();
            roost.server().database().transaction(s -> {
                var ws = s.workspaces().findByName("acme").orElseThrow();
                roost.server().secrets().put(s, ws.id(), "api-key", canary.getBytes(StandardCharsets.UTF_8), "test", dev.roost.store.Rows.now());
                return null;
            });
            String yaml = manifest("bot", "roost-test/bot:1.0.0").replace("replicas: 2}", "replicas: 1, env: {API_KEY: \"secret:api-key\"}}");
            assertThat(admin.putText("/api/v1/workspaces/acme/instances/bot", yaml, "application/yaml").status()).as(yaml).isEqualTo(201);
            Reconciler reconciler = roost.server().reconciler().orElseThrow();
            await().atMost(Duration.ofSeconds(10)).until(() -> !fake.observe().isEmpty());
            reconciler.reconcileNow();
            String container = fake.observe().get(0).containerId();
            assertThat(fake.injectedSecret(container, "API_KEY")).contains(canary);
            fake.crashBehindBack(container, 1, false);
            reconciler.reconcileNow();

            StringBuilder seen = new StringBuilder();
            seen.append(admin.get("/api/v1/workspaces/acme/instances/bot/events?limit=500").body());
            seen.append(admin.get("/api/v1/workspaces/acme/instances/bot").body());
            seen.append(admin.get("/api/v1/workspaces/acme/instances/bot/plan").body());
            seen.append(admin.get("/api/v1/audit?limit=500").body());
            seen.append((String) roost.server().database().read(s -> s.handle().createQuery(
                    "SELECT string_agg(message || detail::text, ' ') FROM deployment_events").mapTo(String.class).one()));
            seen.append((String) roost.server().database().read(s -> s.handle().createQuery(
                    "SELECT string_agg(status_reason, ' ') FROM instances").mapTo(String.class).one()));
            captured.list.forEach(e -> seen.append(e.getFormattedMessage()).append(e.getThrowableProxy() == null ? ""
                    : e.getThrowableProxy().getMessage()));
            assertThat(seen.toString()).contains("API_KEY").doesNotContain(canary);
        } finally {
            root.detachAppender(captured);
        }
    }
}
