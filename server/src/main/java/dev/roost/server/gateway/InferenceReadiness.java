package dev.roost.server.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.gateway.ApiFormat;
import dev.roost.gateway.GatewayRepository;
import dev.roost.gateway.ModelAlias;
import dev.roost.gateway.Provider;
import dev.roost.store.Database;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether prompts can be answered: a default model is set (the model alias {@value #DEFAULT_ALIAS},
 * a workspace's own or the server-wide one), and at least one of its targets is a provider that
 * exists and answers a TCP connection to its base URL. The probe is a cheap connect (no request, no key sent, nothing billed),
 * cached per base URL for {@link #PROBE_TTL}; a stale result is refreshed in the background
 * while the last one is served, so a readiness check never waits on a slow provider twice.
 * Thread-safe.
 */
public final class InferenceReadiness {
    /** The model alias prompt tasks use: the workspace's default model. */
    public static final String DEFAULT_ALIAS = "default";
    static final Duration PROBE_TTL = Duration.ofSeconds(30);
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    /** One target of the default model, as checked. */
    public record TargetCheck(String provider, String model, String format, boolean reachable, String detail) {
    }

    /**
     * The answer: {@code status} is {@code available} or {@code unavailable}; {@code reason}
     * says what is missing and what to configure (null when available); {@code format} is the
     * wire format prompts are sent in (that of the first reachable target).
     */
    public record Status(String status, String scope, String defaultModel, String format, List<TargetCheck> targets,
            String reason) {
        public boolean available() {
            return "available".equals(status);
        }
    }

    private record Probe(boolean reachable, String detail, long checkedAt, AtomicBoolean refreshing) {
    }

    private final Database database;
    private final ConcurrentHashMap<String, Probe> probes = new ConcurrentHashMap<>();

    public InferenceReadiness(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    /** For one workspace: its own default model, else the server-wide one; its own providers, then the server-wide ones. */
    public Status forWorkspace(UUID workspaceId) {
        requireNonNull(workspaceId, "workspaceId is null");
        record Config(Optional<ModelAlias> alias, List<Provider> providers) {
        }
        Config config = database.read(s -> {
            GatewayRepository repo = new GatewayRepository(s.handle());
            Optional<ModelAlias> alias = repo.findAlias(workspaceId, DEFAULT_ALIAS).or(() -> repo.findAlias(null, DEFAULT_ALIAS));
            return new Config(alias, repo.providersVisibleTo(workspaceId));
        });
        return judge("workspace", config.alias(), config.providers(), "roost model alias set " + DEFAULT_ALIAS
                + " PROVIDER/MODEL -w WORKSPACE");
    }

    /** Server-wide only (what /readyz reports): the server-wide default model and providers. */
    public Status serverWide() {
        record Config(Optional<ModelAlias> alias, List<Provider> providers) {
        }
        Config config = database.read(s -> {
            GatewayRepository repo = new GatewayRepository(s.handle());
            return new Config(repo.findAlias(null, DEFAULT_ALIAS), repo.listProviders(null));
        });
        return judge("server", config.alias(), config.providers(), "roost model alias set " + DEFAULT_ALIAS
                + " PROVIDER/MODEL --server-wide");
    }

    private Status judge(String scope, Optional<ModelAlias> alias, List<Provider> providers, String howToSet) {
        if (alias.isEmpty()) {
            return new Status("unavailable", scope, null, null, List.of(), "No default model is set, so prompts cannot be answered. "
                    + "Add a provider ('roost provider add NAME --kind openai --key secret:NAME') and make it the default "
                    + "model: '" + howToSet + "'.");
        }
        Map<String, Provider> byName = new java.util.HashMap<>();
        for (Provider p : providers) {
            byName.putIfAbsent(p.name(), p); // a workspace's own shadows a server-wide one (they come first)
        }
        List<TargetCheck> checks = new ArrayList<>();
        String format = null;
        for (ModelAlias.Target t : alias.get().targets()) {
            Provider p = byName.get(t.provider());
            if (p == null) {
                checks.add(new TargetCheck(t.provider(), t.model(), null, false, "no such provider"));
                continue;
            }
            String wire = p.kind().format().name().toLowerCase(Locale.ROOT);
            Probe probe = probe(p.baseUrl());
            checks.add(new TargetCheck(p.name(), t.model(), wire, probe.reachable(), probe.detail()));
            if (probe.reachable() && format == null) {
                // Prompts go in the first answering target's own format; Gemini's through the gateway's
                // translation from OpenAI chat.
                format = p.kind().format() == ApiFormat.ANTHROPIC ? "anthropic" : "openai";
            }
        }
        if (format != null) {
            return new Status("available", scope, DEFAULT_ALIAS, format, checks, null);
        }
        StringBuilder why = new StringBuilder("The default model '" + DEFAULT_ALIAS + "' has no usable target: ");
        for (int i = 0; i < checks.size(); i++) {
            TargetCheck c = checks.get(i);
            why.append(i == 0 ? "" : "; ").append(c.provider()).append('/').append(c.model()).append(": ").append(c.detail());
        }
        why.append(". Point it at a provider that answers ('").append(howToSet).append("').");
        return new Status("unavailable", scope, DEFAULT_ALIAS, null, checks, why.toString());
    }

    /** The cached probe of {@code baseUrl}: computed now the first time, refreshed in the background when stale. */
    private Probe probe(String baseUrl) {
        long now = System.nanoTime();
        Probe cached = probes.get(baseUrl);
        if (cached == null) {
            Probe fresh = connect(baseUrl);
            probes.put(baseUrl, fresh);
            return fresh;
        }
        if (now - cached.checkedAt() > PROBE_TTL.toNanos() && cached.refreshing().compareAndSet(false, true)) {
            Thread.ofVirtual().name("roost-inference-probe").start(() -> probes.put(baseUrl, connect(baseUrl)));
        }
        return cached;
    }

    /** Forgets every probe result (tests, and after providers change). */
    public void forget() {
        probes.clear();
    }

    private static Probe connect(String baseUrl) {
        long at = System.nanoTime();
        URI uri;
        try {
            uri = URI.create(baseUrl);
        } catch (IllegalArgumentException e) {
            return new Probe(false, "its base URL is not a URL", at, new AtomicBoolean());
        }
        String host = uri.getHost();
        if (host == null) {
            return new Probe(false, "its base URL names no host", at, new AtomicBoolean());
        }
        int port = uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) PROBE_TIMEOUT.toMillis());
            return new Probe(true, "reachable", at, new AtomicBoolean());
        } catch (IOException e) {
            // Host and port only: a base URL may carry a path or a query a user would not want shown.
            return new Probe(false, "not reachable at " + host + ":" + port + " (" + e.getClass().getSimpleName() + ")", at,
                    new AtomicBoolean());
        }
    }
}
