package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.deploy.DeploymentEvent;
import dev.roost.core.deploy.DeploymentPlan;
import dev.roost.core.deploy.DeploymentPlanner;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.instance.DesiredState;
import dev.roost.core.instance.InstanceStatus;
import dev.roost.core.policy.ManifestPolicy;
import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.Workspace;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import dev.roost.gateway.ConfigChanges;
import dev.roost.server.gateway.ManagedKeys;
import dev.roost.server.instances.InstanceService;
import dev.roost.store.Database;
import dev.roost.store.LeaderLock;
import dev.roost.store.Session;
import dev.roost.store.instances.ReconcileStateRepository.Target;
import dev.roost.store.secrets.SecretStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background duty that makes instances real: compares every instance's desired state with
 * what the runtime reports and carries out the difference (see {@link InstancePass}).
 *
 * <p>Only one server replica acts at a time: the one holding the {@link LeaderLock}. The others
 * try again every {@link Settings#leaderRetry()}. The leader wakes when an instance changes
 * (NOTIFY on {@code roost_instances}, sent by the store in the same transaction as the change)
 * and at least every {@link Settings#interval()} to notice drift. A pass loads every instance
 * with its current manifest in one query and everything the runtime holds in one
 * {@code observe()}, then reconciles instances in parallel (virtual threads, at most
 * {@link Settings#parallelism()} at once); one slow or failing instance never holds up the
 * others, and an instance still busy from an earlier pass is skipped until it is done.
 *
 * <p>The loop runs on one thread; {@link #reconcileNow()} runs a pass on the caller's thread.
 * Passes never overlap.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /** How the reconciler paces itself. */
    public record Settings(Duration interval, int parallelism, Duration instanceTimeout, Duration leaderRetry) {
        public Settings {
            requireNonNull(interval, "interval is null");
            requireNonNull(instanceTimeout, "instanceTimeout is null");
            requireNonNull(leaderRetry, "leaderRetry is null");
            if (parallelism < 1) {
                throw new IllegalArgumentException("parallelism must be positive");
            }
        }

        /** 16 instances at once, 2 minutes per instance, leadership retried every 5 s (or each interval when shorter). */
        public static Settings defaults(Duration interval) {
            Duration retry = interval.compareTo(Duration.ofSeconds(5)) < 0 ? interval : Duration.ofSeconds(5);
            return new Settings(interval, 16, Duration.ofMinutes(2), retry);
        }
    }

    /** What {@link #reconcileNow()} did. */
    public enum PassOutcome {
        /** Every instance was looked at. */
        DONE,
        /** The runtime did not answer; statuses say so. */
        RUNTIME_UNAVAILABLE,
        /** Another server leads; nothing was done here. */
        NOT_LEADER
    }

    private final Database database;
    private final LeaderLock lock;
    private final Runtime runtime;
    private final SecretStore secrets;
    private final Clock clock;
    private final Settings settings;
    private final ReconcilerMetrics metrics;
    private final Workloads workloads;
    private final HealthChecks health;
    private final InstancePass instancePass;
    private final ManagedKeys keys;
    private final InstanceGatewayAccess gatewayAccess;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore permits;
    private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
    private final ReentrantLock passLock = new ReentrantLock();
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong loopPasses = new AtomicLong();
    private volatile boolean running;
    private volatile boolean runtimeDown;
    private Thread loop;

    public Reconciler(Database database, LeaderLock lock, Runtime runtime, SecretStore secrets, InstanceService service,
            ManifestPolicy policy, Clock clock, MeterRegistry meters, Settings settings, ManagedKeys keys, ConfigChanges gatewayChanges) {
        this.database = requireNonNull(database, "database is null");
        this.lock = requireNonNull(lock, "lock is null");
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.metrics = new ReconcilerMetrics(requireNonNull(meters, "meters is null"));
        this.workloads = new Workloads(requireNonNull(policy, "policy is null"));
        this.health = new HealthChecks(runtime);
        this.keys = requireNonNull(keys, "keys is null");
        this.gatewayAccess = new InstanceGatewayAccess(database, runtime, keys, requireNonNull(gatewayChanges, "gatewayChanges is null"));
        this.instancePass = new InstancePass(database, runtime, secrets, requireNonNull(service, "service is null"), workloads, health,
                metrics, clock, gatewayAccess, keys);
        this.permits = new Semaphore(settings.parallelism());
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        loop = Thread.ofPlatform().name("roost-reconciler").daemon().start(this::loop);
    }

    /** Whether this server currently holds the leader lock. */
    public boolean isLeader() {
        return lock.isHeld();
    }

    /**
     * Runs one pass now, on the caller's thread, if this server leads; waits for a pass in
     * progress first. For tests and operators who do not want to wait for the next wake-up.
     */
    public PassOutcome reconcileNow() {
        if (!lock.isHeld()) {
            return PassOutcome.NOT_LEADER;
        }
        return pass();
    }

    /** How many passes the background loop has finished (woken by a change or by the interval); tests wait on it. */
    public long loopPasses() {
        return loopPasses.get();
    }

    private void loop() {
        long nextDue = 0;
        while (running) {
            try {
                if (!lock.isHeld()) {
                    if (!lock.tryAcquire()) {
                        metrics.leading(false);
                        Thread.sleep(settings.leaderRetry().toMillis());
                        continue;
                    }
                    metrics.leading(true);
                    log.info("This server now runs the reconciler (it holds the leader lock)");
                    nextDue = System.nanoTime();
                }
                long wait = nextDue - System.nanoTime();
                if (wait > 0) {
                    List<String> changed = lock.await(Duration.ofNanos(wait));
                    if (changed.isEmpty() && System.nanoTime() < nextDue) {
                        continue;
                    }
                    if (!changed.isEmpty()) {
                        lock.await(Duration.ofMillis(20)); // let a burst of changes arrive, then handle them in one pass
                    }
                }
                if (!lock.stillHeld()) {
                    metrics.leading(false);
                    log.warn("Lost the reconciler leader lock (its database connection failed); trying to get it back");
                    continue;
                }
                pass();
                loopPasses.incrementAndGet();
                nextDue = System.nanoTime() + settings.interval().toNanos();
            } catch (LeaderLock.LostException e) {
                metrics.leading(false);
                if (running) {
                    log.warn("Lost the reconciler leader lock: {}; trying to get it back", e.getMessage());
                }
            } catch (SQLException e) {
                metrics.leading(false);
                log.warn("Cannot take the reconciler leader lock: {}", e.getMessage());
                sleepQuietly(settings.leaderRetry());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                metrics.failure("loop");
                log.error("Reconciler loop failed; carrying on", e);
                sleepQuietly(settings.leaderRetry());
            }
        }
        lock.close();
        metrics.leading(false);
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private PassOutcome pass() {
        passLock.lock();
        long t0 = System.nanoTime();
        String passId = "reconcile-" + passes.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            List<Target> targets = database.read(s -> s.reconcileState().targets());
            Map<UUID, Quota> quotas = database.read(Reconciler::quotas);
            List<ObservedContainer> all;
            try {
                all = runtime.observe();
            } catch (RuntimeFailure e) {
                runtimeUnavailable(targets, e);
                metrics.pass("runtime_unavailable", System.nanoTime() - t0);
                return PassOutcome.RUNTIME_UNAVAILABLE;
            }
            if (runtimeDown) {
                runtimeDown = false;
                log.info("Runtime {} answers again", runtime.name());
            }
            Map<UUID, List<ObservedContainer>> byInstance = new HashMap<>();
            for (ObservedContainer c : all) {
                byInstance.computeIfAbsent(c.instanceId(), id -> new ArrayList<>()).add(c);
            }
            Set<UUID> known = new HashSet<>();
            targets.forEach(t -> known.add(t.id()));
            removeOrphans(known, all, passId);
            Map<UUID, ManagedKeys.ManagedKey> gatewayKeys = database.read(ManagedKeys::instanceKeys);
            revokeOrphanKeys(known, gatewayKeys, passId);

            List<Task> tasks = new ArrayList<>();
            for (Target t : targets) {
                if (!inFlight.add(t.id())) {
                    continue; // still busy from an earlier pass
                }
                Quota quota = quotas.get(t.workspaceId());
                List<ObservedContainer> observed = byInstance.getOrDefault(t.id(), List.of());
                Task task = new Task(t);
                Optional<ManagedKeys.ManagedKey> gatewayKey = Optional.ofNullable(gatewayKeys.get(t.id()));
                task.future = executor.submit(() -> runOne(task, observed, quota, passId, gatewayKey));
                tasks.add(task);
            }
            await(tasks);
            Map<UUID, Integer> versions = new HashMap<>();
            targets.forEach(t -> versions.put(t.id(), t.version()));
            workloads.retainOnly(versions);
            health.retainOnly(known);
            metrics.pass("done", System.nanoTime() - t0);
            return PassOutcome.DONE;
        } catch (RuntimeException e) {
            metrics.failure("pass");
            metrics.pass("failed", System.nanoTime() - t0);
            log.error("Reconciler pass {} failed; the next one tries again", passId, e);
            return PassOutcome.DONE;
        } finally {
            passLock.unlock();
        }
    }

    /** One instance's work in a pass, and when it started (0 while it waits for a permit). */
    private static final class Task {
        final Target target;
        volatile long startedNanos;
        Future<?> future;

        Task(Target target) {
            this.target = target;
        }
    }

    private void runOne(Task task, List<ObservedContainer> observed, Quota quota, String passId,
            Optional<ManagedKeys.ManagedKey> gatewayKey) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            inFlight.remove(task.target.id());
            Thread.currentThread().interrupt();
            return;
        }
        try {
            task.startedNanos = System.nanoTime();
            if (quota == null) {
                throw new IllegalStateException("workspace " + task.target.workspace() + " has no quota");
            }
            instancePass.run(task.target, observed, quota, passId, gatewayKey);
        } catch (RuntimeException e) {
            metrics.failure("instance");
            log.warn("Reconciling instance {}/{} failed; retrying in the next pass: {}", task.target.workspace(), task.target.name(),
                    e.toString(), e);
        } finally {
            permits.release();
            inFlight.remove(task.target.id());
        }
    }

    /** Waits for the pass's instances; one that runs past the instance timeout is interrupted and left to finish on its own. */
    private void await(List<Task> tasks) {
        long timeout = settings.instanceTimeout().toNanos();
        for (Task task : tasks) {
            while (true) {
                try {
                    task.future.get(50, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    long started = task.startedNanos;
                    if (started != 0 && System.nanoTime() - started > timeout) {
                        task.future.cancel(true);
                        metrics.failure("timeout");
                        log.warn("Reconciling instance {}/{} took longer than {}; moving on without it", task.target.workspace(),
                                task.target.name(), settings.instanceTimeout());
                        break;
                    }
                } catch (ExecutionException e) {
                    break; // runOne logs its own failures
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (java.util.concurrent.CancellationException e) {
                    break;
                }
            }
        }
    }

    private void removeOrphans(Set<UUID> known, List<ObservedContainer> all, String passId) {
        DeploymentPlan orphans = DeploymentPlanner.orphans(known, all);
        for (RuntimeAction action : orphans.actions()) {
            ObservedContainer c = all.stream().filter(o -> o.instanceId().equals(action.instanceId())).findFirst().orElseThrow();
            try {
                runtime.apply(action, SecretSource.NONE);
                metrics.action("remove", "succeeded");
                log.info("Removed orphan container {}: {}", action.describe(), action.reason());
                database.transaction(s -> s.audit().append(new AuditEvent(InstancePass.ACTOR, "runtime.orphan-removed", "container",
                        ((RuntimeAction.RemoveContainer) action).containerId(), c.workspace(), passId,
                        Map.of("instanceId", c.instanceId().toString(), "instance", c.instance(), "reason", action.reason()),
                        List.of())));
            } catch (RuntimeException e) {
                metrics.action("remove", "failed");
                log.warn("Could not remove orphan container ({}): {}", action.describe(), e.getMessage());
            }
        }
    }

    /** Keys of instances Roost no longer knows (purged while no reconciler ran) are revoked. */
    private void revokeOrphanKeys(Set<UUID> known, Map<UUID, ManagedKeys.ManagedKey> gatewayKeys, String passId) {
        for (ManagedKeys.ManagedKey key : gatewayKeys.values()) {
            if (!known.contains(key.instanceId())) {
                try {
                    String workspace = database.read(s -> s.workspaces().findById(key.workspaceId()).map(w -> w.name()).orElse(null));
                    gatewayAccess.revoke(key, workspace, "the instance no longer exists", passId, clock.instant());
                } catch (RuntimeException e) {
                    metrics.failure("gateway-key");
                    log.warn("Could not revoke gateway key {} of a removed instance: {}", key.keyId(), e.getMessage());
                }
            }
        }
    }

    /** The runtime does not answer: every live instance says so (once), and nothing else is judged. */
    private void runtimeUnavailable(List<Target> targets, RuntimeFailure e) {
        if (!runtimeDown) {
            runtimeDown = true;
            log.warn("Runtime {} does not answer: {}", runtime.name(), e.getMessage());
        }
        String reason = "runtime " + runtime.name() + " unavailable: " + e.getMessage() + "; the instance's state is unknown";
        java.time.Instant now = clock.instant();
        List<Target> changed = targets.stream().filter(t -> t.desiredState() != DesiredState.DELETED)
                .filter(t -> t.status() != InstanceStatus.DEGRADED || !t.statusReason().equals(reason)).toList();
        if (changed.isEmpty()) {
            return;
        }
        database.transaction(s -> {
            List<DeploymentEvent> events = new ArrayList<>();
            for (Target t : changed) {
                s.reconcileState().setStatus(t.id(), InstanceStatus.DEGRADED, reason, now);
                events.add(new DeploymentEvent(0, t.id(), t.workspaceId(), t.version(), now, DeploymentEvent.Kind.STATUS,
                        "DEGRADED: " + reason, Map.of("from", t.status().name(), "to", "DEGRADED"), InstancePass.ACTOR));
            }
            s.deploymentEvents().append(events);
            return null;
        });
    }

    /** Each workspace's effective quota: its override, else its plan's. */
    private static Map<UUID, Quota> quotas(Session s) {
        Map<UUID, Quota> quotas = new HashMap<>();
        for (Workspace w : s.workspaces().list()) {
            try {
                quotas.put(w.id(), InstanceService.quotaOf(s, w));
            } catch (IllegalStateException e) {
                log.warn("Workspace {}: {}", w.name(), e.getMessage());
            }
        }
        return quotas;
    }

    /** Stops the loop, gives up leadership, and waits briefly for running instance work. */
    @Override
    public void close() {
        running = false;
        lock.close(); // ends a wait for notifications at once
        Thread t = loop;
        if (t != null) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.close();
    }

    Runtime runtime() {
        return runtime;
    }
}
