package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import dev.roost.server.gateway.ManagedKeys;
import dev.roost.store.Database;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Resolves the managed gateway key references ({@code @gateway-key/ID}) of one workspace's
 * workloads and hands every other name to the workspace's secret store. A key that no longer
 * opens (the master key changed) is revoked, so the next pass makes a new one; this create fails
 * saying so, never with the key in the message.
 */
final class GatewayKeySource implements SecretSource {
    private final SecretSource secrets;
    private final Database database;
    private final ManagedKeys keys;
    private final UUID workspaceId;
    private final Clock clock;

    GatewayKeySource(SecretSource secrets, Database database, ManagedKeys keys, UUID workspaceId, Clock clock) {
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.database = requireNonNull(database, "database is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.workspaceId = requireNonNull(workspaceId, "workspaceId is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public Map<String, SecretValue> resolve(Collection<String> names) {
        List<String> stored = new ArrayList<>();
        List<String> managed = new ArrayList<>();
        for (String name : names) {
            (name.startsWith(ManagedKeys.REFERENCE_PREFIX) ? managed : stored).add(name);
        }
        Map<String, SecretValue> values = new HashMap<>();
        try {
            for (String reference : managed) {
                UUID keyId = parse(reference);
                Optional<SecretValue> value = database.read(s -> keys.open(s, workspaceId, keyId));
                if (value.isEmpty()) {
                    database.transaction(s -> keys.revoke(s, keyId, clock.instant()));
                    throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the instance's gateway key " + keyId
                            + " cannot be read (was the master key changed?); it was revoked and a new one is made at the next pass");
                }
                values.put(reference, value.get());
            }
            values.putAll(secrets.resolve(stored));
            return values;
        } catch (RuntimeException e) {
            values.values().forEach(SecretValue::close);
            throw e;
        }
    }

    private static UUID parse(String reference) {
        try {
            return UUID.fromString(reference.substring(ManagedKeys.REFERENCE_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the instance's gateway key is not made yet; the next pass makes it");
        }
    }
}
