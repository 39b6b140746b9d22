package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.deploy.DeploymentEvent;
import dev.roost.core.deploy.DeploymentEvent.Kind;
import dev.roost.core.deploy.DeploymentPlan;
import dev.roost.core.deploy.DeploymentPlanner;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.error.RoostException;
import dev.roost.core.instance.DesiredState;
import dev.roost.core.instance.Instance;
import dev.roost.core.instance.InstanceStatus;
import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.server.instances.ApplyOutcome;
import dev.roost.server.gateway.ManagedKeys;
import dev.roost.server.instances.InstanceService;
import dev.roost.store.Database;
import dev.roost.store.instances.ReconcileStateRepository.Target;
import dev.roost.store.secrets.SecretStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One reconciliation of one instance: check its manifest again, probe its health, plan, apply
 * the plan action by action, then record what changed (events, status, request progress,
 * rollout state) in one transaction, and roll back a failed rollout. Nothing is written when
 * nothing changed. One instance is handled by one thread at a time (the {@link Reconciler}
 * guarantees it); instances run in parallel.
 */
final class InstancePass {
    /** The actor of everything the reconciler does on its own, in events and the audit log. */
    static final String ACTOR = "system:reconciler";

    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(2);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Database database;
    private final Runtime runtime;
    private final SecretStore secrets;
    private final InstanceService service;
    private final Workloads workloads;
    private final HealthChecks health;
    private final ReconcilerMetrics metrics;
    private final Clock clock;
    private final InstanceGatewayAccess gatewayAccess;
    private final ManagedKeys keys;
    private final Map<UUID, List<String>> lastDrift = new ConcurrentHashMap<>();

