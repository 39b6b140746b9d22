package dev.roost.store.instances;

import static java.util.Objects.requireNonNull;

import dev.roost.core.instance.ManifestVersion;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The append-only history of each instance's manifest, and tags naming versions. Rows are
 * only ever inserted; the database refuses UPDATE and DELETE on them.
 */
public final class ManifestVersionRepository {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    private final Handle handle;

    public ManifestVersionRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    public void append(ManifestVersion version) {
        handle.createUpdate("""
                        INSERT INTO manifest_versions (instance_id, version, manifest, sha256, source, warnings, created_by, created_at)
                        VALUES (:instanceId, :version, CAST(:manifestJson AS jsonb), :sha256, :source, CAST(:warnings AS jsonb),
                            :createdBy, :createdAt)""")
                .bindMethods(version)
                .bind("warnings", JSON.writeValueAsString(version.warnings()))
                .bind("createdAt", Rows.timestamp(version.createdAt()))
                .execute();
    }

    public Optional<ManifestVersion> find(UUID instanceId, int version) {
        return handle.createQuery("SELECT *, manifest::text AS manifest_text FROM manifest_versions WHERE instance_id = :i AND version = :v")
                .bind("i", instanceId).bind("v", version).map((rs, ctx) -> map(rs, true)).findOne();
    }

    /** Every version of an instance, oldest first, without the manifest bodies. */
    public List<ManifestVersion> list(UUID instanceId) {
        return handle.createQuery("""
                        SELECT instance_id, version, sha256, source, warnings, created_by, created_at
                        FROM manifest_versions WHERE instance_id = :i ORDER BY version""")
                .bind("i", instanceId).map((rs, ctx) -> map(rs, false)).list();
    }

    /** Points {@code tag} at {@code version} (moving it if it existed); returns the version it pointed at before. */
    public Optional<Integer> putTag(UUID instanceId, String tag, int version, String createdBy) {
        Optional<Integer> previous = handle.createQuery(
                        "SELECT version FROM manifest_tags WHERE instance_id = :i AND tag = :t FOR UPDATE")
                .bind("i", instanceId).bind("t", tag).mapTo(Integer.class).findOne();
        handle.createUpdate("""
                        INSERT INTO manifest_tags (instance_id, tag, version, created_by) VALUES (:i, :t, :v, :by)
                        ON CONFLICT (instance_id, tag) DO UPDATE SET version = EXCLUDED.version,
                            created_by = EXCLUDED.created_by, created_at = now()""")
                .bind("i", instanceId).bind("t", tag).bind("v", version).bind("by", createdBy).execute();
        return previous;
    }

    public boolean deleteTag(UUID instanceId, String tag) {
        return handle.createUpdate("DELETE FROM manifest_tags WHERE instance_id = :i AND tag = :t")
                .bind("i", instanceId).bind("t", tag).execute() == 1;
    }

    public Optional<Integer> resolveTag(UUID instanceId, String tag) {
        return handle.createQuery("SELECT version FROM manifest_tags WHERE instance_id = :i AND tag = :t")
                .bind("i", instanceId).bind("t", tag).mapTo(Integer.class).findOne();
    }

    /** Tag name to version, sorted by tag. */
    public Map<String, Integer> tags(UUID instanceId) {
        Map<String, Integer> tags = new TreeMap<>();
        handle.createQuery("SELECT tag, version FROM manifest_tags WHERE instance_id = :i")
                .bind("i", instanceId)
                .map((rs, ctx) -> Map.entry(rs.getString("tag"), rs.getInt("version")))
                .forEach(e -> tags.put(e.getKey(), e.getValue()));
        return tags;
    }

    /** The current manifest (canonical JSON) of each live instance of a workspace, by instance name. */
    public Map<String, String> currentOfLiveInstances(UUID workspaceId) {
        Map<String, String> manifests = new TreeMap<>();
        handle.createQuery("""
                        SELECT i.name, m.manifest::text AS manifest FROM instances i
                        JOIN manifest_versions m ON m.instance_id = i.id AND m.version = i.current_version
                        WHERE i.workspace_id = :w AND i.deleted_at IS NULL""")
                .bind("w", workspaceId)
                .map((rs, ctx) -> Map.entry(rs.getString("name"), rs.getString("manifest")))
                .forEach(e -> manifests.put(e.getKey(), e.getValue()));
        return manifests;
    }

    private static ManifestVersion map(ResultSet rs, boolean withManifest) throws SQLException {
        return new ManifestVersion(
                rs.getObject("instance_id", UUID.class),
                rs.getInt("version"),
                withManifest ? rs.getString("manifest_text") : "",
                rs.getString("sha256"),
                rs.getString("source"),
                JSON.readValue(rs.getString("warnings"), STRINGS),
                rs.getString("created_by"),
                Rows.instant(rs, "created_at"));
    }
}
