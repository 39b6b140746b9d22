package dev.roost.sandbox.egress;

import static java.util.Objects.requireNonNull;

import dev.roost.sandbox.EgressConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's egress proxy: the only way out of a sandbox, for jobs that declare
 * {@code egressAllow}. An HTTP forward proxy (absolute-URI requests for {@code http://}, and
 * {@code CONNECT} tunnels for TLS) that denies by default, lets a job reach only the host names
 * of its allowlist, and after resolving a name refuses every special-purpose address
 * ({@link SpecialAddresses}: private, loopback, link-local and the metadata service, multicast, …)
 * whatever the allowlist says, connecting to exactly the address it checked. The one exception
 * is the node's model gateway ({@link EgressSettings#gateway()}), which jobs reach as
 * {@value #GATEWAY_HOST} on whatever address the operator configured.
 *
 * <p>One proxy per node process, shared by all jobs: each job gets its own
 * {@link EgressSession} with a Unix socket of its own (the socket, not anything the job sends,
 * says which job is asking), while the proxy holds what is per node: settings, the network,
 * the socket directory, node-wide counters and one watchdog thread for timeouts. Connections run
 * on virtual threads. Thread-safe.
 */
public final class EgressProxy implements AutoCloseable {
    /** The name under which jobs reach the node's model gateway. {@code .internal} is reserved for private use (ICANN, 2024). */
    public static final String GATEWAY_HOST = "gateway.roost.internal";
    private static final Logger LOG = LoggerFactory.getLogger(EgressProxy.class);
    /** A Unix socket path holds at most 107 bytes and a NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    /** Replaced whole when the gateway moves; each connection decides with the settings of its moment. */
    private volatile EgressSettings settings;
    private final EgressNetwork network;
    private final Set<ProxyConnection> watched = ConcurrentHashMap.newKeySet();
    private final Set<EgressSession> sessions = ConcurrentHashMap.newKeySet();
    private final LongAdder allowed = new LongAdder();
    private final LongAdder denied = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final Object lock = new Object();
    // Guarded by lock.
    private Path socketDirectory;
    private Thread watchdog;
    private boolean closed;

    /** Node-wide counts since the proxy was made. */
    public record Totals(long allowed, long denied, long failed, long bytesSent, long bytesReceived, int openSessions) {
    }

    public EgressProxy(EgressSettings settings) {
        this(settings, EgressNetwork.SYSTEM);
    }

    /** With another network: tests name their own hosts and reach them on this machine. */
    public EgressProxy(EgressSettings settings, EgressNetwork network) {
        this.settings = requireNonNull(settings, "settings is null");
        this.network = requireNonNull(network, "network is null");
    }

    public EgressSettings settings() {
        return settings;
    }

    /**
     * Points {@value #GATEWAY_HOST} at another model gateway (or at none), without a restart:
     * connections from then on go there; those already open stay where they are. Jobs started
     * while there is no gateway do not get {@code ROOST_GATEWAY_URL}.
     */
    public void useGateway(java.util.Optional<EgressSettings.HostPort> gateway) {
        requireNonNull(gateway, "gateway is null");
        synchronized (lock) {
            settings = settings.withGateway(gateway);
        }
        LOG.info("egress proxy: the model gateway is now {}", gateway.map(Object::toString).orElse("none"));
    }

    EgressNetwork network() {
        return network;
    }

    /**
     * Opens a job's session: a fresh Unix socket that only {@code uid} (when given; else this
     * process's user) may connect to.
     *
     * @param jobId       names the job in logs (letters, digits, {@code . _ -})
     * @param egressAllow the job's allowlist ({@link dev.roost.sandbox.SandboxJob#egressAllow()})
     * @throws IOException when the socket cannot be made
     */
    public EgressSession open(String jobId, List<String> egressAllow, OptionalInt uid, OptionalInt gid) throws IOException {
        requireNonNull(jobId, "jobId is null");
        if (!jobId.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("job id must be letters, digits, '.', '_' or '-': " + jobId);
        }
        Path dir;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the egress proxy is closed");
            }
            dir = makeSocketDirectory();
            if (watchdog == null) {
                watchdog = Thread.ofVirtual().name("roost-egress-watchdog").start(this::watchdogLoop);
            }
        }
        Path socket = dir.resolve(HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".sock");
        EgressSession session = new EgressSession(this, jobId, egressAllow, socket, uid, gid);
        sessions.add(session);
        return session;
    }

    /**
     * Opens a session on a socket path the caller chose (a long-running jail keeps one path
     * across server restarts, so a relay started by an earlier server still finds it). A stale
     * socket file at that path is replaced. The directory must exist and be the caller's.
     */
    public EgressSession openAt(String jobId, List<String> egressAllow, Path socket, OptionalInt uid, OptionalInt gid) throws IOException {
        requireNonNull(jobId, "jobId is null");
        requireNonNull(socket, "socket is null");
        if (!jobId.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("job id must be letters, digits, '.', '_' or '-': " + jobId);
        }
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IOException("the egress socket path " + socket + " is too long for a Unix socket (at most " + MAX_SOCKET_PATH
                    + " bytes)");
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the egress proxy is closed");
            }
            if (watchdog == null) {
                watchdog = Thread.ofVirtual().name("roost-egress-watchdog").start(this::watchdogLoop);
            }
        }
        Files.deleteIfExists(socket);
        EgressSession session = new EgressSession(this, jobId, egressAllow, socket, uid, gid);
        sessions.add(session);
        return session;
    }

    /** Made on first use: a fresh directory (random name, so nobody can make it first) that others may traverse, not list. */
    private Path makeSocketDirectory() throws IOException {
        if (socketDirectory == null) {
            Files.createDirectories(settings.socketDirectory());
            Path dir = Files.createTempDirectory(settings.socketDirectory(), "roost-egress-");
            // The job's bubblewrap runs as the job user and must pass through to bind the socket.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            int longest = dir.toString().getBytes(StandardCharsets.UTF_8).length + 1 + 16 + ".sock".length();
            if (longest > MAX_SOCKET_PATH) {
                Files.deleteIfExists(dir);
                throw new IOException("the egress socket directory " + dir + " is too long for a Unix socket path (at most "
                        + MAX_SOCKET_PATH + " bytes with the socket name); set ROOST_EGRESS_SOCKET_DIR to a shorter path");
            }
            socketDirectory = dir;
        }
        return socketDirectory;
    }

    /** The directory of the per-job sockets, once the first session made it (for diagnostics and tests). */
    public java.util.Optional<Path> socketDirectory() {
        synchronized (lock) {
            return java.util.Optional.ofNullable(socketDirectory);
        }
    }

    /** Node-wide counts. */
    public Totals totals() {
        return new Totals(allowed.sum(), denied.sum(), failed.sum(), bytesSent.sum(), bytesReceived.sum(), sessions.size());
    }

    void count(EgressConnection record) {
        switch (record.decision()) {
            case ALLOWED -> allowed.increment();
            case DENIED -> denied.increment();
            case FAILED -> failed.increment();
        }
        bytesSent.add(record.bytesSent());
        bytesReceived.add(record.bytesReceived());
    }

    void watch(ProxyConnection connection) {
        watched.add(connection);
    }

    void unwatch(ProxyConnection connection) {
        watched.remove(connection);
    }

    void closed(EgressSession session) {
        sessions.remove(session);
    }

    /** Closes connections past their deadline (no complete request head in time, or idle); runs while the proxy is open. */
    private void watchdogLoop() {
        while (true) {
            synchronized (lock) {
                if (closed) {
                    return;
                }
            }
            try {
                long now = System.nanoTime();
                for (ProxyConnection c : watched) {
                    if (now - c.deadline() > 0) {
                        watched.remove(c);
                        c.expire();
                    }
                }
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("egress watchdog: {}", e.toString(), e);
            }
        }
    }

    /** Closes every session and removes the socket directory. */
    @Override
    public void close() {
        Thread w;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            w = watchdog;
        }
        if (w != null) {
            w.interrupt();
        }
        List.copyOf(sessions).forEach(EgressSession::close);
        synchronized (lock) {
            if (socketDirectory != null) {
                try {
                    Files.deleteIfExists(socketDirectory);
                } catch (IOException e) {
                    LOG.warn("cannot remove the egress socket directory {}: {}", socketDirectory, e.toString());
                }
            }
        }
    }
}
