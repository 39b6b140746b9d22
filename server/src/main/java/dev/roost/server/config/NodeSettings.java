package dev.roost.server.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;

/**
 * Worker node timings: a node JWT lives {@code tokenTtl}; its refresh credential
 * {@code credentialTtl} (a node silent longer must join again); a node is told to heartbeat
 * every {@code heartbeatInterval}; it is NOT_READY after {@code notReadyAfter} without a
 * heartbeat and LOST after {@code lostAfter}; the watcher looks every {@code watchInterval}.
 */
public record NodeSettings(Duration tokenTtl, Duration credentialTtl, Duration heartbeatInterval, Duration notReadyAfter,
        Duration lostAfter, Duration watchInterval) {

    public static final NodeSettings DEFAULTS = new NodeSettings(Duration.ofMinutes(10), Duration.ofDays(30),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(5));

    public NodeSettings {
        requireNonNull(tokenTtl, "tokenTtl is null");
        requireNonNull(credentialTtl, "credentialTtl is null");
        requireNonNull(heartbeatInterval, "heartbeatInterval is null");
        requireNonNull(notReadyAfter, "notReadyAfter is null");
        requireNonNull(lostAfter, "lostAfter is null");
        requireNonNull(watchInterval, "watchInterval is null");
        for (Duration d : new Duration[] {tokenTtl, credentialTtl, heartbeatInterval, notReadyAfter, lostAfter, watchInterval}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("node timings must be positive");
            }
        }
        if (tokenTtl.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("a node token must live at least 1 minute so a node can renew it in time");
        }
        if (notReadyAfter.compareTo(heartbeatInterval) <= 0 || lostAfter.compareTo(notReadyAfter) <= 0) {
            throw new IllegalArgumentException(
                    "node thresholds must grow: heartbeat interval < not-ready-after < lost-after");
        }
    }

    static NodeSettings fromEnvironment(Map<String, String> env, java.util.function.BiFunction<String, Duration, Duration> read) {
        return new NodeSettings(
                read.apply("ROOST_NODE_TOKEN_TTL", DEFAULTS.tokenTtl()),
                read.apply("ROOST_NODE_CREDENTIAL_TTL", DEFAULTS.credentialTtl()),
                read.apply("ROOST_NODE_HEARTBEAT_INTERVAL", DEFAULTS.heartbeatInterval()),
                read.apply("ROOST_NODE_NOT_READY_AFTER", DEFAULTS.notReadyAfter()),
                read.apply("ROOST_NODE_LOST_AFTER", DEFAULTS.lostAfter()),
                read.apply("ROOST_NODE_WATCH_INTERVAL", DEFAULTS.watchInterval()));
    }
}
