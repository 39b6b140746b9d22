package dev.roost.store;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Roost's PostgreSQL: a connection pool, migrations, and units of work. Every mutation runs in
 * {@link #transaction(SessionWork)} so it is committed whole or not at all, together with its
 * audit entry.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
    }

    /** Connects a pool; fails with a readable message when the database cannot be reached. */
    public static Database connect(ConnectionSettings settings) {
        requireNonNull(settings, "settings is null");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        if (settings.username() != null) {
            config.setUsername(settings.username());
        }
        if (settings.password() != null) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(settings.poolSize());
        config.setMinimumIdle(Math.min(2, settings.poolSize()));
        config.setPoolName("roost-db");
        config.setConnectionTimeout(Duration.ofSeconds(10).toMillis());
        config.setInitializationFailTimeout(Duration.ofSeconds(30).toMillis());
        config.addDataSourceProperty("ApplicationName", "roost");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        refuseBadCredentials(settings);
        try {
            return new Database(new HikariDataSource(config));
        } catch (RuntimeException e) {
            throw new DatabaseUnavailableException(
                    "Cannot connect to PostgreSQL at " + settings.redactedUrl() + ": " + rootMessage(e), e);
        }
    }

    /** Applies pending migrations; returns how many were applied. */
    public int migrate() {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .table("roost_schema_history")
                .baselineOnMigrate(false)
                .load()
                .migrate();
        if (result.migrationsExecuted > 0) {
            log.info("Applied {} database migration(s), schema now at version {}", result.migrationsExecuted,
                    result.targetSchemaVersion);
        }
        return result.migrationsExecuted;
    }

    /** Runs {@code work} in one READ COMMITTED transaction; rolls back on any exception. */
    public <T, X extends Exception> T transaction(SessionWork<T, X> work) throws X {
        return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, handle -> work.run(new Session(handle)));
    }

    /** Runs read-only {@code work} on one connection in autocommit mode. */
    public <T, X extends Exception> T read(SessionWork<T, X> work) throws X {
        return jdbi.withHandle(handle -> work.run(new Session(handle)));
    }

    /** Work done with a session; may throw a checked exception, which is passed through after rollback. */
    @FunctionalInterface
    public interface SessionWork<T, X extends Exception> {
        T run(Session session) throws X;
    }

    /** Opens an autocommit session for reads; the caller closes it. */
    public Session open() {
        return new Session(jdbi.open());
    }

    /** True when a trivial query answers within the pool's connection timeout. */
    public boolean ping() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /**
     * The pool retries for a while when the database is not up yet; wrong credentials or a missing
     * database never get better, so one direct attempt tells them apart and fails at once.
     */
    private static void refuseBadCredentials(ConnectionSettings settings) {
        java.util.Properties props = new java.util.Properties();
        if (settings.username() != null) {
            props.setProperty("user", settings.username());
        }
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("connectTimeout", "10");
        try (java.sql.Connection ignored = java.sql.DriverManager.getConnection(settings.jdbcUrl(), props)) {
            // reachable and accepted
        } catch (java.sql.SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (state.startsWith("28") || state.equals("3D000")) {
                throw new DatabaseUnavailableException("PostgreSQL at " + settings.redactedUrl() + " refused the connection: "
                        + e.getMessage() + ". Check the user, password and database name in the database URL.", e);
            }
            // Not reachable yet: let the pool wait for it.
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
