package dev.roost.server.config;

import static java.util.Objects.requireNonNull;

import dev.roost.runtime.docker.DockerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every setting of the Roost server, with its default. Values come from command-line flags,
 * then {@code ROOST_*} environment variables, then the defaults below; docs/configuration.md
 * lists them all. Secrets (the admin password, the metrics token) come only from the
 * environment, never from flags that would land in shell history.
 */
public record RoostConfig(
        Path home,
        String bindAddress,
        int port,
        String databaseUrl,
        int databasePoolSize,
        String adminUsername,
        String adminPassword,
        Duration accessTokenTtl,
        Duration refreshTokenTtl,
        String metricsToken,
        long maxRequestBytes,
        int loginAttemptsPerMinute,
        int loginAttemptsPerAddressPerMinute,
        String publicUrl,
        boolean durableEmbeddedDatabase,
        Path masterKeyFile,
        String runtime,
        Duration reconcileInterval,
        boolean reconcilerEnabled,
        DockerSettings docker,
        WebhookSettings webhooks,
        NodeSettings nodes,
        TaskSettings tasks,
        dev.roost.gateway.GatewaySettings gateway) {

    public static final int DEFAULT_PORT = 7070;

    /**
     * Where instances run: {@code auto} (Docker when a daemon answers, plus bubblewrap jails when they
     * work; none when neither), {@code docker}, {@code sandbox} (bubblewrap jails, no daemon),
     * {@code fake} (in memory, for trials and tests) or {@code none} (manifests are stored, nothing runs).
     */
    public static final java.util.List<String> RUNTIMES = java.util.List.of("auto", "docker", "fake", "nodes", "none", "sandbox");

    public RoostConfig {
        requireNonNull(home, "home is null");
        requireNonNull(bindAddress, "bindAddress is null");
        requireNonNull(adminUsername, "adminUsername is null");
        requireNonNull(accessTokenTtl, "accessTokenTtl is null");
        requireNonNull(refreshTokenTtl, "refreshTokenTtl is null");
        requireNonNull(runtime, "runtime is null");
        if (!RUNTIMES.contains(runtime)) {
            throw new IllegalArgumentException("runtime must be one of " + String.join(", ", RUNTIMES) + ", got " + runtime);
        }
        requireNonNull(reconcileInterval, "reconcileInterval is null");
        requireNonNull(docker, "docker is null");
        requireNonNull(webhooks, "webhooks is null");
        requireNonNull(nodes, "nodes is null");
        requireNonNull(tasks, "tasks is null");
        requireNonNull(gateway, "gateway is null");
        if (reconcileInterval.isNegative() || reconcileInterval.isZero()) {
            throw new IllegalArgumentException("the reconcile interval must be positive");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
        }
        if (databasePoolSize < 2) {
            throw new IllegalArgumentException("the database pool needs at least 2 connections");
        }
    }

    /** The configuration from environment variables and defaults; flags override with the {@code with*} methods. */
    public static RoostConfig fromEnvironment(Map<String, String> env) {
        String home = env.getOrDefault("ROOST_HOME", System.getProperty("user.home") + "/.roost");
        return new RoostConfig(
                Path.of(home).toAbsolutePath(),
                env.getOrDefault("ROOST_BIND", "127.0.0.1"),
                parseInt(env, "ROOST_PORT", DEFAULT_PORT),
                blankToNull(env.get("ROOST_DATABASE_URL")),
                parseInt(env, "ROOST_DB_POOL_SIZE", 16),
                env.getOrDefault("ROOST_ADMIN_USERNAME", "admin"),
                blankToNull(env.get("ROOST_ADMIN_PASSWORD")),
                parseDuration(env, "ROOST_ACCESS_TOKEN_TTL", Duration.ofMinutes(15)),
                parseDuration(env, "ROOST_REFRESH_TOKEN_TTL", Duration.ofDays(30)),
                blankToNull(env.get("ROOST_METRICS_TOKEN")),
                parseInt(env, "ROOST_MAX_REQUEST_BYTES", 1024 * 1024),
                parseInt(env, "ROOST_LOGIN_ATTEMPTS_PER_MINUTE", 10),
                parseInt(env, "ROOST_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE", 30),
                blankToNull(env.get("ROOST_PUBLIC_URL")),
                true,
                Optional.ofNullable(blankToNull(env.get("ROOST_MASTER_KEY_FILE"))).map(f -> Path.of(f).toAbsolutePath())
                        .orElse(null),
                env.getOrDefault("ROOST_RUNTIME", "auto").toLowerCase(Locale.ROOT),
                parseDuration(env, "ROOST_RECONCILE_INTERVAL", Duration.ofSeconds(5)),
                parseSwitch(env, "ROOST_RECONCILER", true),
                DockerSettings.fromEnvironment(env),
                new WebhookSettings(
                        parseInt(env, "ROOST_WEBHOOK_RATE", WebhookSettings.DEFAULTS.ratePerSecond()),
                        parseInt(env, "ROOST_WEBHOOK_BURST", WebhookSettings.DEFAULTS.burst()),
                        parseInt(env, "ROOST_WEBHOOK_MAX_BODY_BYTES", WebhookSettings.DEFAULTS.maxBodyBytes()),
                        parseDuration(env, "ROOST_WEBHOOK_TIMEOUT", WebhookSettings.DEFAULTS.timeout())),
                NodeSettings.fromEnvironment(env, (name, fallback) -> parseDuration(env, name, fallback)),
                TaskSettings.fromEnvironment(env, (name, fallback) -> parseDuration(env, name, fallback)),
                gatewaySettings(env));
    }

    private static dev.roost.gateway.GatewaySettings gatewaySettings(Map<String, String> env) {
        dev.roost.gateway.GatewaySettings d = dev.roost.gateway.GatewaySettings.DEFAULTS;
        return new dev.roost.gateway.GatewaySettings(
                parseDuration(env, "ROOST_GATEWAY_CONNECT_TIMEOUT", d.connectTimeout()),
                parseDuration(env, "ROOST_GATEWAY_GENERATION_TIMEOUT", d.generationTimeout()),
                parseDuration(env, "ROOST_GATEWAY_QUICK_TIMEOUT", d.quickTimeout()),
                parseInt(env, "ROOST_GATEWAY_RETRIES", d.retriesPerTarget()),
                parseInt(env, "ROOST_GATEWAY_BREAKER_FAILURES", d.breakerFailures()),
                parseDuration(env, "ROOST_GATEWAY_BREAKER_OPEN_FOR", d.breakerOpenFor()),
                parseDuration(env, "ROOST_GATEWAY_USAGE_FLUSH_INTERVAL", d.usageFlushInterval()),
                parseDuration(env, "ROOST_GATEWAY_CACHE_TTL", d.cacheTtl()),
                parseInt(env, "ROOST_GATEWAY_MAX_IN_FLIGHT", d.maxInFlight()));
    }

    public RoostConfig withHome(Path value) {
        return with(d -> d.home = value.toAbsolutePath());
    }

    public RoostConfig withBindAddress(String value) {
        return with(d -> d.bindAddress = value);
    }

    public RoostConfig withPort(int value) {
        return with(d -> d.port = value);
    }

    public RoostConfig withDatabaseUrl(String value) {
        return with(d -> d.databaseUrl = value);
    }

    public RoostConfig withAdminPassword(String value) {
        return with(d -> d.adminPassword = value);
    }

    public RoostConfig withMetricsToken(String value) {
        return with(d -> d.metricsToken = value);
    }

    public RoostConfig withAccessTokenTtl(Duration value) {
        return with(d -> d.accessTokenTtl = value);
    }

    public RoostConfig withLoginAttemptsPerMinute(int perAccount, int perAddress) {
        return with(d -> {
            d.loginAttemptsPerMinute = perAccount;
            d.loginAttemptsPerAddressPerMinute = perAddress;
        });
    }

    /** The master key of the secret store from this file instead of {@code <home>/keys/master.key}. */
    public RoostConfig withMasterKeyFile(Path value) {
        return with(d -> d.masterKeyFile = value == null ? null : value.toAbsolutePath());
    }

    /** Test-only: an embedded database without fsync. */
    public RoostConfig withDurableEmbeddedDatabase(boolean value) {
        return with(d -> d.durableEmbeddedDatabase = value);
    }

    /** Where instances run; one of {@link #RUNTIMES}. */
    public RoostConfig withRuntime(String value) {
        return with(d -> d.runtime = value);
    }

    /** How often the reconciler compares every instance with its runtime when nothing wakes it sooner. */
    public RoostConfig withReconcileInterval(Duration value) {
        return with(d -> d.reconcileInterval = value);
    }

    /**
     * Whether this server may run the reconciler. Off, it serves the API (reads of logs and plans
     * included) and leaves acting on instances to other replicas.
     */
    public RoostConfig withReconcilerEnabled(boolean value) {
        return with(d -> d.reconcilerEnabled = value);
    }

    /** How the Docker runtime reaches its daemon and builds containers ({@code DOCKER_HOST}, {@code ROOST_DOCKER_*}). */
    public RoostConfig withDockerSettings(DockerSettings value) {
        return with(d -> d.docker = value);
    }

    /** Rate, body and time limits of inbound webhook calls. */
    public RoostConfig withWebhooks(WebhookSettings value) {
        return with(d -> d.webhooks = value);
    }

    /** Node token lifetimes, heartbeat interval and the NOT_READY / LOST thresholds. */
    public RoostConfig withNodes(NodeSettings value) {
        return with(d -> d.nodes = value);
    }

    /** Task leases, retries and the lease reaper. */
    public RoostConfig withTasks(TaskSettings value) {
        return with(d -> d.tasks = value);
    }

    /** Model gateway timeouts, retries, circuit breaker, usage writing. */
    public RoostConfig withGateway(dev.roost.gateway.GatewaySettings value) {
        return with(d -> d.gateway = value);
    }

    /** A copy with some settings changed; the compact constructor checks the result. */
    private RoostConfig with(java.util.function.Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return new RoostConfig(d.home, d.bindAddress, d.port, d.databaseUrl, d.databasePoolSize, d.adminUsername,
                d.adminPassword, d.accessTokenTtl, d.refreshTokenTtl, d.metricsToken, d.maxRequestBytes,
                d.loginAttemptsPerMinute, d.loginAttemptsPerAddressPerMinute, d.publicUrl, d.durableEmbeddedDatabase,
                d.masterKeyFile, d.runtime, d.reconcileInterval, d.reconcilerEnabled, d.docker, d.webhooks, d.nodes,
                d.tasks, d.gateway);
    }

    /** The settings as mutable fields, only inside {@link #with}. */
    private static final class Draft {
        Path home;
        String bindAddress;
        int port;
        String databaseUrl;
        int databasePoolSize;
        String adminUsername;
        String adminPassword;
        Duration accessTokenTtl;
        Duration refreshTokenTtl;
        String metricsToken;
        long maxRequestBytes;
        int loginAttemptsPerMinute;
        int loginAttemptsPerAddressPerMinute;
        String publicUrl;
        boolean durableEmbeddedDatabase;
        Path masterKeyFile;
        String runtime;
        Duration reconcileInterval;
        boolean reconcilerEnabled;
        DockerSettings docker;
        WebhookSettings webhooks;
        NodeSettings nodes;
        TaskSettings tasks;
        dev.roost.gateway.GatewaySettings gateway;

        Draft(RoostConfig c) {
            home = c.home;
            bindAddress = c.bindAddress;
            port = c.port;
            databaseUrl = c.databaseUrl;
            databasePoolSize = c.databasePoolSize;
            adminUsername = c.adminUsername;
            adminPassword = c.adminPassword;
            accessTokenTtl = c.accessTokenTtl;
            refreshTokenTtl = c.refreshTokenTtl;
            metricsToken = c.metricsToken;
            maxRequestBytes = c.maxRequestBytes;
            loginAttemptsPerMinute = c.loginAttemptsPerMinute;
            loginAttemptsPerAddressPerMinute = c.loginAttemptsPerAddressPerMinute;
            publicUrl = c.publicUrl;
            durableEmbeddedDatabase = c.durableEmbeddedDatabase;
            masterKeyFile = c.masterKeyFile;
            runtime = c.runtime;
            reconcileInterval = c.reconcileInterval;
            reconcilerEnabled = c.reconcilerEnabled;
            docker = c.docker;
            webhooks = c.webhooks;
            nodes = c.nodes;
            tasks = c.tasks;
            gateway = c.gateway;
        }
    }

    @Override
    public String toString() {
        return "RoostConfig[home=" + home + ", bind=" + bindAddress + ":" + port + ", database="
                + (databaseUrl == null ? "embedded" : "external") + ", masterKey="
                + (masterKeyFile == null ? "home" : masterKeyFile) + ", runtime=" + runtime + "]"; // no secrets
    }

    private static boolean parseSwitch(Map<String, String> env, String name, boolean fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes", "1" -> true;
            case "off", "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(name + " must be on or off, got " + value);
        };
    }

    private static final Pattern DURATION = Pattern.compile("^(\\d{1,9})(ms|s|m|h|d)$");

    /** Parses {@code 90s}, {@code 15m}, {@code 12h}, {@code 30d}, {@code 500ms}. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("a duration looks like 90s, 15m, 12h or 30d, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalStateException("unreachable");
        };
    }

    private static Duration parseDuration(Map<String, String> env, String name, Duration fallback) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        try {
            return parseDuration(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    private static int parseInt(Map<String, String> env, String name, int fallback) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
