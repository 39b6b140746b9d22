package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.SecretValue;
import dev.roost.store.Database;
import dev.roost.store.secrets.SecretStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's view of gateway configuration, cached for a few seconds so a request does
 * not touch the database: virtual keys by hash, each workspace's routing (aliases, providers
 * and their resolved keys), and the price table. The management API drops entries when it
 * changes something ({@link ConfigChanges}); a revoked key is refused at once on this server.
 * Thread-safe.
 */
final class GatewayDirectory implements ConfigChanges {
    private static final Logger log = LoggerFactory.getLogger(GatewayDirectory.class);

    /**
     * A cached value. When it is older than the time to live, one request reloads it (the one
     * that wins {@link #refreshing}) while the others go on with the old value, so an expiry
     * under load costs one database read, not one per request in flight.
     */
    private record Cached<T>(T value, long loadedAt, java.util.concurrent.atomic.AtomicBoolean refreshing) {
        Cached(T value, long loadedAt) {
            this(value, loadedAt, new java.util.concurrent.atomic.AtomicBoolean());
        }

        /** True for the one caller that should reload now. */
        boolean claimRefresh(long now, long ttlNanos) {
            return now - loadedAt > ttlNanos && refreshing.compareAndSet(false, true);
        }
    }

    /** A provider as the data plane uses it: with its key, when it has one and it can be read. */
    record Upstream(Provider provider, String key, String keyProblem) {
        @Override
        public String toString() {
            return "Upstream[" + provider.name() + "]"; // never the key
        }
    }

    /** What one workspace can route to. */
    record Routing(Map<String, ModelAlias> aliases, List<Upstream> upstreams, Map<String, Upstream> byName) {
    }

    private final Database database;
    private final SecretStore secrets;
    private final long ttlNanos;
    private final ConcurrentHashMap<ByteBuffer, Cached<VirtualKey>> keys = new ConcurrentHashMap<>();
    private final Set<UUID> revoked = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<UUID, Cached<Routing>> routing = new ConcurrentHashMap<>();
    private volatile Cached<Map<String, Price>> prices;

    GatewayDirectory(Database database, SecretStore secrets, Duration ttl) {
        this.database = requireNonNull(database, "database is null");
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.ttlNanos = ttl.toNanos();
    }

    Optional<VirtualKey> key(byte[] hash) {
        ByteBuffer id = ByteBuffer.wrap(hash);
        long now = System.nanoTime();
        Cached<VirtualKey> cached = keys.get(id);
        if (cached == null) {
            // Loaded once however many requests bring a new key together; misses are not cached,
            // so a key made a moment ago works at once.
            cached = keys.computeIfAbsent(id, k -> database.read(s -> new GatewayRepository(s.handle()).findKeyByHash(hash))
                    .map(key -> new Cached<>(key, System.nanoTime())).orElse(null));
            if (cached == null) {
                return Optional.empty();
            }
        } else if (cached.claimRefresh(now, ttlNanos)) {
            Optional<VirtualKey> loaded;
            try {
                loaded = database.read(s -> new GatewayRepository(s.handle()).findKeyByHash(hash));
            } catch (RuntimeException e) {
                cached.refreshing().set(false);
                log.warn("Reloading a virtual key failed; using it as last read", e);
                return Optional.of(cached.value());
            }
            if (loaded.isEmpty()) {
                keys.remove(id);
                return Optional.empty();
            }
            cached = new Cached<>(loaded.get(), now);
            keys.put(id, cached);
        }
        return Optional.of(cached.value());
    }

    boolean revokedHere(UUID keyId) {
        return revoked.contains(keyId);
    }

    Routing routing(UUID workspaceId) {
        long now = System.nanoTime();
        Cached<Routing> cached = routing.get(workspaceId);
        if (cached == null) {
            // The first load is done once, however many requests arrive together.
            cached = routing.computeIfAbsent(workspaceId, id -> new Cached<>(loadRouting(id), System.nanoTime()));
        } else if (cached.claimRefresh(now, ttlNanos)) {
            try {
                cached = new Cached<>(loadRouting(workspaceId), now);
                routing.put(workspaceId, cached);
            } catch (RuntimeException e) {
                cached.refreshing().set(false);
                log.warn("Reloading the gateway routing of workspace {} failed; using what was read before", workspaceId, e);
            }
        }
        return cached.value();
    }

    private Routing loadRouting(UUID workspaceId) {
        return database.read(session -> {
            GatewayRepository repo = new GatewayRepository(session.handle());
            Map<String, ModelAlias> aliases = repo.aliasesVisibleTo(workspaceId);
            List<Upstream> upstreams = repo.providersVisibleTo(workspaceId).stream().map(p -> {
                if (p.keySecret() == null) {
                    return new Upstream(p, null, null);
                }
                try {
                    Map<String, SecretValue> values = secrets.resolve(session, p.keyWorkspaceId(), List.of(p.keySecret()));
                    try (SecretValue value = values.get(p.keySecret())) {
                        return new Upstream(p, new String(value.bytes(), StandardCharsets.UTF_8).strip(), null);
                    }
                } catch (RuntimeException e) {
                    // The message names the secret, never a value.
                    log.warn("Provider {}: its key {} cannot be read: {}", p.name(), p.keyReference(), e.getMessage());
                    return new Upstream(p, null, "its key " + p.keyReference() + " cannot be read");
                }
            }).toList();
            Map<String, Upstream> byName = new HashMap<>();
            for (Upstream u : upstreams) {
                byName.putIfAbsent(u.provider().name(), u); // the workspace's own shadows a server-wide one
            }
            return new Routing(aliases, upstreams, Map.copyOf(byName));
        });
    }

    Map<String, Price> prices() {
        Cached<Map<String, Price>> cached = prices;
        long now = System.nanoTime();
        if (cached == null) {
            synchronized (this) {
                cached = prices;
                if (cached == null) {
                    cached = new Cached<>(loadPrices(), now);
                    prices = cached;
                }
            }
        } else if (cached.claimRefresh(now, ttlNanos)) {
            try {
                cached = new Cached<>(loadPrices(), now);
                prices = cached;
            } catch (RuntimeException e) {
                cached.refreshing().set(false);
                log.warn("Reloading the gateway price table failed; using what was read before", e);
            }
        }
        return cached.value();
    }

    private Map<String, Price> loadPrices() {
        Map<String, Price> loaded = new HashMap<>();
        database.read(s -> new GatewayRepository(s.handle()).listPrices()).forEach(p -> loaded.put(p.model(), p));
        return Map.copyOf(loaded);
    }

    @Override
    public void keyRevoked(UUID keyId) {
        revoked.add(keyId);
        keys.values().removeIf(c -> c.value().id().equals(keyId));
    }

    @Override
    public void routingChanged() {
        routing.clear();
    }

    @Override
    public void pricesChanged() {
        prices = null;
    }
}
