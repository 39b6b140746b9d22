package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import dev.roost.store.Database;
import dev.roost.store.secrets.SecretStore;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * Gives a runtime one workspace's secret values from Roost's secret store, read in a short
 * transaction of their own at the moment a container starts. Failures name secrets, never values.
 */
final class StoreSecretSource implements SecretSource {
    private final Database database;
    private final SecretStore secrets;
    private final UUID workspaceId;

    StoreSecretSource(Database database, SecretStore secrets, UUID workspaceId) {
        this.database = requireNonNull(database, "database is null");
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.workspaceId = requireNonNull(workspaceId, "workspaceId is null");
    }

    @Override
    public Map<String, SecretValue> resolve(Collection<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        try {
            return database.transaction(s -> secrets.resolve(s, workspaceId, names));
        } catch (RuntimeFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "the secrets " + names + " could not be resolved: "
                    + e.getClass().getSimpleName() + (e instanceof dev.roost.core.error.RoostException ? ": " + e.getMessage() : ""));
        }
    }
}
