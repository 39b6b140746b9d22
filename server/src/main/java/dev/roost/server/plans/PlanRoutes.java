package dev.roost.server.plans;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.ResourceName;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Reply;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans: named quota bundles a workspace is on. Everyone signed in may read them (a team lead
 * wants to know their limits); only a server admin may create, change or delete one.
 */
public final class PlanRoutes {
    static final int MAX_DESCRIPTION = 500;
    private static final int NAMES_IN_CONFLICT = 20;

    public record CreatePlanRequest(String name, String description, QuotaInput quota) {
    }

    public record UpdatePlanRequest(String description, QuotaInput quota) {
    }

    /** A plan; {@code workspaces} (how many are on it) is shown to server admins only. */
    public record PlanView(String name, String description, boolean builtIn, QuotaView quota, Long workspaces) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/api/v1/plans", Access.AUTHENTICATED, "List plans and their quotas", this::list)
                        .returnsListOf(PlanView.class),
                ApiRoute.get("/api/v1/plans/{plan}", Access.AUTHENTICATED, "Show one plan", this::show)
                        .returns(PlanView.class),
                ApiRoute.post("/api/v1/plans", Access.SERVER_ADMIN, "Create a plan", this::create)
                        .accepts(CreatePlanRequest.class).returns(PlanView.class),
                ApiRoute.put("/api/v1/plans/{plan}", Access.SERVER_ADMIN, "Change a plan's description and quota",
                        this::update).accepts(UpdatePlanRequest.class).returns(PlanView.class),
                ApiRoute.delete("/api/v1/plans/{plan}", Access.SERVER_ADMIN,
                        "Delete a plan no workspace is on", this::delete));
    }

    private Object list(Call call) {
        return call.session().plans().list().stream().map(p -> view(call, p)).toList();
    }

    private Object show(Call call) {
        return view(call, find(call, call.path("plan")));
    }

    private Object create(Call call) {
        CreatePlanRequest request = call.body(CreatePlanRequest.class);
        Checks checks = new Checks().name("/name", request.name(), "a plan name");
        Quota quota = checkBody(checks, request.description(), request.quota());
        checks.throwIfAny();
        Plan plan = new Plan(request.name(), request.description(), quota);
        call.session().plans().create(plan, false);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("description", plan.description());
        details.put("quota", QuotaView.auditForm(quota));
        call.audit("plan.create", "plan", plan.name(), details);
        return Reply.created(view(call, plan));
    }

    private Object update(Call call) {
        UpdatePlanRequest request = call.body(UpdatePlanRequest.class);
        Checks checks = new Checks();
        Quota quota = checkBody(checks, request.description(), request.quota());
        checks.throwIfAny();
        Plan before = call.session().plans().findForUpdate(call.path("plan"))
                .orElseThrow(() -> RoostException.notFound("Plan " + call.path("plan")));
        Plan after = new Plan(before.name(), request.description(), quota);
        if (after.equals(before)) {
            return view(call, after);
        }
        call.session().plans().update(after);
        Map<String, Object> details = new LinkedHashMap<>();
        if (!before.description().equals(after.description())) {
            details.put("description", Map.of("from", before.description(), "to", after.description()));
        }
        if (!before.quota().equals(after.quota())) {
            details.put("quota", Map.of("from", QuotaView.auditForm(before.quota()), "to", QuotaView.auditForm(quota)));
        }
        call.audit("plan.update", "plan", after.name(), details);
        return view(call, after);
    }

    private Object delete(Call call) {
        // The row lock keeps a workspace from moving onto the plan while it is being deleted.
        Plan plan = call.session().plans().findForUpdate(call.path("plan"))
                .orElseThrow(() -> RoostException.notFound("Plan " + call.path("plan")));
        if (call.session().plans().isBuiltIn(plan.name())) {
            throw new RoostException(ErrorCode.CONFLICT, "Plan " + plan.name() + " ships with Roost and is re-created at every "
                    + "start, so it cannot be deleted. Change its quota with PUT /api/v1/plans/" + plan.name() + " instead.");
        }
        List<String> users = call.session().plans().workspaceNamesOn(plan.name(), NAMES_IN_CONFLICT + 1);
        if (!users.isEmpty()) {
            String names = String.join(", ", users.subList(0, Math.min(users.size(), NAMES_IN_CONFLICT)))
                    + (users.size() > NAMES_IN_CONFLICT ? ", ..." : "");
            throw new RoostException(ErrorCode.CONFLICT, "Plan " + plan.name() + " is in use by workspace(s) " + names
                    + ". Move them to another plan first (PUT /api/v1/workspaces/{ws}/plan).",
                    List.of(), Map.of("workspaces", users.subList(0, Math.min(users.size(), NAMES_IN_CONFLICT))));
        }
        call.session().plans().delete(plan.name());
        call.audit("plan.delete", "plan", plan.name(), Map.of("quota", QuotaView.auditForm(plan.quota())));
        return null;
    }

    private static Quota checkBody(Checks checks, String description, QuotaInput quota) {
        checks.that(description != null, "/description", "is required")
                .maxLength("/description", description, MAX_DESCRIPTION);
        if (quota == null) {
            checks.required("/quota", null);
            return null;
        }
        return quota.toQuota(checks, "/quota");
    }

    private static Plan find(Call call, String name) {
        if (!ResourceName.isValid(name)) {
            throw RoostException.notFound("Plan " + Json.abbreviate(name));
        }
        return call.session().plans().find(name).orElseThrow(() -> RoostException.notFound("Plan " + name));
    }

    private static PlanView view(Call call, Plan plan) {
        Long workspaces = call.principal().serverAdmin() ? call.session().plans().workspacesOn(plan.name()) : null;
        return new PlanView(plan.name(), plan.description(), call.session().plans().isBuiltIn(plan.name()),
                QuotaView.of(plan.quota()), workspaces);
    }

}
