package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.workspace.Role;
import dev.roost.server.audit.AuditRoutes.AuditEntry;
import dev.roost.server.audit.AuditRoutes.AuditPage;
import dev.roost.server.gateway.GatewayAdminRoutes.KeyView;
import dev.roost.server.gateway.GatewayAdminRoutes.UsageReport;
import dev.roost.server.gateway.GatewayAdminRoutes.UsageRow;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Page;
import dev.roost.server.http.Reply;
import dev.roost.server.instances.InstanceRoutes.ApplyResponse;
import dev.roost.server.instances.InstanceRoutes.InstanceDetail;
import dev.roost.server.instances.InstanceRoutes.VersionDetail;
import dev.roost.server.instances.InstanceRoutes.VersionView;
import dev.roost.server.instances.InstanceSummary;
import dev.roost.server.instances.InstanceView;
import dev.roost.server.reconcile.DeploymentRoutes.EventPage;
import dev.roost.server.reconcile.DeploymentRoutes.EventView;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Console pages for instances: the live list with search and filters, the detail page
 * (overview, versions, deployment events, audit), the side-by-side diff, the manifest editor,
 * actions with confirmation, and live logs. Reads and changes go through the API's own route
 * handlers ({@link Console#call}), so the rules, checks, masking and audit are the API's.
 */
final class InstancePages {
    static final String API = "/api/v1/workspaces/{ws}/instances";
    private static final String WS = "/console/w/{ws}";
    private static final Set<String> ACTIONS = Set.of("start", "stop", "restart");
    /** Rows per page of the list: keeps a page light with thousands of instances. */
    static final int PAGE_SIZE = 100;
    /** Versions the instance page lists before "show all". */
    static final int VERSIONS_SHOWN = 20;
    static final List<String> STATUSES = List.of("RUNNING", "DEGRADED", "STOPPED", "DOWN", "CREATING", "DELETING");
    private static final Map<String, String> NOTICES = Map.of(
            "created", "Instance created. The reconciler starts it now; its status updates here by itself.",
            "saved", "Manifest saved as a new version.",
            "unchanged", "The manifest is the same as the current version; nothing was stored.",
            "rolledback", "Rolled back: the earlier version is now current again, as a new version.",
            "start", "Start requested.",
            "stop", "Stop requested.",
            "restart", "Restart requested.");

    private final Console console;

    InstancePages(Console console) {
        this.console = requireNonNull(console, "console is null");
    }

    List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        Access operator = Access.workspace(Role.OPERATOR);
        Access admin = Access.workspace(Role.ADMIN);
        String one = WS + "/instances/{name}";
        return List.of(
                ApiRoute.get(WS, viewer, "Console: a workspace (goes to its instances)", c -> Console.redirect(Console.base(c) + "/instances")),
                ApiRoute.get(WS + "/instances", viewer, "Console: instances with search and filters", this::list),
                ApiRoute.get(WS + "/instances-table", viewer, "Console: the instances table (refreshed live)", this::table),
                ApiRoute.get(one, viewer, "Console: an instance", this::detail),
                ApiRoute.get(one + "/events-timeline", viewer, "Console: deployment events of an instance (refreshed live)",
                        this::eventsFragment),
                ApiRoute.get(one + "/diff", viewer, "Console: two versions side by side", this::diff),
                ApiRoute.get(one + "/gateway-use", viewer, "Console: an instance's gateway keys and usage (loaded after the page)",
                        this::gatewayFragment),
                ApiRoute.get(one + "/edit", operator, "Console: the manifest editor", this::editForm),
                ApiRoute.post(one + "/edit", operator, "Console: save an edited manifest as a new version", this::save),
                ApiRoute.post(one + "/actions/{action}", operator, "Console: start, stop or restart", this::action),
                ApiRoute.post(one + "/rollback", operator, "Console: roll back to a version", this::rollback),
                ApiRoute.post(one + "/delete", admin, "Console: delete an instance", this::delete),
                ApiRoute.get(one + "/logs", operator, "Console: live logs", this::logs),
                ApiRoute.get(one + "/logs/stream", operator, "Console: live logs as server-sent events (secret values masked)",
                        this::logStream));
    }

    // ---- list ----------------------------------------------------------------------------

    private Object list(Call call) throws Exception {
        Filter filter = Filter.of(call);
        Html body = Html.of("""
                <div class="title-row"><h1>Instances</h1>{}</div>
                <form class="filters" method="get" action="{}/instances" role="search">
                <label for="q">Search</label>
                <input id="q" name="q" type="search" value="{}" placeholder="name, image or label">
                <label for="environment">Environment</label>
                <select id="environment" name="environment"><option value="">all</option>{}</select>
                <label for="status">Status</label>
                <select id="status" name="status"><option value="">all</option>{}</select>
                <button type="submit" class="secondary">Filter</button>
                </form>
                {}""",
                console.may(call, "POST " + API) ? Html.of("<a class=\"button\" href=\"{}/new\">New instance</a>", Html.raw(Console.base(call)))
                        : Html.EMPTY,
                Html.raw(Console.base(call)), filter.q(),
                Html.each(call.workspace().environments(), e -> option(e, e.equals(filter.environment()))),
                Html.each(STATUSES, s -> option(s, s.equals(filter.status()))),
                table(call, filter));
        return console.page(call, "instances", "Instances", body);
    }

    private Object table(Call call) throws Exception {
        return Console.fragment(table(call, Filter.of(call)));
    }

    private static Html option(String value, boolean selected) {
        return Html.of("<option value=\"{}\"{}>{}</option>", value, Html.raw(selected ? " selected" : ""), value);
    }

    record Filter(String q, String environment, String status, int page) {
        static Filter of(Call call) {
            String q = call.query("q").orElse("").trim();
            String environment = call.query("environment").orElse("");
            String status = call.query("status").orElse("").toUpperCase(Locale.ROOT);
            int page = call.query("page").filter(v -> v.matches("[1-9][0-9]{0,5}")).map(Integer::parseInt).orElse(1);
            return new Filter(q.length() > 200 ? q.substring(0, 200) : q, environment, STATUSES.contains(status) ? status : "", page);
        }

        String query() {
            return query(page);
        }

        String query(int onPage) {
            return "q=" + Html.url(q) + "&environment=" + Html.url(environment) + "&status=" + Html.url(status) + "&page=" + onPage;
        }

    }

    /**
     * The table, wrapped in the element that polls for its own refresh every few seconds. The
     * search, the counts and the page are answered by SQL (no instance row beyond the page leaves
     * the database), under the same rule as the API's list: a member of the workspace.
     */
    private Html table(Call call, Filter filter) throws Exception {
        var instances = call.session().instances();
        var search = new dev.roost.store.instances.InstanceRepository.Search(filter.environment(), filter.status(), filter.q());
        int page = filter.page();
        var found = instances.search(call.workspace().id(), search, (page - 1) * PAGE_SIZE, PAGE_SIZE);
        var counts = found.count();
        int pages = (int) Math.max(1, (counts.matching() + PAGE_SIZE - 1) / PAGE_SIZE);
        if (page > pages) { // past the end (instances went away, or a hand-made address): the last page
            page = pages;
            found = instances.search(call.workspace().id(), search, (page - 1) * PAGE_SIZE, PAGE_SIZE);
            counts = found.count();
        }
        List<InstanceSummary> shown = found.items().stream().map(f -> InstanceSummary.of(f.instance())).toList();
        Map<String, Instant> observed = new HashMap<>();
        found.items().stream().filter(f -> f.observedAt() != null).forEach(f -> observed.put(f.instance().name(), f.observedAt()));
        long total = counts.total();
        long matchingCount = counts.matching();
        String base = Console.base(call);
        Html content;
        if (total == 0) {
            content = console.may(call, "POST " + API)
                    ? Html.of("""
                            <div class="empty"><h2>No instances yet</h2>
                            <p>An instance is an agent Roost keeps running. Start with a template: pick one, give it a name and
                            its secrets, check the manifest, and Roost runs it.</p>
                            <p><a class="button" href="{}/new">Create your first instance</a></p></div>""", Html.raw(base))
                    : Html.raw("""
                            <div class="empty"><h2>No instances yet</h2>
                            <p>Nothing runs in this workspace yet. An operator or admin of the workspace can create the first
                            instance; you will see it here.</p></div>""");
        } else if (shown.isEmpty()) {
            content = Html.of("<div class=\"empty\"><p>No instance matches these filters.</p><p><a href=\"{}/instances\">Show all {} instances</a></p></div>",
                    Html.raw(base), total);
        } else {
            content = Html.of("""
                    <div class="table-wrap"><table class="instances">
                    <caption class="visually-hidden">Instances, {} shown of {} matching</caption>
                    <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Environment</th>
                    <th scope="col">Labels</th><th scope="col">Image</th><th scope="col">Version</th><th scope="col">Last reconcile</th></tr></thead>
                    <tbody>{}</tbody></table></div>
                    <p class="hint">{} of {} instances{} · updated {}</p>{}""", shown.size(), matchingCount,
                    Html.each(shown, i -> Html.of("""
                            <tr><td><a href="{}/instances/{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>
                            <td>{}</td><td>{}</td></tr>""", Html.raw(base), Html.url(i.name()), i.name(), Pages.pill(i.status()),
                            i.environment(), labels(i.labels()), i.image(), i.version(), Pages.time(observed.get(i.name())))),
                    matchingCount, total, pages == 1 ? "" : " · page " + page + " of " + pages + ", rows " + ((page - 1) * PAGE_SIZE + 1)
                            + " to " + ((page - 1) * PAGE_SIZE + shown.size()), Pages.time(call.now()),
                    pages == 1 ? Html.EMPTY : Html.of("<nav class=\"pager\" aria-label=\"Pages\">{}{}</nav>",
                            page > 1 ? Html.of("<a href=\"{}/instances?{}\">Previous page</a> ", Html.raw(base), filter.query(page - 1))
                                    : Html.EMPTY,
                            page < pages ? Html.of("<a href=\"{}/instances?{}\">Next page</a>", Html.raw(base), filter.query(page + 1))
                                    : Html.EMPTY));
        }
        return Html.of("<div id=\"instances\" hx-get=\"{}/instances-table?{}\" hx-trigger=\"every 3s\" hx-swap=\"outerHTML\">{}</div>",
                Html.raw(base), filter.query(), content);
    }

    private static Html labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return Html.raw("<span class=\"muted\">—</span>");
        }
        return Html.each(new java.util.TreeMap<>(labels).entrySet(), e -> Html.of("<span class=\"label\">{}={}</span> ", e.getKey(),
                e.getValue()));
    }

    // ---- detail ---------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private Object detail(Call call) throws Exception {
        String name = call.path("name");
        Map<String, String> path = Map.of("name", name);
        InstanceDetail detail = (InstanceDetail) console.call(call, "GET " + API + "/{name}", path, Map.of(), null);
        InstanceView i = detail.instance();
        List<VersionView> versions = (List<VersionView>) console.call(call, "GET " + API + "/{name}/versions", path, Map.of(), null);
        String base = Console.base(call) + "/instances/" + Html.url(i.name());
        String csrf = ConsoleFront.csrfToken(call.context());
        Html notice = call.query("notice").map(NOTICES::get).map(n -> Html.of("<p class=\"notice\" role=\"status\">{}</p>", n))
                .orElse(Html.EMPTY);

        List<Html> actions = new ArrayList<>();
        if (console.may(call, "POST " + API + "/{name}/actions/{action}")) {
            actions.add(Html.of("<a class=\"button secondary\" href=\"{}/edit\">Edit manifest</a>", Html.raw(base)));
            actions.add(Html.of("<a class=\"button secondary\" href=\"{}/logs\">Live logs</a>", Html.raw(base)));
            boolean stopped = "STOPPED".equals(i.desiredState());
            if (stopped) {
                actions.add(confirm(base + "/actions/start", csrf, "Start", "Start " + i.name() + "? The reconciler starts its containers.",
                        "Start " + i.name(), false));
            } else {
                actions.add(confirm(base + "/actions/restart", csrf, "Restart",
                        "Restart " + i.name() + "? Its containers are replaced one by one.", "Restart " + i.name(), false));
                actions.add(confirm(base + "/actions/stop", csrf, "Stop",
                        "Stop " + i.name() + "? Its containers stop until someone starts it again.", "Stop " + i.name(), true));
            }
        }
        if (console.may(call, "DELETE " + API + "/{name}")) {
            actions.add(confirm(base + "/delete", csrf, "Delete", "Delete " + i.name()
                    + " for good? Its containers and volumes are removed; its versions stay in the audit log.", "Delete " + i.name(), true));
        }
        boolean mayRollBack = console.may(call, "POST " + API + "/{name}/rollback");

        Html overview = Html.of("""
                <dl class="facts">
                <dt>Status</dt><dd>{} <span class="reason">{}</span></dd>
                <dt>Requested state</dt><dd>{}</dd>
                <dt>Image</dt><dd><code>{}</code></dd>
                <dt>Environment</dt><dd>{}</dd>
                <dt>Labels</dt><dd>{}</dd>
                <dt>Version</dt><dd>{}{}</dd>
                <dt>Resources</dt><dd>{} CPU · {} memory · {} replica(s)</dd>
                <dt>Template</dt><dd>{}</dd>
                <dt>Created</dt><dd>{} by {}</dd>
                <dt>Last change</dt><dd>{}</dd>
                </dl>""", Pages.pill(i.status()), i.statusReason(), i.desiredState(), i.image(), i.environment(), labels(i.labels()),
                i.version(), i.lastHealthyVersion() == null ? "" : " (last healthy: " + i.lastHealthyVersion() + ")",
                i.cpu(), i.memory(), i.replicas(), i.template() == null ? "—" : i.template(), Pages.time(i.createdAt()),
                i.createdBy(), Pages.time(i.updatedAt()));
        Html rollout = i.rollout() == null ? Html.EMPTY : Html.of("<p class=\"{}\">Rollout of version {} since {}{}</p>",
                i.rollout().failure() == null ? "notice" : "error", i.rollout().version(), Pages.time(i.rollout().startedAt()),
                i.rollout().failure() == null ? "" : ": " + i.rollout().failure());

        // The newest versions first; a long history is cut to keep the page light, with a link to all of it.
        boolean allVersions = call.query("versions").filter("all"::equals).isPresent();
        List<VersionView> newestFirst = versions.reversed();
        List<VersionView> shownVersions = allVersions ? newestFirst : newestFirst.subList(0, Math.min(VERSIONS_SHOWN, newestFirst.size()));
        Html moreVersions = shownVersions.size() == versions.size() ? Html.EMPTY
                : Html.of("<p class=\"hint\">The newest {} of {} versions. <a href=\"{}?versions=all#versions\">Show all {} versions</a></p>",
                        shownVersions.size(), versions.size(), Html.raw(base), versions.size());
        Html versionRows = Html.each(shownVersions, v -> Html.of("""
                <tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="row-actions">{}{}</td></tr>""",
                v.version(), v.current() ? Html.raw(" <span class=\"label\">current</span>") : Html.EMPTY,
                Pages.time(v.createdAt()), v.createdBy(), v.source(),
                Html.each(v.tags(), t -> Html.of("<span class=\"label\">{}</span> ", t)),
                v.current() ? Html.EMPTY : Html.of("<a href=\"{}/diff?from={}&amp;to={}\">Compare with current</a> ", Html.raw(base),
                        v.version(), i.version()),
                !mayRollBack || v.current() ? Html.EMPTY : confirmWith(base + "/rollback", csrf, "Roll back",
                        "Make version " + v.version() + " current again? It is stored as a new version.",
                        "Roll back to version " + v.version(), false, Html.of("<input type=\"hidden\" name=\"to\" value=\"{}\">",
                                v.version()))));
        Html body = Html.of("""
                <p class="crumbs"><a href="{}/instances">Instances</a> /</p>
                <div class="title-row"><h1>{} {}</h1></div>
                {}
                <div class="actions">{}</div>
                {}
                <section aria-labelledby="overview"><h2 id="overview">Overview</h2>
                <div id="overview-live" hx-get="{}" hx-trigger="every 5s" hx-select="#overview-live" hx-swap="outerHTML">{}</div></section>
                <section aria-labelledby="gateway-use"><h2 id="gateway-use">Model gateway</h2>{}</section>
                <section aria-labelledby="versions"><h2 id="versions">Manifest versions</h2>
                <div class="table-wrap"><table><thead><tr><th scope="col">Version</th><th scope="col">Created</th><th scope="col">By</th>
                <th scope="col">Source</th><th scope="col">Tags</th><th scope="col">Actions</th></tr></thead><tbody>{}</tbody></table></div>
                {}</section>
                <section aria-labelledby="events"><h2 id="events">Deployment events</h2>{}</section>
                <section aria-labelledby="audit"><h2 id="audit">Audit timeline</h2>{}</section>
                <section aria-labelledby="manifest"><h2 id="manifest">Current manifest</h2><pre class="code">{}</pre></section>""",
                Html.raw(Console.base(call)), i.name(), Pages.pill(i.status()), notice,
                Html.each(actions, a -> a), rollout, Html.raw(base), overview,
                Html.of("""
                        <div id="instance-gateway" hx-get="{}/gateway-use" hx-trigger="load" hx-swap="outerHTML">
                        <p class="muted"><a href="{}/gateway-use">Show its gateway keys and usage</a></p></div>""", Html.raw(base), Html.raw(base)),
                versionRows, moreVersions, events(call, i.name()),
                audit(call, i.name()),
                ManifestFormats.toYaml(detail.manifest()));
        return console.page(call, "instances", i.name(), body);
    }

    /**
     * The instance's gateway keys (name and prefix only, never the key) and its metered use over
     * the last 30 days, as far as the gateway API knows them; without them, a line that says so.
     */
    private Object gatewayFragment(Call call) throws Exception {
        InstanceDetail detail = (InstanceDetail) console.call(call, "GET " + API + "/{name}", Map.of("name", call.path("name")), Map.of(), null);
        return Console.fragment(gateway(call, detail.instance().name()));
    }

    @SuppressWarnings("unchecked")
    private Html gateway(Call call, String name) throws Exception {
        String keysRoute = "GET /api/v1/workspaces/{ws}/keys";
        String usageRoute = "GET /api/v1/workspaces/{ws}/usage";
        if (!console.may(call, keysRoute) || !console.may(call, usageRoute)) {
            return Html.raw("<p class=\"muted\">The model gateway is not available on this server.</p>");
        }
        List<KeyView> keys = ((List<KeyView>) console.call(call, keysRoute, Map.of(), Map.of(), null)).stream()
                .filter(k -> name.equals(k.instance())).toList();
        Instant to = call.now().plusSeconds(1);
        UsageReport usage = (UsageReport) console.call(call, usageRoute, Map.of(), Map.of("groupBy", "instance",
                "from", to.minus(java.time.Duration.ofDays(30)).toString(), "to", to.toString()), null);
        UsageRow row = usage.rows().stream().filter(r -> name.equals(r.group().get("instance"))).findFirst().orElse(null);
        String gatewayPages = Console.base(call) + "/gateway";
        Html keyList = keys.isEmpty()
                ? Html.of("<dd>none: this instance has no key of its own{}</dd>", console.may(call, "POST /api/v1/workspaces/{ws}/keys")
                        ? Html.of(" (<a href=\"{}/keys\">create one for it</a>)", Html.raw(gatewayPages)) : Html.EMPTY)
                : Html.of("<dd>{}</dd>", Html.each(keys, k -> Html.of("<span class=\"label\">{} <code>{}…</code> {}</span> ", k.name(),
                        k.prefix(), k.revokedAt() != null ? "revoked" : k.active() ? "active" : "expired")));
        Html used = row == null ? Html.raw("<dd>no requests in the last 30 days</dd>")
                : Html.of("<dd>{} requests, {} input and {} output tokens, {} USD{} (<a href=\"{}/usage\">all usage</a>)</dd>",
                        UsageChart.group(row.requests()), UsageChart.group(row.inputTokens()), UsageChart.group(row.outputTokens()),
                        row.costUsd(), row.errors() == 0 ? "" : ", " + row.errors() + " errors", Html.raw(gatewayPages));
        return Html.of("<dl class=\"facts\" id=\"instance-gateway\"><dt>Key</dt>{}<dt>Use, last 30 days</dt>{}</dl>", keyList, used);
    }

    private Object eventsFragment(Call call) throws Exception {
        return Console.fragment(events(call, call.path("name")));
    }

    private Html events(Call call, String name) throws Exception {
        EventPage page = (EventPage) console.call(call, "GET " + API + "/{name}/events", Map.of("name", name), Map.of("limit", "30"), null);
        Html list = page.items().isEmpty()
                ? Html.raw("<p class=\"muted\">No deployment events yet: the reconciler records one for each step it takes.</p>")
                : Html.of("<ol class=\"timeline\">{}</ol>", Html.each(page.items(), (EventView e) -> Html.of(
                        "<li><time>{}</time> <span class=\"kind\">{}</span>{} {}{}</li>", Pages.time(e.at()), e.kind(),
                        e.version() == null ? "" : " v" + e.version(), e.message(),
                        e.actor() == null ? Html.EMPTY : Html.of(" <span class=\"muted\">({})</span>", e.actor()))));
        return Html.of("<div id=\"events-timeline\" hx-get=\"{}/instances/{}/events-timeline\" hx-trigger=\"every 5s\" hx-swap=\"outerHTML\">{}</div>",
                Html.raw(Console.base(call)), Html.url(name), list);
    }

    private Html audit(Call call, String name) throws Exception {
        AuditPage page = (AuditPage) console.call(call, "GET /api/v1/workspaces/{ws}/audit", Map.of(),
                Map.of("resourceType", "instance", "resourceId", name, "limit", "30"), null);
        if (page.items().isEmpty()) {
            return Html.raw("<p class=\"muted\">No audit entries for this instance.</p>");
        }
        return Html.of("<ol class=\"timeline\">{}</ol>", Html.each(page.items(), (AuditEntry e) -> Html.of(
                "<li><time>{}</time> <span class=\"kind\">{}</span> by {}{}</li>", Pages.time(e.at()), e.action(), e.actor(),
                e.warnings().isEmpty() ? Html.EMPTY : Html.of(" <span class=\"warning\">{}</span>", String.join("; ", e.warnings())))));
    }

    static Html confirm(String action, String csrf, String label, String question, String button, boolean danger) {
        return confirmWith(action, csrf, label, question, button, danger, Html.EMPTY);
    }

    /** A button that first opens a confirmation (a disclosure: no script needed, works by keyboard). */
    static Html confirmWith(String action, String csrf, String label, String question, String button, boolean danger, Html fields) {
        return Html.of("""
                <details class="confirm"><summary class="button {}">{}</summary>
                <form method="post" action="{}"><input type="hidden" name="csrf" value="{}">{}
                <p>{}</p><button type="submit" class="{}">{}</button></form></details>""",
                danger ? "danger" : "secondary", label, action, csrf, fields, question, danger ? "danger" : "", button);
    }

    // ---- diff -------------------------------------------------------------------------------

    private Object diff(Call call) throws Exception {
        String name = call.path("name");
        InstanceDetail detail = (InstanceDetail) console.call(call, "GET " + API + "/{name}", Map.of("name", name), Map.of(), null);
        int current = detail.instance().version();
        String to = call.query("to").orElse(Integer.toString(current));
        String from = call.query("from").orElse(Integer.toString(Math.max(1, current - 1)));
        VersionDetail left = (VersionDetail) console.call(call, "GET " + API + "/{name}/versions/{version}",
                Map.of("name", name, "version", from), Map.of(), null);
        VersionDetail right = (VersionDetail) console.call(call, "GET " + API + "/{name}/versions/{version}",
                Map.of("name", name, "version", to), Map.of(), null);
        List<SideBySide.Row> rows = SideBySide.of(ManifestFormats.toYaml(left.manifest()), ManifestFormats.toYaml(right.manifest()));
        long changed = rows.stream().filter(r -> r.kind() != SideBySide.Kind.SAME).count();
        String base = Console.base(call) + "/instances/" + Html.url(name);
        Html table = Html.each(rows, r -> Html.of("<tr class=\"{}\"><td class=\"n\">{}</td><td class=\"l\">{}</td><td class=\"n\">{}</td><td class=\"r\">{}</td></tr>",
                r.kind().name().toLowerCase(Locale.ROOT), r.leftNumber() == 0 ? "" : r.leftNumber(), r.left() == null ? "" : r.left(),
                r.rightNumber() == 0 ? "" : r.rightNumber(), r.right() == null ? "" : r.right()));
        Html body = Html.of("""
                <p class="crumbs"><a href="{}/instances">Instances</a> / <a href="{}">{}</a> /</p>
                <h1>Version {} and version {}</h1>
                <form class="filters" method="get" action="{}/diff">
                <label for="from">From version</label><input id="from" name="from" value="{}" size="6">
                <label for="to">To version</label><input id="to" name="to" value="{}" size="6">
                <button type="submit" class="secondary">Compare</button></form>
                <p class="hint">{} line(s) differ. Removed lines are marked − on the left, added lines + on the right.</p>
                <div class="table-wrap"><table class="diff"><thead><tr><th scope="col" colspan="2">Version {} ({})</th>
                <th scope="col" colspan="2">Version {} ({})</th></tr></thead><tbody>{}</tbody></table></div>""",
                Html.raw(Console.base(call)), Html.raw(base), name, left.version().version(), right.version().version(), Html.raw(base),
                from, to, changed, left.version().version(), left.version().source(), right.version().version(),
                right.version().source(), table);
        return console.page(call, "instances", name + ": diff", body);
    }

    // ---- edit -------------------------------------------------------------------------------

    private Object editForm(Call call) throws Exception {
        String name = call.path("name");
        InstanceDetail detail = (InstanceDetail) console.call(call, "GET " + API + "/{name}", Map.of("name", name), Map.of(), null);
        return editPage(call, 200, name, detail.instance().version(), ManifestFormats.toYaml(detail.manifest()), null);
    }

    private Reply editPage(Call call, int status, String name, int version, String yaml, RoostException error) {
        String base = Console.base(call) + "/instances/" + Html.url(name);
        Html errors = Html.EMPTY;
        if (error != null) {
            errors = Html.of("<div class=\"error\" role=\"alert\" id=\"manifest-errors\"><p><strong>{}</strong> (<code>{}</code>)</p>{}</div>",
                    error.getMessage(), error.code().name(), error.fieldErrors().isEmpty() ? Html.EMPTY : Html.of("<ul>{}</ul>",
                            Html.each(error.fieldErrors(), (FieldError f) -> Html.of("<li><code>{}</code>{} {}</li>", f.pointer(),
                                    lineOf(yaml, f.pointer()).map(n -> Html.of(" (line {})", n)).orElse(Html.EMPTY), f.message()))));
        }
        Html body = Html.of("""
                <p class="crumbs"><a href="{}/instances">Instances</a> / <a href="{}">{}</a> /</p>
                <h1>Edit manifest of {}</h1>
                <p class="hint">Saving stores a new version ({} is current); old versions never change. The manifest is checked
                against the schema and the policy rules first; nothing is stored if a check fails.</p>
                {}
                <form method="post" action="{}/edit" class="stack">
                <input type="hidden" name="csrf" value="{}">
                <label for="manifest">Manifest (YAML)</label>
                <textarea id="manifest" name="manifest" rows="28" spellcheck="false" {}>{}</textarea>
                <div class="actions"><button type="submit">Save as new version</button> <a class="button secondary" href="{}">Cancel</a></div>
                </form>""", Html.raw(Console.base(call)), Html.raw(base), name, name, version, errors, Html.raw(base),
                ConsoleFront.csrfToken(call.context()),
                Html.raw(error == null ? "" : "aria-invalid=\"true\" aria-describedby=\"manifest-errors\""), yaml, Html.raw(base));
        return console.page(call, status, "instances", "Edit " + name, body);
    }

    /** The line of a simple YAML document where the field at a JSON pointer is written, when it can be found. */
    static java.util.Optional<Integer> lineOf(String yaml, String pointer) {
        if (pointer == null || !pointer.startsWith("/") || pointer.length() < 2) {
            return java.util.Optional.empty();
        }
        String[] keys = pointer.substring(1).split("/");
        String[] lines = yaml.split("\n", -1);
        int from = 0;
        int indent = -1;
        int found = -1;
        for (String key : keys) {
            String k = key.replace("~1", "/").replace("~0", "~");
            found = -1;
            for (int n = from; n < lines.length; n++) {
                String line = lines[n];
                String trimmed = line.stripLeading();
                int lineIndent = line.length() - trimmed.length();
                if (!trimmed.isEmpty() && lineIndent <= indent && n > from) {
                    break;
                }
                if (lineIndent > indent && (trimmed.startsWith(k + ":") || trimmed.startsWith("\"" + k + "\":"))) {
                    found = n;
                    indent = lineIndent;
                    from = n + 1;
                    break;
                }
            }
            if (found < 0) {
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.of(found + 1);
    }

    private Object save(Call call) throws Exception {
        String name = call.path("name");
        String yaml = Console.form(call, "manifest");
        Console.Attempt<Object> saved = Console.attempt(call, () -> console.callWithBody(call, "PUT " + API + "/{name}",
                Map.of("name", name), Map.of(), yaml.getBytes(StandardCharsets.UTF_8), "application/yaml"));
        if (!saved.ok()) {
            int current = call.session().instances().find(call.workspace().id(), name).map(i -> i.currentVersion()).orElse(0);
            return editPage(call, saved.error().code().httpStatus(), name, current, yaml, saved.error());
        }
        ApplyResponse response = (ApplyResponse) ((Reply) saved.value()).body();
        String notice = "UNCHANGED".equals(response.outcome()) ? "unchanged" : "saved";
        return Console.redirect(Console.base(call) + "/instances/" + Html.url(response.instance().name()) + "?notice=" + notice);
    }

    // ---- actions ----------------------------------------------------------------------------

    private Object action(Call call) throws Exception {
        String name = call.path("name");
        String action = call.path("action");
        if (!ACTIONS.contains(action)) {
            throw RoostException.notFound("Action " + dev.roost.server.http.Json.abbreviate(action));
        }
        console.call(call, "POST " + API + "/{name}/actions/{action}", Map.of("name", name, "action", action), Map.of(), null);
        return Console.redirect(Console.base(call) + "/instances/" + Html.url(name) + "?notice=" + action);
    }

    private Object rollback(Call call) throws Exception {
        String name = call.path("name");
        Map<String, String> request = new LinkedHashMap<>();
        request.put("to", Console.form(call, "to"));
        Object answer = console.call(call, "POST " + API + "/{name}/rollback", Map.of("name", name), Map.of(), request);
        ApplyResponse response = (ApplyResponse) (answer instanceof Reply r ? r.body() : answer);
        return Console.redirect(Console.base(call) + "/instances/" + Html.url(response.instance().name()) + "?notice=rolledback");
    }

    private Object delete(Call call) throws Exception {
        console.call(call, "DELETE " + API + "/{name}", Map.of("name", call.path("name")), Map.of(), null);
        return Console.redirect(Console.base(call) + "/instances");
    }

    // ---- logs -------------------------------------------------------------------------------

    private Object logs(Call call) throws Exception {
        String name = call.path("name");
        InstanceDetail detail = (InstanceDetail) console.call(call, "GET " + API + "/{name}", Map.of("name", name), Map.of(), null);
        String base = Console.base(call) + "/instances/" + Html.url(name);
        Html body = Html.of("""
                <p class="crumbs"><a href="{}/instances">Instances</a> / <a href="{}">{}</a> /</p>
                <div class="title-row"><h1>Logs of {}</h1> {}</div>
                <p class="hint">The last 200 lines, then new lines as they come. Secret values the instance uses are masked.</p>
                <p id="log-state" class="muted" role="status">Connecting…</p>
                <pre id="log" class="log" data-stream="{}/logs/stream" tabindex="0" aria-label="Log lines" aria-live="polite"></pre>""",
                Html.raw(Console.base(call)), Html.raw(base), name, name, Pages.pill(detail.instance().status()), Html.raw(base));
        return console.page(call, "instances", name + ": logs", body);
    }

    private Object logStream(Call call) throws Exception {
        return console.call(call, "GET " + API + "/{name}/logs", Map.of("name", call.path("name")),
                Map.of("follow", "true", "tail", "200"), null);
    }

    static Set<String> statuses() {
        return STATUSES.stream().collect(Collectors.toUnmodifiableSet());
    }
}
