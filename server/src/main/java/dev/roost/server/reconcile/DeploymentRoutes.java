package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.DeploymentEvent;
import dev.roost.core.deploy.DeploymentPlan;
import dev.roost.core.deploy.DeploymentPlanner;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.instance.Instance;
import dev.roost.core.policy.ManifestPolicy;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.instances.InstanceService;
import dev.roost.store.instances.ReconcileStateRepository.Target;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the reconciler did and would do for an instance: its deployment events (newest first, or
 * oldest first after a cursor for following), and the plan it would carry out now, computed
 * from a read-only look at the runtime.
 */
public final class DeploymentRoutes {
    private static final String BASE = "/api/v1/workspaces/{ws}/instances/{name}";

    private final Optional<Runtime> runtime;
    private final Workloads workloads;
    private final Clock clock;

    public DeploymentRoutes(Optional<Runtime> runtime, ManifestPolicy policy, Clock clock) {
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.workloads = new Workloads(requireNonNull(policy, "policy is null"));
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** One deployment event as the API shows it. */
    public record EventView(long id, Instant at, String kind, Integer version, String message, Map<String, Object> detail, String actor) {
        static EventView of(DeploymentEvent e) {
            return new EventView(e.id(), e.at(), e.kind().name(), e.version(), e.message(), e.detail(), e.actor());
        }
    }

    /** A page of events; {@code next} is the cursor for {@code before} (newest first) or {@code after} (following). */
    public record EventPage(List<EventView> items, String next) {
        public EventPage {
            items = List.copyOf(items);
        }
    }

    public record ActionView(String type, String description, String reason) {
    }

    public record ContainerView(String id, int replica, int version, String state, String image, boolean current, boolean oomKilled,
            Integer exitCode, int restartCount, List<String> drift) {
    }

    /**
     * The plan the reconciler would carry out now. {@code refused} is set when the stored manifest
     * no longer passes (nothing would be applied).
     */
    public record PlanView(String instance, int version, String desiredState, String status, String statusReason, boolean pendingRequest,
            List<ActionView> actions, List<String> drift, List<ContainerView> containers, String refused, String runtime) {
    }

    public List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        return List.of(
                ApiRoute.get(BASE + "/events", viewer, "Deployment events of an instance, newest first; ?after= follows new ones",
                                this::events)
                        .query("limit", "page size, 1 to 500 (default 50)")
                        .query("before", "the 'next' cursor of the previous page: older events")
                        .query("after", "an event id: only newer events, oldest first (for following)")
                        .returns(EventPage.class),
                ApiRoute.get(BASE + "/plan", viewer, "What the reconciler would do now for an instance (nothing is applied)",
                        this::plan).returns(PlanView.class));
    }

    private Object events(Call call) {
        Instance instance = find(call);
        int limit = call.queryInt("limit", 50, 1, 500);
        Optional<Long> before = cursor(call, "before");
        Optional<Long> after = cursor(call, "after");
        if (before.isPresent() && after.isPresent()) {
            throw Call.badQuery("after", "cannot be combined with before");
        }
        var repository = call.session().deploymentEvents();
        if (after.isPresent()) {
            List<EventView> items = repository.after(instance.id(), after.get(), limit).stream().map(EventView::of).toList();
            // Following: the cursor always moves to the newest event seen, so it can be passed straight back.
            String next = items.isEmpty() ? String.valueOf(after.get()) : String.valueOf(items.get(items.size() - 1).id());
            return new EventPage(items, next);
        }
        List<DeploymentEvent> rows = repository.newestFirst(instance.id(), before.orElse(null), limit + 1);
        boolean more = rows.size() > limit;
        List<EventView> items = rows.stream().limit(limit).map(EventView::of).toList();
        return new EventPage(items, more ? String.valueOf(items.get(items.size() - 1).id()) : null);
    }

    private static Optional<Long> cursor(Call call, String name) {
        Optional<String> raw = call.query(name);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            long value = Long.parseLong(raw.get());
            if (value < 0) {
                throw Call.badQuery(name, "must not be negative");
            }
            return Optional.of(value);
        } catch (NumberFormatException e) {
            throw Call.badQuery(name, "must be an event id (a whole number)");
        }
    }

    private Object plan(Call call) {
        Runtime rt = runtime.orElseThrow(() -> new RoostException(ErrorCode.RUNTIME_UNAVAILABLE,
                "This server runs no instances (runtime=none), so there is nothing to plan against. Start it with a runtime "
                        + "(--runtime docker) to run instances."));
        Instance instance = find(call);
        Target target = call.session().reconcileState().target(instance.id()).orElseThrow(
                () -> RoostException.notFound("Instance " + Json.abbreviate(call.path("name"))));
        var quota = InstanceService.quotaOf(call.session(), call.workspace());
        List<ObservedContainer> observed;
        try {
            observed = rt.observe(instance.id());
        } catch (RuntimeFailure e) {
            throw new RoostException(ErrorCode.RUNTIME_UNAVAILABLE, "Runtime " + rt.name() + " did not answer (" + e.getMessage()
                    + "); try again when it is back.");
        }
        List<ContainerView> containers;
        switch (workloads.prepare(target, quota)) {
            case Workloads.Prepared.Refused refused -> {
                containers = observed.stream().map(c -> view(c, false)).toList();
                return new PlanView(instance.name(), instance.currentVersion(), instance.desiredState().name(), instance.status().name(),
                        instance.statusReason(), target.establishing(), List.of(), List.of(), containers, refused.reason(), rt.name());
            }
            case Workloads.Prepared.Ready prepared -> {
                Workloads.Prepared.Ready ready = prepared.withSpec(InstanceGatewayAccess.preview(rt, prepared,
                        dev.roost.server.gateway.ManagedKeys.instanceKey(call.session(), instance.id()), clock.instant()));
                String hash = ready.spec().specHash();
                containers = observed.stream().map(c -> view(c, c.specHash().equals(hash))).toList();
                // Health verdicts live with the reconciler that probes; the preview assumes the containers are healthy.
                Map<String, HealthChecks.Verdict> assumed = new java.util.HashMap<>();
                observed.stream().filter(c -> c.running() && c.specHash().equals(hash))
                        .forEach(c -> assumed.put(c.containerId(), new HealthChecks.Verdict(true, false, 0, "assumed healthy")));
                DeploymentPlan plan = DeploymentPlanner.plan(InstancePass.desired(target, ready, observed, assumed, clock.instant()),
                        observed);
                List<ActionView> actions = plan.actions().stream()
                        .map(a -> new ActionView(InstancePass.type(a), a.describe(), a.reason())).toList();
                return new PlanView(instance.name(), instance.currentVersion(), instance.desiredState().name(), instance.status().name(),
                        instance.statusReason(), target.establishing(), actions, plan.drift(), containers, null, rt.name());
            }
        }
    }

    private static ContainerView view(ObservedContainer c, boolean current) {
        return new ContainerView(c.containerId(), c.replica(), c.version(), c.state().name(), c.image(), current, c.oomKilled(),
                c.exitCode().orElse(null), c.restartCount(), c.drift());
    }

    private static Instance find(Call call) {
        return call.session().instances().find(call.workspace().id(), call.path("name"))
                .orElseThrow(() -> RoostException.notFound("Instance " + Json.abbreviate(call.path("name"))));
    }

}
