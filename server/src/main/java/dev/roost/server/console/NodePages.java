package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Workspace;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Reply;
import dev.roost.server.nodes.JoinTokenRoutes.CreatedJoinToken;
import dev.roost.server.nodes.JoinTokenRoutes.JoinTokenView;
import dev.roost.server.nodes.NodeDocuments.Capabilities;
import dev.roost.server.nodes.NodeDocuments.DrainAnswer;
import dev.roost.server.nodes.NodeDocuments.Load;
import dev.roost.server.nodes.NodeDocuments.NodeView;
import dev.roost.store.jobs.Job;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Console pages for worker nodes, for server admins (nodes serve every workspace): the list with
 * state and scheduling, a node's capabilities, load, config and the tasks it runs now, cordon,
 * uncordon and drain with confirmation, and join tokens (a new one is shown once). Changes go
 * through the node API's handlers.
 */
final class NodePages {
    private static final String NODES = "/console/nodes";
    private static final Set<String> ACTIONS = Set.of("cordon", "uncordon", "drain");
    private static final Map<String, String> NOTICES = Map.of(
            "cordon", "Node cordoned: it takes no new work; what it runs goes on.",
            "uncordon", "Node uncordoned: it takes work again.",
            "drain", "Node draining: it takes no new work.",
            "revoked", "Join token revoked.");

    private final Console console;

    NodePages(Console console) {
        this.console = requireNonNull(console, "console is null");
    }

    List<ApiRoute> routes() {
        Access admin = Access.SERVER_ADMIN;
        return List.of(
                ApiRoute.get(NODES, admin, "Console: worker nodes and join tokens", this::list),
                ApiRoute.get(NODES + "/{id}", admin, "Console: a worker node", this::detail),
                ApiRoute.post(NODES + "/{id}/actions/{action}", admin, "Console: cordon, uncordon or drain a node", this::action),
                ApiRoute.post(NODES + "/tokens", admin, "Console: create a node join token (shown once)", this::createToken),
                ApiRoute.post(NODES + "/tokens/{id}/revoke", admin, "Console: revoke a node join token", this::revokeToken));
    }

    private Object list(Call call) throws Exception {
        return listPage(call, 200, null, null);
    }

