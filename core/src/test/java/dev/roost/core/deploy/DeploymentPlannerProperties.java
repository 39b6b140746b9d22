package dev.roost.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.deploy.DeploymentPlanner.Desired;
import dev.roost.core.instance.DesiredState;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.RuntimeSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The planner converges: applying a plan to what the runtime reports (simulated here as the
 * fake runtime would) and planning again gives no actions; it never touches other instances,
 * never creates for a stopped or deleted instance, and explains every step.
 */
class DeploymentPlannerProperties {
    private static final UUID ME = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private static final UUID OTHER = UUID.fromString("00000000-0000-0000-0000-000000000002");

    /** An instance's desired side and a runtime's observed containers, as generated. */
    record Scenario(Desired desired, List<ObservedContainer> observed) {
    }

    static WorkloadSpec spec(UUID id, int version, String image, int replicas, String flavour) {
        TreeMap<String, String> env = new TreeMap<>(Map.of("FLAVOUR", flavour));
        return new WorkloadSpec(id, "acme", id.equals(ME) ? "bot" : "other", version, image, RuntimeSpec.PullPolicy.IF_NOT_PRESENT,
                List.of(), env, new TreeMap<>(), new TreeMap<>(), OptionalLong.empty(), OptionalLong.empty(), 256, replicas,
                List.of(), Network.DEFAULT, Optional.empty());
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<WorkloadSpec> specs = Combinators.combine(Arbitraries.integers().between(1, 5),
                        Arbitraries.of("img:1", "img:2"), Arbitraries.integers().between(0, 3), Arbitraries.of("a", "b"))
                .as((version, image, replicas, flavour) -> spec(ME, version, image, replicas, flavour));
        Arbitrary<ContainerSeed> seeds = Combinators.combine(Arbitraries.of(ME, ME, ME, OTHER), Arbitraries.integers().between(0, 4),
                        Arbitraries.integers().between(1, 5), Arbitraries.of(true, true, false), Arbitraries.of(ObservedContainer.State.class),
                        Arbitraries.<List<String>>of(List.of(), List.of(), List.of("memory limit changed to 1g")),
                        Arbitraries.integers().between(0, 5), Arbitraries.of(true, false))
                .as(ContainerSeed::new);
        return Combinators.combine(specs, Arbitraries.of(DesiredState.class), Arbitraries.of(true, false),
                        Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false),
                        seeds.list().ofMaxSize(8), Arbitraries.integers().between(0, 1000))
                .as((spec, state, selfHeal, establishing, restart, removeVolumes, containerSeeds, salt) -> {
                    List<ObservedContainer> observed = new ArrayList<>();
                    Map<String, String> unhealthy = new HashMap<>();
                    Set<String> onHold = new HashSet<>();
                    Set<String> ready = new HashSet<>();
                    int n = 0;
                    for (ContainerSeed s : containerSeeds) {
                        WorkloadSpec built = s.sameSpec() ? spec(s.instance(), s.version(), spec.image(), spec.replicas(),
                                spec.env().get("FLAVOUR")) : spec(s.instance(), s.version(), "img:old", 1, "z");
                        String id = "c" + salt + "-" + n++;
                        observed.add(container(id, built, s.replica(), s.state(), s.drift(), s.restarts(), s.oomKilled()));
                        if (s.restarts() > 3) {
                            onHold.add(id);
                        }
                        if (s.restarts() == 1) {
                            unhealthy.put(id, "health check failed 3 times: HTTP 503");
                        } else if (s.state() == ObservedContainer.State.RUNNING && s.restarts() % 2 == 0) {
                            ready.add(id); // passed its probe; the others have not been probed yet
                        }
                    }
                    return new Scenario(new Desired(spec, state, selfHeal, establishing, restart, removeVolumes, unhealthy, onHold,
                            ready), observed);
                });
    }

    record ContainerSeed(UUID instance, int replica, int version, boolean sameSpec, ObservedContainer.State state,
            List<String> drift, int restarts, boolean oomKilled) {
    }

    static ObservedContainer container(String id, WorkloadSpec spec, int replica, ObservedContainer.State state, List<String> drift,
            int restarts, boolean oomKilled) {
        boolean ended = state == ObservedContainer.State.EXITED;
        return new ObservedContainer(id, spec.instanceId(), spec.workspace(), spec.instance(), spec.version(), replica, spec.specHash(),
                spec.image(), state, ended ? Optional.of(oomKilled ? 137 : 1) : Optional.empty(), ended && oomKilled, restarts,
                Optional.empty(), Optional.empty(), drift);
    }

    /** The world after a plan: containers as a runtime would leave them, and whether volumes remain. */
    record World(List<ObservedContainer> containers, boolean volumesRemain) {
    }

    private static final AtomicInteger created = new AtomicInteger();

    /** Applies a plan as the fake runtime would. */
    static World simulate(DeploymentPlan plan, World world) {
        List<ObservedContainer> containers = new ArrayList<>(world.containers());
        boolean volumes = world.volumesRemain();
        for (RuntimeAction action : plan.actions()) {
            switch (action) {
                case RuntimeAction.EnsureImage e -> {
                }
                case RuntimeAction.CreateContainer c -> containers.add(container("new" + created.incrementAndGet(), c.spec(), c.replica(),
                        ObservedContainer.State.RUNNING, List.of(), 0, false));
                case RuntimeAction.StartContainer s -> replace(containers, s.containerId(), ObservedContainer.State.RUNNING);
                case RuntimeAction.StopContainer s -> replace(containers, s.containerId(), ObservedContainer.State.EXITED);
                case RuntimeAction.RemoveContainer r -> containers.removeIf(x -> x.containerId().equals(r.containerId()));
                case RuntimeAction.RemoveVolumes r -> volumes = false;
            }
        }
        return new World(containers, volumes);
    }

    private static void replace(List<ObservedContainer> containers, String id, ObservedContainer.State state) {
        for (int i = 0; i < containers.size(); i++) {
            ObservedContainer c = containers.get(i);
            if (c.containerId().equals(id)) {
                containers.set(i, new ObservedContainer(c.containerId(), c.instanceId(), c.workspace(), c.instance(), c.version(),
                        c.replica(), c.specHash(), c.image(), state, Optional.empty(), false, c.restartCount(), c.startedAt(),
                        c.finishedAt(), c.drift()));
            }
        }
    }

    /**
     * What the reconciler knows after carrying out a whole plan: the request is done, and health
     * is fresh: every running container of the current spec has passed its probe.
     */
    static Desired afterPass(Desired d, World world) {
        Set<String> ready = new HashSet<>();
        world.containers().stream().filter(c -> c.running() && c.specHash().equals(d.spec().specHash()))
                .forEach(c -> ready.add(c.containerId()));
        return new Desired(d.spec(), d.state(), d.selfHeal(), false, false, world.volumesRemain(), Map.of(), d.restartOnHold(), ready);
    }

    @Property(tries = 1000)
    void aPlanThenTheRemovalOfWhatItReplacedConverges(@ForAll("scenarios") Scenario s) {
        DeploymentPlan first = DeploymentPlanner.plan(s.desired(), s.observed());
        World after = simulate(first, new World(s.observed(), s.desired().removeVolumes()));
        DeploymentPlan second = DeploymentPlanner.plan(afterPass(s.desired(), after), after.containers());
        String hash = s.desired().spec().specHash();
        assertThat(second.actions()).as("after applying %s, only old containers a rollout replaced are left to remove", first.actions())
                .allSatisfy(a -> {
                    assertThat(a).isInstanceOf(RuntimeAction.RemoveContainer.class);
                    String id = ((RuntimeAction.RemoveContainer) a).containerId();
                    assertThat(after.containers()).anyMatch(c -> c.containerId().equals(id) && !c.specHash().equals(hash));
                });
        World settled = simulate(second, after);
        DeploymentPlan third = DeploymentPlanner.plan(afterPass(s.desired(), settled), settled.containers());
        assertThat(third.actions()).as("plan after applying %s then %s", first.actions(), second.actions()).isEmpty();
    }

    @Property(tries = 500)
    void aConvergedInstanceNeedsNothing(@ForAll("scenarios") Scenario s) {
        Desired d = s.desired();
        List<ObservedContainer> converged = new ArrayList<>(s.observed().stream().filter(c -> !c.instanceId().equals(ME)).toList());
        if (d.state() != DesiredState.DELETED) {
            for (int r = 0; r < d.spec().replicas(); r++) {
                converged.add(container("ok" + r, d.spec(), r, d.state() == DesiredState.RUNNING ? ObservedContainer.State.RUNNING
                        : ObservedContainer.State.EXITED, List.of(), 0, false));
            }
        }
        Desired settled = new Desired(d.spec(), d.state(), d.selfHeal(), d.establishing(), false, false, Map.of(), Set.of(), Set.of());
        assertThat(DeploymentPlanner.plan(settled, converged).actions()).isEmpty();
    }

    @Property(tries = 1000)
    void noActionTouchesAnotherInstance(@ForAll("scenarios") Scenario s) {
        Set<String> mine = new HashSet<>();
        s.observed().stream().filter(c -> c.instanceId().equals(ME)).forEach(c -> mine.add(c.containerId()));
        for (RuntimeAction action : DeploymentPlanner.plan(s.desired(), s.observed()).actions()) {
            assertThat(action.instanceId()).isEqualTo(ME);
            containerOf(action).ifPresent(id -> assertThat(mine).contains(id));
        }
    }

    @Property(tries = 1000)
    void stoppedAndDeletedInstancesNeverCreate(@ForAll("scenarios") Scenario s) {
        DeploymentPlan plan = DeploymentPlanner.plan(s.desired(), s.observed());
        if (s.desired().state() != DesiredState.RUNNING) {
            assertThat(plan.actions()).noneMatch(a -> a instanceof RuntimeAction.CreateContainer || a instanceof RuntimeAction.StartContainer
                    || a instanceof RuntimeAction.EnsureImage);
        }
        if (s.desired().state() == DesiredState.DELETED) {
            assertThat(plan.actions()).allMatch(a -> a instanceof RuntimeAction.RemoveContainer || a instanceof RuntimeAction.RemoveVolumes);
        }
    }

    @Property(tries = 1000)
    void everyActionSaysWhyAndDriftIsNeverHealedWithoutSelfHeal(@ForAll("scenarios") Scenario s) {
        DeploymentPlan plan = DeploymentPlanner.plan(s.desired(), s.observed());
        assertThat(plan.actions()).allSatisfy(a -> assertThat(a.reason()).isNotBlank());
        Desired d = s.desired();
        if (d.state() == DesiredState.RUNNING && !d.selfHeal() && !d.establishing() && !d.restartRequested()) {
            // Without self-heal and without a pending request, only rollouts and tidying happen: nothing is started again.
            assertThat(plan.actions()).noneMatch(a -> a instanceof RuntimeAction.StartContainer);
        }
    }

    @Property(tries = 1000)
    void aRolloutRemovesARunningOldContainerOnlyOnceItsSuccessorRunsHealthy(@ForAll("scenarios") Scenario s) {
        List<RuntimeAction> actions = DeploymentPlanner.plan(s.desired(), s.observed()).actions();
        String hash = s.desired().spec().specHash();
        for (RuntimeAction action : actions) {
            if (action instanceof RuntimeAction.RemoveContainer remove) {
                ObservedContainer removed = s.observed().stream().filter(c -> c.containerId().equals(remove.containerId())).findFirst()
                        .orElseThrow();
                // A container of the same version built from another spec (e.g. after the instance's gateway key was
                // replaced) shares its successor's name: it goes first, see the next property.
                boolean replacedByRollout = !removed.specHash().equals(hash) && removed.replica() < s.desired().spec().replicas()
                        && s.desired().state() == DesiredState.RUNNING && removed.running()
                        && removed.version() != s.desired().spec().version();
                if (replacedByRollout) {
                    boolean successorHealthy = s.observed().stream().anyMatch(c -> c.instanceId().equals(ME) && c.specHash().equals(hash)
                            && c.replica() == removed.replica() && c.running() && s.desired().ready().contains(c.containerId()));
                    assertThat(successorHealthy).as("replica %d has a healthy successor before %s", removed.replica(), remove)
                            .isTrue();
                }
            }
        }
    }

    @Property(tries = 1000)
    void aContainerOfTheSameVersionFromAnotherSpecIsRemovedBeforeItsSuccessorIsCreated(@ForAll("scenarios") Scenario s) {
        List<RuntimeAction> actions = DeploymentPlanner.plan(s.desired(), s.observed()).actions();
        String hash = s.desired().spec().specHash();
        int version = s.desired().spec().version();
        for (int i = 0; i < actions.size(); i++) {
            if (actions.get(i) instanceof RuntimeAction.CreateContainer create) {
                List<String> earlier = actions.subList(0, i).stream().flatMap(a -> containerOf(a).stream()).toList();
                for (ObservedContainer c : s.observed()) {
                    boolean sameName = c.instanceId().equals(ME) && c.version() == version && c.replica() == create.replica()
                            && !c.specHash().equals(hash);
                    if (sameName) {
                        assertThat(earlier).as("%s is removed before %s", c.containerId(), create).contains(c.containerId());
                    }
                }
            }
        }
    }

    @Property(tries = 300)
    void orphansAreExactlyTheContainersOfUnknownInstances(@ForAll("scenarios") Scenario s) {
        DeploymentPlan plan = DeploymentPlanner.orphans(Set.of(ME), s.observed());
        assertThat(plan.actions()).allMatch(a -> a instanceof RuntimeAction.RemoveContainer && a.instanceId().equals(OTHER));
        assertThat(plan.actions()).hasSize((int) s.observed().stream().filter(c -> c.instanceId().equals(OTHER)).count());
    }

    private static Optional<String> containerOf(RuntimeAction action) {
        return switch (action) {
            case RuntimeAction.StartContainer a -> Optional.of(a.containerId());
            case RuntimeAction.StopContainer a -> Optional.of(a.containerId());
            case RuntimeAction.RemoveContainer a -> Optional.of(a.containerId());
            case RuntimeAction.CreateContainer a -> Optional.empty();
            case RuntimeAction.EnsureImage a -> Optional.empty();
            case RuntimeAction.RemoveVolumes a -> Optional.empty();
        };
    }
}
