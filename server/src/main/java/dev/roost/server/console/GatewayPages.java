package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Role;
import dev.roost.server.gateway.GatewayAdminRoutes.AliasView;
import dev.roost.server.gateway.GatewayAdminRoutes.CreatedKey;
import dev.roost.server.gateway.GatewayAdminRoutes.KeyView;
import dev.roost.server.gateway.GatewayAdminRoutes.ProviderView;
import dev.roost.server.gateway.GatewayAdminRoutes.UsageReport;
import dev.roost.server.gateway.GatewayAdminRoutes.UsageRow;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Reply;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Console pages for the model gateway of a workspace: virtual keys (a new key is shown once;
 * revoking asks first), providers (a provider's API key is typed once and goes straight into
 * the secret store, the provider holds only a reference to it), model aliases, and usage over
 * time by model and by key as charts drawn on the server. All through the gateway API's handlers.
 */
final class GatewayPages {
    private static final String API = "/api/v1/workspaces/{ws}";
    private static final String WS = "/console/w/{ws}";
    private static final List<String> KINDS = Arrays.stream(dev.roost.gateway.ProviderKind.values()).map(dev.roost.gateway.ProviderKind::wireName).toList();
    private static final List<Integer> PERIODS = List.of(7, 30, 90);
    private static final Map<String, String> NOTICES = Map.of(
            "revoked", "Key revoked: the gateway refuses it from now on.",
            "provider", "Provider added. Point a model alias at it to use it.",
            "provider-removed", "Provider removed.",
            "alias", "Model alias saved.",
            "alias-removed", "Model alias removed.");

    private final Console console;

    GatewayPages(Console console) {
        this.console = requireNonNull(console, "console is null");
    }