    @SuppressWarnings("unchecked")
    private Reply listPage(Call call, int status, CreatedJoinToken created, RoostException error) throws Exception {
        List<NodeView> nodes = (List<NodeView>) console.call(call, "GET /api/v1/nodes", Map.of(), Map.of(), null);
        List<JoinTokenView> tokens = (List<JoinTokenView>) console.call(call, "GET /api/v1/nodes/tokens", Map.of(), Map.of(), null);
        String csrf = ConsoleFront.csrfToken(call.context());
        Html notice = call.query("notice").map(NOTICES::get).map(n -> Html.of("<p class=\"notice\" role=\"status\">{}</p>", n))
                .orElse(Html.EMPTY);
        Html nodeList = nodes.isEmpty()
                ? Html.raw("""
                        <div class="empty"><h2>No nodes yet</h2>
                        <p>A node is a worker machine that runs tasks in its sandbox. <code>roost up</code> starts one on this machine;
                        to add another, create a join token below and run on that machine:</p>
                        <pre class="code">roost node join --server URL --token TOKEN</pre></div>""")
                : Html.of("""
                        <div class="table-wrap"><table class="nodes">
                        <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Scheduling</th><th scope="col">CPUs</th>
                        <th scope="col">Memory</th><th scope="col">Sandboxes</th><th scope="col">Running</th><th scope="col">Load</th>
                        <th scope="col">Last heartbeat</th></tr></thead><tbody>{}</tbody></table></div>""",
                        Html.each(nodes, n -> Html.of("""
                                <tr><td><a href="{}/{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>
                                <td>{}</td></tr>""", Html.raw(NODES), n.id().toString(), n.name(), Pages.pill(n.state().name()),
                                Pages.pill(n.scheduling().name()), cpus(n.capabilities()), memory(n.capabilities()),
                                sandboxes(n.capabilities()), running(n.load()), loadAverage(n.load()), Pages.time(n.lastHeartbeatAt()))));
        Html shownOnce = created == null ? Html.EMPTY : Html.of("""
                <div class="secret-once" role="status" id="created-token">
                <p><strong>Join token created.</strong> Copy it now: it is shown this once and cannot be shown again.</p>
                <p><code class="once" id="join-token-value" tabindex="0">{}</code></p>
                <p class="hint">On the worker machine: <code>roost node join --server {} --token {}</code> · expires {}{}</p></div>""",
                created.token(), serverUrl(call), created.token(), Pages.time(created.expiresAt()),
                created.maxUses() == null ? "" : " · " + created.maxUses() + " join(s)");
        Html errors = error == null ? Html.EMPTY : Html.of("<p class=\"error\" role=\"alert\">{}{}</p>", error.getMessage(),
                Html.each(error.fieldErrors(), f -> Html.of(" <code>{}</code> {}", f.pointer(), f.message())));
        Html tokenRows = tokens.isEmpty() ? Html.raw("<p class=\"muted\">No join tokens yet.</p>") : Html.of("""
                <div class="table-wrap"><table><thead><tr><th scope="col">Token</th><th scope="col">State</th><th scope="col">Created</th>
                <th scope="col">Expires</th><th scope="col">Joins</th><th scope="col">Actions</th></tr></thead><tbody>{}</tbody></table></div>""",
                Html.each(tokens, t -> Html.of("<tr><td><code>{}…</code></td><td>{}</td><td>{} by {}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                        t.prefix(), Pages.pill(t.revokedAt() != null ? "REVOKED" : t.active() ? "ACTIVE" : "EXPIRED"),
                        Pages.time(t.createdAt()), t.createdBy(), Pages.time(t.expiresAt()), t.uses(),
                        t.maxUses() == null ? "" : " of " + t.maxUses(),
                        !t.active() ? Html.EMPTY : InstancePages.confirm(NODES + "/tokens/" + t.id() + "/revoke", csrf, "Revoke",
                                "Revoke join token " + t.prefix() + "…? Nodes that joined with it stay; no new node can join with it.",
                                "Revoke " + t.prefix(), true))));
        Html body = Html.of("""
                <h1>Nodes</h1>
                {}{}
                <section aria-labelledby="node-list"><h2 id="node-list">Worker nodes</h2>{}</section>
                <section aria-labelledby="join-tokens"><h2 id="join-tokens">Join tokens</h2>
                {}
                <form method="post" action="{}/tokens" class="filters">
                <input type="hidden" name="csrf" value="{}">
                <label for="ttl">Valid for</label><input id="ttl" name="ttl" value="1h" size="6">
                <label for="uses">Joins</label><input id="uses" name="uses" inputmode="numeric" placeholder="any" size="6">
                <button type="submit">Create join token</button></form>
                <p class="hint">A join token lets a machine join as a node once it runs <code>roost node join</code>; it is stored only as
                a hash and shown once.</p>
                {}</section>""", notice, errors, nodeList, shownOnce, Html.raw(NODES), csrf, tokenRows);
        return console.page(call, status, "nodes", "Nodes", body);
    }

    private static String serverUrl(Call call) {
        return call.context().scheme() + "://" + call.context().host();
    }

    private static String cpus(Capabilities c) {
        return c == null || c.cpus() == null ? "—" : c.cpus().toString();
    }

    private static String memory(Capabilities c) {
        return c == null || c.memoryBytes() == null ? "—" : bytes(c.memoryBytes());
    }

    private static String sandboxes(Capabilities c) {
        if (c == null || c.sandboxes() == null || c.sandboxes().isEmpty()) {
            return "none";
        }
        return String.join(", ", c.sandboxes().stream().map(s -> s.kind() + (s.version() == null ? "" : " " + s.version())).toList());
    }

    private static String running(Load l) {
        return l == null || l.runningJobs() == null ? "—" : l.runningJobs().toString();
    }

    private static String loadAverage(Load l) {
        return l == null || l.loadAverage() == null ? "—" : String.format(Locale.ROOT, "%.2f", l.loadAverage());
    }

    static String bytes(long value) {
        if (value >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", value / (double) (1L << 30));
        }
        if (value >= 1L << 20) {
            return String.format(Locale.ROOT, "%.0f MiB", value / (double) (1L << 20));
        }
        return value + " bytes";
    }

