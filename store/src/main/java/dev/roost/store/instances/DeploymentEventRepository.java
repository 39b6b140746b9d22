package dev.roost.store.instances;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.DeploymentEvent;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Deployment events of instances: appended by the reconciler, read newest first with keyset
 * paging ({@code before}), or oldest first after a cursor ({@code after}) to follow new ones.
 */
public final class DeploymentEventRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> DETAIL = new TypeReference<>() {
    };

    private final Handle handle;

    public DeploymentEventRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /** Appends events in order (their ids grow in list order). */
    public void append(List<DeploymentEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        PreparedBatch batch = handle.prepareBatch("""
                INSERT INTO deployment_events (instance_id, workspace_id, version, at, kind, message, detail, actor)
                VALUES (:instanceId, :workspaceId, :version, :at, :kind, :message, CAST(:detail AS jsonb), :actor)""");
        for (DeploymentEvent e : events) {
            batch.bind("instanceId", e.instanceId()).bind("workspaceId", e.workspaceId()).bind("version", e.version())
                    .bind("at", Rows.timestamp(e.at())).bind("kind", e.kind().name()).bind("message", e.message())
                    .bind("detail", JSON.writeValueAsString(e.detail())).bind("actor", e.actor()).add();
        }
        batch.execute();
    }

    /** Newest first, at most {@code limit}, older than event {@code before} when given. */
    public List<DeploymentEvent> newestFirst(UUID instanceId, Long before, int limit) {
        return handle.createQuery("""
                        SELECT id, instance_id, workspace_id, version, at, kind, message, detail::text AS detail, actor
                        FROM deployment_events WHERE instance_id = :i AND (CAST(:before AS bigint) IS NULL OR id < :before)
                        ORDER BY id DESC LIMIT :limit""")
                .bind("i", instanceId).bind("before", before).bind("limit", limit)
                .map((rs, ctx) -> map(rs)).list();
    }

    /** Oldest first, at most {@code limit}, newer than event {@code after}: for following an instance's events. */
    public List<DeploymentEvent> after(UUID instanceId, long after, int limit) {
        return handle.createQuery("""
                        SELECT id, instance_id, workspace_id, version, at, kind, message, detail::text AS detail, actor
                        FROM deployment_events WHERE instance_id = :i AND id > :after ORDER BY id LIMIT :limit""")
                .bind("i", instanceId).bind("after", after).bind("limit", limit)
                .map((rs, ctx) -> map(rs)).list();
    }

    private static DeploymentEvent map(ResultSet rs) throws SQLException {
        int version = rs.getInt("version");
        Integer v = rs.wasNull() ? null : version;
        return new DeploymentEvent(rs.getLong("id"), rs.getObject("instance_id", UUID.class), rs.getObject("workspace_id", UUID.class),
                v, Rows.instant(rs, "at"), DeploymentEvent.Kind.valueOf(rs.getString("kind")), rs.getString("message"),
                JSON.readValue(rs.getString("detail"), DETAIL), rs.getString("actor"));
    }
}