    List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        Access admin = Access.workspace(Role.ADMIN);
        String g = WS + "/gateway";
        return List.of(
                ApiRoute.get(g, viewer, "Console: the model gateway (goes to its keys)", c -> Console.redirect(Console.base(c) + "/gateway/keys")),
                ApiRoute.get(g + "/keys", viewer, "Console: the gateway's virtual keys", this::keys),
                ApiRoute.post(g + "/keys", admin, "Console: create a virtual key (shown once)", this::createKey),
                ApiRoute.post(g + "/keys/{id}/revoke", admin, "Console: revoke a virtual key", this::revokeKey),
                ApiRoute.get(g + "/providers", viewer, "Console: the gateway's providers and model aliases", this::providers),
                ApiRoute.post(g + "/providers", admin, "Console: add a provider (its key goes into the secret store)", this::addProvider),
                ApiRoute.post(g + "/providers/{name}/remove", admin, "Console: remove a provider", this::removeProvider),
                ApiRoute.post(g + "/models", admin, "Console: create or change a model alias", this::putAlias),
                ApiRoute.post(g + "/models/{alias}/remove", admin, "Console: remove a model alias", this::removeAlias),
                ApiRoute.get(g + "/usage", viewer, "Console: gateway usage over time by model and by key", this::usage));
    }

    private static Html tabs(Call call, String current) {
        String base = Console.base(call) + "/gateway";
        return Html.of("<nav class=\"tabs\" aria-label=\"Gateway\">{}{}{}</nav>",
                tab(base + "/keys", "Virtual keys", current.equals("keys")),
                tab(base + "/providers", "Providers and models", current.equals("providers")),
                tab(base + "/usage", "Usage", current.equals("usage")));
    }

    private static Html tab(String href, String label, boolean current) {
        return Html.of("<a href=\"{}\"{}>{}</a>", href, Html.raw(current ? " aria-current=\"page\"" : ""), label);
    }

    private static Html notice(Call call) {
        return call.query("notice").map(NOTICES::get).map(n -> Html.of("<p class=\"notice\" role=\"status\">{}</p>", n)).orElse(Html.EMPTY);
    }

    private static Html error(RoostException error) {
        if (error == null) {
            return Html.EMPTY;
        }
        return Html.of("<div class=\"error\" role=\"alert\" id=\"form-errors\"><p><strong>{}</strong> (<code>{}</code>)</p>{}</div>",
                error.getMessage(), error.code().name(), error.fieldErrors().isEmpty() ? Html.EMPTY : Html.of("<ul>{}</ul>",
                        Html.each(error.fieldErrors(), (FieldError f) -> Html.of("<li><code>{}</code> {}</li>", f.pointer(), f.message()))));
    }

    private static <T> T body(Object answer, Class<T> type) {
        return type.cast(answer instanceof Reply r ? r.body() : answer);
    }

    // ---- keys -------------------------------------------------------------------------------

    private Object keys(Call call) throws Exception {
        return keysPage(call, 200, null, null, Map.of());
    }

    @SuppressWarnings("unchecked")
    private Reply keysPage(Call call, int status, CreatedKey created, RoostException error, Map<String, String> typed) throws Exception {
        List<KeyView> keys = (List<KeyView>) console.call(call, "GET " + API + "/keys", Map.of(), Map.of(), null);
        boolean manage = console.may(call, "POST " + API + "/keys");
        String base = Console.base(call) + "/gateway";
        String csrf = ConsoleFront.csrfToken(call.context());
        Html shownOnce = created == null ? Html.EMPTY : Html.of("""
                <div class="secret-once" role="status" id="created-key">
                <p><strong>Key {} created.</strong> Copy it now: it is shown this once and cannot be shown again.</p>
                <p><code class="once" id="key-value" tabindex="0">{}</code></p>
                <p class="hint">Clients send it as <code>Authorization: Bearer KEY</code> or <code>x-api-key: KEY</code> to
                <code>{}/v1/…</code>.</p></div>""", created.key().name(), created.secret(), serverUrl(call));
        Html rows = keys.isEmpty()
                ? Html.raw(manage ? """
                        <div class="empty"><h2>No virtual keys yet</h2><p>A virtual key lets an agent or a script use the model
                        gateway with this workspace's providers, limits and budget, without ever seeing a provider's key. Create one
                        below; add a provider first if there is none.</p></div>"""
                        : """
                        <div class="empty"><h2>No virtual keys yet</h2><p>An admin of this workspace can create one.</p></div>""")
                : Html.of("""
                        <div class="table-wrap"><table class="keys"><thead><tr><th scope="col">Name</th><th scope="col">Key</th>
                        <th scope="col">State</th><th scope="col">Models</th><th scope="col">Limits</th><th scope="col">For</th>
                        <th scope="col">Created</th><th scope="col">Expires</th>{}</tr></thead><tbody>{}</tbody></table></div>""",
                        manage ? Html.raw("<th scope=\"col\">Actions</th>") : Html.EMPTY,
                        Html.each(keys, k -> Html.of("<tr><td>{}</td><td><code>{}…</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} by {}</td><td>{}</td>{}</tr>",
                                k.name(), k.prefix(), Pages.pill(k.revokedAt() != null ? "REVOKED" : k.active() ? "ACTIVE" : "EXPIRED"),
                                k.models() == null || k.models().isEmpty() ? "all" : String.join(", ", k.models()), limits(k),
                                k.instance() != null ? "instance " + k.instance() : k.user() != null ? "user " + k.user() : "—",
                                Pages.time(k.createdAt()), k.createdBy(), k.expiresAt() == null ? "never" : Pages.time(k.expiresAt()),
                                !manage ? Html.EMPTY : Html.of("<td class=\"row-actions\">{}</td>", !k.active() ? Html.EMPTY
                                        : InstancePages.confirm(base + "/keys/" + k.id() + "/revoke", csrf, "Revoke",
                                        "Revoke key " + k.name() + " (" + k.prefix() + "…)? Every client using it is refused from then on.",
                                        "Revoke " + k.name(), true)))));
        Html form = !manage ? Html.EMPTY : Html.of("""
                <section aria-labelledby="new-key"><h2 id="new-key">Create a key</h2>
                <form method="post" action="{}/keys" class="stack">
                <input type="hidden" name="csrf" value="{}">
                <div class="grid2">
                <label for="key-name">Name</label><input id="key-name" name="name" required value="{}" placeholder="ci-runner">
                <label for="key-models">Models (empty: all)</label><input id="key-models" name="models" value="{}" placeholder="gpt-4o-mini, claude-sonnet">
                <label for="key-rpm">Requests per minute</label><input id="key-rpm" name="rpm" inputmode="numeric" value="{}">
                <label for="key-tpm">Tokens per minute</label><input id="key-tpm" name="tpm" inputmode="numeric" value="{}">
                <label for="key-budget">Budget</label><input id="key-budget" name="budget" value="{}" placeholder="20USD/month">
                <label for="key-expires">Expires after</label><input id="key-expires" name="expires" value="{}" placeholder="30d">
                <label for="key-instance">For instance</label><input id="key-instance" name="instance" value="{}">
                </div>
                <div class="actions"><button type="submit">Create key</button></div></form></section>""",
                Html.raw(base), csrf, typed.getOrDefault("name", ""), typed.getOrDefault("models", ""), typed.getOrDefault("rpm", ""),
                typed.getOrDefault("tpm", ""), typed.getOrDefault("budget", ""), typed.getOrDefault("expires", ""),
                typed.getOrDefault("instance", ""));
        Html body = Html.of("""
                <h1>Model gateway</h1>{}
                {}{}{}
                <section aria-labelledby="key-list"><h2 id="key-list">Virtual keys</h2>
                <p class="hint">Only a prefix of each key is kept to tell them apart; the key itself is shown once, when it is made.</p>{}</section>
                {}""", tabs(call, "keys"), notice(call), error(error), shownOnce, rows, form);
        return console.page(call, status, "gateway", "Virtual keys", body);
    }

    private static String limits(KeyView k) {
        List<String> parts = new ArrayList<>();
        if (k.rpm() != null) {
            parts.add(k.rpm() + " req/min");
        }
        if (k.tpm() != null) {
            parts.add(k.tpm() + " tokens/min");
        }
        if (k.budget() != null) {
            parts.add(k.budget());
        }
        return parts.isEmpty() ? "none" : String.join(" · ", parts);
    }

    private static String serverUrl(Call call) {
        return call.context().scheme() + "://" + call.context().host();
    }

    private Object createKey(Call call) throws Exception {
        Map<String, String> typed = new LinkedHashMap<>();
        for (String field : List.of("name", "models", "rpm", "tpm", "budget", "expires", "instance")) {
            typed.put(field, Console.form(call, field).trim());
        }
        List<FieldError> problems = new ArrayList<>();
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("name", typed.get("name"));
        List<String> models = Arrays.stream(typed.get("models").split("[,\\s]+")).filter(s -> !s.isBlank()).toList();
        if (!models.isEmpty()) {
            request.put("models", models);
        }
        integer(typed.get("rpm"), "/rpm", problems).ifPresent(v -> request.put("rpm", v));
        integer(typed.get("tpm"), "/tpm", problems).ifPresent(v -> request.put("tpm", v));
        for (String field : List.of("budget", "expires", "instance")) {
            if (!typed.get(field).isEmpty()) {
                request.put(field, typed.get(field));
            }
        }
        if (!problems.isEmpty()) {
            return keysPage(call, 400, null, new RoostException(ErrorCode.VALIDATION_FAILED, "Some fields need another look.", problems),
                    typed);
        }
        Console.Attempt<Object> made = Console.attempt(call, () -> console.call(call, "POST " + API + "/keys", Map.of(), Map.of(), request));
        if (!made.ok()) {
            return keysPage(call, made.error().code().httpStatus(), null, made.error(), typed);
        }
        // The key is in this answer only: no redirect, and pages are never cached (Cache-Control: no-store).
        return keysPage(call, 201, body(made.value(), CreatedKey.class), null, Map.of());
    }

    private static java.util.Optional<Integer> integer(String text, String pointer, List<FieldError> problems) {
        if (text.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(Integer.parseInt(text));
        } catch (NumberFormatException e) {
            problems.add(new FieldError(pointer, "must be a whole number"));
            return java.util.Optional.empty();
        }
    }

    private Object revokeKey(Call call) throws Exception {
        console.call(call, "DELETE " + API + "/keys/{id}", Map.of("id", call.path("id")), Map.of(), null);
        return Console.redirect(Console.base(call) + "/gateway/keys?notice=revoked");
    }

    // ---- providers and aliases ----------------------------------------------------------------

    private Object providers(Call call) throws Exception {
        return providersPage(call, 200, null, Map.of());
    }

    @SuppressWarnings("unchecked")
    private Reply providersPage(Call call, int status, RoostException error, Map<String, String> typed) throws Exception {
        List<ProviderView> providers = (List<ProviderView>) console.call(call, "GET " + API + "/providers", Map.of(), Map.of(), null);
        List<AliasView> aliases = (List<AliasView>) console.call(call, "GET " + API + "/models", Map.of(), Map.of(), null);
        boolean manage = console.may(call, "POST " + API + "/providers");
        String base = Console.base(call) + "/gateway";
        String csrf = ConsoleFront.csrfToken(call.context());
        Html providerRows = providers.isEmpty()
                ? Html.raw("<div class=\"empty\"><p>No providers yet. A provider is where the gateway sends requests: OpenAI, Anthropic, "
                        + "Gemini, OpenRouter, Ollama or any OpenAI-compatible server. Add one below (admins), then give it a model alias.</p></div>")
                : Html.of("""
                        <div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Base URL</th>
                        <th scope="col">Key</th><th scope="col">Scope</th><th scope="col">Added</th>{}</tr></thead><tbody>{}</tbody></table></div>""",
                        manage ? Html.raw("<th scope=\"col\">Actions</th>") : Html.EMPTY,
                        Html.each(providers, p -> Html.of("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{} by {}</td>{}</tr>",
                                p.name(), p.kind(), p.baseUrl(), p.key() == null ? "none" : Html.of("<code>{}</code>", p.key()), p.scope(),
                                Pages.time(p.createdAt()), p.createdBy(),
                                !manage ? Html.EMPTY : Html.of("<td class=\"row-actions\">{}</td>", !"workspace".equals(p.scope())
                                        ? Html.raw("<span class=\"muted\">server-wide</span>")
                                        : InstancePages.confirm(base + "/providers/" + Html.url(p.name()) + "/remove", csrf, "Remove",
                                        "Remove provider " + p.name() + "? Its key stays in the secret store.", "Remove " + p.name(), true)))));
        Html aliasRows = aliases.isEmpty()
                ? Html.raw("<div class=\"empty\"><p>No model aliases yet. An alias is the model name clients ask for; it points at one or more "
                        + "provider models (with weights, falling back in order).</p></div>")
                : Html.of("""
                        <div class="table-wrap"><table><thead><tr><th scope="col">Alias</th><th scope="col">Targets</th><th scope="col">Scope</th>
                        <th scope="col">Changed</th>{}</tr></thead><tbody>{}</tbody></table></div>""",
                        manage ? Html.raw("<th scope=\"col\">Actions</th>") : Html.EMPTY,
                        Html.each(aliases, a -> Html.of("<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{} by {}</td>{}</tr>", a.alias(),
                                Html.each(a.targets(), t -> Html.of("<span class=\"label\">{}/{}{}</span> ", t.provider(), t.model(),
                                        t.weight() == null ? "" : " ×" + t.weight())), a.scope(), Pages.time(a.updatedAt()), a.updatedBy(),
                                !manage ? Html.EMPTY : Html.of("<td class=\"row-actions\">{}</td>", !"workspace".equals(a.scope())
                                        ? Html.raw("<span class=\"muted\">server-wide</span>")
                                        : InstancePages.confirm(base + "/models/" + Html.url(a.alias()) + "/remove", csrf, "Remove",
                                        "Remove alias " + a.alias() + "? Clients asking for it are refused.", "Remove " + a.alias(), true)))));
        Html forms = !manage ? Html.EMPTY : Html.of("""
                <section aria-labelledby="add-provider"><h2 id="add-provider">Add a provider</h2>
                <form method="post" action="{}/providers" class="stack" autocomplete="off">
                <input type="hidden" name="csrf" value="{}">
                <div class="grid2">
                <label for="provider-name">Name</label><input id="provider-name" name="name" required value="{}" placeholder="openai">
                <label for="provider-kind">Kind</label><select id="provider-kind" name="kind">{}</select>
                <label for="provider-url">Base URL (empty: the kind's default)</label><input id="provider-url" name="baseUrl" value="{}">
                <label for="provider-key">API key</label><input id="provider-key" name="keyValue" type="password" autocomplete="new-password">
                <label for="provider-secret">Store the key as secret</label><input id="provider-secret" name="keySecret" value="{}" placeholder="NAME-api-key">
                </div>
                <p class="hint">The key goes straight into the workspace's encrypted secret store and is never shown again; the provider
                keeps only <code>secret:NAME</code>. Leave the key empty to use a secret that exists already, or for a kind that needs
                none (Ollama).</p>
                <div class="actions"><button type="submit">Add provider</button></div></form></section>
                <section aria-labelledby="add-alias"><h2 id="add-alias">Create or change a model alias</h2>
                <form method="post" action="{}/models" class="stack">
                <input type="hidden" name="csrf" value="{}">
                <div class="grid2">
                <label for="alias-name">Alias</label><input id="alias-name" name="alias" required value="{}" placeholder="fast">
                <label for="alias-targets">Targets, one per line: provider model [weight]</label>
                <textarea id="alias-targets" name="targets" rows="3" spellcheck="false" placeholder="openai gpt-4o-mini">{}</textarea>
                </div>
                <div class="actions"><button type="submit">Save alias</button></div></form></section>""",
                Html.raw(base), csrf, typed.getOrDefault("name", ""),
                Html.each(KINDS, k -> Html.of("<option value=\"{}\"{}>{}</option>", k,
                        Html.raw(k.equals(typed.getOrDefault("kind", "openai")) ? " selected" : ""), k)),
                typed.getOrDefault("baseUrl", ""), typed.getOrDefault("keySecret", ""),
                Html.raw(base), csrf, typed.getOrDefault("alias", ""), typed.getOrDefault("targets", ""));
        Html body = Html.of("""
                <h1>Model gateway</h1>{}
                {}{}
                <section aria-labelledby="provider-list"><h2 id="provider-list">Providers</h2>{}</section>
                <section aria-labelledby="alias-list"><h2 id="alias-list">Model aliases</h2>{}</section>
                {}""", tabs(call, "providers"), notice(call), error(error), providerRows, aliasRows, forms);
        return console.page(call, status, "gateway", "Providers and models", body);
    }

    private Object addProvider(Call call) throws Exception {
        Map<String, String> typed = new LinkedHashMap<>();
        for (String field : List.of("name", "kind", "baseUrl", "keySecret")) {
            typed.put(field, Console.form(call, field).trim());
        }
        String keyValue = Console.form(call, "keyValue");
        String name = typed.get("name");
        String secret = typed.get("keySecret").isEmpty() && !keyValue.isEmpty() ? name + "-api-key" : typed.get("keySecret");
        Console.Attempt<Object> added = Console.attempt(call, () -> {
            if (!keyValue.isEmpty()) {
                if (secret.isEmpty() || !dev.roost.core.secret.SecretReference.isValidName(secret)) {
                    throw RoostException.invalid("/keySecret", "Give the secret a name: 1 to 63 lower-case letters, digits, '-', '_' or '.'.");
                }
                console.call(call, "PUT " + API + "/secrets/{name}", Map.of("name", secret), Map.of(), Map.of("value", keyValue));
            }
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("name", name);
            request.put("kind", typed.get("kind"));
            if (!typed.get("baseUrl").isEmpty()) {
                request.put("baseUrl", typed.get("baseUrl"));
            }
            if (!secret.isEmpty()) {
                request.put("key", "secret:" + secret);
            }
            return console.call(call, "POST " + API + "/providers", Map.of(), Map.of(), request);
        });
        if (!added.ok()) {
            // The key typed is not put back into the page: it is typed again.
            return providersPage(call, added.error().code().httpStatus(), added.error(), typed);
        }
        return Console.redirect(Console.base(call) + "/gateway/providers?notice=provider");
    }

    private Object removeProvider(Call call) throws Exception {
        Console.Attempt<Object> removed = Console.attempt(call, () -> console.call(call, "DELETE " + API + "/providers/{name}",
                Map.of("name", call.path("name")), Map.of(), null));
        if (!removed.ok()) {
            return providersPage(call, removed.error().code().httpStatus(), removed.error(), Map.of());
        }
        return Console.redirect(Console.base(call) + "/gateway/providers?notice=provider-removed");
    }

    private Object putAlias(Call call) throws Exception {
        Map<String, String> typed = new LinkedHashMap<>();
        typed.put("alias", Console.form(call, "alias").trim());
        typed.put("targets", Console.form(call, "targets"));
        List<Map<String, Object>> targets = new ArrayList<>();
        List<FieldError> problems = new ArrayList<>();
        for (String line : typed.get("targets").split("\r?\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.trim().split("\\s+");
            Map<String, Object> target = new LinkedHashMap<>();
            if (parts.length < 2 || parts.length > 3) {
                problems.add(new FieldError("/targets/" + targets.size(), "write each target as: provider model [weight]"));
                continue;
            }
            target.put("provider", parts[0]);
            target.put("model", parts[1]);
            if (parts.length == 3) {
                try {
                    target.put("weight", Integer.parseInt(parts[2]));
                } catch (NumberFormatException e) {
                    problems.add(new FieldError("/targets/" + targets.size() + "/weight", "must be a whole number"));
                }
            }
            targets.add(target);
        }
        if (typed.get("alias").isEmpty()) {
            problems.add(new FieldError("/alias", "is required"));
        }
        if (!problems.isEmpty()) {
            return providersPage(call, 400, new RoostException(ErrorCode.VALIDATION_FAILED, "Some fields need another look.", problems),
                    typed);
        }
        Console.Attempt<Object> saved = Console.attempt(call, () -> console.call(call, "PUT " + API + "/models/{alias}",
                Map.of("alias", typed.get("alias")), Map.of(), Map.of("targets", targets)));
        if (!saved.ok()) {
            return providersPage(call, saved.error().code().httpStatus(), saved.error(), typed);
        }
        return Console.redirect(Console.base(call) + "/gateway/providers?notice=alias");
    }

    private Object removeAlias(Call call) throws Exception {
        console.call(call, "DELETE " + API + "/models/{alias}", Map.of("alias", call.path("alias")), Map.of(), null);
        return Console.redirect(Console.base(call) + "/gateway/providers?notice=alias-removed");
    }

    // ---- usage ------------------------------------------------------------------------------

    private Object usage(Call call) throws Exception {
        int days = call.query("days").filter(d -> d.matches("[0-9]{1,3}")).map(Integer::parseInt).filter(PERIODS::contains).orElse(30);
        LocalDate today = LocalDate.ofInstant(call.now(), ZoneOffset.UTC);
        LocalDate first = today.minusDays(days - 1L);
        Map<String, String> range = Map.of("from", first.atStartOfDay().toInstant(ZoneOffset.UTC).toString(),
                "to", today.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString());
        UsageReport byModel = usage(call, "day,model", range);
        UsageReport byKey = usage(call, "day,key", range);
        List<String> dayList = new ArrayList<>();
        for (LocalDate d = first; !d.isAfter(today); d = d.plusDays(1)) {
            dayList.add(d.toString());
        }
        Html modelChart = UsageChart.of("chart-models", "Tokens by model", dayList, points(byModel, "model"), "tokens");
        Html keyChart = UsageChart.of("chart-keys", "Tokens by key", dayList, points(byKey, "key"), "tokens");
        String base = Console.base(call) + "/gateway/usage";
        UsageRow total = byModel.total();
        Html body = Html.of("""
                <h1>Model gateway</h1>{}
                <form class="filters" method="get" action="{}"><label for="days">Period</label>
                <select id="days" name="days">{}</select><button type="submit" class="secondary">Show</button></form>
                <p id="usage-total">{} to {}: <strong>{}</strong> requests, <strong>{}</strong> input and <strong>{}</strong> output tokens,
                <strong>{} USD</strong>{}.</p>
                <section aria-labelledby="by-model"><h2 id="by-model">By model</h2>{}{}</section>
                <section aria-labelledby="by-key"><h2 id="by-key">By key</h2>{}{}</section>""",
                tabs(call, "usage"), Html.raw(base),
                Html.each(PERIODS, p -> Html.of("<option value=\"{}\"{}>last {} days</option>", p, Html.raw(p == days ? " selected" : ""), p)),
                first.toString(), today.toString(), UsageChart.group(total.requests()), UsageChart.group(total.inputTokens()),
                UsageChart.group(total.outputTokens()), total.costUsd(), total.errors() == 0 ? "" : ", " + total.errors() + " errors",
                modelChart, totals(usage(call, "model", range), "model", "Model"), keyChart, totals(usage(call, "key", range), "key", "Key"));
        return console.page(call, "gateway", "Gateway usage", body);
    }

    private UsageReport usage(Call call, String groupBy, Map<String, String> range) throws Exception {
        Map<String, String> query = new LinkedHashMap<>(range);
        query.put("groupBy", groupBy);
        return (UsageReport) console.call(call, "GET " + API + "/usage", Map.of(), query, null);
    }

    private static List<UsageChart.Point> points(UsageReport report, String group) {
        return report.rows().stream().map(r -> new UsageChart.Point(nonEmpty(r.group().get(group)), r.group().get("day"),
                r.inputTokens() + r.outputTokens())).toList();
    }

    private static String nonEmpty(String value) {
        return value == null || value.isEmpty() ? "(none)" : value;
    }

    private static Html totals(UsageReport report, String group, String label) {
        if (report.rows().isEmpty()) {
            return Html.EMPTY;
        }
        List<UsageRow> rows = new ArrayList<>(report.rows());
        rows.sort((a, b) -> Long.compare(b.inputTokens() + b.outputTokens(), a.inputTokens() + a.outputTokens()));
        return Html.of("""
                <div class="table-wrap"><table class="figures"><thead><tr><th scope="col">{}</th><th scope="col">Requests</th>
                <th scope="col">Input tokens</th><th scope="col">Output tokens</th><th scope="col">Cost (USD)</th><th scope="col">Errors</th>
                </tr></thead><tbody>{}</tbody></table></div>""", label,
                Html.each(rows, r -> Html.of("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        nonEmpty(r.group().get(group)), UsageChart.group(r.requests()), UsageChart.group(r.inputTokens()),
                        UsageChart.group(r.outputTokens()), r.costUsd(), r.errors())));
    }
}