    private Object detail(Call call) throws Exception {
        NodeView n = (NodeView) console.call(call, "GET /api/v1/nodes/{id}", Map.of("id", call.path("id")), Map.of(), null);
        String self = NODES + "/" + n.id();
        String csrf = ConsoleFront.csrfToken(call.context());
        String counts = "";
        if ("drain".equals(call.query("notice").orElse(""))) {
            String running = call.query("running").filter(v -> v.matches("[0-9]{1,6}")).orElse(null);
            String handedBack = call.query("handedBack").filter(v -> v.matches("[0-9]{1,6}")).orElse(null);
            if (running != null && handedBack != null) {
                counts = " Handed back now: " + handedBack + " task(s); still running there: " + running + ".";
            }
        }
        String drainCounts = counts;
        Html notice = call.query("notice").map(NOTICES::get).map(t -> Html.of("<p class=\"notice\" role=\"status\">{}{}</p>", t,
                drainCounts)).orElse(Html.EMPTY);
        List<Html> actions = new ArrayList<>();
        switch (n.scheduling()) {
            case SCHEDULABLE -> {
                actions.add(InstancePages.confirm(self + "/actions/cordon", csrf, "Cordon", "Cordon " + n.name()
                        + "? It takes no new work; what it runs now goes on.", "Cordon " + n.name(), false));
                actions.add(drain(self, csrf, n.name()));
            }
            case CORDONED -> {
                actions.add(InstancePages.confirm(self + "/actions/uncordon", csrf, "Uncordon", "Let " + n.name() + " take work again?",
                        "Uncordon " + n.name(), false));
                actions.add(drain(self, csrf, n.name()));
            }
            case DRAINING -> actions.add(InstancePages.confirm(self + "/actions/uncordon", csrf, "Uncordon",
                    "Stop draining " + n.name() + " and let it take work again?", "Uncordon " + n.name(), false));
        }
        Capabilities c = n.capabilities();
        Load l = n.load();
        Map<String, String> labels = c == null || c.labels() == null ? Map.of() : c.labels();
        Html facts = Html.of("""
                <dl class="facts">
                <dt>State</dt><dd>{} since {}</dd>
                <dt>Scheduling</dt><dd>{}</dd>
                <dt>Joined</dt><dd>{}</dd>
                <dt>Last heartbeat</dt><dd>{}</dd>
                <dt>Config</dt><dd>version {} (the node applied {}){}</dd>
                </dl>""", Pages.pill(n.state().name()), Pages.time(n.stateChangedAt()), Pages.pill(n.scheduling().name()),
                Pages.time(n.joinedAt()), Pages.time(n.lastHeartbeatAt()), n.configVersion(), n.appliedConfigVersion(),
                n.config() == null || n.config().concurrency() == null ? "" : "; at most " + n.config().concurrency() + " jobs at once");
        Html capabilities = Html.of("""
                <dl class="facts">
                <dt>CPUs</dt><dd>{}</dd>
                <dt>Memory</dt><dd>{}</dd>
                <dt>Disk</dt><dd>{}</dd>
                <dt>System</dt><dd>{} {}</dd>
                <dt>Sandboxes</dt><dd>{}</dd>
                <dt>Docker</dt><dd>{}</dd>
                <dt>GPUs</dt><dd>{}</dd>
                <dt>Labels</dt><dd>{}</dd>
                <dt>Load (1 min)</dt><dd>{}</dd>
                <dt>Free memory</dt><dd>{}</dd>
                <dt>Free disk</dt><dd>{}</dd>
                </dl>""", cpus(c), memory(c), c == null || c.diskBytes() == null ? "—" : bytes(c.diskBytes()),
                c == null || c.os() == null ? "—" : c.os(), c == null || c.arch() == null ? "" : c.arch(), sandboxes(c),
                c == null || c.docker() == null ? "—" : c.docker() ? "yes" : "no",
                c == null || c.gpus() == null || c.gpus().isEmpty() ? "none" : String.join(", ", c.gpus().stream()
                        .map(g -> (g.vendor() == null ? "" : g.vendor() + " ") + (g.model() == null ? "" : g.model())).toList()),
                labels.isEmpty() ? Html.raw("<span class=\"muted\">—</span>") : Html.each(new java.util.TreeMap<>(labels).entrySet(),
                        e -> Html.of("<span class=\"label\">{}={}</span> ", e.getKey(), e.getValue())),
                loadAverage(l), l == null || l.freeMemoryBytes() == null ? "—" : bytes(l.freeMemoryBytes()),
                l == null || l.freeDiskBytes() == null ? "—" : bytes(l.freeDiskBytes()));
        Html body = Html.of("""
                <p class="crumbs"><a href="{}">Nodes</a> /</p>
                <div class="title-row"><h1>{} {}</h1></div>
                {}
                <div class="actions">{}</div>
                <section aria-labelledby="node-state"><h2 id="node-state">State</h2>{}</section>
                <section aria-labelledby="node-running"><h2 id="node-running">Running tasks</h2>{}</section>
                <section aria-labelledby="node-capabilities"><h2 id="node-capabilities">Capabilities and load</h2>{}</section>""",
                Html.raw(NODES), n.name(), Pages.pill(n.state().name()), notice, Html.each(actions, a -> a), facts,
                runningTasks(call, n.id()), capabilities);
        return console.page(call, "nodes", n.name(), body);
    }

