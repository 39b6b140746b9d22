package dev.roost.server.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.secret.SecretReference;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.gateway.Budget;
import dev.roost.gateway.ConfigChanges;
import dev.roost.gateway.GatewayRepository;
import dev.roost.gateway.ModelAlias;
import dev.roost.gateway.Money;
import dev.roost.gateway.Price;
import dev.roost.gateway.Provider;
import dev.roost.gateway.ProviderKind;
import dev.roost.gateway.VirtualKey;
import dev.roost.gateway.VirtualKeyTokens;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Json;
import dev.roost.server.http.Redactable;
import dev.roost.server.http.Reply;
import dev.roost.store.Session;
import dev.roost.store.secrets.SecretStore;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The model gateway's management API: virtual keys (shown once), providers (server-wide or a
 * workspace's own; keys only as secret references), model aliases, the price table, and usage.
 * Every change is audited; no answer, log line or audit entry carries a key.
 */
public final class GatewayAdminRoutes {
    private static final String WS = "/api/v1/workspaces/{ws}";
    private static final String SERVER = "/api/v1/gateway";
    private static final Pattern KEY_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$");
    /** Model names and aliases as clients send them: no spaces, no control characters. */
    private static final Pattern MODEL = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$");
    private static final Pattern ALIAS = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$");
    static final Duration MIN_EXPIRY = Duration.ofMinutes(1);
    static final Duration MAX_EXPIRY = Duration.ofDays(3650);

    private final SecretStore secrets;
    private final ConfigChanges changes;

    public GatewayAdminRoutes(SecretStore secrets, ConfigChanges changes) {
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.changes = requireNonNull(changes, "changes is null");
    }

    // --- bodies and views

    /**
     * A new virtual key. {@code budget} like {@code 20USD/month}; {@code expires} like {@code 30d};
     * {@code models}: the allowlist (absent or empty: every model).
     */
    public record KeyRequest(String name, List<String> models, Integer rpm, Integer tpm, String budget, String expires,
            String instance, String user) {
    }

    public record KeyView(UUID id, String name, String prefix, String workspace, String instance, String user,
            List<String> models, Integer rpm, Integer tpm, String budget, String createdBy, Instant createdAt, Instant expiresAt,
            Instant revokedAt, boolean active) {
        static KeyView of(VirtualKey k, Instant now) {
            return new KeyView(k.id(), k.name(), k.prefix(), k.workspaceName(), k.instanceName(), k.username(), k.models(),
                    k.rpm(), k.tpm(), k.budget() == null ? null : k.budget().toString(), k.createdBy(), k.createdAt(),
                    k.expiresAt(), k.revokedAt(), !k.revoked() && !k.expiredAt(now));
        }
    }

    /** The one answer that carries the key itself. */
    public record CreatedKey(KeyView key, String secret, String note) implements Redactable {
        @Override
        public Object redacted() {
            return new CreatedKey(key, null, "The key was shown once when it was created and cannot be shown again.");
        }

        @Override
        public String toString() {
            return "CreatedKey[id=" + key.id() + "]";
        }
    }

    /**
     * A provider. {@code key}: {@code secret:NAME} (a secret of the workspace) for a workspace's
     * provider, {@code secret:WORKSPACE/NAME} for a server-wide one; absent for keyless kinds.
     */
    public record ProviderRequest(String name, String kind, String baseUrl, String key) {
    }

    public record ProviderView(String name, String kind, String format, String baseUrl, String key, String scope,
            String createdBy, Instant createdAt) {
        static ProviderView of(Provider p) {
            return new ProviderView(p.name(), p.kind().wireName(), p.kind().format().name().toLowerCase(Locale.ROOT),
                    p.baseUrl(), p.keyReference(), p.serverWide() ? "server" : "workspace", p.createdBy(), p.createdAt());
        }
    }

    public record TargetBody(String provider, String model, Integer weight) {
    }

    public record AliasRequest(List<TargetBody> targets) {
    }

    public record AliasView(String alias, List<TargetBody> targets, String scope, String updatedBy, Instant updatedAt) {
        static AliasView of(ModelAlias a) {
            return new AliasView(a.alias(), a.targets().stream().map(t -> new TargetBody(t.provider(), t.model(), t.weight()))
                    .toList(), a.workspaceId() == null ? "server" : "workspace", a.updatedBy(), a.updatedAt());
        }
    }

