package dev.roost.store.secrets;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.secret.MasterKey;
import dev.roost.core.secret.SealedValue;
import dev.roost.core.secret.SecretBinding;
import dev.roost.core.secret.SecretFingerprinter;
import dev.roost.core.secret.SecretReference;
import dev.roost.core.secret.SecretSealer;
import dev.roost.core.secret.SecretValue;
import dev.roost.store.Rows;
import dev.roost.store.Session;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The built-in {@link SecretStore}: values encrypted with AES-256-GCM ({@link SecretSealer})
 * in the {@code secrets} table, next to a keyed fingerprint ({@link SecretFingerprinter}).
 * Plaintext never reaches the database, and this class logs nothing. Thread-safe; each call
 * works in the session it is given.
 */
public final class DatabaseSecretStore implements SecretStore {
    private static final String METADATA = "name, version, size, fingerprint, key_id, created_by, created_at, updated_by, updated_at";

    private final SecretSealer sealer;
    private final SecretFingerprinter fingerprints;

    public DatabaseSecretStore(SecretSealer sealer, SecretFingerprinter fingerprints) {
        this.sealer = requireNonNull(sealer, "sealer is null");
        this.fingerprints = requireNonNull(fingerprints, "fingerprints is null");
    }

    public DatabaseSecretStore(MasterKey masterKey) {
        this(new SecretSealer(masterKey), new SecretFingerprinter(masterKey));
    }

    /**
     * How many stored secrets were sealed with each master key id, by key id. Read at start-up
     * to refuse a master key that cannot open what is stored.
     */
    public static SortedMap<String, Long> keyIdsInUse(Session session) {
        SortedMap<String, Long> counts = new TreeMap<>();
        session.handle().createQuery("SELECT key_id, count(*) AS n FROM secrets GROUP BY key_id")
                .map((rs, ctx) -> Map.entry(rs.getString("key_id"), rs.getLong("n")))
                .forEach(e -> counts.put(e.getKey(), e.getValue()));
        return counts;
    }

