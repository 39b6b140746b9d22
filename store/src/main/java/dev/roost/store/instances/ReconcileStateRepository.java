package dev.roost.store.instances;

import static java.util.Objects.requireNonNull;

import dev.roost.core.instance.DesiredState;
import dev.roost.core.instance.InstanceStatus;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What the reconciler reads and writes about instances: one query for every instance that may
 * still have containers, with its current manifest, and small updates of status, request
 * progress and rollout state. Every update touches only the columns it names, so a user's
 * request committed in between is never overwritten.
 */
public final class ReconcileStateRepository {
    private final Handle handle;

    public ReconcileStateRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /**
     * One instance as the reconciler sees it. {@code generation} counts requests;
     * {@code convergedGeneration} is the last one carried out.
     */
    public record Target(UUID id, UUID workspaceId, String workspace, String name, int version, String manifestJson, String versionSource,
            DesiredState desiredState, InstanceStatus status, String statusReason, long generation, long convergedGeneration,
            Instant restartRequestedAt, Instant restartHandledAt, boolean keepVolumes, Integer lastHealthyVersion,
            Integer rolloutVersion, Instant rolloutStartedAt, String rolloutFailure, int restartCount) {

        /** A request (apply, start, restart, rollback, delete) has not been carried out yet. */
        public boolean establishing() {
            return convergedGeneration < generation;
        }

        public boolean restartPending() {
            return restartRequestedAt != null && (restartHandledAt == null || restartHandledAt.isBefore(restartRequestedAt));
        }
    }

    private static final String SELECT = """
            SELECT i.id, i.workspace_id, w.name AS workspace_name, i.name, i.current_version, m.manifest::text AS manifest, m.source,
                   i.desired_state, i.status, i.status_reason, i.generation, i.converged_generation,
                   i.restart_requested_at, i.restart_handled_at, i.keep_volumes, i.last_healthy_version, i.rollout_version,
                   i.rollout_started_at, i.rollout_failure, i.restart_count
            FROM instances i
            JOIN workspaces w ON w.id = i.workspace_id
            JOIN manifest_versions m ON m.instance_id = i.id AND m.version = i.current_version
            WHERE i.runtime_cleaned_at IS NULL""";

    /** Every instance that is live, or deleted with containers or volumes possibly left. */
    public List<Target> targets() {
        return handle.createQuery(SELECT).map((rs, ctx) -> map(rs)).list();
    }

    /** One instance by id, if it still needs the reconciler. */
    public java.util.Optional<Target> target(UUID id) {
        return handle.createQuery(SELECT + " AND i.id = :id").bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    public void setStatus(UUID id, InstanceStatus status, String reason, Instant at) {
        handle.createUpdate("UPDATE instances SET status = :status, status_reason = :reason, observed_at = :at WHERE id = :id")
                .bind("id", id).bind("status", status.name()).bind("reason", reason).bind("at", Rows.timestamp(at)).execute();
    }

    /** Request {@code generation} is carried out, and so is a restart requested up to {@code restartRequestedAt}. */
    public void markConverged(UUID id, long generation, Instant restartRequestedAt) {
        handle.createUpdate("""
                        UPDATE instances SET converged_generation = GREATEST(converged_generation, :g),
                            restart_handled_at = CASE WHEN CAST(:r AS timestamptz) IS NULL THEN restart_handled_at
                                ELSE GREATEST(coalesce(restart_handled_at, CAST(:r AS timestamptz)), CAST(:r AS timestamptz)) END
                        WHERE id = :id""")
                .bind("id", id).bind("g", generation).bind("r", restartRequestedAt == null ? null : Rows.timestamp(restartRequestedAt))
                .execute();
    }

    public void startRollout(UUID id, int version, Instant at) {
        handle.createUpdate("""
                        UPDATE instances SET rollout_version = :v, rollout_started_at = :at, rollout_failure = NULL WHERE id = :id""")
                .bind("id", id).bind("v", version).bind("at", Rows.timestamp(at)).execute();
    }

    /** {@code version} is healthy: it becomes the last healthy version and ends its rollout. */
    public void markHealthy(UUID id, int version) {
        handle.createUpdate("""
                        UPDATE instances SET last_healthy_version = :v, rollout_failure = NULL,
                            rollout_version = CASE WHEN rollout_version = :v THEN NULL ELSE rollout_version END,
                            rollout_started_at = CASE WHEN rollout_version = :v THEN NULL ELSE rollout_started_at END
                        WHERE id = :id""")
                .bind("id", id).bind("v", version).execute();
    }

    public void failRollout(UUID id, String reason) {
        handle.createUpdate("UPDATE instances SET rollout_failure = :reason WHERE id = :id")
                .bind("id", id).bind("reason", reason).execute();
    }

    /** A deleted instance's containers (and volumes, unless kept) are gone: the reconciler forgets it. */
    public void markCleaned(UUID id, Instant at) {
        handle.createUpdate("""
                        UPDATE instances SET runtime_cleaned_at = :at, status_reason = :reason, observed_at = :at
                        WHERE id = :id AND deleted_at IS NOT NULL""")
                .bind("id", id).bind("at", Rows.timestamp(at))
                .bind("reason", "deleted; its containers are removed").execute();
    }

    private static Target map(ResultSet rs) throws SQLException {
        int lastHealthy = rs.getInt("last_healthy_version");
        Integer lh = rs.wasNull() ? null : lastHealthy;
        int rollout = rs.getInt("rollout_version");
        Integer ro = rs.wasNull() ? null : rollout;
        return new Target(rs.getObject("id", UUID.class), rs.getObject("workspace_id", UUID.class), rs.getString("workspace_name"),
                rs.getString("name"), rs.getInt("current_version"), rs.getString("manifest"), rs.getString("source"),
                DesiredState.valueOf(rs.getString("desired_state")), InstanceStatus.valueOf(rs.getString("status")),
                rs.getString("status_reason"), rs.getLong("generation"), rs.getLong("converged_generation"),
                Rows.instant(rs, "restart_requested_at"), Rows.instant(rs, "restart_handled_at"), rs.getBoolean("keep_volumes"),
                lh, ro, Rows.instant(rs, "rollout_started_at"), rs.getString("rollout_failure"), rs.getInt("restart_count"));
    }
}
