package dev.roost.sandbox.egress;

import dev.roost.sandbox.EgressConnection;
import dev.roost.sandbox.EgressSummary;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's door to the egress proxy: a Unix socket of its own, bound into the job's jail, so
 * every connection on it is that job's and is judged by that job's allowlist; nothing the job
 * sends can claim otherwise. Logs and counts every connection. {@link #finish()} shuts the door,
 * ends what is still open and returns the job's {@link EgressSummary}. Thread-safe.
 */
public final class EgressSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EgressSession.class);

    private final EgressProxy proxy;
    private final String jobId;
    private final DomainAllowlist allowlist;
    private final Path socket;
    private final ServerSocketChannel listener;
    private final Set<ProxyConnection> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger admittedCount = new java.util.concurrent.atomic.AtomicInteger();
    private final Object lock = new Object();
    // Guarded by lock.
    private final List<EgressConnection> listed = new ArrayList<>();
    private long allowed;
    private long denied;
    private long failed;
    private long bytesSent;
    private long bytesReceived;
    private long unlisted;
    private boolean closed;
    private EgressSummary summary;

    EgressSession(EgressProxy proxy, String jobId, List<String> egressAllow, Path socket, OptionalInt uid, OptionalInt gid)
            throws IOException {
        this.proxy = proxy;
        this.jobId = jobId;
        this.allowlist = new DomainAllowlist(egressAllow);
        this.socket = socket;
        this.listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listener.bind(UnixDomainSocketAddress.of(socket), 64);
            // Only the job's user (or the node's, when it runs jobs as itself) may connect.
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            if (uid.isPresent()) {
                Files.setAttribute(socket, "unix:uid", uid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(socket, "unix:gid", gid.orElse(uid.getAsInt()), LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException | RuntimeException e) {
            listener.close();
            Files.deleteIfExists(socket);
            throw e;
        }
        Thread.ofVirtual().name("roost-egress-accept-" + jobId).start(this::acceptLoop);
    }

    /** The Unix socket on the host, to bind into the job's jail. */
    public Path socket() {
        return socket;
    }

    public String jobId() {
        return jobId;
    }

    EgressSettings settings() {
        return proxy.settings();
    }

    EgressNetwork network() {
        return proxy.network();
    }

    DomainAllowlist allowlist() {
        return allowlist;
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            // Beyond the limit a connection is still read, to answer its request with a clear 403, never served;
            // beyond twice the limit it is closed at once, so that a flood holds no more of the node's descriptors.
            int max = settings().maxConnectionsPerJob();
            if (open.size() >= 2 * max) {
                try {
                    c.close();
                } catch (IOException e) {
                    // closed anyway
                }
                record(new EgressConnection(java.time.Instant.now(), EgressConnection.Kind.HTTP, "?", 0,
                        EgressConnection.Decision.DENIED, EgressConnection.Reason.TOO_MANY_CONNECTIONS, 0, 0, Duration.ZERO));
                continue;
            }
            boolean admitted = admittedCount.incrementAndGet() <= max;
            if (!admitted) {
                admittedCount.decrementAndGet();
            }
            ProxyConnection connection = new ProxyConnection(this, c, admitted);
            open.add(connection);
            proxy.watch(connection);
            synchronized (lock) {
                if (closed) {
                    connection.closeQuietly();
                }
            }
            Thread.ofVirtual().name("roost-egress-" + jobId).start(connection);
        }
    }

    /** Called once per connection as it ends. */
    void finished(ProxyConnection connection, EgressConnection record) {
        open.remove(connection);
        proxy.unwatch(connection);
        if (connection.admitted()) {
            admittedCount.decrementAndGet();
        }
        record(record);
    }

    private void record(EgressConnection record) {
        synchronized (lock) {
            switch (record.decision()) {
                case ALLOWED -> allowed++;
                case DENIED -> denied++;
                case FAILED -> failed++;
            }
            bytesSent += record.bytesSent();
            bytesReceived += record.bytesReceived();
            if (listed.size() < EgressSummary.MAX_LISTED) {
                listed.add(record);
            } else {
                unlisted++;
            }
            // Counted node-wide before finish() can wake, so the totals agree with the summary it returns.
            proxy.count(record);
            lock.notifyAll();
        }
        // Where the job went and what came of it; never a path, query or header.
        LOG.info("egress job={} {} {}:{} {} reason={} sent={} received={} ms={}", jobId, record.kind(), record.host(), record.port(),
                record.decision(), record.reason().code(), record.bytesSent(), record.bytesReceived(), record.duration().toMillis());
    }

    /** What the job did so far. */
    public EgressSummary summary() {
        synchronized (lock) {
            return summary != null ? summary
                    : new EgressSummary(true, allowed, denied, failed, bytesSent, bytesReceived, listed, unlisted);
        }
    }

    /**
     * Stops accepting, closes the connections still open, waits (briefly) until each is recorded,
     * removes the socket and returns the final summary. Idempotent.
     */
    public EgressSummary finish() {
        synchronized (lock) {
            if (summary != null) {
                return summary;
            }
            closed = true;
        }
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        open.forEach(ProxyConnection::closeQuietly);
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        synchronized (lock) {
            while (!open.isEmpty() && System.nanoTime() < until) {
                try {
                    lock.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove the egress socket {}: {}", socket, e.toString());
        }
        proxy.closed(this);
        synchronized (lock) {
            summary = new EgressSummary(true, allowed, denied, failed, bytesSent, bytesReceived, listed, unlisted);
            return summary;
        }
    }

    /** {@link #finish()}, for try-with-resources. */
    @Override
    public void close() {
        finish();
    }
}
