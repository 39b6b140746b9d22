package dev.roost.server;

import static java.util.Objects.requireNonNull;

import dev.roost.core.policy.ManifestPolicy;
import dev.roost.runtime.Runtime;
import dev.roost.server.audit.AuditRoutes;
import dev.roost.server.auth.AccessTokens;
import dev.roost.server.auth.AuthRoutes;
import dev.roost.server.auth.Authenticator;
import dev.roost.server.auth.LoginRateLimiter;
import dev.roost.server.auth.PasswordHasher;
import dev.roost.server.auth.SessionTokens;
import dev.roost.server.bootstrap.FirstStart;
import dev.roost.server.console.ConsoleFront;
import dev.roost.server.console.ConsoleRoutes;
import dev.roost.server.console.Pages;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.home.RoostHome;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.HttpApi;
import dev.roost.server.http.OpenApiDocument;
import dev.roost.server.instances.InstanceRoutes;
import dev.roost.server.instances.InstanceService;
import dev.roost.server.instances.LogRoutes;
import dev.roost.server.maintenance.ExpiredRecordsSweeper;
import dev.roost.server.auth.NodeTokens;
import dev.roost.server.nodes.JoinTokenRoutes;
import dev.roost.server.nodes.NodeCredentialIssuer;
import dev.roost.server.nodes.NodeHeartbeatWatcher;
import dev.roost.server.nodes.NodeRoutes;
import dev.roost.server.plans.PlanRoutes;
import dev.roost.server.reconcile.DeploymentRoutes;
import dev.roost.server.reconcile.Reconciler;
import dev.roost.server.runtime.RuntimeSelection;
import dev.roost.server.secrets.MasterKeySource;
import dev.roost.server.secrets.SecretRoutes;
import dev.roost.server.system.Readiness;
import dev.roost.server.system.SchemaRoutes;
import dev.roost.server.system.SystemRoutes;
import dev.roost.server.templates.TemplateRoutes;
import dev.roost.server.users.UserRoutes;
import dev.roost.server.webhooks.WebhookRoutes;
import dev.roost.server.workspaces.MemberRoutes;
import dev.roost.server.workspaces.WorkspaceRoutes;
import dev.roost.store.ConnectionSettings;
import dev.roost.store.Database;
import dev.roost.store.EmbeddedDatabase;
import dev.roost.store.LeaderLock;
import dev.roost.store.instances.InstanceRepository;
import dev.roost.store.jobs.JobQueue;
import dev.roost.store.jobs.JobWakeups;
import dev.roost.store.jobs.LeaseReaper;
import dev.roost.store.jobs.RetryPolicy;
import dev.roost.server.tasks.NodeJobRoutes;
import dev.roost.server.tasks.TaskRoutes;
import dev.roost.server.tasks.WorkSignal;
import dev.roost.store.secrets.DatabaseSecretStore;
import dev.roost.store.secrets.SecretStore;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part of the server from its configuration, in order,
 * and stops them in reverse. Following {@code new} from here reaches every class.
 */
