package dev.roost.server.workspaces;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.identity.User;
import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.ResourceName;
import dev.roost.core.workspace.ResourceQuantity;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Principal;
import dev.roost.server.http.Reply;
import dev.roost.server.plans.QuotaInput;
import dev.roost.server.plans.QuotaView;
import dev.roost.store.Session;
import dev.roost.store.workspaces.WorkspaceRepository;
import dev.roost.store.workspaces.WorkspaceRepository.PurgeOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Workspaces (tenants): server admins create them, move them between plans and delete them
 * for good; members see theirs, with the effective quota and what their live instances use;
 * workspace ADMINs rename them and manage their environments.
 */
public final class WorkspaceRoutes {
    static final String DEFAULT_PLAN = "starter";
    private static final int MAX_DISPLAY_NAME = 200;
    private static final int MAX_ENVIRONMENTS = 20;

    public record CreateWorkspaceRequest(String name, String displayName, String plan, String owner,
            List<String> environments, QuotaInput quota) {
    }

    public record UpdateWorkspaceRequest(String displayName, List<String> environments) {
    }

    /** A new plan; {@code quota} replaces the plan's quota for this workspace, null (absent) removes an override. */
    public record PlanChangeRequest(String plan, QuotaInput quota) {
    }

    public record UsageView(long liveInstances, String cpu, long cpuMillis, String memory, long memoryBytes) {
        static UsageView of(WorkspaceRepository.Usage u) {
            return new UsageView(u.liveInstances(), ResourceQuantity.formatCpu(u.cpuMillis()), u.cpuMillis(),
                    ResourceQuantity.formatMemory(u.memoryBytes()), u.memoryBytes());
        }
    }

    /**
     * A workspace in a list. {@code role} is what the caller may do there (a server admin counts as
     * OWNER); {@code memberRole} is the membership they hold, absent when they are no member.
     */
    public record WorkspaceSummary(String name, String displayName, String plan, List<String> environments,
            Instant createdAt, Role role, Role memberRole) {
    }