    InstancePass(Database database, Runtime runtime, SecretStore secrets, InstanceService service, Workloads workloads,
            HealthChecks health, ReconcilerMetrics metrics, Clock clock, InstanceGatewayAccess gatewayAccess, ManagedKeys keys) {
        this.database = requireNonNull(database, "database is null");
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.service = requireNonNull(service, "service is null");
        this.workloads = requireNonNull(workloads, "workloads is null");
        this.health = requireNonNull(health, "health is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.gatewayAccess = requireNonNull(gatewayAccess, "gatewayAccess is null");
        this.keys = requireNonNull(keys, "keys is null");
    }

    /** How long an exited (or repeatedly failing) container waits before its next restart: 2 s, doubling, at most 5 min. */
    static Duration backoff(int restarts) {
        if (restarts <= 0) {
            return Duration.ZERO;
        }
        Duration d = FIRST_BACKOFF.multipliedBy(1L << Math.min(restarts - 1, 20));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    /** Containers that restarted before and must wait out their back-off before the next restart. */
    static Set<String> restartsOnHold(List<ObservedContainer> observed, Instant now) {
        Set<String> held = new HashSet<>();
        for (ObservedContainer c : observed) {
            if (c.restartCount() == 0) {
                continue;
            }
            Optional<Instant> since = c.running() ? c.startedAt() : c.finishedAt().or(c::startedAt);
            if (since.isPresent() && now.isBefore(since.get().plus(backoff(c.restartCount())))) {
                held.add(c.containerId());
            }
        }
        return held;
    }

    /** What the planner is asked for this instance; shared with the plan route so both plan alike. */
    static DeploymentPlanner.Desired desired(Target t, Workloads.Prepared.Ready ready, List<ObservedContainer> observed,
            Map<String, HealthChecks.Verdict> verdicts, Instant now) {
        boolean running = t.desiredState() == DesiredState.RUNNING;
        Map<String, String> unhealthy = new TreeMap<>();
        verdicts.forEach((id, v) -> {
            if (v.failing()) {
                unhealthy.put(id, "health check failed " + v.failures() + " times: " + v.detail());
            }
        });
        return new DeploymentPlanner.Desired(ready.spec(), t.desiredState(), ready.lifecycle().selfHeal(), t.establishing(),
                running && t.restartPending(), false, unhealthy, restartsOnHold(observed, now), healthy(verdicts));
    }

    private static Set<String> healthy(Map<String, HealthChecks.Verdict> verdicts) {
        Set<String> ids = new HashSet<>();
        verdicts.forEach((id, v) -> {
            if (v.healthy()) {
                ids.add(id);
            }
        });
        return ids;
    }

    /**
     * @param gatewayKey the instance's managed gateway key as read at the start of the pass, if it has one
     */
    void run(Target t, List<ObservedContainer> observed, Quota quota, String passId, Optional<ManagedKeys.ManagedKey> gatewayKey) {
        Changes changes = new Changes(t, clock.instant(), passId);
        if (t.desiredState() == DesiredState.DELETED) {
            // A deleted instance's key stops working at once, before its containers are gone.
            gatewayKey.ifPresent(key -> gatewayAccess.revoke(key, t.workspace(), "the instance was deleted", passId, changes.now));
            remove(t, observed, changes);
        } else {
            switch (workloads.prepare(t, quota)) {
                case Workloads.Prepared.Refused refused -> {
                    if (changes.status(InstanceStatus.DEGRADED, refused.reason())) {
                        changes.event(Kind.POLICY, refused.reason(), Map.of());
                    }
                }
                case Workloads.Prepared.Ready ready -> converge(t,
                        ready.withSpec(gatewayAccess.attach(t, ready, gatewayKey, passId, changes.now)), observed, changes);
            }
        }
        changes.commit();
    }

    private void remove(Target t, List<ObservedContainer> observed, Changes changes) {
        DeploymentPlan plan = DeploymentPlanner.removal(t.id(), observed, !t.keepVolumes());
        Optional<RuntimeFailure> failure = apply(t, plan, changes);
        if (failure.isEmpty()) {
            changes.cleaned = true;
            changes.event(Kind.CLEANED, "containers removed" + (t.keepVolumes() ? "; volumes kept on request" : " with their volumes"),
                    Map.of());
        } else {
            changes.status(InstanceStatus.DELETING, "deleted; removing its containers failed, retrying: " + failure.get().getMessage());
        }
    }

    private void converge(Target t, Workloads.Prepared.Ready ready, List<ObservedContainer> observedBefore, Changes changes) {
        WorkloadSpec spec = ready.spec();
        Instant now = changes.now;
        boolean wantRunning = t.desiredState() == DesiredState.RUNNING;
        Integer rolloutVersion = t.rolloutVersion();
        Instant rolloutStarted = t.rolloutStartedAt();
        String rolloutFailure = t.rolloutFailure();
        if (wantRunning && !Objects.equals(t.lastHealthyVersion(), t.version()) && !Objects.equals(rolloutVersion, t.version())) {
            rolloutVersion = t.version();
            rolloutStarted = now;
            rolloutFailure = null;
            changes.rolloutStarted = true;
            changes.event(Kind.ROLLOUT_STARTED, "rolling out version " + t.version() + " (image " + spec.image() + ")",
                    Map.of("image", spec.image()));
        }

        Map<String, HealthChecks.Verdict> verdicts = wantRunning ? health.check(spec, currentRunning(spec, observedBefore), now) : Map.of();
        DeploymentPlanner.Desired desired = desired(t, ready, observedBefore, verdicts, now);
        Map<String, String> unhealthy = desired.unhealthy();
        DeploymentPlan plan = DeploymentPlanner.plan(desired, observedBefore);
        recordDrift(t, plan, ready.lifecycle().selfHeal(), changes);

        Optional<RuntimeFailure> failure = apply(t, plan, changes);
        List<ObservedContainer> observed = observedBefore;
        if (!plan.isEmpty()) {
            try {
                observed = runtime.observe(t.id());
            } catch (RuntimeFailure e) {
                failure = failure.or(() -> Optional.of(e));
            }
            boolean onItsOwn = !t.establishing() && !desired.restartRequested();
            if (onItsOwn && changes.applied > 0) {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("actions", changes.appliedDescriptions);
                details.put("drift", plan.drift());
                changes.audit("instance.self-heal", details);
            }
            if (wantRunning) {
                verdicts = health.check(spec, currentRunning(spec, observed), now);
                if (failure.isEmpty()) {
                    // A rollout whose new containers are healthy at once (no probe, or one that passed)
                    // finishes in this pass: the old containers go now rather than at the next wake-up.
                    DeploymentPlan finish = DeploymentPlanner.plan(desired.withReady(healthy(verdicts)), observed);
                    if (!finish.isEmpty() && finish.actions().stream().allMatch(a -> a instanceof RuntimeAction.RemoveContainer)) {
                        failure = apply(t, finish, changes);
                        try {
                            observed = runtime.observe(t.id());
                        } catch (RuntimeFailure e) {
                            failure = failure.or(() -> Optional.of(e));
                        }
                    }
                }
            }
        }
        if (failure.isEmpty() && (t.establishing() || t.restartPending())) {
            changes.converged = true;
        }

        if (!wantRunning) {
            boolean anyRunning = observed.stream().anyMatch(c -> c.instanceId().equals(t.id()) && c.running());
            if (failure.isPresent()) {
                changes.status(InstanceStatus.DEGRADED, "could not stop: " + failure.get().getMessage());
            } else if (anyRunning) {
                changes.status(InstanceStatus.DEGRADED, "stopping");
            } else {
                changes.status(InstanceStatus.STOPPED, "stopped on request");
            }
            return;
        }

        // Running: judge health, the rollout and the status.
        int want = spec.replicas();
        Map<Integer, ObservedContainer> byReplica = currentByReplica(spec, observed);
        long runningCount = byReplica.values().stream().filter(ObservedContainer::running).count();
        Map<String, HealthChecks.Verdict> finalVerdicts = verdicts;
        boolean allHealthy = failure.isEmpty() && runningCount == want
                && byReplica.values().stream().allMatch(c -> finalVerdicts.getOrDefault(c.containerId(),
                        new HealthChecks.Verdict(false, false, 0, "")).healthy());
        String unhealthyText = byReplica.values().stream().map(c -> finalVerdicts.get(c.containerId()))
                .filter(v -> v != null && v.failing()).map(v -> "health check failed " + v.failures() + " times: " + v.detail())
                .findFirst().orElse(null);
        if (unhealthyText == null && !unhealthy.isEmpty() && changes.applied > 0) {
            // Restarted for failing its health check: say so until it proves healthy again.
            unhealthyText = unhealthy.values().iterator().next() + "; restarted";
        }
        List<String> unhealedDrift = ready.lifecycle().selfHeal() ? List.of() : plan.drift();

        if (allHealthy && unhealedDrift.isEmpty()) {
            if (!Objects.equals(t.lastHealthyVersion(), t.version())) {
                changes.healthyVersion = t.version();
                changes.event(Kind.HEALTHY, "version " + t.version() + " is healthy (" + want + " of " + want + " replicas running)",
                        Map.of());
            }
            changes.status(InstanceStatus.RUNNING, runningReason(t, plan, changes));
            return;
        }
        String problem = failure.map(f -> failureText(f, spec)).orElse(unhealthyText != null ? unhealthyText
                : !unhealedDrift.isEmpty() && runningCount == want
                        ? "changed behind Roost's back, not healed (lifecycle.selfHeal is false): " + unhealedDrift.get(0)
                        : downText(spec, byReplica, observed, changes.now));
        boolean unavailable = failure.isPresent() && failure.get().kind() == RuntimeFailure.Kind.UNAVAILABLE;
        boolean fatal = failure.isPresent() && (failure.get().kind() == RuntimeFailure.Kind.IMAGE_NOT_FOUND
                || failure.get().kind() == RuntimeFailure.Kind.INVALID_SPEC);
        boolean inRollout = Objects.equals(rolloutVersion, t.version()) && rolloutFailure == null;
        boolean pastDeadline = inRollout && rolloutStarted != null
                && !now.isBefore(rolloutStarted.plusSeconds(ready.lifecycle().rolloutDeadlineSeconds()));
        if (inRollout && !unavailable && (fatal || pastDeadline)) {
            String why = fatal ? problem : "version " + t.version() + " was not healthy within "
                    + ready.lifecycle().rolloutDeadlineSeconds() + " s" + (problem == null ? "" : ": " + problem);
            changes.rolloutFailure = why;
            changes.event(Kind.ROLLOUT_FAILED, "rollout of version " + t.version() + " failed: " + why, Map.of());
            Integer target = t.lastHealthyVersion();
            if (target != null && target != t.version()) {
                changes.rollbackTo = target;
                changes.status(InstanceStatus.DEGRADED, "version " + t.version() + " failed (" + why + "); rolling back to version "
                        + target);
            } else {
                changes.status(InstanceStatus.DEGRADED, why + "; no earlier healthy version to roll back to");
            }
            return;
        }
        String suffix = rolloutFailure != null && Objects.equals(rolloutVersion, t.version())
                ? "; no earlier healthy version to roll back to" : "";
        if (failure.isPresent() || unhealthyText != null || !unhealedDrift.isEmpty() && runningCount == want) {
            changes.status(InstanceStatus.DEGRADED, problem + suffix);
        } else if (runningCount == 0) {
            boolean starting = (t.establishing() || inRollout) && plan.drift().isEmpty();
            changes.status(starting ? InstanceStatus.CREATING : InstanceStatus.DOWN,
                    starting ? "starting version " + t.version() : problem + suffix);
        } else if (runningCount < want) {
            changes.status(InstanceStatus.DEGRADED, runningCount + " of " + want + " replicas running: " + problem + suffix);
        } else {
            changes.status(InstanceStatus.CREATING, "version " + t.version() + " is starting: waiting for its health check");
        }
    }

    private static String runningReason(Target t, DeploymentPlan plan, Changes changes) {
        String base = "running version " + t.version();
        if (t.versionSource().startsWith("auto-rollback:")) {
            base += " (automatic rollback to version " + t.versionSource().substring("auto-rollback:".length()) + ")";
        }
        if (changes.applied > 0 && !plan.drift().isEmpty()) {
            return base + "; self-healed: " + plan.drift().get(0);
        }
        return base;
    }

    /** Why the first replica that should run does not. */
    private static String downText(WorkloadSpec spec, Map<Integer, ObservedContainer> byReplica, List<ObservedContainer> observed,
            Instant now) {
        Set<String> held = restartsOnHold(observed, now);
        for (int r = 0; r < spec.replicas(); r++) {
            ObservedContainer c = byReplica.get(r);
            if (c == null) {
                return "replica " + r + " is missing (its container was removed)";
            }
            if (!c.running()) {
                return "replica " + r + " " + DeploymentPlanner.ended(c)
                        + (held.contains(c.containerId()) ? "; next restart after a back-off of "
                        + backoff(c.restartCount()).toSeconds() + " s" : "");
            }
        }
        return null;
    }

    private static String failureText(RuntimeFailure f, WorkloadSpec spec) {
        return switch (f.kind()) {
            case IMAGE_NOT_FOUND -> "image " + spec.image() + " not found: " + f.getMessage().replace("image " + spec.image() + " ", "");
            case UNAVAILABLE -> "runtime unavailable: " + f.getMessage();
            case INVALID_SPEC -> "the workload cannot be built: " + f.getMessage();
            case NOT_FOUND, FAILED -> f.getMessage();
        };
    }

    private static List<ObservedContainer> currentRunning(WorkloadSpec spec, List<ObservedContainer> observed) {
        return currentByReplica(spec, observed).values().stream().filter(ObservedContainer::running).toList();
    }

    /** The container of each wanted replica built from the current spec, preferring a running one. */
    private static Map<Integer, ObservedContainer> currentByReplica(WorkloadSpec spec, List<ObservedContainer> observed) {
        String hash = spec.specHash();
        Map<Integer, ObservedContainer> byReplica = new TreeMap<>();
        for (ObservedContainer c : observed) {
            if (c.instanceId().equals(spec.instanceId()) && c.specHash().equals(hash) && c.replica() < spec.replicas()) {
                byReplica.merge(c.replica(), c, (a, b) -> a.running() ? a : b);
            }
        }
        return byReplica;
    }

    private void recordDrift(Target t, DeploymentPlan plan, boolean selfHeal, Changes changes) {
        List<String> before = lastDrift.getOrDefault(t.id(), List.of());
        if (plan.drift().equals(before)) {
            return;
        }
        for (String d : plan.drift()) {
            if (!before.contains(d)) {
                changes.event(Kind.DRIFT, d + (selfHeal ? "" : " (not healed: lifecycle.selfHeal is false)"),
                        Map.of("selfHeal", selfHeal));
            }
        }
        if (plan.drift().isEmpty()) {
            lastDrift.remove(t.id());
        } else {
            lastDrift.put(t.id(), plan.drift());
        }
    }

    /** Applies a plan in order, stopping at the first failure (later steps depend on earlier ones). */
    private Optional<RuntimeFailure> apply(Target t, DeploymentPlan plan, Changes changes) {
        if (plan.isEmpty()) {
            return Optional.empty();
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        for (RuntimeAction a : plan.actions()) {
            steps.add(Map.of("type", type(a), "action", a.describe(), "reason", a.reason()));
        }
        changes.event(Kind.PLAN, plan.actions().size() + (plan.actions().size() == 1 ? " action" : " actions") + ": "
                + String.join("; ", plan.actions().stream().map(RuntimeAction::describe).toList()),
                Map.of("actions", steps, "drift", plan.drift()));
        GatewayKeySource secretSource = new GatewayKeySource(new StoreSecretSource(database, secrets, t.workspaceId()), database,
                keys, t.workspaceId(), clock);
        for (RuntimeAction action : plan.actions()) {
            String type = type(action);
            changes.event(Kind.ACTION_STARTED, action.describe() + ": " + action.reason(), Map.of("type", type));
            try {
                Optional<String> container = runtime.apply(action, secretSource);
                metrics.action(type, "succeeded");
                changes.applied++;
                changes.appliedDescriptions.add(action.describe());
                changes.event(Kind.ACTION_SUCCEEDED, action.describe(), container.<Map<String, Object>>map(
                        id -> Map.of("type", type, "container", id)).orElse(Map.of("type", type)));
            } catch (RuntimeFailure e) {
                metrics.action(type, "failed");
                changes.event(Kind.ACTION_FAILED, action.describe() + " failed: " + e.getMessage(),
                        Map.of("type", type, "kind", e.kind().name()));
                return Optional.of(e);
            } catch (RuntimeException e) {
                metrics.action(type, "failed");
                RuntimeFailure wrapped = new RuntimeFailure(RuntimeFailure.Kind.FAILED, action.describe() + " failed unexpectedly ("
                        + e.getClass().getSimpleName() + ")", e);
                changes.event(Kind.ACTION_FAILED, wrapped.getMessage(), Map.of("type", type, "kind", "FAILED"));
                return Optional.of(wrapped);
            }
        }
        return Optional.empty();
    }

    static String type(RuntimeAction action) {
        return switch (action) {
            case RuntimeAction.EnsureImage a -> "ensure-image";
            case RuntimeAction.CreateContainer a -> "create";
            case RuntimeAction.StartContainer a -> "start";
            case RuntimeAction.StopContainer a -> "stop";
            case RuntimeAction.RemoveContainer a -> "remove";
            case RuntimeAction.RemoveVolumes a -> "remove-volumes";
        };
    }

    /** Everything one pass of one instance wants to record; written in one transaction, or not at all when empty. */
    private final class Changes {
        final Target target;
        final Instant now;
        final String passId;
        final List<DeploymentEvent> events = new ArrayList<>();
        final List<AuditEvent> audits = new ArrayList<>();
        final List<String> appliedDescriptions = new ArrayList<>();
        int applied;
        InstanceStatus status;
        String reason;
        boolean converged;
        boolean rolloutStarted;
        Integer healthyVersion;
        String rolloutFailure;
        Integer rollbackTo;
        boolean cleaned;

        Changes(Target target, Instant now, String passId) {
            this.target = target;
            this.now = now;
            this.passId = passId;
        }

        void event(Kind kind, String message, Map<String, Object> detail) {
            events.add(new DeploymentEvent(0, target.id(), target.workspaceId(), target.version(), now, kind, message, detail, ACTOR));
        }

        void audit(String action, Map<String, Object> details) {
            audits.add(new AuditEvent(ACTOR, action, "instance", target.name(), target.workspace(), passId, details, List.of()));
        }

        /** Sets the status; true when it differs from the stored one. */
        boolean status(InstanceStatus newStatus, String newReason) {
            String text = newReason == null ? "" : newReason;
            if (newStatus == target.status() && text.equals(target.statusReason())) {
                status = null;
                reason = null;
                return false;
            }
            status = newStatus;
            reason = text;
            return true;
        }

        boolean isEmpty() {
            return events.isEmpty() && audits.isEmpty() && status == null && !converged && !rolloutStarted && healthyVersion == null
                    && rolloutFailure == null && rollbackTo == null && !cleaned;
        }

        void commit() {
            if (isEmpty()) {
                return;
            }
            if (status != null) {
                event(Kind.STATUS, status.name() + (reason.isEmpty() ? "" : ": " + reason),
                        Map.of("from", target.status().name(), "to", status.name()));
            }
            database.transaction(s -> {
                var state = s.reconcileState();
                if (rolloutStarted) {
                    state.startRollout(target.id(), target.version(), now);
                }
                if (healthyVersion != null) {
                    state.markHealthy(target.id(), healthyVersion);
                }
                if (rolloutFailure != null) {
                    state.failRollout(target.id(), rolloutFailure);
                }
                if (converged) {
                    state.markConverged(target.id(), target.generation(), target.restartRequestedAt());
                }
                if (status != null) {
                    state.setStatus(target.id(), status, reason, now);
                }
                if (cleaned) {
                    state.markCleaned(target.id(), now);
                }
                s.deploymentEvents().append(events);
                audits.forEach(a -> s.audit().append(a));
                return null;
            });
            if (rollbackTo != null) {
                rollBack(rollbackTo);
            }
        }

        /** Appends the last healthy version again as a new version (source auto-rollback:N), as the rollback route would. */
        private void rollBack(int to) {
            try {
                database.transaction(s -> {
                    Optional<Instance> instance = s.instances().findById(target.id());
                    Workspace ws = s.workspaces().findById(target.workspaceId()).orElse(null);
                    if (instance.isEmpty() || ws == null || instance.get().currentVersion() != target.version()
                            || instance.get().desiredState() == DesiredState.DELETED) {
                        return null; // someone changed it meanwhile: their request wins
                    }
                    InstanceService.Result result = service.rollback(s, ws, Role.ADMIN, ACTOR, instance.get(), to, "auto-rollback:" + to, now);
                    if (result.outcome() != ApplyOutcome.UPDATED) {
                        return null;
                    }
                    String message = "rolled back automatically to version " + to + " as version " + result.version() + " after version "
                            + target.version() + " failed: " + rolloutFailure;
                    s.deploymentEvents().append(List.of(new DeploymentEvent(0, target.id(), target.workspaceId(), result.version(), now,
                            Kind.ROLLBACK, message, Map.of("fromVersion", target.version(), "toVersion", to, "version", result.version()),
                            ACTOR)));
                    s.audit().append(new AuditEvent(ACTOR, "instance.auto-rollback", "instance", target.name(), target.workspace(), passId,
                            Map.of("failedVersion", target.version(), "toVersion", to, "version", result.version(), "reason", rolloutFailure),
                            List.of()));
                    String reason = "version " + target.version() + " failed (" + rolloutFailure + "); rolled back to version " + to
                            + " as version " + result.version() + ", waiting for it to be healthy";
                    s.reconcileState().setStatus(target.id(), InstanceStatus.DEGRADED, reason, now);
                    s.deploymentEvents().append(List.of(new DeploymentEvent(0, target.id(), target.workspaceId(), result.version(), now,
                            Kind.STATUS, "DEGRADED: " + reason, Map.of("from", target.status().name(), "to", "DEGRADED"), ACTOR)));
                    return null;
                });
            } catch (RoostException e) {
                String message = "automatic rollback to version " + to + " was refused: " + e.getMessage();
                database.transaction(s -> {
                    s.deploymentEvents().append(List.of(new DeploymentEvent(0, target.id(), target.workspaceId(), target.version(), now,
                            Kind.ROLLOUT_FAILED, message, Map.of("code", e.code().name()), ACTOR)));
                    s.reconcileState().setStatus(target.id(), InstanceStatus.DEGRADED, "version " + target.version() + " failed ("
                            + rolloutFailure + "); " + message, now);
                    return null;
                });
            }
        }
    }
}
