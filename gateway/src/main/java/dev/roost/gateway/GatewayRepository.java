package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Rows;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's tables. Virtual keys arrive as SHA-256 hashes only; provider keys never arrive
 * at all (a provider names a secret). Works in the handle it is given, so a change commits with
 * its audit entry.
 */
public final class GatewayRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final UUID SERVER_WIDE = new UUID(0, 0);
    private static final String KEY_COLUMNS = """
            k.id, k.workspace_id, w.name AS workspace_name, k.name, k.prefix, k.instance_name, k.username, k.models, k.rpm,
            k.tpm, k.budget_micros, k.budget_period, k.created_by, k.created_at, k.expires_at, k.revoked_at""";
    private static final String PROVIDER_COLUMNS = """
            p.id, p.workspace_id, p.name, p.kind, p.base_url, p.key_workspace_id, kw.name AS key_workspace_name, p.key_secret,
            p.created_by, p.created_at""";

    private final Handle handle;

    public GatewayRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    // --- virtual keys

    public VirtualKey insertKey(UUID workspaceId, String name, byte[] keyHash, String prefix, String instanceName,
            String username, List<String> models, Integer rpm, Integer tpm, Budget budget, String createdBy, Instant createdAt,
            Instant expiresAt) {
        UUID id = UUID.randomUUID();
        handle.createUpdate("""
                        INSERT INTO gateway_keys (id, workspace_id, name, key_hash, prefix, instance_name, username, models, rpm,
                                                  tpm, budget_micros, budget_period, created_by, created_at, expires_at)
                        VALUES (:id, :ws, :name, :hash, :prefix, :instance, :username, :models, :rpm, :tpm, :budget, :period,
                                :by, :at, :expires)""")
                .bind("id", id).bind("ws", workspaceId).bind("name", name).bind("hash", keyHash).bind("prefix", prefix)
                .bind("instance", instanceName).bind("username", username).bind("models", models.toArray(String[]::new))
                .bind("rpm", rpm).bind("tpm", tpm).bind("budget", budget == null ? null : budget.micros())
                .bind("period", budget == null ? null : budget.period().wireName()).bind("by", createdBy)
                .bind("at", Rows.timestamp(createdAt)).bind("expires", Rows.timestamp(expiresAt)).execute();
        return findKey(id).orElseThrow();
    }

    public Optional<VirtualKey> findKey(UUID id) {
        return handle.createQuery("SELECT " + KEY_COLUMNS + " FROM gateway_keys k JOIN workspaces w ON w.id = k.workspace_id "
                + "WHERE k.id = :id").bind("id", id).map((rs, ctx) -> key(rs)).findOne();
    }

    public Optional<VirtualKey> findKeyByHash(byte[] hash) {
        return handle.createQuery("SELECT " + KEY_COLUMNS + " FROM gateway_keys k JOIN workspaces w ON w.id = k.workspace_id "
                + "WHERE k.key_hash = :hash").bind("hash", hash).map((rs, ctx) -> key(rs)).findOne();
    }

    public List<VirtualKey> listKeys(UUID workspaceId) {
        return handle.createQuery("SELECT " + KEY_COLUMNS + " FROM gateway_keys k JOIN workspaces w ON w.id = k.workspace_id "
                + "WHERE k.workspace_id = :ws ORDER BY k.created_at, k.id").bind("ws", workspaceId)
                .map((rs, ctx) -> key(rs)).list();
    }

    /** Revokes a key; false when it was already revoked. */
    public boolean revokeKey(UUID id, Instant at) {
        return handle.createUpdate("UPDATE gateway_keys SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                .bind("at", Rows.timestamp(at)).bind("id", id).execute() == 1;
    }

    private static VirtualKey key(ResultSet rs) throws SQLException {
        Long budget = (Long) rs.getObject("budget_micros");
        String period = rs.getString("budget_period");
        return new VirtualKey(rs.getObject("id", UUID.class), rs.getObject("workspace_id", UUID.class),
                rs.getString("workspace_name"), rs.getString("name"), rs.getString("prefix"), rs.getString("instance_name"),
                rs.getString("username"), strings(rs.getArray("models")), (Integer) rs.getObject("rpm"),
                (Integer) rs.getObject("tpm"), budget == null ? null : new Budget(budget, Budget.Period.parse(period)),
                rs.getString("created_by"), Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"),
                Rows.instant(rs, "revoked_at"));
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return Arrays.asList((String[]) array.getArray());
    }

    // --- providers

    public Provider insertProvider(UUID workspaceId, String name, ProviderKind kind, String baseUrl, UUID keyWorkspaceId,
            String keySecret, String createdBy, Instant at) {
        UUID id = UUID.randomUUID();
        Rows.insertUnique(handle.createUpdate("""
                        INSERT INTO gateway_providers (id, workspace_id, name, kind, base_url, key_workspace_id, key_secret,
                                                       created_by, created_at)
                        VALUES (:id, CAST(:ws AS uuid), :name, :kind, :url, CAST(:kws AS uuid), :secret, :by, :at)""")
                .bind("id", id).bind("ws", workspaceId).bind("name", name).bind("kind", kind.wireName()).bind("url", baseUrl)
                .bind("kws", keyWorkspaceId).bind("secret", keySecret).bind("by", createdBy).bind("at", Rows.timestamp(at)),
                "Provider " + name);
        return findProvider(workspaceId, name).orElseThrow();
    }

    /** A workspace's own provider ({@code workspaceId} given) or a server-wide one (null). */
    public Optional<Provider> findProvider(UUID workspaceId, String name) {
        return providers(" WHERE COALESCE(p.workspace_id, :none) = :ws AND p.name = :name", workspaceId)
                .bind("name", name).map((rs, ctx) -> provider(rs)).findOne();
    }

    /** The providers of one scope: a workspace's own, or the server-wide ones (null). */
    public List<Provider> listProviders(UUID workspaceId) {
        return providers(" WHERE COALESCE(p.workspace_id, :none) = :ws ORDER BY p.name", workspaceId)
                .map((rs, ctx) -> provider(rs)).list();
    }

    /** Every provider a workspace may route to: its own first, then the server-wide ones; by name within each. */
    public List<Provider> providersVisibleTo(UUID workspaceId) {
        return handle.createQuery("SELECT " + PROVIDER_COLUMNS + " FROM gateway_providers p "
                        + "LEFT JOIN workspaces kw ON kw.id = p.key_workspace_id "
                        + "WHERE p.workspace_id = :ws OR p.workspace_id IS NULL "
                        + "ORDER BY (p.workspace_id IS NULL), p.name")
                .bind("ws", workspaceId).map((rs, ctx) -> provider(rs)).list();
    }

    public boolean deleteProvider(UUID workspaceId, String name) {
        return handle.createUpdate("DELETE FROM gateway_providers WHERE COALESCE(workspace_id, :none) = :ws AND name = :name")
                .bind("none", SERVER_WIDE).bind("ws", workspaceId == null ? SERVER_WIDE : workspaceId).bind("name", name)
                .execute() == 1;
    }

    private Query providers(String where, UUID workspaceId) {
        return handle.createQuery("SELECT " + PROVIDER_COLUMNS + " FROM gateway_providers p "
                        + "LEFT JOIN workspaces kw ON kw.id = p.key_workspace_id" + where)
                .bind("none", SERVER_WIDE).bind("ws", workspaceId == null ? SERVER_WIDE : workspaceId);
    }

    private static Provider provider(ResultSet rs) throws SQLException {
        return new Provider(rs.getObject("id", UUID.class), rs.getObject("workspace_id", UUID.class), rs.getString("name"),
                ProviderKind.parse(rs.getString("kind")).orElseThrow(), rs.getString("base_url"),
                rs.getObject("key_workspace_id", UUID.class), rs.getString("key_workspace_name"), rs.getString("key_secret"),
                rs.getString("created_by"), Rows.instant(rs, "created_at"));
    }

    // --- model aliases

    /** Creates or replaces an alias; true when it was new. */
    public boolean putAlias(UUID workspaceId, String alias, List<ModelAlias.Target> targets, String by, Instant at) {
        boolean existed = findAlias(workspaceId, alias).isPresent();
        String json = JSON.writeValueAsString(targets);
        if (existed) {
            handle.createUpdate("""
                            UPDATE gateway_model_aliases SET targets = CAST(:targets AS jsonb), updated_by = :by, updated_at = :at
                            WHERE COALESCE(workspace_id, :none) = :ws AND alias = :alias""")
                    .bind("targets", json).bind("by", by).bind("at", Rows.timestamp(at)).bind("none", SERVER_WIDE)
                    .bind("ws", workspaceId == null ? SERVER_WIDE : workspaceId).bind("alias", alias).execute();
        } else {
            Rows.insertUnique(handle.createUpdate("""
                            INSERT INTO gateway_model_aliases (id, workspace_id, alias, targets, updated_by, updated_at)
                            VALUES (:id, CAST(:ws AS uuid), :alias, CAST(:targets AS jsonb), :by, :at)""")
                    .bind("id", UUID.randomUUID()).bind("ws", workspaceId).bind("alias", alias).bind("targets", json)
                    .bind("by", by).bind("at", Rows.timestamp(at)), "Model alias " + alias);
        }
        return !existed;
    }

    public Optional<ModelAlias> findAlias(UUID workspaceId, String alias) {
        return handle.createQuery("SELECT workspace_id, alias, targets::text AS targets, updated_by, updated_at "
                        + "FROM gateway_model_aliases WHERE COALESCE(workspace_id, :none) = :ws AND alias = :alias")
                .bind("none", SERVER_WIDE).bind("ws", workspaceId == null ? SERVER_WIDE : workspaceId).bind("alias", alias)
                .map((rs, ctx) -> alias(rs)).findOne();
    }

    public List<ModelAlias> listAliases(UUID workspaceId) {
        return handle.createQuery("SELECT workspace_id, alias, targets::text AS targets, updated_by, updated_at "
                        + "FROM gateway_model_aliases WHERE COALESCE(workspace_id, :none) = :ws ORDER BY alias")
                .bind("none", SERVER_WIDE).bind("ws", workspaceId == null ? SERVER_WIDE : workspaceId)
                .map((rs, ctx) -> alias(rs)).list();
    }

    /** The aliases a workspace sees: its own, and the server-wide ones its own do not shadow. */
    public Map<String, ModelAlias> aliasesVisibleTo(UUID workspaceId) {
        Map<String, ModelAlias> result = new LinkedHashMap<>();
        for (ModelAlias a : listAliases(workspaceId)) {
            result.put(a.alias(), a);
        }
        for (ModelAlias a : listAliases(null)) {
            result.putIfAbsent(a.alias(), a);
        }
        return result;
    }

    public boolean deleteAlias(UUID workspaceId, String alias) {
        return handle.createUpdate("DELETE FROM gateway_model_aliases WHERE COALESCE(workspace_id, :none) = :ws AND alias = :alias")
                .bind("none", SERVER_WIDE).bind("ws", workspaceId == null ? SERVER_WIDE : workspaceId).bind("alias", alias)
                .execute() == 1;
    }

    private static ModelAlias alias(ResultSet rs) throws SQLException {
        List<ModelAlias.Target> targets = JSON.readValue(rs.getString("targets"), new TypeReference<List<ModelAlias.Target>>() {
        });
        return new ModelAlias(rs.getObject("workspace_id", UUID.class), rs.getString("alias"), targets,
                rs.getString("updated_by"), Rows.instant(rs, "updated_at"));
    }

    // --- prices

    public void putPrice(Price price) {
        handle.createUpdate("""
                        INSERT INTO gateway_prices (model, input_micros, output_micros, cached_input_micros, updated_by, updated_at)
                        VALUES (:model, :input, :output, :cached, :by, :at)
                        ON CONFLICT (model) DO UPDATE SET input_micros = :input, output_micros = :output,
                            cached_input_micros = :cached, updated_by = :by, updated_at = :at""")
                .bind("model", price.model()).bind("input", price.inputMicros()).bind("output", price.outputMicros())
                .bind("cached", price.cachedInputMicros()).bind("by", price.updatedBy())
                .bind("at", Rows.timestamp(price.updatedAt())).execute();
    }

    public List<Price> listPrices() {
        return handle.createQuery("SELECT * FROM gateway_prices ORDER BY model").map((rs, ctx) -> new Price(
                rs.getString("model"), rs.getLong("input_micros"), rs.getLong("output_micros"),
                rs.getLong("cached_input_micros"), rs.getString("updated_by"), Rows.instant(rs, "updated_at"))).list();
    }

    public boolean deletePrice(String model) {
        return handle.createUpdate("DELETE FROM gateway_prices WHERE model = :model").bind("model", model).execute() == 1;
    }

    // --- usage

    public void insertUsage(List<UsageRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        // Plain JDBC: at thousands of records a second, binding by name costs more than the insert itself.
        try (java.sql.PreparedStatement insert = handle.getConnection().prepareStatement("""
                INSERT INTO gateway_usage (at, workspace_id, key_id, instance_name, endpoint, model, provider, upstream_model,
                    input_tokens, output_tokens, cached_tokens, cost_micros, latency_ms, gateway_ms, status, streamed, attempts,
                    error_code)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            for (UsageRecord r : records) {
                insert.setObject(1, Rows.timestamp(r.at()));
                insert.setObject(2, r.workspaceId());
                insert.setObject(3, r.keyId());
                insert.setString(4, r.instanceName());
                insert.setString(5, r.endpoint());
                insert.setString(6, r.model());
                insert.setString(7, r.provider());
                insert.setString(8, r.upstreamModel());
                insert.setLong(9, r.tokens().input());
                insert.setLong(10, r.tokens().output());
                insert.setLong(11, r.tokens().cached());
                insert.setLong(12, r.costMicros());
                insert.setInt(13, r.latencyMs());
                insert.setFloat(14, (float) r.gatewayMs());
                insert.setInt(15, r.status());
                insert.setBoolean(16, r.streamed());
                insert.setInt(17, r.attempts());
                insert.setString(18, r.errorCode());
                insert.addBatch();
            }
            insert.executeBatch();
        } catch (java.sql.SQLException e) {
            throw new org.jdbi.v3.core.statement.UnableToExecuteStatementException("writing usage records failed", e, null);
        }
    }

    /** What a key spent since {@code from}, in micro-dollars. */
    public long spentSince(UUID keyId, Instant from) {
        return handle.createQuery("SELECT COALESCE(sum(cost_micros), 0) FROM gateway_usage WHERE key_id = :key AND at >= :from")
                .bind("key", keyId).bind("from", Rows.timestamp(from)).mapTo(Long.class).one();
    }

    /** The dimensions usage can be grouped by, each with the SQL expression it stands for. */
    public static final Map<String, String> GROUPS = groups();

    private static Map<String, String> groups() {
        Map<String, String> groups = new LinkedHashMap<>();
        groups.put("day", "to_char(date_trunc('day', u.at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')");
        groups.put("month", "to_char(date_trunc('month', u.at AT TIME ZONE 'UTC'), 'YYYY-MM')");
        groups.put("model", "u.model");
        groups.put("provider", "COALESCE(u.provider, '')");
        groups.put("key", "k.name");
        groups.put("instance", "COALESCE(u.instance_name, '')");
        groups.put("status", "u.status::text");
        return java.util.Collections.unmodifiableMap(groups);
    }

    /** One group of usage rows. */
    public record UsageGroup(Map<String, String> group, long requests, long inputTokens, long outputTokens, long cachedTokens,
            long costMicros, long errors) {
    }

    /** A workspace's usage in {@code [from, to)}, grouped by the given {@link #GROUPS} names (validated by the caller). */
    public List<UsageGroup> usage(UUID workspaceId, List<String> groupBy, Instant from, Instant to) {
        List<String> expressions = new ArrayList<>();
        StringBuilder select = new StringBuilder();
        for (int i = 0; i < groupBy.size(); i++) {
            String expression = requireNonNull(GROUPS.get(groupBy.get(i)), "unknown group");
            expressions.add(expression);
            select.append(expression).append(" AS g").append(i).append(", ");
        }
        String sql = "SELECT " + select + """
                count(*) AS requests, COALESCE(sum(u.input_tokens), 0) AS input, COALESCE(sum(u.output_tokens), 0) AS output,
                COALESCE(sum(u.cached_tokens), 0) AS cached, COALESCE(sum(u.cost_micros), 0) AS cost,
                count(*) FILTER (WHERE u.status >= 400) AS errors
                FROM gateway_usage u JOIN gateway_keys k ON k.id = u.key_id
                WHERE u.workspace_id = :ws AND u.at >= :from AND u.at < :to""";
        if (!expressions.isEmpty()) {
            String positions = String.join(", ", java.util.stream.IntStream.rangeClosed(1, expressions.size())
                    .mapToObj(Integer::toString).toList());
            sql += " GROUP BY " + positions + " ORDER BY " + positions;
        }
        return handle.createQuery(sql).bind("ws", workspaceId).bind("from", Rows.timestamp(from))
                .bind("to", Rows.timestamp(to)).map((rs, ctx) -> {
                    Map<String, String> group = new LinkedHashMap<>();
                    for (int i = 0; i < groupBy.size(); i++) {
                        group.put(groupBy.get(i), rs.getString("g" + i));
                    }
                    return new UsageGroup(group, rs.getLong("requests"), rs.getLong("input"), rs.getLong("output"),
                            rs.getLong("cached"), rs.getLong("cost"), rs.getLong("errors"));
                }).list();
    }
}
