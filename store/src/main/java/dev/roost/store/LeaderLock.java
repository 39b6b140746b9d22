package dev.roost.store;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Leadership among server replicas by a PostgreSQL session advisory lock, held on a dedicated
 * connection outside the pool for as long as this replica leads. The same connection LISTENs on
 * the given channels, so the leader wakes when a change is committed. If the connection drops,
 * PostgreSQL releases the lock; {@link #await} and {@link #stillHeld} then report the loss and
 * the holder must stop acting until it acquires the lock again.
 *
 * <p>Used only from its owner's thread, except {@link #close()}, which any thread may call to
 * end a blocked {@link #await}.
 */
public final class LeaderLock implements AutoCloseable {
    private final ConnectionSettings settings;
    private final String name;
    private final List<String> channels;
    private volatile Connection connection;

    public LeaderLock(ConnectionSettings settings, String name, List<String> channels) {
        this.settings = requireNonNull(settings, "settings is null");
        this.name = requireNonNull(name, "name is null");
        this.channels = List.copyOf(channels);
        for (String channel : this.channels) {
            if (!channel.matches("[a-z_][a-z0-9_]*")) {
                throw new IllegalArgumentException("not a plain channel name: " + channel);
            }
        }
    }

    /** Thrown when the lock's connection failed: leadership is lost. */
    public static final class LostException extends Exception {
        LostException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Takes the lock if no other session holds it; true when this replica now leads (or already did). */
    public boolean tryAcquire() throws SQLException {
        if (connection != null) {
            return true;
        }
        Properties props = new Properties();
        if (settings.username() != null) {
            props.setProperty("user", settings.username());
        }
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("ApplicationName", "roost-leader:" + name);
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        Connection c = DriverManager.getConnection(settings.jdbcUrl(), props);
        boolean ok = false;
        try {
            boolean acquired;
            try (PreparedStatement st = c.prepareStatement("SELECT pg_try_advisory_lock(hashtextextended(?, 0))")) {
                st.setString(1, "roost.leader:" + name);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    acquired = rs.getBoolean(1);
                }
            }
            if (!acquired) {
                return false;
            }
            try (Statement st = c.createStatement()) {
                for (String channel : channels) {
                    st.execute("LISTEN " + channel);
                }
            }
            connection = c;
            ok = true;
            return true;
        } finally {
            if (!ok) {
                c.close();
            }
        }
    }

    public boolean isHeld() {
        return connection != null;
    }

    /** Checks the connection (and so the lock) is still there; releases everything when it is not. */
    public boolean stillHeld() {
        Connection c = connection;
        if (c == null) {
            return false;
        }
        try {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT 1");
            }
            return true;
        } catch (SQLException e) {
            close();
            return false;
        }
    }

    /**
     * Waits up to {@code timeout} for notifications and returns their payloads (empty when none
     * came). Fails with {@link LostException} when the connection broke, after releasing it.
     */
    public List<String> await(Duration timeout) throws LostException {
        Connection c = connection;
        if (c == null) {
            throw new LostException("not leading", null);
        }
        try {
            PGNotification[] notifications = c.unwrap(PGConnection.class)
                    .getNotifications((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            List<String> payloads = new ArrayList<>();
            if (notifications != null) {
                for (PGNotification n : notifications) {
                    payloads.add(n.getParameter());
                }
            }
            return payloads;
        } catch (SQLException e) {
            close();
            throw new LostException("the leader connection failed: " + e.getMessage(), e);
        }
    }

    /** Gives up leadership (closing the connection releases the lock). Safe from any thread, repeatable. */
    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // The connection is gone either way, and with it the lock.
            }
        }
    }
}
