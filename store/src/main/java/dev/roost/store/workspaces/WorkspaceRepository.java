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
