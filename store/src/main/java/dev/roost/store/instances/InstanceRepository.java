package dev.roost.store.instances;

import static java.util.Objects.requireNonNull;

import dev.roost.core.instance.DesiredState;
import dev.roost.core.instance.Instance;
import dev.roost.core.instance.InstanceStatus;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Instances: identity, requested state, observed status, and a summary of the current
 * manifest version for fast lists. The manifests themselves live in {@link ManifestVersionRepository}.
 * Deleting an instance keeps its row and history (soft delete) and frees its name.
 */
public final class InstanceRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };
    private static final String COLUMNS = """
            i.id, i.workspace_id, w.name AS workspace_name, i.name, i.environment, i.labels::text AS labels, i.image,
            i.cpu_millis, i.memory_bytes, i.replicas, i.template, i.current_version, i.desired_state, i.status,
            i.status_reason, i.restart_count, (extract(epoch FROM i.restart_requested_at) * 1000000)::bigint,
            i.created_by, (extract(epoch FROM i.created_at) * 1000000)::bigint,
            (extract(epoch FROM i.updated_at) * 1000000)::bigint, i.last_healthy_version, i.rollout_version,
            (extract(epoch FROM i.rollout_started_at) * 1000000)::bigint, i.rollout_failure""";
    /** Tells a listening reconciler that an instance's desired side changed; delivered at commit. */
    private static final String NOTIFY = "SELECT pg_notify('" + InstanceRepository.CHANNEL + "', CAST(:id AS text))";

    /** The PostgreSQL notification channel on which changed instance ids are announced. */
    public static final String CHANNEL = "roost_instances";
    private static final String FROM = " FROM instances i JOIN workspaces w ON w.id = i.workspace_id ";

    private final Handle handle;

    public InstanceRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /** The fields of an instance that come from its current manifest version. */
    public record Summary(String environment, Map<String, String> labels, String image, long cpuMillis, long memoryBytes,
            int replicas, String template) {
        public Summary {
            labels = Map.copyOf(labels);
        }
    }

    /** What a workspace's live instances use, for quota checks. */
    public record Usage(int instances, long cpuMillis, long memoryBytes) {
    }

    public Instance create(UUID workspaceId, String name, Summary summary, String createdBy) {
        UUID id = UUID.randomUUID();
        Rows.insertUnique(handle.createUpdate("""
                        INSERT INTO instances (id, workspace_id, name, environment, labels, image, cpu_millis, memory_bytes,
                            replicas, template, current_version, desired_state, status, status_reason, created_by)
                        VALUES (:id, :ws, :name, :environment, CAST(:labels AS jsonb), :image, :cpuMillis, :memoryBytes,
                            :replicas, :template, 1, 'RUNNING', 'CREATING', 'waiting for a runtime to start it', :createdBy)""")
                .bind("id", id).bind("ws", workspaceId).bind("name", name)
                .bindMethods(summary)
                .bind("labels", JSON.writeValueAsString(summary.labels()))
                .bind("createdBy", createdBy), "instance " + name);
        return findById(id).orElseThrow();
    }

    public Optional<Instance> findById(UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + FROM + "WHERE i.id = :id")
                .bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    /** The live instance with this name. */
    public Optional<Instance> find(UUID workspaceId, String name) {
        return handle.createQuery("SELECT " + COLUMNS + FROM + "WHERE i.workspace_id = :ws AND i.name = :name AND i.deleted_at IS NULL")
                .bind("ws", workspaceId).bind("name", name).map((rs, ctx) -> map(rs)).findOne();
    }

    /** Like {@link #find} and locks the row until the transaction ends, so changes to one instance are serialised. */
    public Optional<Instance> findForUpdate(UUID workspaceId, String name) {
        Optional<UUID> id = handle.createQuery("""
                        SELECT id FROM instances WHERE workspace_id = :ws AND name = :name AND deleted_at IS NULL FOR UPDATE""")
                .bind("ws", workspaceId).bind("name", name).mapTo(UUID.class).findOne();
        return id.flatMap(this::findById);
    }

    /**
     * Live instances ordered by name, at most {@code limit}, after the name {@code afterName}
     * (keyset pagination), filtered by environment and labels when given.
     */
    public List<Instance> list(UUID workspaceId, String environment, Map<String, String> labels, String afterName, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + FROM + "WHERE i.workspace_id = :ws AND i.deleted_at IS NULL");
        if (environment != null) {
            sql.append(" AND i.environment = :environment");
        }
        if (labels != null && !labels.isEmpty()) {
            sql.append(" AND i.labels @> CAST(:labels AS jsonb)");
        }
        if (afterName != null) {
            sql.append(" AND i.name > :after");
        }
        sql.append(" ORDER BY i.name LIMIT :limit");
        Query q = handle.createQuery(sql.toString())
                .bind("ws", workspaceId)
                .bind("environment", environment)
                .bind("labels", labels == null ? null : JSON.writeValueAsString(labels))
                .bind("after", afterName)
                .bind("limit", limit);
        return q.map((rs, ctx) -> map(rs)).list();
    }

    /**
     * A list screen's question: live instances of a workspace in one environment and status
     * (null: any) whose name, image or a {@code key=value} label contains {@code needle}
     * (case-insensitive; null or empty: any).
     */
    public record Search(String environment, String status, String needle) {
    }

    /** How many live instances match a {@link Search}, and how many the workspace has. */
    public record SearchCount(long matching, long total) {
    }

    /** Counts in one pass over the workspace's rows: no row leaves the database. */
    public SearchCount count(UUID workspaceId, Search search) {
        Map<String, Object> binds = new java.util.HashMap<>();
        String where = searchCondition(search, binds);
        var query = handle.createQuery("SELECT count(*) FILTER (WHERE " + where + ") AS matching, count(*) AS total FROM instances i "
                + "WHERE i.workspace_id = :ws AND i.deleted_at IS NULL").bind("ws", workspaceId);
        binds.forEach(query::bind);
        return query.map((rs, ctx) -> new SearchCount(rs.getLong("matching"), rs.getLong("total"))).one();
    }

    /** One instance of a search page, with when the reconciler last observed it (null: never). */
    public record Found(Instance instance, Instant observedAt) {
    }

    /** A page of a {@link Search} with the counts, from one statement. */
    public record SearchPage(List<Found> items, SearchCount count) {
    }

    /**
     * One page of a {@link Search}, by name, with the number of matches and of live instances
     * counted in the same statement. A page past the last match is empty, and then the counts
     * come from {@link #count}.
     */
    public SearchPage search(UUID workspaceId, Search search, int offset, int limit) {
        Map<String, Object> binds = new java.util.HashMap<>();
        String where = searchCondition(search, binds);
        var query = handle.createQuery("SELECT " + COLUMNS + ", i.observed_at, count(*) OVER () AS matching, "
                        + "(SELECT count(*) FROM instances t WHERE t.workspace_id = :ws AND t.deleted_at IS NULL) AS total"
                        + FROM + "WHERE i.workspace_id = :ws AND i.deleted_at IS NULL AND " + where
                        + " ORDER BY i.name OFFSET :offset LIMIT :limit")
                .bind("ws", workspaceId).bind("offset", offset).bind("limit", limit);
        binds.forEach(query::bind);
        long[] counts = new long[2];
        List<Found> items = query.map((rs, ctx) -> {
            counts[0] = rs.getLong("matching");
            counts[1] = rs.getLong("total");
            return new Found(map(rs), Rows.instant(rs, "observed_at"));
        }).list();
        return new SearchPage(items, items.isEmpty() ? count(workspaceId, search) : new SearchCount(counts[0], counts[1]));
    }

    private static String searchCondition(Search search, Map<String, Object> binds) {
        StringBuilder where = new StringBuilder("TRUE");
        if (search.environment() != null && !search.environment().isEmpty()) {
            where.append(" AND i.environment = :environment");
            binds.put("environment", search.environment());
        }
        if (search.status() != null && !search.status().isEmpty()) {
            where.append(" AND i.status = :status");
            binds.put("status", search.status());
        }
        if (search.needle() != null && !search.needle().isEmpty()) {
            // '!' escapes LIKE's wildcards: a backslash would confuse the statement parser's quote handling.
            where.append(" AND (lower(i.name) LIKE :needle ESCAPE '!' OR lower(i.image) LIKE :needle ESCAPE '!'"
                    + " OR EXISTS (SELECT 1 FROM jsonb_each_text(i.labels) l WHERE lower(l.key || '=' || l.value) LIKE :needle ESCAPE '!'))");
            String escaped = search.needle().toLowerCase(java.util.Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_");
            binds.put("needle", "%" + escaped + "%");
        }
        return where.toString();
    }

    /** When the reconciler last observed each live instance of a workspace (absent: never), by name. */
    public Map<String, Instant> observedAt(UUID workspaceId) {
        Map<String, Instant> seen = new java.util.HashMap<>();
        handle.createQuery("SELECT name, observed_at FROM instances WHERE workspace_id = :ws AND deleted_at IS NULL "
                        + "AND observed_at IS NOT NULL")
                .bind("ws", workspaceId)
                .map((rs, ctx) -> Map.entry(rs.getString("name"), Rows.instant(rs, "observed_at")))
                .forEach(e -> seen.put(e.getKey(), e.getValue()));
        return seen;
    }

    public Usage usage(UUID workspaceId, UUID excludeInstanceId) {
        return handle.createQuery("""
                        SELECT count(*) AS n, coalesce(sum(cpu_millis * replicas), 0) AS cpu,
                               coalesce(sum(memory_bytes * replicas), 0) AS mem
                        FROM instances WHERE workspace_id = :ws AND deleted_at IS NULL
                          AND (CAST(:exclude AS uuid) IS NULL OR id <> CAST(:exclude AS uuid))""")
                .bind("ws", workspaceId).bind("exclude", excludeInstanceId)
                .map((rs, ctx) -> new Usage(rs.getInt("n"), rs.getLong("cpu"), rs.getLong("mem"))).one();
    }

    public void recordVersion(UUID id, int version, Summary summary) {
        handle.createUpdate("""
                        UPDATE instances SET current_version = :version, environment = :environment,
                            labels = CAST(:labels AS jsonb), image = :image, cpu_millis = :cpuMillis,
                            memory_bytes = :memoryBytes, replicas = :replicas, template = :template, updated_at = now(),
                            generation = generation + 1,
                            -- Until the reconciler takes the new version up, say so rather than keep
                            -- showing the old version's RUNNING next to the new version's number.
                            status = CASE WHEN desired_state = 'RUNNING' AND status IN ('RUNNING', 'DEGRADED', 'DOWN')
                                          THEN 'CREATING' ELSE status END,
                            status_reason = CASE WHEN desired_state = 'RUNNING' AND status IN ('RUNNING', 'DEGRADED', 'DOWN')
                                          THEN 'version ' || :version || ' is waiting to roll out' ELSE status_reason END
                        WHERE id = :id""")
                .bind("id", id).bind("version", version)
                .bindMethods(summary)
                .bind("labels", JSON.writeValueAsString(summary.labels()))
                .execute();
        announce(id);
    }

    public void rename(UUID id, String newName) {
        Rows.insertUnique(handle.createUpdate("UPDATE instances SET name = :name, updated_at = now() WHERE id = :id")
                .bind("id", id).bind("name", newName), "instance " + newName);
        announce(id);
    }

    /** Records a requested state (a new request for the reconciler) and the status to show until it reports. */
    public void setDesiredState(UUID id, DesiredState desired, InstanceStatus status, String reason) {
        handle.createUpdate("""
                        UPDATE instances SET desired_state = :desired, status = :status, status_reason = :reason,
                            updated_at = now(), generation = generation + 1 WHERE id = :id""")
                .bind("id", id).bind("desired", desired.name()).bind("status", status.name()).bind("reason", reason)
                .execute();
        announce(id);
    }

    public void requestRestart(UUID id, Instant at) {
        handle.createUpdate("""
                        UPDATE instances SET restart_requested_at = :at, restart_count = restart_count + 1,
                            updated_at = now(), generation = generation + 1 WHERE id = :id""")
                .bind("id", id).bind("at", Rows.timestamp(at)).execute();
        announce(id);
    }

    public void markDeleted(UUID id, Instant at) {
        markDeleted(id, at, false);
    }

    /**
     * Deletes an instance: its name is free at once; the row stays for the reconciler until it has
     * removed the containers (and the volumes, unless {@code keepVolumes}), see {@link #markCleaned}.
     */
    public void markDeleted(UUID id, Instant at, boolean keepVolumes) {
        handle.createUpdate("""
                        UPDATE instances SET deleted_at = :at, desired_state = 'DELETED', status = 'DELETING',
                            status_reason = 'deleted; removing its containers', keep_volumes = :keep, updated_at = now(),
                            generation = generation + 1 WHERE id = :id""")
                .bind("id", id).bind("at", Rows.timestamp(at)).bind("keep", keepVolumes).execute();
        announce(id);
    }

    private void announce(UUID id) {
        handle.createUpdate(NOTIFY).bind("id", id.toString()).execute();
    }

    private static final tools.jackson.databind.ObjectReader LABELS_READER = JSON.readerFor(LABELS);

    /** Most instances have no labels: skip the parser for them, it shows up in list latency. */
    private static Map<String, String> labels(String json) {
        return json == null || json.equals("{}") ? Map.of() : LABELS_READER.readValue(json);
    }

    /**
     * Reads the {@link #COLUMNS} by position, and times as epoch microseconds: a list maps up to
     * 500 rows per request, and name lookups and calendar-based timestamp parsing showed up in
     * its profile.
     */
    private static Instance map(ResultSet rs) throws SQLException {
        return new Instance(
                rs.getObject(1, UUID.class),
                rs.getObject(2, UUID.class),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                labels(rs.getString(6)),
                rs.getString(7),
                rs.getLong(8),
                rs.getLong(9),
                rs.getInt(10),
                rs.getString(11),
                rs.getInt(12),
                DesiredState.valueOf(rs.getString(13)),
                InstanceStatus.valueOf(rs.getString(14)),
                rs.getString(15),
                rs.getInt(16),
                micros(rs, 17),
                rs.getString(18),
                micros(rs, 19),
                micros(rs, 20),
                integer(rs, 21),
                integer(rs, 22),
                micros(rs, 23),
                rs.getString(24));
    }

    private static Integer integer(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    private static Instant micros(ResultSet rs, int column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : Instant.EPOCH.plus(value, java.time.temporal.ChronoUnit.MICROS);
    }
}