    /**
     * One workspace: {@code quota} is the effective quota, from the plan or the workspace's own
     * override ({@code quotaSource}); {@code usage} is what its live instances take now.
     * {@code warnings} appear only on a plan change that leaves usage above the new quota.
     */
    public record WorkspaceDetail(String name, String displayName, String plan, List<String> environments,
            Instant createdAt, QuotaView quota, String quotaSource, QuotaView planQuota, UsageView usage, Role role,
            Role memberRole, List<String> warnings) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/api/v1/workspaces", Access.AUTHENTICATED,
                        "List the workspaces I can see (all of them for a server admin), with my role", this::list)
                        .returnsListOf(WorkspaceSummary.class),
                ApiRoute.post("/api/v1/workspaces", Access.SERVER_ADMIN, "Create a workspace with its first OWNER",
                        this::create).accepts(CreateWorkspaceRequest.class).returns(WorkspaceDetail.class),
                ApiRoute.get("/api/v1/workspaces/{ws}", Access.workspace(Role.VIEWER),
                        "Show a workspace: plan, effective quota, current usage, my role", this::show)
                        .returns(WorkspaceDetail.class),
                ApiRoute.patch("/api/v1/workspaces/{ws}", Access.workspace(Role.ADMIN),
                        "Change a workspace's display name or environments", this::update)
                        .accepts(UpdateWorkspaceRequest.class).returns(WorkspaceDetail.class),
                ApiRoute.put("/api/v1/workspaces/{ws}/plan", Access.SERVER_ADMIN,
                        "Move a workspace to a plan, with or without its own quota override", this::changePlan)
                        .accepts(PlanChangeRequest.class).returns(WorkspaceDetail.class),
                ApiRoute.delete("/api/v1/workspaces/{ws}", Access.SERVER_ADMIN,
                        "Delete a workspace for good (refused while it has live instances); the audit log keeps its history",
                        this::delete));
    }

    private Object list(Call call) {
        Principal p = call.principal();
        Session session = call.session();
        List<WorkspaceRepository.Visible> mine = p.userId() == null ? List.of() : session.workspaces().listForMember(p.userId());
        if (!p.serverAdmin()) {
            return mine.stream().map(v -> summary(v.workspace(), v.role(), v.role())).toList();
        }
        Map<String, Role> memberRoles = mine.stream()
                .collect(Collectors.toMap(v -> v.workspace().name(), WorkspaceRepository.Visible::role));
        return session.workspaces().list().stream()
                .map(w -> summary(w, Role.OWNER, memberRoles.get(w.name()))).toList();
    }

    private static WorkspaceSummary summary(Workspace w, Role role, Role memberRole) {
        return new WorkspaceSummary(w.name(), w.displayName(), w.plan(), w.environments(), w.createdAt(), role, memberRole);
    }

    private Object show(Call call) {
        return detail(call, call.session(), call.workspace(), call.role(), null);
    }

    private Object create(Call call) {
        CreateWorkspaceRequest request = call.body(CreateWorkspaceRequest.class);
        Session session = call.session();
        Checks checks = new Checks().name("/name", request.name(), "a workspace name")
                .maxLength("/displayName", request.displayName(), MAX_DISPLAY_NAME);
        String planName = request.plan() == null ? DEFAULT_PLAN : request.plan();
        Optional<Plan> plan = knownPlan(checks, session, planName);
        User owner = null;
        if (request.owner() == null || request.owner().isBlank()) {
            checks.required("/owner", null);
        } else {
            owner = session.users().findByUsername(request.owner()).orElse(null);
            checks.that(owner != null, "/owner", "names no user; create the user first (POST /api/v1/users)");
            checks.that(owner == null || !owner.disabled(), "/owner", "names a disabled user");
        }
        List<String> environments = request.environments() == null ? Workspace.DEFAULT_ENVIRONMENTS
                : checkEnvironments(checks, request.environments());
        Quota override = request.quota() == null ? null : request.quota().toQuota(checks, "/quota");
        checks.throwIfAny();

        String displayName = request.displayName() == null || request.displayName().isBlank() ? request.name()
                : request.displayName();
        Workspace workspace = session.workspaces().create(request.name(), displayName, plan.orElseThrow().name(), override,
                environments);
        session.memberships().put(workspace.id(), owner.id(), Role.OWNER);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("displayName", displayName);
        details.put("plan", workspace.plan());
        details.put("owner", owner.username());
        details.put("environments", environments);
        details.put("quotaOverride", QuotaView.auditForm(override));
        call.auditInWorkspace(workspace.name(), "workspace.create", "workspace", workspace.name(), details);
        return Reply.created(detail(call, session, workspace, Role.OWNER, null));
    }

    private Object update(Call call) {
        UpdateWorkspaceRequest request = call.body(UpdateWorkspaceRequest.class);
        Checks checks = new Checks().maxLength("/displayName", request.displayName(), MAX_DISPLAY_NAME)
                .that(request.displayName() == null || !request.displayName().isBlank(), "/displayName", "must not be blank");
        List<String> environments = request.environments() == null ? null : checkEnvironments(checks, request.environments());
        checks.throwIfAny();
        Session session = call.session();
        Workspace before = lock(session, call.workspace().name());
        String displayName = request.displayName() == null ? before.displayName() : request.displayName();
        List<String> envs = environments == null ? before.environments() : environments;

        Map<String, Object> details = new LinkedHashMap<>();
        if (!displayName.equals(before.displayName())) {
            details.put("displayName", Map.of("from", before.displayName(), "to", displayName));
        }
        if (!envs.equals(before.environments())) {
            Set<String> removed = new HashSet<>(before.environments());
            envs.forEach(removed::remove);
            List<String> stillUsed = session.workspaces().environmentsInUse(before.id()).stream()
                    .filter(removed::contains).toList();
            if (!stillUsed.isEmpty()) {
                throw new RoostException(ErrorCode.CONFLICT, "Environment(s) " + String.join(", ", stillUsed)
                        + " still have live instances. Move or delete those instances first.",
                        List.of(), Map.of("environments", stillUsed));
            }
            details.put("environments", Map.of("from", before.environments(), "to", envs));
        }
        if (details.isEmpty()) {
            return detail(call, session, before, call.role(), null);
        }
        session.workspaces().update(before.id(), displayName, before.plan(), before.quotaOverride(), envs);
        call.audit("workspace.update", "workspace", before.name(), details);
        return detail(call, session, session.workspaces().findById(before.id()).orElseThrow(), call.role(), null);
    }

    private Object changePlan(Call call) {
        PlanChangeRequest request = call.body(PlanChangeRequest.class);
        Session session = call.session();
        Workspace before = lock(session, call.path("ws"));
        Checks checks = new Checks();
        Optional<Plan> plan = request.plan() == null ? Optional.empty() : knownPlan(checks, session, request.plan());
        checks.required("/plan", request.plan());
        Quota override = request.quota() == null ? null : request.quota().toQuota(checks, "/quota");
        checks.throwIfAny();

        Plan target = plan.orElseThrow();
        if (target.name().equals(before.plan()) && java.util.Objects.equals(override, before.quotaOverride())) {
            return detail(call, session, before, Role.OWNER, null);
        }
        session.workspaces().update(before.id(), before.displayName(), target.name(), override, before.environments());
        Quota effective = override != null ? override : target.quota();
        List<String> warnings = overQuota(session.workspaces().usage(before.id()), effective);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("plan", Map.of("from", before.plan(), "to", target.name()));
        Map<String, Object> quotaChange = new LinkedHashMap<>();
        quotaChange.put("from", QuotaView.auditForm(before.quotaOverride()));
        quotaChange.put("to", QuotaView.auditForm(override));
        details.put("quotaOverride", quotaChange);
        if (!warnings.isEmpty()) {
            details.put("overQuota", warnings);
        }
        call.auditInWorkspace(before.name(), "workspace.plan-change", "workspace", before.name(), details);
        Workspace after = session.workspaces().findById(before.id()).orElseThrow();
        return detail(call, session, after, Role.OWNER, warnings.isEmpty() ? null : warnings);
    }

    private Object delete(Call call) {
        Session session = call.session();
        Workspace workspace = lock(session, call.path("ws"));
        PurgeOutcome outcome = session.workspaces().purge(workspace.id());
        return switch (outcome) {
            case PurgeOutcome.HasLiveInstances live -> throw new RoostException(ErrorCode.CONFLICT, "Workspace "
                    + workspace.name() + " still has " + live.liveInstances() + " live instance(s). Delete them first; "
                    + "a workspace is deleted only when nothing runs in it.",
                    List.of(), Map.of("liveInstances", live.liveInstances()));
            case PurgeOutcome.Missing missing -> throw RoostException.notFound("Workspace " + workspace.name());
            case PurgeOutcome.Purged purged -> {
                Map<String, Object> details = new LinkedHashMap<>();
                details.put("plan", workspace.plan());
                details.put("instancesPurged", purged.instances());
                details.put("manifestVersionsPurged", purged.manifestVersions());
                details.put("manifestTagsPurged", purged.manifestTags());
                details.put("membershipsRemoved", purged.memberships());
                details.put("secretsRemoved", purged.secrets());
                call.auditInWorkspace(workspace.name(), "workspace.delete", "workspace", workspace.name(), details);
                yield null;
            }
        };
    }

    /** The workspace row, locked until the transaction ends; 404 when there is none. */
    private static Workspace lock(Session session, String name) {
        if (!ResourceName.isValid(name)) {
            throw RoostException.notFound("Workspace " + Json.abbreviate(name));
        }
        return session.workspaces().findByNameForUpdate(name).orElseThrow(() -> RoostException.notFound("Workspace " + name));
    }

    private static Optional<Plan> knownPlan(Checks checks, Session session, String name) {
        if (!ResourceName.isValid(name)) {
            checks.that(false, "/plan", "names no plan; see GET /api/v1/plans");
            return Optional.empty();
        }
        Optional<Plan> plan = session.plans().find(name);
        checks.that(plan.isPresent(), "/plan", "names no plan; see GET /api/v1/plans");
        return plan;
    }

    private static List<String> checkEnvironments(Checks checks, List<String> environments) {
        checks.that(!environments.isEmpty(), "/environments", "must name at least one environment")
                .that(environments.size() <= MAX_ENVIRONMENTS, "/environments", "must name at most " + MAX_ENVIRONMENTS);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < environments.size(); i++) {
            String env = environments.get(i);
            checks.name("/environments/" + i, env, "an environment name");
            checks.that(env == null || seen.add(env), "/environments/" + i, "is listed twice");
        }
        return environments.contains(null) ? List.of() : List.copyOf(environments); // with a null, checks has failed
    }

    private static List<String> overQuota(WorkspaceRepository.Usage usage, Quota quota) {
        List<String> warnings = new ArrayList<>();
        if (usage.liveInstances() > quota.maxInstances()) {
            warnings.add("The workspace has " + usage.liveInstances() + " live instances; the new quota allows "
                    + quota.maxInstances() + ". Running instances keep running; new ones are refused.");
        }
        if (usage.cpuMillis() > quota.maxCpuMillisTotal()) {
            warnings.add("Live instances use " + ResourceQuantity.describeCpu(usage.cpuMillis()) + "; the new quota allows "
                    + ResourceQuantity.describeCpu(quota.maxCpuMillisTotal()) + " in total.");
        }
        if (usage.memoryBytes() > quota.maxMemoryBytesTotal()) {
            warnings.add("Live instances use " + ResourceQuantity.formatMemory(usage.memoryBytes())
                    + " of memory; the new quota allows " + ResourceQuantity.formatMemory(quota.maxMemoryBytesTotal())
                    + " in total.");
        }
        return warnings;
    }

    private static WorkspaceDetail detail(Call call, Session session, Workspace w, Role role, List<String> warnings) {
        Plan plan = session.plans().find(w.plan()).orElseThrow();
        Role memberRole = call.principal().userId() == null ? null
                : session.memberships().roleOf(w.id(), call.principal().userId()).orElse(null);
        return new WorkspaceDetail(w.name(), w.displayName(), w.plan(), w.environments(), w.createdAt(),
                QuotaView.of(w.effectiveQuota(plan)), w.quotaOverride() != null ? "override" : "plan",
                QuotaView.of(plan.quota()), UsageView.of(session.workspaces().usage(w.id())), role, memberRole, warnings);
    }

}
