package dev.roost.store.workspaces;

import static java.util.Objects.requireNonNull;

import dev.roost.core.workspace.Member;
import dev.roost.core.workspace.Role;
import dev.roost.store.Rows;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** Who holds which role in which workspace. One role per user and workspace. */
public final class MembershipRepository {
    private final Handle handle;

    public MembershipRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public Optional<Role> roleOf(UUID workspaceId, UUID userId) {
        return handle.createQuery("SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u")
                .bind("w", workspaceId).bind("u", userId)
                .map((rs, ctx) -> Role.valueOf(rs.getString("role"))).findOne();
    }

    public List<Member> list(UUID workspaceId) {
        return handle.createQuery("""
                        SELECT m.user_id, u.username, m.role, m.created_at FROM memberships m
                        JOIN users u ON u.id = m.user_id WHERE m.workspace_id = :w ORDER BY lower(u.username)""")
                .bind("w", workspaceId)
                .map((rs, ctx) -> new Member(rs.getObject("user_id", UUID.class), rs.getString("username"),
                        Role.valueOf(rs.getString("role")), Rows.instant(rs, "created_at")))
                .list();
    }

    /** Adds the user or changes their role; returns the previous role if there was one. */
    public Optional<Role> put(UUID workspaceId, UUID userId, Role role) {
        Optional<Role> previous = handle.createQuery(
                        "SELECT role FROM memberships WHERE workspace_id = :w AND user_id = :u FOR UPDATE")
                .bind("w", workspaceId).bind("u", userId)
                .map((rs, ctx) -> Role.valueOf(rs.getString("role"))).findOne();
        handle.createUpdate("""
                        INSERT INTO memberships (workspace_id, user_id, role) VALUES (:w, :u, :r)
                        ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role""")
                .bind("w", workspaceId).bind("u", userId).bind("r", role.name()).execute();
        return previous;
    }

    public boolean remove(UUID workspaceId, UUID userId) {
        return handle.createUpdate("DELETE FROM memberships WHERE workspace_id = :w AND user_id = :u")
                .bind("w", workspaceId).bind("u", userId).execute() == 1;
    }

    public Optional<Member> find(UUID workspaceId, UUID userId) {
        return handle.createQuery("""
                        SELECT m.user_id, u.username, m.role, m.created_at FROM memberships m
                        JOIN users u ON u.id = m.user_id WHERE m.workspace_id = :w AND m.user_id = :u""")
                .bind("w", workspaceId).bind("u", userId)
                .map((rs, ctx) -> new Member(rs.getObject("user_id", UUID.class), rs.getString("username"),
                        Role.valueOf(rs.getString("role")), Rows.instant(rs, "created_at")))
                .findOne();
    }

    /** Names of the workspaces in which this user is the only OWNER, sorted. */
    public List<String> workspacesSolelyOwnedBy(UUID userId) {
        return handle.createQuery("""
                        SELECT w.name FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
                        WHERE m.user_id = :u AND m.role = 'OWNER'
                          AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.workspace_id = m.workspace_id
                                          AND o.role = 'OWNER' AND o.user_id <> :u)
                        ORDER BY w.name""")
                .bind("u", userId).mapTo(String.class).list();
    }

    public long countOwners(UUID workspaceId) {
        return handle.createQuery("SELECT count(*) FROM memberships WHERE workspace_id = :w AND role = 'OWNER'")
                .bind("w", workspaceId).mapTo(Long.class).one();
    }
}
