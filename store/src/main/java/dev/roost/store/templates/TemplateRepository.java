package dev.roost.store.templates;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Templates as their YAML documents. The built-in ones are seeded at start and marked as such. */
public final class TemplateRepository {
    private final Handle handle;

    public TemplateRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public record StoredTemplate(String name, String description, String document, boolean builtIn, String createdBy,
            Instant createdAt, Instant updatedAt) {
    }

    public List<StoredTemplate> list() {
        return handle.createQuery("SELECT * FROM templates ORDER BY name").map((rs, ctx) -> map(rs)).list();
    }

    public Optional<StoredTemplate> find(String name) {
        return handle.createQuery("SELECT * FROM templates WHERE name = :n").bind("n", name).map((rs, ctx) -> map(rs)).findOne();
    }

    public void create(String name, String description, String document, boolean builtIn, String createdBy) {
        Rows.insertUnique(handle.createUpdate("""
                        INSERT INTO templates (name, description, document, built_in, created_by)
                        VALUES (:n, :d, :doc, :b, :by)""")
                .bind("n", name).bind("d", description).bind("doc", document).bind("b", builtIn).bind("by", createdBy),
                "template " + name);
    }

    public boolean update(String name, String description, String document) {
        return handle.createUpdate("UPDATE templates SET description = :d, document = :doc, updated_at = now() WHERE name = :n")
                .bind("n", name).bind("d", description).bind("doc", document).execute() == 1;
    }

    public boolean delete(String name) {
        return handle.createUpdate("DELETE FROM templates WHERE name = :n").bind("n", name).execute() == 1;
    }

    private static StoredTemplate map(ResultSet rs) throws SQLException {
        return new StoredTemplate(rs.getString("name"), rs.getString("description"), rs.getString("document"),
                rs.getBoolean("built_in"), rs.getString("created_by"), Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    }
}
