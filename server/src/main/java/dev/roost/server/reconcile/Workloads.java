package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.Lifecycle;
import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.manifest.ModelAccess;
import dev.roost.core.manifest.ValidatedManifest;
import dev.roost.core.policy.ManifestPolicy;
import dev.roost.core.policy.PolicyContext;
import dev.roost.core.policy.QuotaUsage;
import dev.roost.core.workspace.Quota;
import dev.roost.store.instances.ReconcileStateRepository.Target;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an instance's stored manifest into the workload the planner needs, checking it again
 * as the reconciler must (the schema, the policy rules and the plan's per-instance limits may
 * have changed since it was stored). Results are cached by instance, version and quota, so a
 * resync of unchanged instances parses nothing. Thread-safe.
 */
final class Workloads {
    private final ManifestPolicy policy;
    private final Map<Key, Prepared> cache = new ConcurrentHashMap<>();

    Workloads(ManifestPolicy policy) {
        this.policy = requireNonNull(policy, "policy is null");
    }

    private record Key(UUID instanceId, int version, Quota quota) {
    }

    /** The outcome of preparing one manifest version. */
    sealed interface Prepared {
        /** Ready to plan. */
        record Ready(WorkloadSpec spec, Lifecycle lifecycle, ModelAccess model) implements Prepared {
            /** The same, converging to {@code other} (the workload with its gateway access attached). */
            Ready withSpec(WorkloadSpec other) {
                return new Ready(other, lifecycle, model);
            }
        }

        /** The stored manifest no longer passes; {@code reason} says why, for the status. */
        record Refused(String reason) implements Prepared {
        }
    }

    Prepared prepare(Target target, Quota quota) {
        Key key = new Key(target.id(), target.version(), quota);
        Prepared cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        Prepared prepared;
        try {
            ValidatedManifest manifest = ManifestValidator.validate(ManifestFormats.json().readTree(target.manifestJson()));
            // Overrides were allowed when the version was stored by someone allowed to make them; the
            // other instances' usage was checked then too: only the rules and per-instance limits are checked again.
            policy.evaluate(manifest, new PolicyContext(quota, QuotaUsage.NONE), true);
            prepared = new Prepared.Ready(WorkloadSpec.of(target.id(), target.version(), manifest.manifest()),
                    manifest.manifest().spec().lifecycle(), manifest.manifest().spec().model());
        } catch (RoostException e) {
            prepared = new Prepared.Refused("version " + target.version() + " no longer passes: " + e.getMessage()
                    + " Nothing was applied; apply a corrected manifest.");
        } catch (RuntimeException e) {
            prepared = new Prepared.Refused("version " + target.version() + " cannot be read: " + e.getClass().getSimpleName());
        }
        cache.put(key, prepared);
        return prepared;
    }

    /** Forgets versions of instances no longer reconciled, and old versions, so the cache stays as large as the fleet. */
    void retainOnly(Map<UUID, Integer> currentVersions) {
        cache.keySet().removeIf(k -> !Integer.valueOf(k.version()).equals(currentVersions.get(k.instanceId())));
    }
}
