package dev.roost.store.testing;

import dev.roost.store.ConnectionSettings;
import dev.roost.store.Database;
import dev.roost.store.EmbeddedDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per test JVM, and a fresh database for each caller, cloned from
 * a migrated template so a test starts from an empty schema in milliseconds.
 * <p>
 * By default the server is Roost's embedded PostgreSQL. With {@code -Droost.test.postgres=external}
 * it is a separate server started from the PostgreSQL binaries installed on the machine
 * ({@code /usr/lib/postgresql/<version>/bin}, or {@code -Droost.test.postgres.bin=DIR}): the
 * external-database path an operator uses.
 */
public final class TestPostgres {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String TEMPLATE = "roost_template";
    private static volatile TestPostgres instance;

    private final String adminUrl;
    private final String user;
    private final String kind;

    private TestPostgres(String adminUrl, String user, String kind) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.kind = kind;
    }

    public static TestPostgres get() {
        TestPostgres current = instance;
        if (current == null) {
            synchronized (TestPostgres.class) {
                current = instance;
                if (current == null) {
                    current = start();
                    instance = current;
                }
            }
        }
        return current;
    }

    /** "embedded" or "external (PostgreSQL N from DIR)". */
    public String kind() {
        return kind;
    }

    /** A new, migrated, empty database. Close it when done. */
    public Database newDatabase() {
        String name = "roost_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
        return Database.connect(new ConnectionSettings(urlOf(name), user, null, 8));
    }

    /** A JDBC URL (user included) of a new, migrated, empty database, for starting a whole server on it. */
    public String newDatabaseUrl() {
        String name = "roost_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
        String url = urlOf(name);
        return url.contains("user=") ? url : url + (url.contains("?") ? "&" : "?") + "user=" + user;
    }

    /** Settings for a new empty (not migrated) database, for tests of migration itself. */
    public ConnectionSettings newEmptyDatabase() {
        String name = "roost_empty_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name);
        return new ConnectionSettings(urlOf(name), user, null, 4);
    }

    /** Runs SQL as the server's superuser on the maintenance database. */
    public void execute(String sql) {
        try (Connection c = DriverManager.getConnection(adminUrl, user, null); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test database statement failed: " + sql, e);
        }
    }

    public String urlOf(String database) {
        String url = adminUrl.replaceFirst("/postgres(\\?|$)", "/" + database + "$1");
        if (url.equals(adminUrl)) {
            throw new IllegalStateException("cannot derive a database URL from " + adminUrl);
        }
        return url;
    }

    private static TestPostgres start() {
        String mode = System.getProperty("roost.test.postgres", "embedded");
        try {
            Path root = Files.createDirectories(Path.of("target", "test-postgres"));
            TestPostgres server;
            if (mode.equals("external")) {
                ExternalPostgres external = ExternalPostgres.start(root.resolve("external-" + ProcessHandle.current().pid()));
                Runtime.getRuntime().addShutdownHook(new Thread(external::close, "test-postgres-stop"));
                server = new TestPostgres(external.jdbcUrl("postgres"), external.user(), "external (" + external.describe() + ")");
            } else {
                Path dir = Files.createTempDirectory(root, "embedded-");
                EmbeddedDatabase embedded = EmbeddedDatabase.start(dir, false);
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::close, "test-postgres-stop"));
                ConnectionSettings settings = embedded.connectionSettings(1);
                server = new TestPostgres(settings.jdbcUrl(), settings.username(), "embedded");
            }
            server.execute("CREATE DATABASE " + TEMPLATE);
            try (Database template = Database.connect(new ConnectionSettings(server.urlOf(TEMPLATE), server.user, null, 2))) {
                template.migrate();
            }
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("could not prepare a test PostgreSQL", e);
        }
    }
}
