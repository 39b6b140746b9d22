package dev.roost.core.deploy;

import static java.util.Objects.requireNonNull;

import dev.roost.core.instance.DesiredState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Decides, without any I/O, what takes one instance from what the runtime reports to what its
 * manifest asks. The same inputs always give the same plan; applying a plan and planning again
 * with fresh health gives, at most, the removal of containers a rollout replaced, and after that
 * an empty plan (see {@code DeploymentPlannerProperties}).
 *
 * <p>Rules, in short: missing replicas are created; a container built from another spec is
 * replaced (the new one is created first; the old one is removed once the new one runs and is
 * healthy, or at once when the old one is not running anyway); containers changed,
 * stopped or removed behind Roost's back are reported as drift and healed only when the
 * manifest asks for self-healing, or while Roost is still carrying out a request
 * ({@link Desired#establishing()}); a stopped instance has its containers stopped; a deleted
 * one has them removed, and its volumes too unless they are kept. Containers of other
 * instances are never touched; {@link #orphans} handles containers of unknown instances.
 */
public final class DeploymentPlanner {
    private DeploymentPlanner() {
    }

    /**
     * What one instance should be.
     *
     * @param spec             the workload of the current manifest version
     * @param state            running, stopped or deleted
     * @param selfHeal         heal drift on its own (the manifest's {@code lifecycle.selfHeal})
     * @param establishing     a request (apply, start, restart, rollback) is not carried out yet: what is missing or
     *                         stopped is then made so without being called drift
     * @param restartRequested restart each running container once
     * @param removeVolumes    for a deleted instance: its volumes are to be removed (not kept, not removed yet)
     * @param unhealthy        running containers whose health check failed too often, with why; restarted when
     *                         self-healing
     * @param restartOnHold    exited containers that must not be restarted yet (crash-loop back-off)
     * @param ready            running containers known to be healthy (passed their probe, or running when there is
     *                         none); a rollout removes a replica's old container only once its successor is ready
     */
    public record Desired(WorkloadSpec spec, DesiredState state, boolean selfHeal, boolean establishing,
            boolean restartRequested, boolean removeVolumes, Map<String, String> unhealthy, Set<String> restartOnHold,
            Set<String> ready) {
        public Desired {
            requireNonNull(spec, "spec is null");
            requireNonNull(state, "state is null");
            unhealthy = Map.copyOf(requireNonNull(unhealthy, "unhealthy is null"));
            restartOnHold = Set.copyOf(requireNonNull(restartOnHold, "restartOnHold is null"));
            ready = Set.copyOf(requireNonNull(ready, "ready is null"));
        }

        public static Desired of(WorkloadSpec spec, DesiredState state, boolean selfHeal) {
            return new Desired(spec, state, selfHeal, false, false, false, Map.of(), Set.of(), Set.of());
        }

        public Desired establishing(boolean value) {
            return new Desired(spec, state, selfHeal, value, restartRequested, removeVolumes, unhealthy, restartOnHold, ready);
        }

        /** The same, with what is now known to be healthy; a restart already carried out is not asked for again. */
        public Desired withReady(Set<String> nowReady) {
            return new Desired(spec, state, selfHeal, establishing, false, removeVolumes, Map.of(), restartOnHold, nowReady);
        }
    }

    /** The plan for one instance; {@code observed} may hold other instances' containers, which are ignored. */
    public static DeploymentPlan plan(Desired desired, List<ObservedContainer> observed) {
        requireNonNull(desired, "desired is null");
        requireNonNull(observed, "observed is null");
        UUID id = desired.spec().instanceId();
        List<ObservedContainer> mine = observed.stream().filter(c -> c.instanceId().equals(id))
                .sorted(Comparator.comparingInt(ObservedContainer::replica)
                        .thenComparing(Comparator.comparingInt(ObservedContainer::version).reversed())
                        .thenComparing(ObservedContainer::containerId))
                .toList();
        return switch (desired.state()) {
            case RUNNING -> running(desired, mine);
            case STOPPED -> stopped(desired, mine);
            case DELETED -> deleted(desired, mine);
        };
    }

    /** Removes every container whose instance is not in {@code known}. */
    public static DeploymentPlan orphans(Set<UUID> known, List<ObservedContainer> observed) {
        List<RuntimeAction> actions = new ArrayList<>();
        for (ObservedContainer c : observed) {
            if (!known.contains(c.instanceId())) {
                actions.add(new RuntimeAction.RemoveContainer(c.instanceId(), c.containerId(), "orphan: instance "
                        + c.workspace() + "/" + c.instance() + " (" + c.instanceId() + ") is unknown to Roost or deleted"));
            }
        }
        return new DeploymentPlan(actions, List.of());
    }

    private static DeploymentPlan running(Desired desired, List<ObservedContainer> mine) {
        WorkloadSpec spec = desired.spec();
        String hash = spec.specHash();
        String version = "version " + spec.version();
        List<RuntimeAction> actions = new ArrayList<>();
        List<String> drift = new ArrayList<>();
        TreeMap<Integer, List<ObservedContainer>> current = new TreeMap<>();
        TreeMap<Integer, List<ObservedContainer>> stale = new TreeMap<>();
        for (ObservedContainer c : mine) {
            (c.specHash().equals(hash) ? current : stale).computeIfAbsent(c.replica(), r -> new ArrayList<>()).add(c);
        }
        boolean heal = desired.selfHeal() || desired.establishing();
        UUID id = spec.instanceId();
        for (int r = 0; r < spec.replicas(); r++) {
            List<ObservedContainer> same = current.getOrDefault(r, List.of());
            List<ObservedContainer> old = stale.getOrDefault(r, List.of());
            Optional<ObservedContainer> keep = same.stream()
                    .min(Comparator.comparing((ObservedContainer c) -> !c.running())
                            .thenComparing(Comparator.comparingInt(ObservedContainer::version).reversed())
                            .thenComparing(ObservedContainer::containerId));
            for (ObservedContainer duplicate : same) {
                if (keep.isPresent() && duplicate != keep.get()) {
                    actions.add(new RuntimeAction.RemoveContainer(id, duplicate.containerId(),
                            "replica " + r + " has more than one container; keeping " + keep.get().containerId()));
                }
            }
            // A container of this very version built from another spec (e.g. the instance's gateway key
            // was replaced) holds the name its successor needs: it goes first, no surge.
            List<ObservedContainer> sameVersion = old.stream().filter(c -> c.version() == spec.version()).toList();
            for (ObservedContainer c : sameVersion) {
                actions.add(new RuntimeAction.RemoveContainer(id, c.containerId(), "replace replica " + r + " of " + version
                        + ", built from another spec (same version: it cannot run beside its successor)"));
            }
            old = old.stream().filter(c -> c.version() != spec.version()).toList();
            if (keep.isEmpty()) {
                if (!sameVersion.isEmpty()) {
                    actions.add(new RuntimeAction.CreateContainer(spec, r, "recreate replica " + r + " of " + version
                            + " from its current spec"));
                } else if (!old.isEmpty()) {
                    actions.add(new RuntimeAction.CreateContainer(spec, r, "roll out " + version + ": replica " + r
                            + " runs version " + old.get(0).version() + ", built from another spec"));
                } else if (desired.establishing()) {
                    actions.add(new RuntimeAction.CreateContainer(spec, r, "replica " + r + " of " + version + " does not exist yet"));
                } else {
                    drift.add("replica " + r + " is missing: its container was removed behind Roost's back");
                    if (desired.selfHeal()) {
                        actions.add(new RuntimeAction.CreateContainer(spec, r, "recreate replica " + r
                                + ", removed behind Roost's back (self-heal)"));
                    }
                }
            } else {
                keepOne(desired, keep.get(), heal, actions, drift);
            }
            // Surge: a replica's old container keeps serving until its successor runs and is healthy,
            // so a rollout that never becomes healthy has not taken the old version down meanwhile.
            boolean successorReady = keep.isPresent() && keep.get().running() && desired.ready().contains(keep.get().containerId())
                    && !(heal && !keep.get().drift().isEmpty());
            for (ObservedContainer replaced : old) {
                if (successorReady) {
                    actions.add(new RuntimeAction.RemoveContainer(id, replaced.containerId(), "replaced by " + version
                            + " (was version " + replaced.version() + "), now healthy"));
                } else if (!replaced.running()) {
                    actions.add(new RuntimeAction.RemoveContainer(id, replaced.containerId(), "replaced by " + version
                            + " (was version " + replaced.version() + ", " + ended(replaced) + ")"));
                }
            }
        }
        removeBeyond(spec, current, actions);
        removeBeyond(spec, stale, actions);
        if (actions.stream().anyMatch(a -> a instanceof RuntimeAction.CreateContainer)) {
            actions.add(0, new RuntimeAction.EnsureImage(id, spec.image(), spec.pullPolicy(), version + " runs image " + spec.image(),
                    spec.runtimeKind()));
        }
        return new DeploymentPlan(actions, drift);
    }

    /** What to do with the one container kept for a replica of the current spec. */
    private static void keepOne(Desired desired, ObservedContainer c, boolean heal, List<RuntimeAction> actions, List<String> drift) {
        WorkloadSpec spec = desired.spec();
        UUID id = spec.instanceId();
        int r = c.replica();
        String name = "replica " + r + " (container " + shortId(c.containerId()) + ")";
        if (!c.drift().isEmpty()) {
            for (String d : c.drift()) {
                drift.add(name + " changed behind Roost's back: " + d);
            }
            if (heal) {
                String why = String.join("; ", c.drift());
                actions.add(new RuntimeAction.RemoveContainer(id, c.containerId(), "replace " + name + ", changed behind Roost's back: " + why));
                actions.add(new RuntimeAction.CreateContainer(spec, r, "recreate " + name + " as version " + spec.version() + " asks"));
            }
            return;
        }
        switch (c.state()) {
            case RUNNING -> {
                if (desired.restartRequested()) {
                    restart(actions, id, c, "restart requested");
                } else if (desired.unhealthy().containsKey(c.containerId()) && desired.selfHeal()
                        && !desired.restartOnHold().contains(c.containerId())) {
                    restart(actions, id, c, "restart " + name + ": " + desired.unhealthy().get(c.containerId()) + " (self-heal)");
                }
            }
            case RESTARTING -> {
                // The runtime is restarting it already.
            }
            case CREATED, PAUSED, EXITED -> {
                if (desired.establishing() || desired.restartRequested()) {
                    actions.add(new RuntimeAction.StartContainer(id, c.containerId(), "start " + name));
                    return;
                }
                String what = name + " " + ended(c);
                drift.add(what);
                if (desired.restartOnHold().contains(c.containerId())) {
                    drift.add(name + " restart is backing off after " + c.restartCount() + " restarts");
                } else if (desired.selfHeal()) {
                    actions.add(new RuntimeAction.StartContainer(id, c.containerId(), "restart " + what + " (self-heal)"));
                }
            }
            case DEAD -> {
                if (!desired.establishing()) {
                    drift.add(name + " is dead");
                }
                if (heal) {
                    actions.add(new RuntimeAction.RemoveContainer(id, c.containerId(), "remove dead " + name));
                    actions.add(new RuntimeAction.CreateContainer(spec, r, "recreate dead " + name));
                }
            }
        }
    }

    private static void restart(List<RuntimeAction> actions, UUID id, ObservedContainer c, String reason) {
        actions.add(new RuntimeAction.StopContainer(id, c.containerId(), reason));
        actions.add(new RuntimeAction.StartContainer(id, c.containerId(), reason));
    }

    private static void removeBeyond(WorkloadSpec spec, TreeMap<Integer, List<ObservedContainer>> byReplica, List<RuntimeAction> actions) {
        byReplica.tailMap(spec.replicas(), true).values().forEach(list -> list.forEach(c -> actions.add(
                new RuntimeAction.RemoveContainer(spec.instanceId(), c.containerId(), "replica " + c.replica()
                        + " is beyond the " + spec.replicas() + " replica(s) version " + spec.version() + " asks for"))));
    }

    private static DeploymentPlan stopped(Desired desired, List<ObservedContainer> mine) {
        WorkloadSpec spec = desired.spec();
        String hash = spec.specHash();
        List<RuntimeAction> actions = new ArrayList<>();
        List<String> drift = new ArrayList<>();
        java.util.HashSet<Integer> seen = new java.util.HashSet<>();
        for (ObservedContainer c : mine) {
            String name = "replica " + c.replica() + " (container " + shortId(c.containerId()) + ")";
            c.drift().forEach(d -> drift.add(name + " changed behind Roost's back: " + d));
            if (!c.specHash().equals(hash)) {
                actions.add(new RuntimeAction.RemoveContainer(spec.instanceId(), c.containerId(),
                        "version " + c.version() + " is not current and the instance is stopped"));
            } else if (c.replica() >= spec.replicas()) {
                actions.add(new RuntimeAction.RemoveContainer(spec.instanceId(), c.containerId(), "replica " + c.replica()
                        + " is beyond the " + spec.replicas() + " replica(s) version " + spec.version() + " asks for"));
            } else if (!seen.add(c.replica())) {
                actions.add(new RuntimeAction.RemoveContainer(spec.instanceId(), c.containerId(),
                        "replica " + c.replica() + " has more than one container"));
            } else if (c.state() == ObservedContainer.State.RUNNING || c.state() == ObservedContainer.State.RESTARTING
                    || c.state() == ObservedContainer.State.PAUSED) {
                actions.add(new RuntimeAction.StopContainer(spec.instanceId(), c.containerId(), "the instance is stopped on request"));
            }
        }
        return new DeploymentPlan(actions, drift);
    }

    private static DeploymentPlan deleted(Desired desired, List<ObservedContainer> mine) {
        return removal(desired.spec().instanceId(), mine, desired.removeVolumes());
    }

    /**
     * The plan for a deleted instance, which needs no workload (its manifest may no longer even
     * validate): remove its containers, then its volumes when {@code removeVolumes}.
     */
    public static DeploymentPlan removal(UUID id, List<ObservedContainer> observed, boolean removeVolumes) {
        List<RuntimeAction> actions = new ArrayList<>();
        for (ObservedContainer c : observed) {
            if (c.instanceId().equals(id)) {
                actions.add(new RuntimeAction.RemoveContainer(id, c.containerId(), "the instance is deleted"));
            }
        }
        if (removeVolumes) {
            actions.add(new RuntimeAction.RemoveVolumes(id, "the instance is deleted and its volumes were not kept"));
        }
        return new DeploymentPlan(actions, List.of());
    }

    /** How a container that is not running came to end, e.g. {@code was OOM killed (exit 137), restarted 3 times}. */
    public static String ended(ObservedContainer c) {
        StringBuilder text = new StringBuilder();
        switch (c.state()) {
            case CREATED -> text.append("was created but never started");
            case PAUSED -> text.append("is paused");
            case DEAD -> text.append("is dead");
            default -> {
                if (c.oomKilled()) {
                    text.append("was OOM killed");
                    c.exitCode().ifPresent(code -> text.append(" (exit ").append(code).append(')'));
                } else {
                    text.append("exited");
                    c.exitCode().ifPresent(code -> text.append(" with code ").append(code));
                }
            }
        }
        if (c.restartCount() > 0) {
            text.append(", restarted ").append(c.restartCount()).append(c.restartCount() == 1 ? " time" : " times");
        }
        return text.toString();
    }

    private static String shortId(String containerId) {
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }
}
