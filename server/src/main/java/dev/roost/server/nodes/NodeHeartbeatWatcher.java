package dev.roost.server.nodes;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.node.Node;
import dev.roost.server.config.NodeSettings;
import dev.roost.store.Database;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks nodes that stopped heartbeating: READY to NOT_READY after {@code notReadyAfter}, to LOST
 * after {@code lostAfter}. Each change is one conditional UPDATE, so several server replicas may
 * run this duty at once without disagreeing. Runs on its own thread; a failed pass is logged and
 * counted, and the next runs as planned.
 */
public final class NodeHeartbeatWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeHeartbeatWatcher.class);

    private final Database database;
    private final NodeSettings settings;
    private final Clock clock;
    private final Counter failures;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("roost-node-watcher").daemon(true).factory());

    public NodeHeartbeatWatcher(Database database, NodeSettings settings, Clock clock, MeterRegistry meters) {
        this.database = requireNonNull(database, "database is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.failures = meters.counter("roost.background.failures", "task", "node-heartbeat-watcher");
    }

    public void start() {
        long period = settings.watchInterval().toMillis();
        executor.scheduleWithFixedDelay(this::checkQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    /** One pass; returns the nodes whose state changed, in their new state. */
    public List<Node> check() {
        Instant now = clock.instant();
        String passId = "node-watch-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        return database.transaction(session -> {
            List<Node> changed = session.nodes().markSilent(now, now.minus(settings.notReadyAfter()),
                    now.minus(settings.lostAfter()));
            for (Node node : changed) {
                session.audit().append(new AuditEvent("node-heartbeat-watcher", "node.state", "node", node.id().toString(), null, passId,
                        Map.of("name", node.name(), "to", node.state().name(),
                                "lastHeartbeatAt", node.lastHeartbeatAt().toString()), List.of()));
            }
            return changed;
        });
    }

    private void checkQuietly() {
        try {
            for (Node node : check()) {
                log.warn("Node {} ({}) is {}: no heartbeat since {}", node.name(), node.id(), node.state(),
                        node.lastHeartbeatAt());
            }
        } catch (RuntimeException e) {
            failures.increment();
            log.warn("Checking node heartbeats failed; will retry in {}", settings.watchInterval(), e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
