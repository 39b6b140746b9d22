package dev.roost.sandbox.egress;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How the node's egress proxy behaves. Every setting has a default that works
 * ({@link #defaults()}); {@link #fromEnvironment} reads the {@code ROOST_EGRESS_*} variables.
 *
 * @param gateway               the node's model gateway, {@code host:port}: reachable by every job with egress under the name
 *                              {@value EgressProxy#GATEWAY_HOST}, even on a private or loopback address; empty: none
 * @param socketDirectory       where the proxy makes its per-job Unix sockets (in a fresh 0711 directory of its own); the
 *                              path must stay short (a Unix socket path has at most 107 bytes)
 * @param bridge                what carries a job's TCP connections to its socket inside the jail
 * @param connectTimeout        to connect to an upstream (per address tried)
 * @param resolveTimeout        to resolve a host name
 * @param headerTimeout         for a job to send a complete request head
 * @param idleTimeout           a connection that moves no byte in either direction this long is closed
 * @param maxHeaderBytes        request line and headers together
 * @param maxConnectionsPerJob  connections one job may have open at once
 */
public record EgressSettings(Optional<HostPort> gateway, Path socketDirectory, Bridge bridge, Duration connectTimeout,
                             Duration resolveTimeout, Duration headerTimeout, Duration idleTimeout, int maxHeaderBytes,
                             int maxConnectionsPerJob) {

    /** What runs inside the jail, listening on {@code 127.0.0.1:3128}, and forwards each connection to the job's socket. */
    public enum Bridge {
        /** perl when it is there with its {@code Socket} module (Debian's essential {@code perl-base}), else the node's own JVM. */
        AUTO,
        /** A small perl script: about 6 MiB and 30 ms per job. */
        PERL,
        /** A small Java program on the node's own JVM: always there, but about 25 MiB and 150 ms per job. */
        JAVA
    }

    /** A host name or address and a port. */
    public record HostPort(String host, int port) {
        public HostPort {
            requireNonNull(host, "host is null");
            if (host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("not a host:port: " + host + ":" + port);
            }
        }

        /**
         * {@code host:port}, {@code [v6]:port}, or an {@code http://} URL such as the node config's
         * {@code gatewayUrl} (port 80 when it names none; the path is ignored). An {@code https://}
         * gateway is refused: the proxy relays a job's plain HTTP to the gateway and does not
         * speak TLS to it.
         */
        public static HostPort parse(String text) {
            String s = text.strip();
            if (s.regionMatches(true, 0, "https://", 0, 8)) {
                throw new IllegalArgumentException("the egress proxy reaches the gateway over plain http on the node's network;"
                        + " an https gateway URL is not supported: " + text);
            }
            if (s.regionMatches(true, 0, "http://", 0, 7)) {
                String authority = s.substring(7).split("[/?#]", 2)[0];
                if (authority.isEmpty() || authority.contains("@")) {
                    throw new IllegalArgumentException("expected http://host[:port], got '" + text + "'");
                }
                boolean hasPort = authority.startsWith("[") ? authority.contains("]:") : authority.contains(":");
                s = hasPort ? authority : authority + ":80";
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("expected host:port, got '" + text + "'");
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                return new HostPort(host, Integer.parseInt(s.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected host:port, got '" + text + "'", e);
            }
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public EgressSettings {
        requireNonNull(gateway, "gateway is null");
        requireNonNull(socketDirectory, "socketDirectory is null");
        requireNonNull(bridge, "bridge is null");
        for (Duration d : new Duration[] {connectTimeout, resolveTimeout, headerTimeout, idleTimeout}) {
            requireNonNull(d, "timeout is null");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("egress timeouts must be positive, got " + d);
            }
        }
        if (maxHeaderBytes < 1024 || maxHeaderBytes > 1 << 20) {
            throw new IllegalArgumentException("maxHeaderBytes must be between 1 KiB and 1 MiB, got " + maxHeaderBytes);
        }
        if (maxConnectionsPerJob < 1) {
            throw new IllegalArgumentException("maxConnectionsPerJob must be at least 1, got " + maxConnectionsPerJob);
        }
        socketDirectory = socketDirectory.toAbsolutePath().normalize();
    }

    /** No gateway, sockets under {@code /tmp}, automatic bridge, 10 s to connect, 5 s to resolve, 10 s for a request head, 5 min idle, 16 KiB heads, 64 connections per job. */
    public static EgressSettings defaults() {
        return new EgressSettings(Optional.empty(), Path.of("/tmp"), Bridge.AUTO, Duration.ofSeconds(10), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofMinutes(5), 16 * 1024, 64);
    }

    /**
     * Defaults overridden by {@code ROOST_EGRESS_GATEWAY} ({@code host:port} or {@code http://host:port}), {@code ROOST_EGRESS_SOCKET_DIR},
     * {@code ROOST_EGRESS_BRIDGE} ({@code auto}, {@code perl}, {@code java}), {@code ROOST_EGRESS_IDLE_TIMEOUT_SECONDS}
     * and {@code ROOST_EGRESS_MAX_CONNECTIONS_PER_JOB}.
     */
    public static EgressSettings fromEnvironment(Map<String, String> env) {
        EgressSettings d = defaults();
        String gateway = env.get("ROOST_EGRESS_GATEWAY");
        String dir = env.get("ROOST_EGRESS_SOCKET_DIR");
        String bridge = env.get("ROOST_EGRESS_BRIDGE");
        String idle = env.get("ROOST_EGRESS_IDLE_TIMEOUT_SECONDS");
        String connections = env.get("ROOST_EGRESS_MAX_CONNECTIONS_PER_JOB");
        return new EgressSettings(
                blank(gateway) ? d.gateway() : Optional.of(HostPort.parse(gateway)),
                blank(dir) ? d.socketDirectory() : Path.of(dir.strip()),
                blank(bridge) ? d.bridge() : Bridge.valueOf(bridge.strip().toUpperCase(java.util.Locale.ROOT)),
                d.connectTimeout(), d.resolveTimeout(), d.headerTimeout(),
                blank(idle) ? d.idleTimeout() : Duration.ofSeconds(Long.parseLong(idle.strip())),
                d.maxHeaderBytes(),
                blank(connections) ? d.maxConnectionsPerJob() : Integer.parseInt(connections.strip()));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    public EgressSettings withGateway(HostPort address) {
        return withGateway(Optional.of(address));
    }

    /** The same settings with this gateway, or none. */
    public EgressSettings withGateway(Optional<HostPort> address) {
        return new EgressSettings(address, socketDirectory, bridge, connectTimeout, resolveTimeout, headerTimeout,
                idleTimeout, maxHeaderBytes, maxConnectionsPerJob);
    }

    public EgressSettings withBridge(Bridge kind) {
        return new EgressSettings(gateway, socketDirectory, kind, connectTimeout, resolveTimeout, headerTimeout, idleTimeout,
                maxHeaderBytes, maxConnectionsPerJob);
    }

    public EgressSettings withTimeouts(Duration header, Duration idle) {
        return new EgressSettings(gateway, socketDirectory, bridge, connectTimeout, resolveTimeout, header, idle, maxHeaderBytes,
                maxConnectionsPerJob);
    }

    public EgressSettings withMaxConnectionsPerJob(int max) {
        return new EgressSettings(gateway, socketDirectory, bridge, connectTimeout, resolveTimeout, headerTimeout, idleTimeout,
                maxHeaderBytes, max);
    }
}
