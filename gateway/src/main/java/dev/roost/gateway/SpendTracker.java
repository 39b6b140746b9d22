package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Database;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each budgeted key has spent in its current period, on this server: read from the usage
 * table the first time a key is seen in a period, then kept current from the records this
 * server meters (before they are written). Thread-safe.
 */
final class SpendTracker {
    private record Spend(Instant periodStart, AtomicLong micros) {
    }

    private final Database database;
    private final ConcurrentHashMap<UUID, Spend> spends = new ConcurrentHashMap<>();

    SpendTracker(Database database) {
        this.database = requireNonNull(database, "database is null");
    }

    long spent(VirtualKey key, Instant now) {
        Instant start = key.budget().period().start(now);
        Spend spend = spends.get(key.id());
        if (spend == null || !spend.periodStart().equals(start)) {
            // One read per key and period, however many requests arrive together.
            spend = spends.compute(key.id(), (id, current) -> current != null && current.periodStart().equals(start) ? current
                    : new Spend(start, new AtomicLong(database.read(s -> new GatewayRepository(s.handle())
                            .spentSince(id, start)))));
        }
        return spend.micros().get();
    }

    void add(UUID keyId, Budget budget, Instant at, long micros) {
        if (budget == null || micros <= 0) {
            return;
        }
        Spend spend = spends.get(keyId);
        if (spend != null && spend.periodStart().equals(budget.period().start(at))) {
            spend.micros().addAndGet(micros);
        }
    }
}