    @Override
    public Change put(Session session, UUID workspaceId, String name, byte[] value, String actor, Instant now) {
        requireNonNull(workspaceId, "workspaceId is null");
        requireNonNull(value, "value is null");
        requireNonNull(actor, "actor is null");
        requireNonNull(now, "now is null");
        if (value.length == 0 || value.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("a secret value is 1 to " + MAX_VALUE_BYTES + " bytes, got " + value.length);
        }
        SecretBinding binding = new SecretBinding(workspaceId, name);
        String fingerprint = fingerprints.fingerprint(binding, value);
        Handle handle = session.handle();
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<SecretMetadata> existing = lock(handle, workspaceId, name);
            if (existing.isPresent()) {
                SecretMetadata current = existing.get();
                if (current.keyId().equals(sealer.keyId()) && fingerprints.matches(binding, value, current.fingerprint())) {
                    return new Change(Outcome.UNCHANGED, current);
                }
                SealedValue sealed = sealer.seal(binding, value);
                handle.createUpdate("""
                                UPDATE secrets SET ciphertext = :ciphertext, nonce = :nonce, key_id = :keyId,
                                    fingerprint = :fingerprint, version = version + 1, size = :size,
                                    updated_by = :actor, updated_at = :now
                                WHERE workspace_id = :w AND name = :name""")
                        .bind("ciphertext", sealed.ciphertext()).bind("nonce", sealed.nonce()).bind("keyId", sealed.keyId())
                        .bind("fingerprint", fingerprint).bind("size", value.length).bind("actor", actor)
                        .bind("now", Rows.timestamp(now)).bind("w", workspaceId).bind("name", name)
                        .execute();
                return new Change(Outcome.UPDATED, find(session, workspaceId, name).orElseThrow());
            }
            SealedValue sealed = sealer.seal(binding, value);
            // A concurrent first put of the same name wins the insert; this one then updates its row.
            int inserted = handle.createUpdate("""
                            INSERT INTO secrets (workspace_id, name, ciphertext, nonce, key_id, fingerprint, version, size,
                                created_by, created_at, updated_by, updated_at)
                            VALUES (:w, :name, :ciphertext, :nonce, :keyId, :fingerprint, 1, :size, :actor, :now, :actor, :now)
                            ON CONFLICT (workspace_id, name) DO NOTHING""")
                    .bind("w", workspaceId).bind("name", name)
                    .bind("ciphertext", sealed.ciphertext()).bind("nonce", sealed.nonce()).bind("keyId", sealed.keyId())
                    .bind("fingerprint", fingerprint).bind("size", value.length).bind("actor", actor)
                    .bind("now", Rows.timestamp(now))
                    .execute();
            if (inserted == 1) {
                return new Change(Outcome.CREATED, find(session, workspaceId, name).orElseThrow());
            }
        }
        throw new RoostException(ErrorCode.CONFLICT, "Secret " + name + " is being changed by another request; try again.");
    }

    @Override
    public Optional<SecretMetadata> delete(Session session, UUID workspaceId, String name) {
        return session.handle().createQuery("DELETE FROM secrets WHERE workspace_id = :w AND name = :name RETURNING " + METADATA)
                .bind("w", workspaceId).bind("name", name)
                .map((rs, ctx) -> metadata(rs)).findOne();
    }

    @Override
    public List<SecretMetadata> list(Session session, UUID workspaceId) {
        return session.handle().createQuery("SELECT " + METADATA + " FROM secrets WHERE workspace_id = :w ORDER BY name")
                .bind("w", workspaceId).map((rs, ctx) -> metadata(rs)).list();
    }

    @Override
    public Optional<SecretMetadata> find(Session session, UUID workspaceId, String name) {
        return session.handle().createQuery("SELECT " + METADATA + " FROM secrets WHERE workspace_id = :w AND name = :name")
                .bind("w", workspaceId).bind("name", name).map((rs, ctx) -> metadata(rs)).findOne();
    }

    @Override
    public Optional<Verification> verify(Session session, UUID workspaceId, String name, byte[] candidate) {
        requireNonNull(candidate, "candidate is null");
        if (!SecretReference.isValidName(name)) {
            return Optional.empty();
        }
        SecretBinding binding = new SecretBinding(workspaceId, name);
        return find(session, workspaceId, name)
                .map(m -> new Verification(m, fingerprints.matches(binding, candidate, m.fingerprint())));
    }

    @Override
    public Map<String, SecretValue> resolve(Session session, UUID workspaceId, Collection<String> names) {
        requireNonNull(workspaceId, "workspaceId is null");
        TreeSet<String> wanted = new TreeSet<>(names);
        Map<String, SealedValue> rows = new LinkedHashMap<>();
        session.handle().createQuery("""
                        SELECT name, ciphertext, nonce, key_id FROM secrets
                        WHERE workspace_id = :w AND name = ANY(:names) ORDER BY name""")
                .bind("w", workspaceId).bind("names", wanted.toArray(String[]::new))
                .map((rs, ctx) -> Map.entry(rs.getString("name"),
                        new SealedValue(rs.getString("key_id"), rs.getBytes("nonce"), rs.getBytes("ciphertext"))))
                .forEach(e -> rows.put(e.getKey(), e.getValue()));
        wanted.removeAll(rows.keySet());
        if (!wanted.isEmpty()) {
            throw new RoostException(ErrorCode.NOT_FOUND, (wanted.size() == 1 ? "Secret " : "Secrets ")
                    + String.join(", ", wanted) + (wanted.size() == 1 ? " does" : " do") + " not exist in this workspace.");
        }
        Map<String, SecretValue> values = new LinkedHashMap<>();
        try {
            rows.forEach((name, sealed) -> values.put(name,
                    SecretValue.wrap(sealer.open(new SecretBinding(workspaceId, name), sealed))));
        } catch (RuntimeException e) {
            values.values().forEach(SecretValue::close);
            throw e;
        }
        return values;
    }

    private static Optional<SecretMetadata> lock(Handle handle, UUID workspaceId, String name) {
        return handle.createQuery("SELECT " + METADATA + " FROM secrets WHERE workspace_id = :w AND name = :name FOR UPDATE")
                .bind("w", workspaceId).bind("name", name).map((rs, ctx) -> metadata(rs)).findOne();
    }

    private static SecretMetadata metadata(ResultSet rs) throws SQLException {
        return new SecretMetadata(rs.getString("name"), rs.getInt("version"), rs.getInt("size"), rs.getString("fingerprint"),
                rs.getString("key_id"), rs.getString("created_by"), Rows.instant(rs, "created_at"), rs.getString("updated_by"),
                Rows.instant(rs, "updated_at"));
    }
}
