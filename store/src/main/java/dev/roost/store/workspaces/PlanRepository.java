package dev.roost.store.workspaces;

import static java.util.Objects.requireNonNull;

import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Quota;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Plans and their quotas. The built-in plans are seeded at first start and may be edited. */
public final class PlanRepository {
    private final Handle handle;

    public PlanRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public List<Plan> list() {
        return handle.createQuery("SELECT * FROM plans ORDER BY max_instances, name").map((rs, ctx) -> map(rs)).list();
    }

    public Optional<Plan> find(String name) {
        return handle.createQuery("SELECT * FROM plans WHERE name = :n").bind("n", name).map((rs, ctx) -> map(rs)).findOne();
    }

    public void create(Plan plan, boolean builtIn) {
        Rows.insertUnique(handle.createUpdate("""
                        INSERT INTO plans (name, description, max_instances, max_cpu_millis_per_instance,
                            max_memory_bytes_per_instance, max_cpu_millis_total, max_memory_bytes_total, built_in)
                        VALUES (:name, :description, :maxInstances, :maxCpuMillisPerInstance,
                            :maxMemoryBytesPerInstance, :maxCpuMillisTotal, :maxMemoryBytesTotal, :builtIn)""")
                .bind("name", plan.name()).bind("description", plan.description())
                .bindMethods(plan.quota())
                .bind("builtIn", builtIn), "plan " + plan.name());
    }

    /** Seeds a plan unless one with that name exists; returns true when it was added. */
    public boolean createIfMissing(Plan plan) {
        if (find(plan.name()).isPresent()) {
            return false;
        }
        create(plan, true);
        return true;
    }

    public boolean update(Plan plan) {
        return handle.createUpdate("""
                        UPDATE plans SET description = :description, max_instances = :maxInstances,
                            max_cpu_millis_per_instance = :maxCpuMillisPerInstance,
                            max_memory_bytes_per_instance = :maxMemoryBytesPerInstance,
                            max_cpu_millis_total = :maxCpuMillisTotal, max_memory_bytes_total = :maxMemoryBytesTotal,
                            updated_at = now()
                        WHERE name = :name""")
                .bind("name", plan.name()).bind("description", plan.description())
                .bindMethods(plan.quota())
                .execute() == 1;
    }

    /** Finds a plan and locks its row, so no workspace can move onto it until the transaction ends. */
    public Optional<Plan> findForUpdate(String name) {
        return handle.createQuery("SELECT * FROM plans WHERE name = :n FOR UPDATE").bind("n", name)
                .map((rs, ctx) -> map(rs)).findOne();
    }

    /** True for the plans Roost ships (seeded at every start when missing). */
    public boolean isBuiltIn(String name) {
        return handle.createQuery("SELECT built_in FROM plans WHERE name = :n").bind("n", name)
                .mapTo(Boolean.class).findOne().orElse(false);
    }

    /** Names of the workspaces on a plan, sorted, at most {@code limit}. */
    public List<String> workspaceNamesOn(String name, int limit) {
        return handle.createQuery("SELECT name FROM workspaces WHERE plan = :n ORDER BY name LIMIT :limit")
                .bind("n", name).bind("limit", limit).mapTo(String.class).list();
    }

    public long workspacesOn(String name) {
        return handle.createQuery("SELECT count(*) FROM workspaces WHERE plan = :n").bind("n", name).mapTo(Long.class).one();
    }

    public boolean delete(String name) {
        return handle.createUpdate("DELETE FROM plans WHERE name = :n").bind("n", name).execute() == 1;
    }

    private static Plan map(ResultSet rs) throws SQLException {
        return new Plan(rs.getString("name"), rs.getString("description"), new Quota(
                rs.getInt("max_instances"),
                rs.getLong("max_cpu_millis_per_instance"),
                rs.getLong("max_memory_bytes_per_instance"),
                rs.getLong("max_cpu_millis_total"),
                rs.getLong("max_memory_bytes_total")));
    }
}