    /** Prices in US dollars per million tokens. */
    public record PriceRequest(String model, BigDecimal input, BigDecimal output, BigDecimal cachedInput) {
    }

    public record PriceView(String model, String input, String output, String cachedInput, String updatedBy,
            Instant updatedAt) {
        static PriceView of(Price p) {
            return new PriceView(p.model(), Money.usd(p.inputMicros()), Money.usd(p.outputMicros()),
                    Money.usd(p.cachedInputMicros()), p.updatedBy(), p.updatedAt());
        }
    }

    public record UsageRow(Map<String, String> group, long requests, long inputTokens, long outputTokens, long cachedTokens,
            String costUsd, long errors) {
        static UsageRow of(GatewayRepository.UsageGroup g) {
            return new UsageRow(g.group(), g.requests(), g.inputTokens(), g.outputTokens(), g.cachedTokens(),
                    Money.usd(g.costMicros()), g.errors());
        }
    }

    public record UsageReport(String workspace, Instant from, Instant to, List<String> groupBy, List<UsageRow> rows,
            UsageRow total) {
    }

    public List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        Access admin = Access.workspace(Role.ADMIN);
        return List.of(
                ApiRoute.post(WS + "/keys", admin, "Create a virtual key for the model gateway (shown once)", this::createKey)
                        .accepts(KeyRequest.class).returns(CreatedKey.class),
                ApiRoute.get(WS + "/keys", viewer, "List the workspace's virtual keys (never the keys)", this::listKeys)
                        .returnsListOf(KeyView.class),
                ApiRoute.delete(WS + "/keys/{id}", admin, "Revoke a virtual key", this::revokeKey).returns(KeyView.class),

                ApiRoute.post(WS + "/providers", admin, "Add a model provider for this workspace", c -> addProvider(c, false))
                        .accepts(ProviderRequest.class).returns(ProviderView.class),
                ApiRoute.get(WS + "/providers", viewer, "The workspace's own providers and the server-wide ones",
                        this::listWorkspaceProviders).returnsListOf(ProviderView.class),
                ApiRoute.delete(WS + "/providers/{name}", admin, "Remove one of the workspace's providers",
                        c -> removeProvider(c, false)),
                ApiRoute.post(SERVER + "/providers", Access.SERVER_ADMIN, "Add a server-wide model provider",
                        c -> addProvider(c, true)).accepts(ProviderRequest.class).returns(ProviderView.class),
                ApiRoute.get(SERVER + "/providers", Access.SERVER_ADMIN, "List the server-wide providers",
                        c -> repo(c).listProviders(null).stream().map(ProviderView::of).toList())
                        .returnsListOf(ProviderView.class),
                ApiRoute.delete(SERVER + "/providers/{name}", Access.SERVER_ADMIN, "Remove a server-wide provider",
                        c -> removeProvider(c, true)),

                ApiRoute.put(WS + "/models/{alias}", admin, "Create or change a model alias of this workspace",
                        c -> putAlias(c, false)).accepts(AliasRequest.class).returns(AliasView.class),
                ApiRoute.get(WS + "/models", viewer, "The model aliases the workspace sees (its own, then server-wide)",
                        c -> repo(c).aliasesVisibleTo(c.workspace().id()).values().stream().map(AliasView::of).toList())
                        .returnsListOf(AliasView.class),
                ApiRoute.delete(WS + "/models/{alias}", admin, "Remove a model alias of this workspace",
                        c -> deleteAlias(c, false)),
                ApiRoute.put(SERVER + "/models/{alias}", Access.SERVER_ADMIN, "Create or change a server-wide model alias",
                        c -> putAlias(c, true)).accepts(AliasRequest.class).returns(AliasView.class),
                ApiRoute.get(SERVER + "/models", Access.SERVER_ADMIN, "List the server-wide model aliases",
                        c -> repo(c).listAliases(null).stream().map(AliasView::of).toList()).returnsListOf(AliasView.class),
                ApiRoute.delete(SERVER + "/models/{alias}", Access.SERVER_ADMIN, "Remove a server-wide model alias",
                        c -> deleteAlias(c, true)),

                ApiRoute.get(SERVER + "/prices", Access.SERVER_ADMIN, "The price table (USD per million tokens)",
                        c -> repo(c).listPrices().stream().map(PriceView::of).toList()).returnsListOf(PriceView.class),
                ApiRoute.put(SERVER + "/prices", Access.SERVER_ADMIN, "Set the price of an upstream model", this::putPrice)
                        .accepts(PriceRequest.class).returns(PriceView.class),

                ApiRoute.get(WS + "/usage", viewer, "Gateway usage of the workspace, grouped", this::usage)
                        .returns(UsageReport.class)
                        .query("groupBy", "comma-separated: " + String.join(", ", GatewayRepository.GROUPS.keySet()))
                        .query("from", "ISO-8601 start (default: 30 days ago)")
                        .query("to", "ISO-8601 end, exclusive (default: now)"));
    }

    static GatewayRepository repo(Call call) {
        return new GatewayRepository(call.session().handle());
    }

    // --- keys

    private Object createKey(Call call) {
        KeyRequest request = call.body(KeyRequest.class);
        Checks checks = new Checks();
        checks.required("/name", request.name());
        checks.that(request.name() == null || KEY_NAME.matcher(request.name()).matches(), "/name",
                "must be 1 to 63 lower-case letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
        List<String> models = request.models() == null ? List.of() : request.models();
        checks.that(models.size() <= 100, "/models", "may list at most 100 models");
        for (int i = 0; i < models.size(); i++) {
            String m = models.get(i);
            checks.that(m != null && MODEL.matcher(m).matches(), "/models/" + i, "is not a model name");
        }
        checks.that(request.rpm() == null || request.rpm() >= 1 && request.rpm() <= 1_000_000, "/rpm",
                "must be between 1 and 1000000");
        checks.that(request.tpm() == null || request.tpm() >= 1 && request.tpm() <= 1_000_000_000, "/tpm",
                "must be between 1 and 1000000000");
        Budget budget = null;
        if (request.budget() != null) {
            budget = Budget.parse(request.budget()).orElse(null);
            checks.that(budget != null, "/budget", "must look like 20USD/month, 1.5USD/day or 100USD/total");
        }
        Instant now = call.now();
        Instant expiresAt = null;
        if (request.expires() != null) {
            try {
                Duration ttl = RoostConfig.parseDuration(request.expires());
                checks.that(ttl.compareTo(MIN_EXPIRY) >= 0 && ttl.compareTo(MAX_EXPIRY) <= 0, "/expires",
                        "must be between 1m and 3650d");
                expiresAt = now.plus(ttl);
            } catch (IllegalArgumentException e) {
                checks.that(false, "/expires", "must look like 30m, 12h or 30d");
            }
        }
        Session session = call.session();
        Workspace workspace = call.workspace();
        if (request.instance() != null) {
            checks.that(session.instances().find(workspace.id(), request.instance()).isPresent(), "/instance",
                    "is not an instance of workspace " + workspace.name());
        }
        if (request.user() != null) {
            checks.that(session.users().findByUsername(request.user()).isPresent(), "/user", "is not a user");
        }
        checks.throwIfAny();
        String key = VirtualKeyTokens.generate();
        VirtualKey stored = repo(call).insertKey(workspace.id(), request.name(), VirtualKeyTokens.hash(key),
                VirtualKeyTokens.displayPrefix(key), request.instance(), request.user(), models, request.rpm(), request.tpm(),
                budget, call.principal().actor(), now, expiresAt);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", stored.name());
        details.put("prefix", stored.prefix());
        details.put("models", models.isEmpty() ? "all" : String.join(",", models));
        details.put("rpm", request.rpm() == null ? "unlimited" : request.rpm());
        details.put("tpm", request.tpm() == null ? "unlimited" : request.tpm());
        details.put("budget", budget == null ? "none" : budget.toString());
        details.put("expiresAt", expiresAt == null ? "never" : expiresAt.toString());
        call.audit("gateway.key.create", "gateway-key", stored.id().toString(), details);
        return Reply.created(new CreatedKey(KeyView.of(stored, now), key, "Store this key now: it is shown once. Clients send "
                + "it as 'Authorization: Bearer KEY', 'x-api-key: KEY' or 'x-goog-api-key: KEY'."));
    }

    private Object listKeys(Call call) {
        Instant now = call.now();
        return repo(call).listKeys(call.workspace().id()).stream().map(k -> KeyView.of(k, now)).toList();
    }

    private Object revokeKey(Call call) {
        GatewayRepository repo = repo(call);
        UUID id = parseId(call.path("id"));
        VirtualKey key = repo.findKey(id).filter(k -> k.workspaceId().equals(call.workspace().id()))
                .orElseThrow(() -> RoostException.notFound("Virtual key " + Json.abbreviate(call.path("id"))));
        if (repo.revokeKey(id, call.now())) {
            call.audit("gateway.key.revoke", "gateway-key", id.toString(), Map.of("name", key.name(), "prefix", key.prefix()));
        }
        changes.keyRevoked(id);
        return KeyView.of(repo.findKey(id).orElseThrow(), call.now());
    }

    private static UUID parseId(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            throw RoostException.notFound("Virtual key " + Json.abbreviate(raw));
        }
    }

    // --- providers

    private Object addProvider(Call call, boolean serverWide) {
        ProviderRequest request = call.body(ProviderRequest.class);
        Checks checks = new Checks();
        checks.required("/name", request.name());
        checks.that(request.name() == null || SecretReference.isValidName(request.name()), "/name",
                "must be 1 to 63 lower-case letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
        ProviderKind kind = ProviderKind.parse(request.kind()).orElse(null);
        checks.that(kind != null, "/kind", "must be one of " + ProviderKind.names());
        String baseUrl = request.baseUrl();
        if (baseUrl == null && kind != null) {
            baseUrl = kind.defaultBaseUrl().orElse(null);
            checks.that(baseUrl != null, "/baseUrl", "is required for kind " + request.kind());
        }
        if (baseUrl != null) {
            baseUrl = baseUrl.strip();
            while (baseUrl.endsWith("/")) {
                baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
            }
            checks.that(validUrl(baseUrl), "/baseUrl", "must be an http:// or https:// URL without credentials, query or "
                    + "fragment");
        }
        Session session = call.session();
        UUID keyWorkspaceId = null;
        String keySecret = null;
        if (request.key() != null) {
            String text = request.key();
            String prefix = SecretReference.PREFIX;
            String rest = text.startsWith(prefix) ? text.substring(prefix.length()) : null;
            String workspaceName = serverWide ? null : call.workspace().name();
            if (rest != null && serverWide) {
                int slash = rest.indexOf('/');
                workspaceName = slash > 0 ? rest.substring(0, slash) : null;
                rest = slash > 0 ? rest.substring(slash + 1) : null;
            }
            if (rest == null || !SecretReference.isValidName(rest) || workspaceName == null) {
                // The text is not echoed: a pasted key must not come back in an error.
                checks.that(false, "/key", serverWide ? "must be a secret reference secret:WORKSPACE/NAME (the provider's "
                        + "key stored as a secret of that workspace), not the key itself"
                        : "must be a secret reference secret:NAME (store the key with 'roost secret set NAME' first), not the "
                        + "key itself");
            } else {
                Workspace keyWorkspace = serverWide ? session.workspaces().findByName(workspaceName).orElse(null)
                        : call.workspace();
                if (keyWorkspace == null) {
                    checks.that(false, "/key", "names workspace " + Json.abbreviate(workspaceName) + ", which does not exist");
                } else if (secrets.find(session, keyWorkspace.id(), rest).isEmpty()) {
                    checks.that(false, "/key", "names secret " + rest + ", which workspace " + keyWorkspace.name()
                            + " does not have");
                } else {
                    keyWorkspaceId = keyWorkspace.id();
                    keySecret = rest;
                }
            }
        } else if (kind != null && kind.needsKey()) {
            checks.that(false, "/key", "is required for kind " + kind.wireName() + ": a secret reference to the provider's key");
        }
        checks.throwIfAny();
        UUID scope = serverWide ? null : call.workspace().id();
        Provider stored = repo(call).insertProvider(scope, request.name(), kind, baseUrl, keyWorkspaceId, keySecret,
                call.principal().actor(), call.now());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("kind", kind.wireName());
        details.put("baseUrl", baseUrl);
        details.put("key", stored.keyReference() == null ? "none" : stored.keyReference());
        details.put("scope", serverWide ? "server" : "workspace");
        if (serverWide) {
            call.auditInWorkspace(null, "gateway.provider.create", "gateway-provider", stored.name(), details);
        } else {
            call.audit("gateway.provider.create", "gateway-provider", stored.name(), details);
        }
        changes.routingChanged();
        return Reply.created(ProviderView.of(stored));
    }

    static boolean validUrl(String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getUserInfo() == null
                    && uri.getQuery() == null && uri.getFragment() == null && text.length() <= 2000;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private Object listWorkspaceProviders(Call call) {
        return repo(call).providersVisibleTo(call.workspace().id()).stream().map(ProviderView::of).toList();
    }

    private Object removeProvider(Call call, boolean serverWide) {
        String name = call.path("name");
        UUID scope = serverWide ? null : call.workspace().id();
        GatewayRepository repo = repo(call);
        Provider provider = repo.findProvider(scope, name)
                .orElseThrow(() -> RoostException.notFound("Provider " + Json.abbreviate(name)));
        List<String> usedBy = new ArrayList<>();
        List<ModelAlias> aliases = new ArrayList<>(repo.listAliases(scope));
        if (serverWide) {
            aliases.addAll(call.session().handle().createQuery(
                            "SELECT alias FROM gateway_model_aliases WHERE targets @> CAST(:t AS jsonb)")
                    .bind("t", "[{\"provider\":\"" + name + "\"}]").mapTo(String.class).list().stream()
                    .map(a -> new ModelAlias(null, a, List.of(new ModelAlias.Target(name, "?", null)), "", Instant.EPOCH))
                    .toList());
        }
        for (ModelAlias a : aliases) {
            if (a.targets().stream().anyMatch(t -> t.provider().equals(name)) && !usedBy.contains(a.alias())) {
                usedBy.add(a.alias());
            }
        }
        if (!usedBy.isEmpty()) {
            throw new RoostException(ErrorCode.CONFLICT, "Provider " + name + " is a target of model alias"
                    + (usedBy.size() == 1 ? " " : "es ") + String.join(", ", usedBy) + ". Change or remove "
                    + (usedBy.size() == 1 ? "it" : "them") + " first.", List.of(), Map.of("usedBy", usedBy));
        }
        repo.deleteProvider(scope, name);
        Map<String, Object> details = Map.of("kind", provider.kind().wireName(), "scope", serverWide ? "server" : "workspace");
        if (serverWide) {
            call.auditInWorkspace(null, "gateway.provider.delete", "gateway-provider", name, details);
        } else {
            call.audit("gateway.provider.delete", "gateway-provider", name, details);
        }
        changes.routingChanged();
        return null;
    }

    // --- aliases

    private Object putAlias(Call call, boolean serverWide) {
        String alias = call.path("alias");
        if (!ALIAS.matcher(alias).matches()) {
            throw RoostException.invalid("/path/alias", "An alias is 1 to 128 letters, digits, '.', '_', ':', '@', '+' or '-', "
                    + "starting with a letter or digit.");
        }
        AliasRequest request = call.body(AliasRequest.class);
        Checks checks = new Checks();
        List<TargetBody> targets = request.targets() == null ? List.of() : request.targets();
        checks.that(!targets.isEmpty(), "/targets", "needs at least one {provider, model}");
        checks.that(targets.size() <= 16, "/targets", "may hold at most 16 targets");
        GatewayRepository repo = repo(call);
        UUID scope = serverWide ? null : call.workspace().id();
        List<Provider> visible = serverWide ? repo.listProviders(null) : repo.providersVisibleTo(scope);
        List<ModelAlias.Target> stored = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            TargetBody t = targets.get(i);
            String at = "/targets/" + i;
            if (t == null) {
                checks.that(false, at, "must be an object");
                continue;
            }
            checks.required(at + "/provider", t.provider()).required(at + "/model", t.model());
            checks.that(t.model() == null || MODEL.matcher(t.model()).matches(), at + "/model", "is not a model name");
            checks.that(t.weight() == null || t.weight() >= 0 && t.weight() <= 1000, at + "/weight",
                    "must be between 0 and 1000");
            boolean known = t.provider() != null && visible.stream().anyMatch(p -> p.name().equals(t.provider()));
            checks.that(t.provider() == null || known, at + "/provider", "is not a provider "
                    + (serverWide ? "of the server" : "this workspace can use"));
            if (t.provider() != null && t.model() != null) {
                stored.add(new ModelAlias.Target(t.provider(), t.model(), t.weight()));
            }
        }
        checks.throwIfAny();
        boolean created = repo.putAlias(scope, alias, stored, call.principal().actor(), call.now());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("targets", stored.stream().map(t -> t.provider() + "/" + t.model()
                + (t.weight() == null ? "" : "@" + t.weight())).toList());
        details.put("scope", serverWide ? "server" : "workspace");
        String action = created ? "gateway.alias.create" : "gateway.alias.update";
        if (serverWide) {
            call.auditInWorkspace(null, action, "gateway-alias", alias, details);
        } else {
            call.audit(action, "gateway-alias", alias, details);
        }
        changes.routingChanged();
        AliasView view = AliasView.of(repo.findAlias(scope, alias).orElseThrow());
        return created ? Reply.created(view) : view;
    }

    private Object deleteAlias(Call call, boolean serverWide) {
        String alias = call.path("alias");
        UUID scope = serverWide ? null : call.workspace().id();
        if (!repo(call).deleteAlias(scope, alias)) {
            throw RoostException.notFound("Model alias " + Json.abbreviate(alias));
        }
        Map<String, Object> details = Map.of("scope", serverWide ? "server" : "workspace");
        if (serverWide) {
            call.auditInWorkspace(null, "gateway.alias.delete", "gateway-alias", alias, details);
        } else {
            call.audit("gateway.alias.delete", "gateway-alias", alias, details);
        }
        changes.routingChanged();
        return null;
    }

    // --- prices

    private Object putPrice(Call call) {
        PriceRequest request = call.body(PriceRequest.class);
        Checks checks = new Checks();
        checks.required("/model", request.model());
        checks.that(request.model() == null || MODEL.matcher(request.model()).matches(), "/model", "is not a model name");
        long input = micros(checks, "/input", request.input(), true);
        long output = micros(checks, "/output", request.output(), true);
        long cached = request.cachedInput() == null ? input : micros(checks, "/cachedInput", request.cachedInput(), false);
        checks.throwIfAny();
        Price price = new Price(request.model(), input, output, cached, call.principal().actor(), call.now());
        repo(call).putPrice(price);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("input", Money.usd(input));
        details.put("output", Money.usd(output));
        details.put("cachedInput", Money.usd(cached));
        call.auditInWorkspace(null, "gateway.price.set", "gateway-price", request.model(), details);
        changes.pricesChanged();
        return PriceView.of(price);
    }

    private static long micros(Checks checks, String pointer, BigDecimal value, boolean required) {
        if (value == null) {
            checks.that(!required, pointer, "is required (US dollars per million tokens)");
            return 0;
        }
        try {
            checks.that(value.signum() >= 0 && value.compareTo(BigDecimal.valueOf(1_000_000)) <= 0, pointer,
                    "must be between 0 and 1000000 dollars per million tokens");
            return value.movePointRight(6).longValueExact();
        } catch (ArithmeticException e) {
            checks.that(false, pointer, "may have at most 6 decimals");
            return 0;
        }
    }

    // --- usage

    private Object usage(Call call) {
        List<String> groupBy = new ArrayList<>();
        for (String part : call.query("groupBy").orElse("").split(",")) {
            String name = part.strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!GatewayRepository.GROUPS.containsKey(name)) {
                throw Call.badQuery("groupBy", "must list some of " + String.join(", ", GatewayRepository.GROUPS.keySet()));
            }
            if (!groupBy.contains(name)) {
                groupBy.add(name);
            }
        }
        Instant to = call.queryInstant("to").orElse(call.now().plusSeconds(1));
        Instant from = call.queryInstant("from").orElse(to.minus(Duration.ofDays(30)));
        if (!from.isBefore(to)) {
            throw Call.badQuery("from", "must be before 'to'");
        }
        GatewayRepository repo = repo(call);
        List<UsageRow> rows = repo.usage(call.workspace().id(), groupBy, from, to).stream().map(UsageRow::of).toList();
        UsageRow total = repo.usage(call.workspace().id(), List.of(), from, to).stream().map(UsageRow::of).findFirst()
                .orElseThrow();
        return new UsageReport(call.workspace().name(), from, to, groupBy, rows, total);
    }
}
