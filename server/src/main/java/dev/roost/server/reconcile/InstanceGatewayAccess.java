package dev.roost.server.reconcile;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.ModelAccess;
import dev.roost.gateway.Budget;
import dev.roost.gateway.ConfigChanges;
import dev.roost.runtime.Runtime;
import dev.roost.server.gateway.ManagedKeys;
import dev.roost.server.gateway.ManagedKeys.ManagedKey;
import dev.roost.server.gateway.ManagedKeys.Scope;
import dev.roost.store.Database;
import dev.roost.store.instances.ReconcileStateRepository.Target;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Gives each instance its own gateway virtual key and the environment that points the usual
 * SDKs and agent CLIs at Roost's gateway. An instance gets them when its manifest names models
 * ({@code spec.model.defaultModel} or {@code allowedModels}) and its runtime gives it a path to the
 * gateway ({@link Runtime#gatewayUrl}: on Docker, egress GATEWAY_ONLY or RESTRICTED); otherwise it
 * has no key, and a key it had is revoked. The key's allowlist is the manifest's
 * {@code allowedModels} and its budget {@code monthlyBudgetUsd}.
 *
 * <p>The containers see the key only through secret references ({@code @gateway-key/ID}) that
 * {@link GatewayKeySource} resolves when a container is created; the reference carries the key's
 * id, so a new key (after a revocation) changes the workload's spec hash and the planner replaces
 * the containers. A variable the manifest sets itself is left as the manifest has it.
 */
final class InstanceGatewayAccess {
    /** Variables a container gets: base URLs for each wire format, and the key under each SDK's name. */
    static final String GATEWAY_URL = "ROOST_GATEWAY_URL";
    static final String OPENAI_BASE_URL = "OPENAI_BASE_URL";
    static final String ANTHROPIC_BASE_URL = "ANTHROPIC_BASE_URL";
    static final String GEMINI_BASE_URL = "GOOGLE_GEMINI_BASE_URL";
    /** What Open WebUI (the llm-tenant template) reads instead of OPENAI_BASE_URL. */
    static final String OPENAI_API_BASE_URL = "OPENAI_API_BASE_URL";
    static final List<String> KEY_VARIABLES = List.of("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY");

    private final Database database;
    private final Runtime runtime;
    private final ManagedKeys keys;
    private final ConfigChanges changes;

    InstanceGatewayAccess(Database database, Runtime runtime, ManagedKeys keys, ConfigChanges changes) {
        this.database = requireNonNull(database, "database is null");
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.changes = requireNonNull(changes, "changes is null");
    }

    /** The key an instance's manifest asks for, or empty when it names no models. */
    static Optional<Scope> wanted(ModelAccess access) {
        if (access.allowedModels().isEmpty()) {
            return Optional.empty();
        }
        // A lone "*" (allowed only with an explicit policy override) means every model: an empty allowlist.
        List<String> models = access.allowedModels().contains("*") ? List.of() : access.allowedModels();
        Budget budget = access.monthlyBudgetUsd().map(usd -> new Budget(Math.max(1,
                usd.multiply(BigDecimal.valueOf(1_000_000)).longValueExact()), Budget.Period.MONTH)).orElse(null);
        return Optional.of(new Scope(models, budget));
    }

    /** {@code spec} with the gateway's URLs and the key reference added (the manifest's own variables win). */
    static WorkloadSpec withGateway(WorkloadSpec spec, String url, String keyReference) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        Map<String, String> env = new TreeMap<>();
        env.put(GATEWAY_URL, base);
        env.put(OPENAI_BASE_URL, base + "/v1");
        env.put(OPENAI_API_BASE_URL, base + "/v1");
        env.put(ANTHROPIC_BASE_URL, base);
        env.put(GEMINI_BASE_URL, base);
        Map<String, String> secretEnv = new TreeMap<>();
        KEY_VARIABLES.forEach(name -> secretEnv.put(name, keyReference));
        return spec.withAddedEnvironment(env, secretEnv);
    }

    /**
     * The workload to converge to: with the instance's key and the gateway environment when it
     * wants them, making or replacing the key (and revoking one it should no longer have) as needed.
     */
    WorkloadSpec attach(Target t, Workloads.Prepared.Ready ready, Optional<ManagedKey> current, String passId, Instant now) {
        WorkloadSpec spec = ready.spec();
        Optional<String> url = runtime.gatewayUrl(spec);
        Optional<Scope> scope = wanted(ready.model());
        if (url.isEmpty() || scope.isEmpty()) {
            current.ifPresent(key -> revoke(key, t.workspace(), url.isEmpty()
                    ? "the instance has no network path to the gateway" : "the manifest names no models", passId, now));
            return spec;
        }
        ManagedKey key;
        if (current.isEmpty() || !current.get().usable(now)) {
            key = database.transaction(s -> keys.issueForInstance(s, t.workspaceId(), t.workspace(), t.id(), t.name(), scope.get(),
                    current, passId, now));
            current.ifPresent(old -> changes.keyRevoked(old.keyId()));
        } else {
            key = current.get();
            if (!key.hasScope(scope.get()) || !t.name().equals(key.instanceName())) {
                database.transaction(s -> {
                    keys.update(s, key, t.name(), scope.get());
                    return null;
                });
            }
        }
        return withGateway(spec, url.get(), key.reference());
    }

    /** The workload {@link #attach} would converge to, without making or changing anything (plan previews). */
    static WorkloadSpec preview(Runtime runtime, Workloads.Prepared.Ready ready, Optional<ManagedKey> current, Instant now) {
        WorkloadSpec spec = ready.spec();
        Optional<String> url = runtime.gatewayUrl(spec);
        if (url.isEmpty() || wanted(ready.model()).isEmpty()) {
            return spec;
        }
        String reference = current.filter(k -> k.usable(now)).map(ManagedKey::reference)
                .orElse(ManagedKeys.REFERENCE_PREFIX + "new");
        return withGateway(spec, url.get(), reference);
    }

    /** Revokes an instance's key (deleted instance, or one that no longer wants a key); audited. */
    void revoke(ManagedKey key, String workspace, String reason, String passId, Instant now) {
        database.transaction(s -> {
            if (keys.revoke(s, key.keyId(), now)) {
                s.audit().append(new AuditEvent(ManagedKeys.RECONCILER, "gateway.key.revoke", "gateway-key", key.keyId().toString(),
                        workspace, passId, Map.of("prefix", key.prefix(), "instance", String.valueOf(key.instanceName()),
                                "managed", true, "reason", reason), List.of()));
            }
            return null;
        });
        changes.keyRevoked(key.keyId());
    }
}