    /** Drain, with the choice to hand back what the node runs at once (re-queued; the attempt does not count). */
    private static Html drain(String self, String csrf, String name) {
        return InstancePages.confirmWith(self + "/actions/drain", csrf, "Drain", "Drain " + name
                        + "? It takes no new work; the tasks it runs finish there unless they are handed back now.", "Drain " + name, true,
                Html.raw("<label class=\"choice\"><input type=\"checkbox\" name=\"requeue\" value=\"true\"> Hand back its running "
                        + "tasks now: they are queued again at once for other nodes</label>"));
    }

    /** What the node holds a lease on now, in every workspace (a server admin sees them all). */
    private Html runningTasks(Call call, UUID nodeId) {
        List<Job> jobs = call.session().jobs().listLeasedBy(nodeId.toString(), 100);
        if (jobs.isEmpty()) {
            return Html.raw("<p class=\"muted\">Nothing runs on this node now.</p>");
        }
        Map<UUID, String> names = new HashMap<>();
        for (Job job : jobs) {
            names.computeIfAbsent(job.workspaceId(), id -> call.session().workspaces().findById(id).map(Workspace::name).orElse("?"));
        }
        return Html.of("""
                <div class="table-wrap"><table><thead><tr><th scope="col">Task</th><th scope="col">Workspace</th><th scope="col">Kind</th>
                <th scope="col">Attempt</th><th scope="col">Started</th><th scope="col">Lease until</th></tr></thead><tbody>{}</tbody></table></div>""",
                Html.each(jobs, j -> Html.of("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        "task".equals(j.kind()) ? Html.of("<a href=\"/console/w/{}/tasks/{}\"><code>{}</code></a>",
                                Html.url(names.get(j.workspaceId())), j.id().toString(), TaskPages.shortId(j.id()))
                                : Html.of("<code>{}</code>", TaskPages.shortId(j.id())),
                        names.get(j.workspaceId()), j.kind(), j.attempts(), Pages.time(j.startedAt()), Pages.time(j.leaseExpiresAt()))));
    }

    private Object action(Call call) throws Exception {
        String action = call.path("action");
        if (!ACTIONS.contains(action)) {
            throw RoostException.notFound("Action " + dev.roost.server.http.Json.abbreviate(action));
        }
        boolean requeue = "drain".equals(action) && "true".equals(Console.form(call, "requeue"));
        Object answer = console.call(call, "POST /api/v1/nodes/{id}/" + action, Map.of("id", call.path("id")), Map.of(),
                requeue ? Map.of("requeue", true) : null);
        if (answer instanceof Reply r) {
            answer = r.body();
        }
        if (answer instanceof DrainAnswer drained) {
            return Console.redirect(NODES + "/" + drained.node().id() + "?notice=drain&running=" + drained.running() + "&handedBack="
                    + drained.handedBack());
        }
        return Console.redirect(NODES + "/" + ((NodeView) answer).id() + "?notice=" + action);
    }

    private Object createToken(Call call) throws Exception {
        Map<String, Object> request = new LinkedHashMap<>();
        String ttl = Console.form(call, "ttl").trim();
        String uses = Console.form(call, "uses").trim();
        if (!ttl.isEmpty()) {
            request.put("ttl", ttl);
        }
        if (!uses.isEmpty()) {
            try {
                request.put("uses", Integer.parseInt(uses));
            } catch (NumberFormatException e) {
                return listPage(call, 400, null, RoostException.invalid("/uses", "Joins must be a whole number, or empty for any."));
            }
        }
        Console.Attempt<Object> made = Console.attempt(call, () -> console.call(call, "POST /api/v1/nodes/tokens", Map.of(), Map.of(),
                request));
        if (!made.ok()) {
            return listPage(call, made.error().code().httpStatus(), null, made.error());
        }
        Object answer = made.value();
        CreatedJoinToken token = (CreatedJoinToken) (answer instanceof Reply r ? r.body() : answer);
        // The token is in this answer only: no redirect, and the page is never cached (Cache-Control: no-store).
        return listPage(call, 201, token, null);
    }

    private Object revokeToken(Call call) throws Exception {
        console.call(call, "DELETE /api/v1/nodes/tokens/{id}", Map.of("id", call.path("id")), Map.of(), null);
        return Console.redirect(NODES + "?notice=revoked");
    }
}
