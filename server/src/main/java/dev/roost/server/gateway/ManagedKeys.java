package dev.roost.server.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.secret.SealedValue;
import dev.roost.core.secret.SecretBinding;
import dev.roost.core.secret.SecretSealer;
import dev.roost.core.secret.SecretValue;
import dev.roost.gateway.Budget;
import dev.roost.gateway.ConfigChanges;
import dev.roost.gateway.GatewayRepository;
import dev.roost.gateway.VirtualKey;
import dev.roost.gateway.VirtualKeyTokens;
import dev.roost.store.Rows;
import dev.roost.store.Session;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Virtual keys Roost makes and hands out itself: one per instance (the reconciler injects it
 * into the instance's containers) and one per workspace for prompt tasks. Each is an ordinary
 * row of {@code gateway_keys} (listed by {@code roost key list}, metered, revocable) whose key
 * is also kept sealed with the master key in {@code gateway_managed_keys}, so every container
 * of an instance gets the same key across restarts and redeploys. A managed key that was
 * revoked, expired or no longer opens (another master key) is replaced by a new one.
 *
 * <p>Works in the session it is given, so a key and its audit entry commit together. Callers
 * tell {@link ConfigChanges#keyRevoked} after a revocation commits. Keys never appear in a log
 * line, an audit entry or an exception message: only their ids and display prefixes do.
 * Thread-safe (no state of its own).
 */
public final class ManagedKeys {
    private static final Logger log = LoggerFactory.getLogger(ManagedKeys.class);

    /**
     * How a workload's secret environment names a managed key: this prefix and the key's id.
     * {@code @} is never part of a secret name people choose, so the two cannot collide.
     */
    public static final String REFERENCE_PREFIX = "@gateway-key/";
    /** The actor of keys made for instances. */
    public static final String RECONCILER = "system:reconciler";
    /** The name of each workspace's key for prompt tasks. */
    public static final String TASKS_KEY_NAME = "prompt-tasks";

    private static final String INSTANCE = "instance";
    private static final String TASKS = "tasks";

    private final SecretSealer sealer;

    public ManagedKeys(SecretSealer sealer) {
        this.sealer = requireNonNull(sealer, "sealer is null");
    }

    /** What an instance's key may do: its model allowlist (empty: every model) and its budget, if any. */
    public record Scope(List<String> models, Budget budget) {
        public Scope {
            models = List.copyOf(requireNonNull(models, "models is null"));
        }
    }

    /** A managed key as stored (never the key itself). */
    public record ManagedKey(UUID keyId, UUID workspaceId, UUID instanceId, String prefix, String instanceName,
            List<String> models, Budget budget, boolean revoked, Instant expiresAt) {
        public ManagedKey {
            models = List.copyOf(models);
        }

        /** Whether the gateway accepts it now. */
        public boolean usable(Instant now) {
            return !revoked && (expiresAt == null || now.isBefore(expiresAt));
        }

        /** The reference a workload's secret environment uses for it. */
        public String reference() {
            return REFERENCE_PREFIX + keyId;
        }

        public boolean hasScope(Scope scope) {
            return models.equals(scope.models()) && Objects.equals(budget, scope.budget());
        }
    }

    private static final String COLUMNS = """
            m.key_id, m.workspace_id, m.instance_id, k.prefix, k.instance_name, k.models, k.budget_micros, k.budget_period,
            k.revoked_at, k.expires_at""";

    /** Every instance's managed key, by instance: one query, read once per reconciler pass. */
    public static Map<UUID, ManagedKey> instanceKeys(Session s) {
        Map<UUID, ManagedKey> keys = new HashMap<>();
        s.handle().createQuery("SELECT " + COLUMNS + " FROM gateway_managed_keys m JOIN gateway_keys k ON k.id = m.key_id "
                        + "WHERE m.purpose = 'instance'")
                .map((rs, ctx) -> key(rs)).forEach(k -> keys.put(k.instanceId(), k));
        return keys;
    }

    /** One instance's managed key, if it has one. */
    public static Optional<ManagedKey> instanceKey(Session s, UUID instanceId) {
        return s.handle().createQuery("SELECT " + COLUMNS + " FROM gateway_managed_keys m JOIN gateway_keys k ON k.id = m.key_id "
                        + "WHERE m.purpose = 'instance' AND m.instance_id = :instance")
                .bind("instance", instanceId).map((rs, ctx) -> key(rs)).findOne();
    }

    /**
     * Makes a new key for an instance, scoped to its workspace and to it, after revoking
     * {@code replaced} (its earlier key, revoked or not) if given. Audited as
     * {@code gateway.key.create} by the reconciler.
     */
    public ManagedKey issueForInstance(Session s, UUID workspaceId, String workspaceName, UUID instanceId, String instanceName,
            Scope scope, Optional<ManagedKey> replaced, String requestId, Instant now) {
        replaced.ifPresent(old -> revoke(s, old.keyId(), now));
        GatewayRepository repo = new GatewayRepository(s.handle());
        String key = VirtualKeyTokens.generate();
        VirtualKey stored = repo.insertKey(workspaceId, "instance." + instanceName, VirtualKeyTokens.hash(key),
                VirtualKeyTokens.displayPrefix(key), instanceName, null, scope.models(), null, null, scope.budget(), RECONCILER,
                now, null);
        seal(s, stored, INSTANCE, instanceId, key, now);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", stored.name());
        details.put("prefix", stored.prefix());
        details.put("instance", instanceName);
        details.put("managed", true);
        details.put("models", scope.models());
        if (scope.budget() != null) {
            details.put("budget", scope.budget().toString());
        }
        replaced.ifPresent(old -> details.put("replaces", old.prefix()));
        s.audit().append(new AuditEvent(RECONCILER, "gateway.key.create", "gateway-key", stored.id().toString(), workspaceName,
                requestId, details, List.of()));
        log.info("Made gateway key {} ({}…) for instance {}/{}", stored.id(), stored.prefix(), workspaceName, instanceName);
        return new ManagedKey(stored.id(), workspaceId, instanceId, stored.prefix(), instanceName, scope.models(), scope.budget(),
                false, null);
    }

    /** Brings a key's allowlist, budget and instance name (after a rename) in line with the instance's manifest. */
    public void update(Session s, ManagedKey key, String instanceName, Scope scope) {
        s.handle().createUpdate("""
                        UPDATE gateway_keys SET models = :models, budget_micros = :budget, budget_period = :period,
                            instance_name = :instance, name = :name
                        WHERE id = :id""")
                .bind("models", scope.models().toArray(String[]::new))
                .bind("budget", scope.budget() == null ? null : scope.budget().micros())
                .bind("period", scope.budget() == null ? null : scope.budget().period().wireName())
                .bind("instance", instanceName).bind("name", "instance." + instanceName).bind("id", key.keyId()).execute();
    }

    /**
     * Revokes a managed key and forgets its sealed copy; true when it was live. The caller tells
     * the gateway ({@link ConfigChanges#keyRevoked}) once the session commits.
     */
    public boolean revoke(Session s, UUID keyId, Instant now) {
        s.handle().createUpdate("DELETE FROM gateway_managed_keys WHERE key_id = :id").bind("id", keyId).execute();
        return new GatewayRepository(s.handle()).revokeKey(keyId, now);
    }

    /**
     * The key itself, for a runtime to inject; empty when {@code keyId} is no managed key of
     * {@code workspaceId} or its sealed copy does not open. The caller closes the value.
     */
    public Optional<SecretValue> open(Session s, UUID workspaceId, UUID keyId) {
        return s.handle().createQuery("SELECT master_key_id, nonce, ciphertext FROM gateway_managed_keys "
                        + "WHERE key_id = :id AND workspace_id = :ws")
                .bind("id", keyId).bind("ws", workspaceId)
                .map((rs, ctx) -> new SealedValue(rs.getString("master_key_id"), rs.getBytes("nonce"), rs.getBytes("ciphertext")))
                .findOne().flatMap(sealed -> {
                    try {
                        return Optional.of(SecretValue.wrap(sealer.open(binding(workspaceId, keyId), sealed)));
                    } catch (RuntimeException e) {
                        log.warn("Managed gateway key {} does not open ({}); it will be replaced", keyId, e.getMessage());
                        return Optional.empty();
                    }
                });
    }

    /**
     * The workspace's key for prompt tasks, made on first use (and again after it was revoked
     * or stopped opening). Returned as text for the in-process gateway call; never logged.
     */
    public String tasksKey(Session s, UUID workspaceId, String workspaceName, String requestId, Instant now) {
        // One maker at a time per workspace: two first prompt tasks at once must not make two keys.
        s.lock("gateway-tasks-key:" + workspaceId);
        Optional<ManagedKey> existing = s.handle().createQuery("SELECT " + COLUMNS + " FROM gateway_managed_keys m "
                        + "JOIN gateway_keys k ON k.id = m.key_id WHERE m.purpose = 'tasks' AND m.workspace_id = :ws")
                .bind("ws", workspaceId).map((rs, ctx) -> key(rs)).findOne();
        if (existing.isPresent() && existing.get().usable(now)) {
            Optional<SecretValue> opened = open(s, workspaceId, existing.get().keyId());
            if (opened.isPresent()) {
                try (SecretValue value = opened.get()) {
                    return new String(value.bytes(), StandardCharsets.UTF_8);
                }
            }
        }
        existing.ifPresent(old -> revoke(s, old.keyId(), now));
        String key = VirtualKeyTokens.generate();
        VirtualKey stored = new GatewayRepository(s.handle()).insertKey(workspaceId, TASKS_KEY_NAME, VirtualKeyTokens.hash(key),
                VirtualKeyTokens.displayPrefix(key), null, null, List.of(), null, null, null, "system:tasks", now, null);
        seal(s, stored, TASKS, null, key, now);
        s.audit().append(new AuditEvent("system:tasks", "gateway.key.create", "gateway-key", stored.id().toString(),
                workspaceName, requestId, Map.of("name", stored.name(), "prefix", stored.prefix(), "managed", true), List.of()));
        log.info("Made gateway key {} ({}…) for the prompt tasks of workspace {}", stored.id(), stored.prefix(), workspaceName);
        return key;
    }

    private void seal(Session s, VirtualKey stored, String purpose, UUID instanceId, String key, Instant now) {
        byte[] plain = key.getBytes(StandardCharsets.UTF_8);
        SealedValue sealed;
        try {
            sealed = sealer.seal(binding(stored.workspaceId(), stored.id()), plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        s.handle().createUpdate("""
                        INSERT INTO gateway_managed_keys (key_id, workspace_id, purpose, instance_id, master_key_id, nonce,
                                                          ciphertext, created_at)
                        VALUES (:key, :ws, :purpose, CAST(:instance AS uuid), :master, :nonce, :ciphertext, :at)""")
                .bind("key", stored.id()).bind("ws", stored.workspaceId()).bind("purpose", purpose).bind("instance", instanceId)
                .bind("master", sealed.keyId()).bind("nonce", sealed.nonce()).bind("ciphertext", sealed.ciphertext())
                .bind("at", Rows.timestamp(now)).execute();
    }

    /** Sealed keys are bound to their workspace and key id: a copy moved to another row does not open. */
    private static SecretBinding binding(UUID workspaceId, UUID keyId) {
        return new SecretBinding(workspaceId, "gateway-key." + keyId);
    }

    private static ManagedKey key(ResultSet rs) throws SQLException {
        Long budget = (Long) rs.getObject("budget_micros");
        java.sql.Array models = rs.getArray("models");
        return new ManagedKey(rs.getObject("key_id", UUID.class), rs.getObject("workspace_id", UUID.class),
                rs.getObject("instance_id", UUID.class), rs.getString("prefix"), rs.getString("instance_name"),
                models == null ? List.of() : Arrays.asList((String[]) models.getArray()),
                budget == null ? null : new Budget(budget, Budget.Period.parse(rs.getString("budget_period"))),
                rs.getObject("revoked_at") != null, Rows.instant(rs, "expires_at"));
    }
}
