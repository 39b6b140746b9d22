package dev.roost.server.testing;

import dev.roost.core.identity.User;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.server.RoostServer;
import dev.roost.server.auth.PasswordHasher;
import dev.roost.server.config.RoostConfig;
import dev.roost.store.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A whole Roost server for a test: its own fresh database on the shared test PostgreSQL, its
 * own home directory, a free port, and a server admin {@code admin} with a known password.
 * Start one per test class ({@code @BeforeAll}) and close it after.
 */
public final class TestRoost implements AutoCloseable {
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-password-for-tests";
    /** Cheap Argon2id parameters for fixtures, so creating many users stays fast. */
    private static final PasswordHasher FAST_HASHER = new PasswordHasher(64, 1, 1);

    private final RoostServer server;
    private final Path home;

    private TestRoost(RoostServer server, Path home) {
        this.server = server;
        this.home = home;
    }

    public static TestRoost start() {
        return start(config -> config);
    }

    /** Starts with a configuration tweak, e.g. {@code c -> c.withLoginAttemptsPerMinute(3, 100)}. */
    public static TestRoost start(java.util.function.UnaryOperator<RoostConfig> tweak) {
        try {
            Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-homes")), "home-");
            return startOn(home, TestPostgres.get().newDatabaseUrl(), tweak);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts on a given home and database, e.g. again on those of a server that was closed, to
     * see what a restart makes of them.
     */
    public static TestRoost startOn(Path home, String databaseUrl, java.util.function.UnaryOperator<RoostConfig> tweak) {
        return startOn(home, databaseUrl, tweak, java.time.Clock.systemUTC());
    }

    /** Starts with a clock of the test's own, e.g. a {@link MutableClock} to pass rollout deadlines without waiting. */
    public static TestRoost start(java.util.function.UnaryOperator<RoostConfig> tweak, java.time.Clock clock) {
        return start(tweak, clock, null);
    }

    /** Starts on a runtime of the test's own (null: the fake the config selects), e.g. one shared by two servers. */
    public static TestRoost start(java.util.function.UnaryOperator<RoostConfig> tweak, java.time.Clock clock,
            dev.roost.runtime.Runtime runtime) {
        try {
            return startOn(newHome(), TestPostgres.get().newDatabaseUrl(), tweak, clock, runtime);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh, empty home directory under target/. */
    public static Path newHome() throws IOException {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-homes")), "home-");
    }

    public static TestRoost startOn(Path home, String databaseUrl, java.util.function.UnaryOperator<RoostConfig> tweak,
            java.time.Clock clock) {
        return startOn(home, databaseUrl, tweak, clock, null);
    }

    public static TestRoost startOn(Path home, String databaseUrl, java.util.function.UnaryOperator<RoostConfig> tweak,
            java.time.Clock clock, dev.roost.runtime.Runtime runtime) {
        RoostConfig config = RoostConfig.fromEnvironment(Map.of())
                .withHome(home)
                .withPort(0)
                .withDatabaseUrl(databaseUrl)
                .withAdminPassword(ADMIN_PASSWORD)
                .withLoginAttemptsPerMinute(1000, 1000)
                .withRuntime("fake");
        return new TestRoost(RoostServer.start(tweak.apply(config), clock, runtime), home);
    }

    public RoostServer server() {
        return server;
    }

    public String url() {
        return server.url();
    }

    public Path home() {
        return home;
    }

    /** A client that sends no credentials. */
    public ApiClient anonymous() {
        return new ApiClient(url(), null);
    }

    /** A client signed in as the server admin. */
    public ApiClient admin() {
        return login(ADMIN, ADMIN_PASSWORD);
    }

    public ApiClient login(String username, String password) {
        ApiClient.Response r = anonymous().post("/api/v1/auth/login", Map.of("username", username, "password", password));
        if (r.status() != 200) {
            throw new IllegalStateException("login as " + username + " failed: " + r.status() + " " + r.body());
        }
        return new ApiClient(url(), r.json().get("accessToken").asString());
    }

    /** Creates a user directly in the database (fixture) with password {@code <username>-password}. */
    public User createUser(String username, boolean serverAdmin) {
        return server.database().transaction(s -> s.users().create(username, username, FAST_HASHER.hash(password(username)),
                serverAdmin));
    }

    public static String password(String username) {
        return username + "-password";
    }

    /** Creates a workspace on a plan directly in the database (fixture). */
    public Workspace createWorkspace(String name, String plan) {
        return server.database().transaction(s -> s.workspaces().create(name, name, plan, null, Workspace.DEFAULT_ENVIRONMENTS));
    }

    public void addMember(String workspace, String username, Role role) {
        server.database().transaction(s -> {
            Workspace w = s.workspaces().findByName(workspace).orElseThrow();
            User u = s.users().findByUsername(username).orElseThrow();
            return s.memberships().put(w.id(), u.id(), role);
        });
    }

    /** Creates a user with a role in a workspace and returns a signed-in client for them. */
    public ApiClient member(String workspace, String username, Role role) {
        createUser(username, false);
        addMember(workspace, username, role);
        return login(username, password(username));
    }

    /**
     * Joins a worker node through the API (a one-use join token made by the admin) and returns a
     * client holding its node JWT.
     */
    public ApiClient joinNode(String name) {
        return new ApiClient(url(), joinNodeCredentials(name).get("nodeToken").asString());
    }

    /** Joins a worker node and returns the join answer: nodeId, nodeToken, refreshCredential. */
    public tools.jackson.databind.JsonNode joinNodeCredentials(String name) {
        ApiClient.Response token = admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1));
        if (token.status() != 201) {
            throw new IllegalStateException("creating a join token failed: " + token.status() + " " + token.body());
        }
        ApiClient.Response joined = anonymous().post("/api/v1/nodes/join", Map.of("token", token.json().get("token").asString(),
                "name", name, "capabilities", Map.of("cpus", 4, "memoryBytes", 8L << 30, "os", "linux", "arch", "amd64")));
        if (joined.status() != 201) {
            throw new IllegalStateException("joining node " + name + " failed: " + joined.status() + " " + joined.body());
        }
        return joined.json();
    }

    @Override
    public void close() {
        server.close();
    }
}
