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

    private record Cached<T>(T value, long loadedAt) {
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
        if (cached == null || now - cached.loadedAt() > ttlNanos) {
            VirtualKey loaded = database.read(s -> new GatewayRepository(s.handle()).findKeyByHash(hash)).orElse(null);
            if (loaded == null) {
                keys.remove(id);
                return Optional.empty(); // misses are not cached: a key made a moment ago must work at once
            }
            cached = new Cached<>(loaded, now);
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
        if (cached == null || now - cached.loadedAt() > ttlNanos) {
            cached = new Cached<>(loadRouting(workspaceId), now);
            routing.put(workspaceId, cached);
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
        if (cached == null || now - cached.loadedAt() > ttlNanos) {
            Map<String, Price> loaded = new HashMap<>();
            database.read(s -> new GatewayRepository(s.handle()).listPrices()).forEach(p -> loaded.put(p.model(), p));
            cached = new Cached<>(Map.copyOf(loaded), now);
            prices = cached;
        }
        return cached.value();
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