public final class RoostServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoostServer.class);

    private final RoostConfig config;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Readiness readiness = new Readiness();
    private RoostHome home;
    private Database database;
    private SecretStore secrets;
    private Optional<Runtime> runtime = Optional.empty();
    private HttpApi http;
    private FirstStart.Outcome firstStart;
    private final AtomicReference<Boolean> closed = new AtomicReference<>(false);

    private final Clock clock;
    private Optional<Reconciler> reconciler = Optional.empty();

    private final Runtime givenRuntime;
    private NodeHeartbeatWatcher nodeWatcher;
    private dev.roost.server.jails.NodeRuntime nodeRuntime;
    private JobQueue jobQueue;
    private LeaseReaper leaseReaper;
    private dev.roost.gateway.ModelGateway modelGateway;
    private dev.roost.server.gateway.ManagedKeys managedKeys;

    private RoostServer(RoostConfig config, Clock clock, Runtime givenRuntime) {
        this.config = requireNonNull(config, "config is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.givenRuntime = givenRuntime;
    }

    public static RoostServer start(RoostConfig config) {
        return start(config, Clock.systemUTC());
    }

    /**
     * Starts with a given clock for everything that judges time: tokens, rollout deadlines, health
     * probe periods, restart back-off (tests pass one they can move).
     */
    public static RoostServer start(RoostConfig config, Clock clock) {
        return start(config, clock, null);
    }

    /**
     * Starts on a runtime made by the caller instead of the one the {@code runtime} setting
     * selects (tests: two servers, or a server and its restart, sharing one fake runtime). The
     * server does not close a given runtime.
     */
    public static RoostServer start(RoostConfig config, Clock clock, Runtime runtime) {
        RoostServer server = new RoostServer(config, clock, runtime);
        try {
            server.startParts();
            return server;
        } catch (RuntimeException | IOException e) {
            server.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new java.io.UncheckedIOException(e.getMessage(), (IOException) e);
        }
    }

    private void startParts() throws IOException {
        long t0 = System.nanoTime();
        home = RoostHome.open(config.home());
        closeables.add(home);

        ConnectionSettings settings;
        if (config.databaseUrl() != null) {
            settings = ConnectionSettings.fromUrl(config.databaseUrl(), config.databasePoolSize());
            log.info("Using external PostgreSQL at {}", settings.redactedUrl());
        } else {
            EmbeddedDatabase embedded = EmbeddedDatabase.start(home.resolve("postgres"), config.durableEmbeddedDatabase());
            closeables.add(embedded);
            settings = embedded.connectionSettings(config.databasePoolSize());
        }
        database = Database.connect(settings);
        closeables.add(database);
        database.migrate();

        MasterKeySource.Loaded masterKey = MasterKeySource.load(home, config.masterKeyFile(),
                database.read(DatabaseSecretStore::keyIdsInUse));
        secrets = new DatabaseSecretStore(masterKey.key());
        managedKeys = new dev.roost.server.gateway.ManagedKeys(new dev.roost.core.secret.SecretSealer(masterKey.key()));

        SecretStore secretStore = secrets;
        Database db = database;
        nodeRuntime = new dev.roost.server.jails.NodeRuntime(database, clock, dev.roost.server.jails.NodeRuntime.Settings.defaults(),
                workspace -> names -> db.transaction(s -> secretStore.resolve(s, s.workspaces().findByName(workspace)
                        .orElseThrow(() -> new dev.roost.runtime.RuntimeFailure(dev.roost.runtime.RuntimeFailure.Kind.INVALID_SPEC,
                                "workspace " + workspace + " does not exist")).id(), names)));
        if (givenRuntime != null) {
            runtime = Optional.of(givenRuntime);
        } else {
            runtime = RuntimeSelection.withNodes(config.runtime(), RuntimeSelection.select(config.runtime(), config.docker(),
                    dev.roost.runtime.sandbox.SandboxRuntimeSettings.fromEnvironment(System.getenv(), config.home()), clock),
                    nodeRuntime, System.getenv());
            runtime.ifPresent(closeables::add);
        }

        PasswordHasher hasher = new PasswordHasher();
        firstStart = FirstStart.run(database, home, config.adminUsername(), config.adminPassword(), hasher);

        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmGcMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ClassLoaderMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);

        AccessTokens accessTokens = new AccessTokens(home.secretKey("keys/jwt-hs256.key", 32), config.accessTokenTtl(), clock);
        SessionTokens sessionTokens = new SessionTokens(accessTokens, config.refreshTokenTtl(), clock);
        // Node JWTs have a key of their own: a user token can never pass for a node token, nor the reverse.
        NodeTokens nodeTokens = new NodeTokens(home.secretKey("keys/node-jwt-hs256.key", 32), config.nodes().tokenTtl(), clock);
        Authenticator authenticator = new Authenticator(accessTokens, nodeTokens, config.metricsToken(), clock);
        LoginRateLimiter loginLimiter = new LoginRateLimiter(config.loginAttemptsPerMinute(),
                config.loginAttemptsPerAddressPerMinute());

        List<ApiRoute> routes = new ArrayList<>();
        AtomicReference<Map<String, Object>> openApi = new AtomicReference<>();
        dev.roost.server.gateway.InferenceReadiness inference = new dev.roost.server.gateway.InferenceReadiness(database);
        routes.addAll(new SystemRoutes(database, meters, readiness, openApi::get, Version.current(), inference).routes());
        AuthRoutes authRoutes = new AuthRoutes(hasher, sessionTokens, loginLimiter);
        routes.addAll(authRoutes.routes());
        routes.addAll(new UserRoutes(hasher).routes());
        routes.addAll(new PlanRoutes().routes());
        routes.addAll(new WorkspaceRoutes().routes());
        routes.addAll(new MemberRoutes().routes());
        routes.addAll(new AuditRoutes().routes());
        ManifestPolicy policy = ManifestPolicy.standard();
        routes.addAll(new SchemaRoutes(policy).routes());
        routes.addAll(new TemplateRoutes().routes());
        InstanceService instanceService = new InstanceService(policy, secrets);
        routes.addAll(new InstanceRoutes(instanceService, runtime.isPresent()).routes());
        routes.addAll(new DeploymentRoutes(runtime, policy, clock).routes());
        routes.addAll(new SecretRoutes(secrets).routes());
        routes.addAll(new LogRoutes(runtime, secrets, managedKeys, Duration.ofSeconds(15)).routes());
        routes.addAll(new JoinTokenRoutes().routes());
        routes.addAll(new NodeRoutes(new NodeCredentialIssuer(nodeTokens, config.nodes().credentialTtl(),
                config.nodes().heartbeatInterval(), clock),
                new LoginRateLimiter(config.loginAttemptsPerMinute(), config.loginAttemptsPerAddressPerMinute()),
                config.nodes().heartbeatInterval()).routes());
        routes.addAll(new WebhookRoutes(database, secrets, runtime, config.webhooks(), meters, clock).routes());
        jobQueue = new JobQueue(database, clock, new RetryPolicy(config.tasks().retryBase(), config.tasks().retryMax()));
        WorkSignal workSignal = new WorkSignal(new JobWakeups(settings));
        workSignal.start();
        closeables.add(workSignal);
        routes.addAll(new TaskRoutes(database, workSignal, config.tasks(), Duration.ofSeconds(15), inference).routes());
        routes.addAll(new NodeJobRoutes(database, jobQueue, workSignal, config.tasks()).routes());
        routes.addAll(new dev.roost.server.jails.JailRoutes(nodeRuntime).routes());
        dev.roost.gateway.ModelGateway modelGateway = new dev.roost.gateway.ModelGateway(database, secrets, config.gateway(),
                meters, clock);
        closeables.add(modelGateway); // closed after the HTTP server stops: it writes the usage still queued
        this.modelGateway = modelGateway;
        routes.addAll(new dev.roost.server.gateway.GatewayAdminRoutes(secrets, modelGateway).routes());
        routes.addAll(new dev.roost.server.gateway.GatewayRoutes(modelGateway).routes());
        routes.addAll(new dev.roost.server.gateway.InferenceRoutes(inference).routes());
        // Prompt tasks are answered here, through the gateway in process; closed before the gateway writes its last usage.
        dev.roost.server.tasks.PromptRunner promptRunner = new dev.roost.server.tasks.PromptRunner(database, jobQueue, workSignal,
                config.tasks(), modelGateway, managedKeys, inference, clock, 16);
        openApi.set(OpenApiDocument.build(routes, Version.current()));

        // The web console: pages under /console that forward to the API routes above (same rules, same audit).
        Map<String, ApiRoute> apiByKey = new java.util.HashMap<>();
        routes.forEach(r -> apiByKey.put(r.key(), r));
        Pages consolePages = new Pages();
        ConsoleFront consoleFront = new ConsoleFront(clock, config.publicUrl(), consolePages);
        routes.addAll(new ConsoleRoutes(apiByKey, consoleFront, consolePages, authRoutes).routes());

        http = new HttpApi(routes, database, authenticator, consoleFront, meters, clock, config.bindAddress(), config.port(),
                config.maxRequestBytes(), new dev.roost.server.gateway.GatewayFrontDoor(modelGateway, config.maxRequestBytes(),
                meters));
        http.start();
        closeables.add(http::stop);

        if (runtime.isPresent() && !config.reconcilerEnabled()) {
            log.info("The reconciler is off on this server (ROOST_RECONCILER=off): it serves the API only");
        }
        if (runtime.isPresent() && config.reconcilerEnabled()) {
            Reconciler started = new Reconciler(database, new LeaderLock(settings, "reconciler", List.of(InstanceRepository.CHANNEL)),
                    runtime.get(), secrets, instanceService, policy, clock, meters, Reconciler.Settings.defaults(config.reconcileInterval()),
                    managedKeys, modelGateway);
            closeables.add(started); // closed before the runtime and the database
            started.start();
            reconciler = Optional.of(started);
        }

        NodeHeartbeatWatcher nodeWatcher = new NodeHeartbeatWatcher(database, config.nodes(), clock, meters);
        nodeWatcher.start();
        closeables.add(nodeWatcher);
        this.nodeWatcher = nodeWatcher;

        promptRunner.start();
        closeables.add(promptRunner);

        leaseReaper = new LeaseReaper(jobQueue, config.tasks().reaperInterval());
        leaseReaper.start();
        closeables.add(leaseReaper);

        ExpiredRecordsSweeper sweeper = new ExpiredRecordsSweeper(database, clock, Duration.ofHours(1), meters);
        sweeper.start();
        closeables.add(sweeper);

        readiness.markStarted();
        log.info("Roost {} ready at {} in {} ms", Version.current(), url(), (System.nanoTime() - t0) / 1_000_000);
    }

    public String url() {
        String host = config.bindAddress().equals("0.0.0.0") || config.bindAddress().equals("::") ? "127.0.0.1"
                : config.bindAddress();
        if (config.publicUrl() != null) {
            return config.publicUrl();
        }
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + http.port();
    }

    public int port() {
        return http.port();
    }

    public FirstStart.Outcome firstStart() {
        return firstStart;
    }

    public Database database() {
        return database;
    }

    /** The workspace secret store (for tests and, later, the runtime that injects values). */
    public SecretStore secrets() {
        return secrets;
    }

    /** Where instances run; empty when the server runs none (setting {@code runtime=none}, or no Docker found). */
    public Optional<Runtime> runtime() {
        return runtime;
    }

    /** Sandboxed instances on joined nodes (also when another runtime is given or selected). */
    public dev.roost.server.jails.NodeRuntime nodeRuntime() {
        return nodeRuntime;
    }

    /** The reconciler; empty when the server has no runtime. */
    public Optional<Reconciler> reconciler() {
        return reconciler;
    }

    /** The duty that marks silent nodes NOT_READY and LOST (tests run a pass by hand after moving the clock). */
    public NodeHeartbeatWatcher nodeWatcher() {
        return nodeWatcher;
    }

    /** The durable job queue that tasks run through. */
    public JobQueue jobQueue() {
        return jobQueue;
    }

    /** The duty that takes back expired task leases (tests run a pass by hand). */
    public LeaseReaper leaseReaper() {
        return leaseReaper;
    }

    /** The model gateway's data plane (tests flush its usage records). */
    public dev.roost.gateway.ModelGateway modelGateway() {
        return modelGateway;
    }

    public HttpApi http() {
        return http;
    }

    public RoostConfig config() {
        return config;
    }

    /** Stops accepting requests, then stops background work, the pool and the embedded database. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        readiness.markStopping();
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                log.warn("Error while stopping {}", closeables.get(i), e);
            }
        }
        log.info("Roost stopped");
    }
}
