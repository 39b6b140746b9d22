package dev.roost.server.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.instance.Instance;
import dev.roost.core.instance.ManifestVersion;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.MutableClock;
import dev.roost.server.testing.TestRoost;
import dev.roost.store.Rows;
import dev.roost.store.instances.InstanceRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The reconciler on the fake runtime and a real PostgreSQL: what users see (status, reason,
 * events, audit) when instances are created, stopped, broken behind Roost's back, given bad
 * images or unhealthy versions, refused by policy, or when the runtime goes away. Time is a
 * {@link MutableClock}; passes are run with {@link Reconciler#reconcileNow()}.
 */
class ReconcilerTest {
    static final String GOOD = "roost-test/bot:1.0.0";
    static final String GOOD_2 = "roost-test/bot:2.0.0";
    static final String SICK = "roost-test/sick:1.0.0";
    static final String MISSING = "roost-test/busybox:9";
    private static final String BASE = "/api/v1/workspaces/acme/instances/";

    private static MutableClock clock;
    private static TestRoost roost;
    private static FakeRuntime fake;
    private static Reconciler reconciler;
    private static ApiClient operator;
    private static ApiClient admin;
    private static ApiClient viewer;

    @BeforeAll
    static void start() {
        clock = new MutableClock();
        fake = new FakeRuntime(clock).withImage(GOOD).withImage(GOOD_2).withImage(SICK).withUnhealthyImage(SICK);
        roost = TestRoost.start(c -> c.withReconcileInterval(Duration.ofHours(1)), clock, fake);
        roost.createWorkspace("acme", "business");
        operator = roost.member("acme", "olga", Role.OPERATOR);
        admin = roost.member("acme", "adam", Role.ADMIN);
        viewer = roost.member("acme", "vera", Role.VIEWER);
        reconciler = roost.server().reconciler().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(reconciler::isLeader);
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    static String manifest(String name, String image, String extraSpec) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata:
                  name: %s
                  workspace: acme
                  environment: prod
                spec:
                  runtime:
                    image: %s
                    cpu: 100m
                    memory: 64Mi
                %s""".formatted(name, image, extraSpec.indent(2));
    }

    static Response apply(String name, String image, String extraSpec) {
        return woken(() -> {
            Response r = operator.putText(BASE + name, manifest(name, image, extraSpec), "application/yaml");
            assertThat(r.status()).as(r.body()).isIn(200, 201);
            return r;
        });
    }

    /** A request, then the background pass its change wakes: afterwards nothing is pending that could race the test. */
    static <T> T woken(java.util.function.Supplier<T> request) {
        long before = reconciler.loopPasses();
        T result = request.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> reconciler.loopPasses() > before);
        return result;
    }

    static Response act(String name, String action) {
        return woken(() -> operator.post(BASE + name + "/actions/" + action, Map.of()));
    }

    static void pass() {
        assertThat(reconciler.reconcileNow()).isNotEqualTo(Reconciler.PassOutcome.NOT_LEADER);
    }

    static JsonNode instance(String name) {
        return viewer.get(BASE + name).json().get("instance");
    }

    static String status(String name) {
        JsonNode i = instance(name);
        return i.get("status").asString() + ": " + i.get("statusReason").asString();
    }

    static List<JsonNode> events(String name) {
        List<JsonNode> items = new ArrayList<>();
        viewer.get(BASE + name + "/events?limit=500").json().get("items").forEach(items::add);
        return items;
    }

    static List<String> eventTexts(String name) {
        return events(name).stream().map(e -> e.get("kind").asString() + " " + e.get("message").asString()).toList();
    }

    static List<ObservedContainer> containers(String name) {
        return fake.observe().stream().filter(c -> c.instance().equals(name) && c.workspace().equals("acme")).toList();
    }

    static ObservedContainer only(String name) {
        List<ObservedContainer> list = containers(name);
        assertThat(list).as("containers of " + name).hasSize(1);
        return list.get(0);
    }

    @Test
    void aNewInstanceRunsWithEventsAndAnUnchangedOneCostsNothing() {
        apply("hello", GOOD, "");
        pass();
        assertThat(status("hello")).isEqualTo("RUNNING: running version 1");
        assertThat(instance("hello").get("lastHealthyVersion").asInt()).isEqualTo(1);
        assertThat(instance("hello").path("rollout").isMissingNode() || instance("hello").path("rollout").isNull()).isTrue();
        assertThat(only("hello").running()).isTrue();
        assertThat(eventTexts("hello")).anyMatch(e -> e.startsWith("ROLLOUT_STARTED rolling out version 1"))
                .anyMatch(e -> e.startsWith("PLAN 2 actions: ensure image " + GOOD))
                .anyMatch(e -> e.startsWith("ACTION_SUCCEEDED create replica 0 of version 1"))
                .anyMatch(e -> e.startsWith("HEALTHY version 1 is healthy"))
                .anyMatch(e -> e.startsWith("STATUS RUNNING: running version 1"));
        assertThat(events("hello").get(0).get("actor").asString()).isEqualTo("system:reconciler");

        int eventsBefore = events("hello").size();
        int createsBefore = fake.appliedCount(RuntimeAction.CreateContainer.class);
        pass();
        pass();
        assertThat(events("hello")).as("a pass over an unchanged instance records nothing").hasSize(eventsBefore);
        assertThat(fake.appliedCount(RuntimeAction.CreateContainer.class)).isEqualTo(createsBefore);
    }

    @Test
    void stopStartRestartAndDeleteActOnTheRuntime() {
        apply("cycle", GOOD, "volumes: [{name: data, mountPath: /data}]");
        pass();
        String id = only("cycle").containerId();
        assertThat(fake.hasVolumes(instanceId("cycle"))).isTrue();

        act("cycle", "stop");
        pass();
        assertThat(status("cycle")).isEqualTo("STOPPED: stopped on request");
        assertThat(only("cycle").state()).isEqualTo(ObservedContainer.State.EXITED);

        act("cycle", "start");
        pass();
        assertThat(status("cycle")).startsWith("RUNNING");
        assertThat(only("cycle").containerId()).as("the same container is started again").isEqualTo(id);

        int restarts = only("cycle").restartCount();
        act("cycle", "restart");
        pass();
        assertThat(only("cycle").restartCount()).isEqualTo(restarts + 1);
        pass();
        assertThat(only("cycle").restartCount()).as("one restart per request").isEqualTo(restarts + 1);
        assertThat(status("cycle")).startsWith("RUNNING");

        var uuid = instanceId("cycle");
        assertThat(woken(() -> admin.delete(BASE + "cycle")).status()).isEqualTo(200);
        apply("cycle", GOOD, ""); // the name is free at once, for a new instance
        pass();
        assertThat(fake.observe(uuid)).as("the deleted instance's containers are removed").isEmpty();
        assertThat(fake.hasVolumes(uuid)).isFalse();
        java.util.Optional<?> forgotten = roost.server().database().read(s -> s.reconcileState().target(uuid));
        assertThat(forgotten).as("and it is forgotten").isEmpty();
        assertThat(only("cycle").running()).as("the new instance of that name runs").isTrue();
    }

    @Test
    void deleteCanKeepVolumes() {
        apply("keeper", GOOD, "volumes: [{name: data, mountPath: /data}]");
        pass();
        var uuid = instanceId("keeper");
        assertThat(woken(() -> admin.delete(BASE + "keeper?keepVolumes=true")).status()).isEqualTo(200);
        pass();
        assertThat(fake.observe(uuid)).isEmpty();
        assertThat(fake.hasVolumes(uuid)).isTrue();
        assertThat(admin.delete(BASE + "nobody?keepVolumes=maybe").status()).isEqualTo(400);
    }

    @Test
    void driftIsReportedAndHealed() {
        apply("healer", GOOD, "");
        pass();
        fake.crashBehindBack(only("healer").containerId(), 1, false);
        pass();
        assertThat(only("healer").running()).isTrue();
        assertThat(status("healer")).startsWith("RUNNING").contains("self-healed").contains("exited with code 1");
        assertThat(eventTexts("healer")).anyMatch(e -> e.startsWith("DRIFT replica 0") && e.contains("exited with code 1"));

        fake.removeBehindBack(only("healer").containerId());
        pass();
        assertThat(only("healer").running()).isTrue();
        assertThat(eventTexts("healer")).anyMatch(e -> e.startsWith("DRIFT replica 0 is missing"));

        String changed = only("healer").containerId();
        fake.changeBehindBack(changed, "memory limit changed to 1g");
        pass();
        assertThat(only("healer").containerId()).as("replaced").isNotEqualTo(changed);
        assertThat(only("healer").drift()).isEmpty();
        assertThat(eventTexts("healer")).anyMatch(e -> e.startsWith("DRIFT") && e.contains("memory limit changed to 1g"));

        JsonNode audit = admin.get("/api/v1/workspaces/acme/audit?limit=200").json();
        assertThat(audit.toString()).contains("instance.self-heal").contains("system:reconciler");
    }

    @Test
    void withoutSelfHealDriftIsOnlyReported() {
        apply("manual", GOOD, "lifecycle: {selfHeal: false}");
        pass();
        String id = only("manual").containerId();
        fake.crashBehindBack(id, 1, false);
        pass();
        assertThat(only("manual").state()).as("not restarted").isEqualTo(ObservedContainer.State.EXITED);
        assertThat(status("manual")).isEqualTo("DOWN: replica 0 exited with code 1");
        assertThat(eventTexts("manual")).anyMatch(e -> e.startsWith("DRIFT") && e.contains("not healed"));

        act("manual", "start");
        pass();
        assertThat(only("manual").running()).as("a start request is carried out").isTrue();
        fake.changeBehindBack(id, "network detached");
        pass();
        assertThat(only("manual").containerId()).isEqualTo(id);
        assertThat(status("manual")).startsWith("DEGRADED: changed behind Roost's back, not healed").contains("network detached");
    }

    @Test
    void anOomKillIsNamedAndACrashLoopBacksOff() {
        apply("hungry", GOOD, "lifecycle: {selfHeal: false}");
        pass();
        fake.crashBehindBack(only("hungry").containerId(), 137, true);
        pass();
        assertThat(status("hungry")).isEqualTo("DOWN: replica 0 was OOM killed (exit 137)");

        apply("looper", GOOD, "");
        pass();
        fake.crashBehindBack(only("looper").containerId(), 137, true);
        pass();
        assertThat(status("looper")).startsWith("RUNNING").contains("self-healed").contains("OOM killed (exit 137)");
        fake.crashBehindBack(only("looper").containerId(), 137, true);
        pass();
        assertThat(only("looper").running()).as("the second restart waits").isFalse();
        assertThat(status("looper")).isEqualTo("DOWN: replica 0 was OOM killed (exit 137), restarted 1 time; next restart after a back-off of 2 s");
        clock.advance(Duration.ofSeconds(3));
        pass();
        assertThat(only("looper").running()).isTrue();
    }

    @Test
    void aMissingImageRollsBackToTheLastHealthyVersion() {
        apply("roller", GOOD, "");
        pass();
        String v1 = only("roller").containerId();
        apply("roller", MISSING, "");
        pass();
        assertThat(eventTexts("roller")).anyMatch(e -> e.startsWith("ACTION_FAILED ensure image " + MISSING))
                .anyMatch(e -> e.startsWith("ROLLOUT_FAILED rollout of version 2 failed: image " + MISSING + " not found"))
                .anyMatch(e -> e.startsWith("ROLLBACK rolled back automatically to version 1 as version 3"));
        assertThat(eventTexts("roller")).anyMatch(e -> e.startsWith("STATUS DEGRADED: version 2 failed (image " + MISSING + " not found"));
        JsonNode versions = viewer.get(BASE + "roller/versions").json();
        assertThat(versions.get(2).get("source").asString()).isEqualTo("auto-rollback:1");
        assertThat(versions.get(2).get("createdBy").asString()).isEqualTo("system:reconciler");
        pass();
        assertThat(status("roller")).isEqualTo("RUNNING: running version 3 (automatic rollback to version 1)");
        assertThat(only("roller").containerId()).as("version 1's container kept serving").isEqualTo(v1);
        assertThat(instance("roller").get("lastHealthyVersion").asInt()).isEqualTo(3);
        assertThat(admin.get("/api/v1/workspaces/acme/audit?limit=200").json().toString()).contains("instance.auto-rollback");
    }

    @Test
    void aBadFirstVersionHasNothingToRollBackTo() {
        apply("doomed", MISSING, "");
        pass();
        assertThat(status("doomed")).startsWith("DEGRADED: image " + MISSING + " not found")
                .endsWith("; no earlier healthy version to roll back to");
        assertThat(instance("doomed").get("version").asInt()).isEqualTo(1);
        assertThat(instance("doomed").get("rollout").get("failure").asString()).contains("not found");
    }

    @Test
    void anUnhealthyVersionIsRolledBackAfterItsDeadline() {
        String health = "health: {command: [check], periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 2}\n"
                + "lifecycle: {rolloutDeadlineSeconds: 30}";
        apply("fragile", GOOD, health);
        pass();
        assertThat(status("fragile")).isEqualTo("RUNNING: running version 1");
        String firstContainer = only("fragile").containerId();
        apply("fragile", SICK, health);
        pass();
        assertThat(status("fragile")).startsWith("CREATING");
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(1));
            pass();
        }
        assertThat(containers("fragile")).as("version 1 keeps serving while version 2 is not healthy")
                .anyMatch(c -> c.containerId().equals(firstContainer) && c.running())
                .anyMatch(c -> c.version() == 2);
        assertThat(eventTexts("fragile")).anyMatch(e -> e.startsWith("STATUS DEGRADED: health check failed 2 times: exit 1"));
        assertThat(eventTexts("fragile")).noneMatch(e -> e.startsWith("ROLLBACK"));
        clock.advance(Duration.ofSeconds(30));
        pass();
        assertThat(eventTexts("fragile")).anyMatch(e -> e.startsWith("ROLLOUT_FAILED rollout of version 2 failed: version 2 was not healthy within 30 s"))
                .anyMatch(e -> e.startsWith("ROLLBACK rolled back automatically to version 1 as version 3"));
        pass();
        assertThat(status("fragile")).isEqualTo("RUNNING: running version 3 (automatic rollback to version 1)");
        assertThat(only("fragile").image()).isEqualTo(GOOD);
        assertThat(only("fragile").containerId()).as("the rollback kept the container that never stopped serving")
                .isEqualTo(firstContainer);
    }

    @Test
    void aHealthyRolloutReplacesTheOldContainerInTheSamePass() {
        apply("swift", GOOD, "");
        pass();
        String first = only("swift").containerId();
        apply("swift", GOOD_2, "");
        pass();
        ObservedContainer now = only("swift");
        assertThat(now.containerId()).isNotEqualTo(first);
        assertThat(now.version()).isEqualTo(2);
        assertThat(status("swift")).isEqualTo("RUNNING: running version 2");
        assertThat(eventTexts("swift")).anyMatch(e -> e.contains("replaced by version 2 (was version 1), now healthy"));
    }

    @Test
    void aManifestThatNoLongerPassesPolicyIsNotApplied() {
        apply("strict", GOOD, "");
        pass();
        var id = instanceId("strict");
        String unpinned = viewer.get(BASE + "strict").json().get("manifest").toString().replace(GOOD, "roost-test/bot:latest");
        woken(() -> roost.server().database().transaction(s -> {
            s.manifests().append(new ManifestVersion(id, 2, unpinned, "x", "test", List.of(), "test", Rows.now()));
            s.instances().recordVersion(id, 2, new InstanceRepository.Summary("prod", Map.of(), "roost-test/bot:latest", 100, 64L << 20, 1,
                    null));
            return null;
        }));
        int applied = totalApplied();
        pass();
        assertThat(status("strict")).startsWith("DEGRADED: version 2 no longer passes").contains("pinned-image").contains("Nothing was applied");
        assertThat(totalApplied()).isEqualTo(applied);
        assertThat(only("strict").image()).isEqualTo(GOOD);
        assertThat(eventTexts("strict")).anyMatch(e -> e.startsWith("POLICY version 2 no longer passes"));
    }

    @Test
    void anUnavailableRuntimeIsReportedAndRecoveredFrom() {
        apply("patient", GOOD, "");
        pass();
        fake.setAvailable(false);
        try {
            assertThat(reconciler.reconcileNow()).isEqualTo(Reconciler.PassOutcome.RUNTIME_UNAVAILABLE);
            assertThat(status("patient")).startsWith("DEGRADED: runtime fake unavailable");
            assertThat(viewer.get(BASE + "patient/plan").code()).isEqualTo("RUNTIME_UNAVAILABLE");
        } finally {
            fake.setAvailable(true);
        }
        pass();
        assertThat(status("patient")).isEqualTo("RUNNING: running version 1");
    }

    @Test
    void oneFailingInstanceDoesNotHoldUpOthers() {
        apply("broken-one", MISSING, "");
        apply("fine-one", GOOD, "");
        pass();
        assertThat(status("broken-one")).startsWith("DEGRADED");
        assertThat(status("fine-one")).startsWith("RUNNING");
    }

    @Test
    void thePlanShowsWhatWouldHappenWithoutDoingIt() {
        apply("preview", GOOD, "");
        pass();
        fake.crashBehindBack(only("preview").containerId(), 1, false);
        int applied = totalApplied();
        JsonNode plan = viewer.get(BASE + "preview/plan").json();
        assertThat(plan.get("actions").get(0).get("type").asString()).isEqualTo("start");
        assertThat(plan.get("actions").get(0).get("reason").asString()).contains("exited with code 1").contains("self-heal");
        assertThat(plan.get("drift").get(0).asString()).contains("exited with code 1");
        assertThat(plan.get("containers").get(0).get("state").asString()).isEqualTo("EXITED");
        assertThat(plan.get("pendingRequest").asBoolean()).isFalse();
        assertThat(totalApplied()).as("the plan route applies nothing").isEqualTo(applied);
        assertThat(only("preview").running()).isFalse();
        assertThat(viewer.get(BASE + "nothing-here/plan").status()).isEqualTo(404);
    }

    @Test
    void eventsPageNewestFirstAndFollowAfterACursor() {
        apply("pager", GOOD, "");
        pass();
        List<JsonNode> all = events("pager");
        assertThat(all.size()).isGreaterThan(3);
        assertThat(all.get(0).get("id").asLong()).isGreaterThan(all.get(1).get("id").asLong());
        JsonNode first = viewer.get(BASE + "pager/events?limit=2").json();
        assertThat(first.get("items").size()).isEqualTo(2);
        JsonNode second = viewer.get(BASE + "pager/events?limit=2&before=" + first.get("next").asString()).json();
        assertThat(second.get("items").get(0).get("id").asLong()).isEqualTo(all.get(2).get("id").asLong());

        long newest = all.get(0).get("id").asLong();
        JsonNode none = viewer.get(BASE + "pager/events?after=" + newest).json();
        assertThat(none.get("items").size()).isZero();
        assertThat(none.get("next").asString()).isEqualTo(String.valueOf(newest));
        act("pager", "stop");
        pass();
        JsonNode more = viewer.get(BASE + "pager/events?after=" + newest).json();
        assertThat(more.get("items").size()).isPositive();
        assertThat(more.get("items").get(0).get("id").asLong()).isGreaterThan(newest);
        if (more.get("items").size() > 1) {
            assertThat(more.get("items").get(1).get("id").asLong()).as("oldest first when following")
                    .isGreaterThan(more.get("items").get(0).get("id").asLong());
        }
        assertThat(viewer.get(BASE + "pager/events?after=1&before=2").status()).isEqualTo(400);
        assertThat(viewer.get(BASE + "pager/events?after=x").status()).isEqualTo(400);
    }

    static int totalApplied() {
        return fake.appliedCount(RuntimeAction.EnsureImage.class) + fake.appliedCount(RuntimeAction.CreateContainer.class)
                + fake.appliedCount(RuntimeAction.StartContainer.class) + fake.appliedCount(RuntimeAction.StopContainer.class)
                + fake.appliedCount(RuntimeAction.RemoveContainer.class) + fake.appliedCount(RuntimeAction.RemoveVolumes.class);
    }

    static java.util.UUID instanceId(String name) {
        return roost.server().database().read(s -> s.instances().find(
                s.workspaces().findByName("acme").orElseThrow().id(), name).map(Instance::id).orElseThrow());
    }
}
