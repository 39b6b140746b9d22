package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import dev.roost.store.ConnectionSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Lets an idle claimer sleep until work may have arrived: LISTENs on {@link JobRepository#CHANNEL}
 * on a connection of its own, outside the pool. A notice is a hint only: a claimer still claims
 * (and finds nothing, if another was faster), and still polls now and then, because a notice is
 * lost while the connection is down and jobs in back-off become due without one.
 *
 * <p>Used only from the claimer's thread, except {@link #close()}.
 */
public final class JobWakeups implements AutoCloseable {
    private final ConnectionSettings settings;
    private volatile Connection connection;

    public JobWakeups(ConnectionSettings settings) {
        this.settings = requireNonNull(settings, "settings is null");
    }

    /**
     * Waits up to {@code timeout} for a submission; true when one was notified, or when the
     * connection failed (then the caller should just claim; the next call reconnects).
     */
    public boolean await(Duration timeout) {
        try {
            Connection c = connection();
            PGNotification[] notes = c.unwrap(PGConnection.class)
                    .getNotifications((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            return notes != null && notes.length > 0;
        } catch (SQLException e) {
            close();
            return true;
        }
    }

    private Connection connection() throws SQLException {
        Connection c = connection;
        if (c != null) {
            return c;
        }
        Properties props = new Properties();
        if (settings.username() != null) {
            props.setProperty("user", settings.username());
        }
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("ApplicationName", "roost-job-wakeups");
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        c = DriverManager.getConnection(settings.jdbcUrl(), props);
        try (Statement st = c.createStatement()) {
            st.execute("LISTEN " + JobRepository.CHANNEL);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        connection = c;
        return c;
    }

    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // Gone either way.
            }
        }
    }
}
