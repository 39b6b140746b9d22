package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.workspace.Role;
import dev.roost.server.audit.AuditRoutes.AuditEntry;
import dev.roost.server.audit.AuditRoutes.AuditPage;
import dev.roost.server.audit.AuditRoutes.AuditVerification;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.plans.QuotaView;
import dev.roost.server.secrets.SecretRoutes.SecretView;
import dev.roost.server.workspaces.MemberRoutes.MemberView;
import dev.roost.server.workspaces.WorkspaceRoutes.WorkspaceDetail;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The workspace's audit log (filters, chain status) and its settings (members, plan and quota, secret names). */
final class WorkspacePages {
    private static final String WS = "/console/w/{ws}";
    private static final List<String> FILTERS = List.of("actor", "action", "resourceType", "resourceId", "before");

    private final Console console;

    WorkspacePages(Console console) {
        this.console = requireNonNull(console, "console is null");
    }

    List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        return List.of(
                ApiRoute.get(WS + "/audit", viewer, "Console: the workspace's audit log with filters", this::audit),
                ApiRoute.get(WS + "/settings", viewer, "Console: members and roles, plan and quota usage, secret names",
                        this::settings),
                ApiRoute.post(WS + "/members", Access.workspace(Role.ADMIN), "Console: add a member or change a member's role",
                        this::putMember),
                ApiRoute.post(WS + "/members/{username}/remove", Access.workspace(Role.ADMIN), "Console: remove a member",
                        this::removeMember),
                ApiRoute.post(WS + "/secrets", Access.workspace(Role.OPERATOR),
                        "Console: create or replace a secret (the value is written, never shown)", this::putSecret),
                ApiRoute.post(WS + "/secrets/{name}/delete", Access.workspace(Role.ADMIN), "Console: delete a secret", this::deleteSecret));
    }

    private Object putMember(Call call) throws Exception {
        String username = Console.form(call, "username").trim();
        String role = Console.form(call, "role");
        if (username.isEmpty() || java.util.Arrays.stream(Role.values()).noneMatch(r -> r.name().equals(role))) {
            return settingsPage(call, 400, null, "Give a username and one of the roles " + java.util.Arrays.toString(Role.values()) + ".");
        }
        Console.Attempt<Object> put = Console.attempt(call, () -> console.call(call, "PUT /api/v1/workspaces/{ws}/members/{username}",
                Map.of("username", username), Map.of(), Map.of("role", role)));
        if (!put.ok()) {
            return settingsPage(call, put.error().code().httpStatus(), null, put.error().getMessage());
        }
        return Console.redirect(Console.base(call) + "/settings?notice=member");
    }

    private Object removeMember(Call call) throws Exception {
        String username = call.path("username");
        Console.Attempt<Object> removed = Console.attempt(call, () -> console.call(call,
                "DELETE /api/v1/workspaces/{ws}/members/{username}", Map.of("username", username), Map.of(), null));
        if (!removed.ok()) {
            return settingsPage(call, removed.error().code().httpStatus(), null, removed.error().getMessage());
        }
        return Console.redirect(Console.base(call) + "/settings?notice=removed");
    }

    private Object putSecret(Call call) throws Exception {
        String name = Console.form(call, "name").trim();
        String value = Console.form(call, "value");
        if (name.isEmpty() || value.isEmpty()) {
            return settingsPage(call, 400, null, "Give the secret a name and a value (the value is stored encrypted and never shown again).");
        }
        Console.Attempt<Object> put = Console.attempt(call, () -> console.call(call, "PUT /api/v1/workspaces/{ws}/secrets/{name}",
                Map.of("name", name), Map.of(), Map.of("value", value)));
        if (!put.ok()) {
            // The value is not put back into the page.
            return settingsPage(call, put.error().code().httpStatus(), null, put.error().getMessage());
        }
        Object answer = put.value();
        var response = (dev.roost.server.secrets.SecretRoutes.PutResponse) (answer instanceof dev.roost.server.http.Reply r ? r.body() : answer);
        return Console.redirect(Console.base(call) + "/settings?notice=secret-" + response.outcome().toLowerCase(java.util.Locale.ROOT)
                + "#secrets");
    }

    private Object deleteSecret(Call call) throws Exception {
        Console.Attempt<Object> deleted = Console.attempt(call, () -> console.call(call, "DELETE /api/v1/workspaces/{ws}/secrets/{name}",
                Map.of("name", call.path("name")), Map.of(), null));
        if (!deleted.ok()) {
            return settingsPage(call, deleted.error().code().httpStatus(), null, deleted.error().getMessage());
        }
        return Console.redirect(Console.base(call) + "/settings?notice=secret-deleted#secrets");
    }

    private Object audit(Call call) throws Exception {
        Map<String, String> query = new LinkedHashMap<>();
        for (String name : FILTERS) {
            call.query(name).map(String::trim).filter(v -> !v.isEmpty()).ifPresent(v -> query.put(name, v));
        }
        query.put("limit", "50");
        AuditPage page = (AuditPage) console.call(call, "GET /api/v1/workspaces/{ws}/audit", Map.of(), query, null);
        Html chain;
        if (console.may(call, "GET /api/v1/audit/verify")) {
            AuditVerification v = (AuditVerification) console.call(call, "GET /api/v1/audit/verify", Map.of(), Map.of(), null);
            chain = v.intact()
                    ? Html.of("<p class=\"notice\" id=\"chain\"><span class=\"pill pill-running\">INTACT</span> The hash chain of the whole audit log checks out: {} entries, newest #{}.</p>",
                            v.entriesChecked(), v.headSeq())
                    : Html.of("<p class=\"error\" id=\"chain\" role=\"alert\"><span class=\"pill pill-down\">BROKEN</span> The audit log's hash chain breaks at entry #{}: {}. Entries may have been changed or removed.</p>",
                            v.firstBrokenSeq(), v.reason());
        } else {
            chain = Html.raw("<p class=\"muted\" id=\"chain\">Checking the hash chain reads the whole server's log, so only a server admin"
                    + " can run it (<code>roost audit verify</code>).</p>");
        }
        Html rows = page.items().isEmpty() ? Html.raw("<p class=\"empty\">No audit entries match. Every change in this workspace is recorded here.</p>")
                : Html.of("""
                        <div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Actor</th>
                        <th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Details</th></tr></thead><tbody>{}</tbody></table></div>""",
                        Html.each(page.items(), (AuditEntry e) -> Html.of(
                                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{} {}</td><td><code class=\"details\">{}</code>{}</td></tr>",
                                e.seq(), Pages.time(e.at()), e.actor(), e.action(), e.resourceType(), e.resourceId(),
                                dev.roost.server.http.Json.encodeToString(e.details()),
                                e.warnings().isEmpty() ? Html.EMPTY : Html.of("<div class=\"warning\">{}</div>", String.join("; ", e.warnings())))));
        String base = Console.base(call);
        Html more = page.next() == null ? Html.EMPTY : Html.of("<p><a href=\"{}/audit?{}before={}\">Older entries</a></p>", Html.raw(base),
                Html.raw(filterQuery(query)), page.next());
        Html body = Html.of("""
                <h1>Audit log</h1>
                {}
                <form class="filters" method="get" action="{}/audit" role="search">
                <label for="actor">Actor</label><input id="actor" name="actor" value="{}">
                <label for="action">Action starts with</label><input id="action" name="action" value="{}" placeholder="instance.">
                <label for="resourceType">Resource type</label><input id="resourceType" name="resourceType" value="{}" placeholder="instance">
                <label for="resourceId">Resource</label><input id="resourceId" name="resourceId" value="{}">
                <button type="submit" class="secondary">Filter</button></form>
                {}{}""", chain, Html.raw(base), query.getOrDefault("actor", ""), query.getOrDefault("action", ""),
                query.getOrDefault("resourceType", ""), query.getOrDefault("resourceId", ""), rows, more);
        return console.page(call, "audit", "Audit log", body);
    }

    private static String filterQuery(Map<String, String> query) {
        StringBuilder out = new StringBuilder();
        query.forEach((k, v) -> {
            if (!k.equals("before") && !k.equals("limit")) {
                out.append(k).append('=').append(Html.url(v)).append("&amp;");
            }
        });
        return out.toString();
    }

    private Object settings(Call call) throws Exception {
        String notice = switch (call.query("notice").orElse("")) {
            case "member" -> "Member saved.";
            case "removed" -> "Member removed.";
            case "secret-created" -> "Secret stored.";
            case "secret-updated" -> "Secret replaced: instances that use it get the new value when they next start.";
            case "secret-unchanged" -> "The secret already had that value; nothing changed.";
            case "secret-deleted" -> "Secret deleted.";
            default -> null;
        };
        return settingsPage(call, 200, notice, null);
    }

    @SuppressWarnings("unchecked")
    private dev.roost.server.http.Reply settingsPage(Call call, int status, String notice, String error) throws Exception {
        WorkspaceDetail ws = (WorkspaceDetail) console.call(call, "GET /api/v1/workspaces/{ws}", Map.of(), Map.of(), null);
        List<MemberView> members = (List<MemberView>) console.call(call, "GET /api/v1/workspaces/{ws}/members", Map.of(), Map.of(), null);
        List<SecretView> secrets = (List<SecretView>) console.call(call, "GET /api/v1/workspaces/{ws}/secrets", Map.of(), Map.of(), null);
        QuotaView q = ws.quota();
        Html bars = Html.join(
                bar("Instances", ws.usage().liveInstances(), q.maxInstances(), ws.usage().liveInstances() + " of " + q.maxInstances()),
                bar("CPU", ws.usage().cpuMillis(), q.maxCpuMillisTotal(), ws.usage().cpu() + " of " + q.maxCpuTotal()),
                bar("Memory", ws.usage().memoryBytes(), q.maxMemoryBytesTotal(), ws.usage().memory() + " of " + q.maxMemoryTotal()));
        boolean manage = console.may(call, "PUT /api/v1/workspaces/{ws}/members/{username}");
        String csrf = ConsoleFront.csrfToken(call.context());
        String base = Console.base(call);
        Html memberRows = Html.each(members, m -> Html.of("<tr><td>{}</td><td>{}</td><td>{}</td>{}</tr>", m.username(), m.role().name(),
                Pages.time(m.since()), !manage ? Html.EMPTY : Html.of("<td class=\"row-actions\">{}{}</td>",
                        InstancePages.confirmWith(base + "/members", csrf, "Change role", "New role for " + m.username() + ":",
                                "Change role of " + m.username(), false, Html.of("<input type=\"hidden\" name=\"username\" value=\"{}\">"
                                        + "<label for=\"role-{}\">Role</label> <select id=\"role-{}\" name=\"role\">{}</select>", m.username(),
                                        m.username(), m.username(), roleOptions(m.role()))),
                        InstancePages.confirm(base + "/members/" + Html.url(m.username()) + "/remove", csrf, "Remove",
                                "Remove " + m.username() + " from this workspace?", "Remove " + m.username(), true))));
        Html addMember = !manage ? Html.EMPTY : Html.of("""
                <form method="post" action="{}/members" class="filters">
                <input type="hidden" name="csrf" value="{}">
                <label for="new-member">Add a user</label><input id="new-member" name="username" required>
                <label for="new-role">as</label><select id="new-role" name="role">{}</select>
                <button type="submit" class="secondary">Add member</button></form>""", Html.raw(base), csrf, roleOptions(Role.VIEWER));
        boolean writeSecrets = console.may(call, "PUT /api/v1/workspaces/{ws}/secrets/{name}");
        boolean deleteSecrets = console.may(call, "DELETE /api/v1/workspaces/{ws}/secrets/{name}");
        Html secretRows = secrets.isEmpty()
                ? Html.raw("<p class=\"empty\">No secrets yet. The create wizard stores the ones a template needs; add one below, or run <code>roost secret set NAME</code>.</p>")
                : Html.of("""
                        <div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Updated</th>
                        <th scope="col">Used by</th>{}</tr></thead><tbody>{}</tbody></table></div>""",
                        writeSecrets || deleteSecrets ? Html.raw("<th scope=\"col\">Actions</th>") : Html.EMPTY,
                        Html.each(secrets, s -> Html.of("<tr><td><code>{}</code></td><td>{}</td><td>{} by {}</td><td>{}</td>{}</tr>", s.name(),
                                s.version(), Pages.time(s.updatedAt()), s.updatedBy(), s.usedBy().isEmpty() ? "—" : String.join(", ", s.usedBy()),
                                !(writeSecrets || deleteSecrets) ? Html.EMPTY : Html.of("<td class=\"row-actions\">{}{}</td>",
                                        !writeSecrets ? Html.EMPTY : InstancePages.confirmWith(base + "/secrets", csrf, "Replace",
                                                "New value for " + s.name() + " (instances using it get it when they next start):",
                                                "Replace " + s.name(), false, Html.of("<input type=\"hidden\" name=\"name\" value=\"{}\">"
                                                        + "<label for=\"value-{}\">Value</label> <input id=\"value-{}\" name=\"value\" type=\"password\" "
                                                        + "autocomplete=\"new-password\" required>", s.name(), s.name(), s.name())),
                                        !deleteSecrets || !s.usedBy().isEmpty() ? Html.EMPTY : InstancePages.confirm(base + "/secrets/"
                                                + Html.url(s.name()) + "/delete", csrf, "Delete", "Delete secret " + s.name()
                                                + " for good? Its value cannot be recovered.", "Delete " + s.name(), true)))));
        Html addSecret = !writeSecrets ? Html.EMPTY : Html.of("""
                <form method="post" action="{}/secrets" class="filters" autocomplete="off">
                <input type="hidden" name="csrf" value="{}">
                <label for="new-secret">Secret name</label><input id="new-secret" name="name" required placeholder="openai-api-key">
                <label for="new-secret-value">Value</label><input id="new-secret-value" name="value" type="password" autocomplete="new-password" required>
                <button type="submit" class="secondary">Store secret</button></form>""", Html.raw(base), csrf);
        Html body = Html.of("""
                <h1>Settings of {}</h1>
                {}{}
                <section aria-labelledby="plan"><h2 id="plan">Plan and quota</h2>
                <p>Plan <strong>{}</strong> (quota from {}). Environments: {}.</p>
                <div class="bars">{}</div>
                <p class="hint">Per instance at most {} CPU and {} memory.</p></section>
                <section aria-labelledby="members"><h2 id="members">Members and roles</h2>
                <div class="table-wrap"><table><thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Since</th>{}</tr></thead>
                <tbody>{}</tbody></table></div>{}
                <p class="hint">Viewers read; operators create, change, start and stop instances; admins also delete and manage members;
                owners also manage admins.</p></section>
                <section aria-labelledby="secrets"><h2 id="secrets">Secrets</h2><p class="hint">Names and metadata only: values are written, never shown.</p>{}{}</section>""",
                ws.displayName(), notice == null ? Html.EMPTY : Html.of("<p class=\"notice\" role=\"status\">{}</p>", notice),
                error == null ? Html.EMPTY : Html.of("<p class=\"error\" role=\"alert\">{}</p>", error),
                ws.plan(), ws.quotaSource(), String.join(", ", ws.environments()), bars,
                q.maxCpuPerInstance(), q.maxMemoryPerInstance(),
                manage ? Html.raw("<th scope=\"col\">Actions</th>") : Html.EMPTY, memberRows, addMember, secretRows, addSecret);
        return console.page(call, status, "settings", "Settings", body);
    }

    private static Html roleOptions(Role selected) {
        return Html.each(List.of(Role.values()), r -> Html.of("<option value=\"{}\"{}>{}</option>", r.name(),
                Html.raw(r == selected ? " selected" : ""), r.name()));
    }

    private static Html bar(String label, long used, long max, String text) {
        long percent = max <= 0 ? 0 : Math.min(100, Math.round(100.0 * used / max));
        String level = percent >= 90 ? "high" : percent >= 70 ? "mid" : "low";
        return Html.of("""
                <div class="bar"><span class="bar-label">{}</span>
                <meter min="0" max="{}" value="{}" class="meter-{}" aria-label="{} used">{}</meter>
                <span class="bar-text">{} ({}%)</span></div>""", label, Math.max(max, 1), Math.min(used, Math.max(max, 1)), level, label,
                text, text, percent);
    }
}
