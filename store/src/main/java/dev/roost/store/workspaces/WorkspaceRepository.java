package dev.roost.store.workspaces;

import static java.util.Objects.requireNonNull;

import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.Rows;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import tools.jackson.databind.json.JsonMapper;

/** Workspaces (tenants). */
public final class WorkspaceRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String COLUMNS = "w.id, w.name, w.display_name, w.plan, w.quota_override::text AS quota_override, "
            + "w.environments, w.created_at";

    private final Handle handle;

    public WorkspaceRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /** A workspace as one user sees it: with that user's role, or null for a server admin who is no member. */
    public record Visible(Workspace workspace, Role role) {
    }

    public Workspace create(String name, String displayName, String plan, Quota quotaOverride, List<String> environments) {
        UUID id = UUID.randomUUID();
        Rows.insertUnique(handle.createUpdate("""
                        INSERT INTO workspaces (id, name, display_name, plan, quota_override, environments)
                        VALUES (:id, :name, :displayName, :plan, CAST(:quota AS jsonb), :envs)""")
                .bind("id", id).bind("name", name).bind("displayName", displayName).bind("plan", plan)
                .bind("quota", quotaOverride == null ? null : JSON.writeValueAsString(quotaOverride))
                .bind("envs", environments.toArray(String[]::new)), "workspace " + name);
        return findById(id).orElseThrow();
    }

    public Optional<Workspace> findById(UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM workspaces w WHERE w.id = :id")
                .bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    public Optional<Workspace> findByName(String name) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM workspaces w WHERE w.name = :name")
                .bind("name", name).map((rs, ctx) -> map(rs)).findOne();
    }

    public List<Workspace> list() {
        return handle.createQuery("SELECT " + COLUMNS + " FROM workspaces w ORDER BY w.name").map((rs, ctx) -> map(rs)).list();
    }

    /** The workspaces a user is a member of, with the role held in each. */
    public List<Visible> listForMember(UUID userId) {
        return handle.createQuery("""
                        SELECT %s, m.role FROM workspaces w JOIN memberships m ON m.workspace_id = w.id
                        WHERE m.user_id = :u ORDER BY w.name""".formatted(COLUMNS))
                .bind("u", userId)
                .map((rs, ctx) -> new Visible(map(rs), Role.valueOf(rs.getString("role"))))
                .list();
    }

    public void update(UUID id, String displayName, String plan, Quota quotaOverride, List<String> environments) {
        handle.createUpdate("""
                        UPDATE workspaces SET display_name = :displayName, plan = :plan,
                            quota_override = CAST(:quota AS jsonb), environments = :envs, updated_at = now()
                        WHERE id = :id""")
                .bind("id", id).bind("displayName", displayName).bind("plan", plan)
                .bind("quota", quotaOverride == null ? null : JSON.writeValueAsString(quotaOverride))
                .bind("envs", environments.toArray(String[]::new))
                .execute();
    }

    public boolean delete(UUID id) {
        return handle.createUpdate("DELETE FROM workspaces WHERE id = :id").bind("id", id).execute() == 1;
    }

    /** What a workspace's live instances take: count, and CPU and memory times their replicas. */
    public record Usage(long liveInstances, long cpuMillis, long memoryBytes) {
    }

    /** The outcome of {@link #purge}. */
    public sealed interface PurgeOutcome {
        /** The workspace is gone, with this many rows of its history and its secrets. */
        record Purged(long instances, long manifestVersions, long manifestTags, long memberships, long secrets)
                implements PurgeOutcome {
        }

        /** Nothing was removed: the workspace still has live instances. */
        record HasLiveInstances(long liveInstances) implements PurgeOutcome {
        }

        /** There is no such workspace (any more). */
        record Missing() implements PurgeOutcome {
        }
    }

    /**
     * Finds a workspace and locks its row until the transaction ends, so concurrent changes to
     * its plan, environments or existence (and inserts of instances into it) wait for this one.
     */
    public Optional<Workspace> findByNameForUpdate(String name) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM workspaces w WHERE w.name = :name FOR UPDATE")
                .bind("name", name).map((rs, ctx) -> map(rs)).findOne();
    }

    public Usage usage(UUID workspaceId) {
        return handle.createQuery("""
                        SELECT count(*) AS n, COALESCE(sum(cpu_millis * replicas), 0) AS cpu,
                            COALESCE(sum(memory_bytes * replicas), 0) AS memory
                        FROM instances WHERE workspace_id = :w AND deleted_at IS NULL""")
                .bind("w", workspaceId)
                .map((rs, ctx) -> new Usage(rs.getLong("n"), rs.getLong("cpu"), rs.getLong("memory")))
                .one();
    }

    /** The environments that live instances of the workspace are in, sorted. */
    public List<String> environmentsInUse(UUID workspaceId) {
        return handle.createQuery("""
                        SELECT DISTINCT environment FROM instances
                        WHERE workspace_id = :w AND deleted_at IS NULL ORDER BY environment""")
                .bind("w", workspaceId).mapTo(String.class).list();
    }

    /**
     * Removes a workspace for good: its deleted instances with their manifest versions and tags,
     * its secrets, its memberships and the workspace itself. Refuses (removing nothing) while the workspace
     * has live instances. Must run inside a transaction: it locks the workspace row first, and
     * lifts the append-only guard of manifest versions for the rest of the purge only
     * ({@code SET LOCAL roost.purge}, see V2__workspace_purge.sql). The audit log is not touched.
     */
    public PurgeOutcome purge(UUID workspaceId) {
        if (!handle.isInTransaction()) {
            throw new IllegalStateException("a workspace purge must run inside a transaction");
        }
        boolean exists = handle.createQuery("SELECT id FROM workspaces WHERE id = :w FOR UPDATE")
                .bind("w", workspaceId).mapTo(UUID.class).findOne().isPresent();
        if (!exists) {
            return new PurgeOutcome.Missing();
        }
        long live = usage(workspaceId).liveInstances();
        if (live > 0) {
            return new PurgeOutcome.HasLiveInstances(live);
        }
        // Every table that references instances or the workspace must be emptied here, children first.
        String ofWorkspace = "instance_id IN (SELECT id FROM instances WHERE workspace_id = :w)";
        handle.execute("SET LOCAL roost.purge = 'on'");
        handle.createUpdate("DELETE FROM deployment_events WHERE workspace_id = :w").bind("w", workspaceId).execute();
        handle.createUpdate("DELETE FROM jobs WHERE workspace_id = :w").bind("w", workspaceId).execute();
        int tags = handle.createUpdate("DELETE FROM manifest_tags WHERE " + ofWorkspace).bind("w", workspaceId).execute();
        int versions = handle.createUpdate("DELETE FROM manifest_versions WHERE " + ofWorkspace).bind("w", workspaceId).execute();
        int instances = handle.createUpdate("DELETE FROM instances WHERE workspace_id = :w").bind("w", workspaceId).execute();
        int secrets = handle.createUpdate("DELETE FROM secrets WHERE workspace_id = :w").bind("w", workspaceId).execute();
        int memberships = handle.createUpdate("DELETE FROM memberships WHERE workspace_id = :w").bind("w", workspaceId).execute();
        handle.createUpdate("DELETE FROM workspaces WHERE id = :w").bind("w", workspaceId).execute();
        // Close the door again for whatever else this transaction does.
        handle.execute("SET LOCAL roost.purge = 'off'");
        return new PurgeOutcome.Purged(instances, versions, tags, memberships, secrets);
    }

    static Workspace map(ResultSet rs) throws SQLException {
        String quota = rs.getString("quota_override");
        Array envs = rs.getArray("environments");
        return new Workspace(
                rs.getObject("id", UUID.class),
                rs.getString("name"),
                rs.getString("display_name"),
                rs.getString("plan"),
                quota == null ? null : JSON.readValue(quota, Quota.class),
                Arrays.asList((String[]) envs.getArray()),
                Rows.instant(rs, "created_at"));
    }
}
