package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a job did through the egress proxy: counts of every connection, and the connections
 * themselves up to {@link #MAX_LISTED}, in the order they were asked for.
 *
 * @param enabled       the job had egress (a non-empty {@code egressAllow}); when false everything else is zero
 * @param allowed       connections made to an upstream
 * @param denied        connections refused by policy
 * @param failed        allowed connections whose name did not resolve or whose upstream did not answer
 * @param bytesSent     bytes from the job to upstreams, all connections together
 * @param bytesReceived bytes from upstreams to the job
 * @param connections   the first {@value #MAX_LISTED} connections
 * @param unlisted      connections counted but left out of {@link #connections}
 */
public record EgressSummary(boolean enabled, long allowed, long denied, long failed, long bytesSent, long bytesReceived,
                            List<EgressConnection> connections, long unlisted) {
    public static final int MAX_LISTED = 200;

    /** A job without egress. */
    public static final EgressSummary NONE = new EgressSummary(false, 0, 0, 0, 0, 0, List.of(), 0);

    public EgressSummary {
        requireNonNull(connections, "connections is null");
        connections = List.copyOf(connections);
        if (connections.size() > MAX_LISTED) {
            throw new IllegalArgumentException("at most " + MAX_LISTED + " connections are listed");
        }
        if (allowed < 0 || denied < 0 || failed < 0 || bytesSent < 0 || bytesReceived < 0 || unlisted < 0) {
            throw new IllegalArgumentException("egress counts must not be negative");
        }
    }

    /** All connections the job asked for. */
    public long total() {
        return allowed + denied + failed;
    }
}
