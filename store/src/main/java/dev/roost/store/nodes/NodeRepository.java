package dev.roost.store.nodes;

import static java.util.Objects.requireNonNull;

import dev.roost.core.node.JoinToken;
import dev.roost.core.node.Node;
import dev.roost.core.node.NodeScheduling;
import dev.roost.core.node.NodeState;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Nodes, their join tokens and their rotating refresh credentials. Secrets arrive here as
 * SHA-256 hashes only. JSON documents (capabilities, load, config) are passed as text.
 */
public final class NodeRepository {
    private static final String TOKEN_COLUMNS = "id, prefix, created_by, created_at, expires_at, max_uses, uses, revoked_at";
    private static final String NODE_COLUMNS = """
            id, name, state, scheduling, capabilities::text AS capabilities, load::text AS load, config::text AS config,
            config_version, applied_version, joined_at, last_heartbeat_at, state_changed_at, removed_at""";

    private final Handle handle;

    public NodeRepository(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    // --- join tokens

    public JoinToken insertJoinToken(byte[] tokenHash, String prefix, String createdBy, Instant createdAt, Instant expiresAt,
            Integer maxUses) {
        UUID id = UUID.randomUUID();
        handle.createUpdate("""
                        INSERT INTO node_join_tokens (id, token_hash, prefix, created_by, created_at, expires_at, max_uses)
                        VALUES (:id, :hash, :prefix, :by, :at, :expires, :max)""")
                .bind("id", id).bind("hash", tokenHash).bind("prefix", prefix).bind("by", createdBy)
                .bind("at", Rows.timestamp(createdAt)).bind("expires", Rows.timestamp(expiresAt)).bind("max", maxUses)
                .execute();
        return findJoinToken(id).orElseThrow();
    }

    public Optional<JoinToken> findJoinToken(UUID id) {
        return handle.createQuery("SELECT " + TOKEN_COLUMNS + " FROM node_join_tokens WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> joinToken(rs)).findOne();
    }

    /** The token with this hash, its row locked until the transaction ends (so two joins count two uses). */
    public Optional<JoinToken> findJoinTokenForUpdate(byte[] tokenHash) {
        return handle.createQuery("SELECT " + TOKEN_COLUMNS + " FROM node_join_tokens WHERE token_hash = :hash FOR UPDATE")
                .bind("hash", tokenHash).map((rs, ctx) -> joinToken(rs)).findOne();
    }

    public List<JoinToken> listJoinTokens() {
        return handle.createQuery("SELECT " + TOKEN_COLUMNS + " FROM node_join_tokens ORDER BY created_at, id")
                .map((rs, ctx) -> joinToken(rs)).list();
    }

    public void countJoinTokenUse(UUID id) {
        handle.createUpdate("UPDATE node_join_tokens SET uses = uses + 1 WHERE id = :id").bind("id", id).execute();
    }

    /** Revokes a token; false when it was already revoked. */
    public boolean revokeJoinToken(UUID id, Instant at) {
        return handle.createUpdate("UPDATE node_join_tokens SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL")
                .bind("at", Rows.timestamp(at)).bind("id", id).execute() == 1;
    }

    private static JoinToken joinToken(ResultSet rs) throws SQLException {
        return new JoinToken(rs.getObject("id", UUID.class), rs.getString("prefix"), rs.getString("created_by"),
                Rows.instant(rs, "created_at"), Rows.instant(rs, "expires_at"), (Integer) rs.getObject("max_uses"),
                rs.getInt("uses"), Rows.instant(rs, "revoked_at"));
    }

    // --- nodes

    /** Adds a READY, schedulable node; throws a unique violation when an active node has the name. */
    public Node insert(UUID id, String name, String capabilitiesJson, String configJson, UUID joinTokenId, Instant at) {
        Rows.insertUnique(handle.createUpdate("""
                        INSERT INTO nodes (id, name, state, scheduling, capabilities, config, join_token_id, joined_at,
                                           last_heartbeat_at, state_changed_at)
                        VALUES (:id, :name, 'READY', 'SCHEDULABLE', CAST(:caps AS jsonb), CAST(:config AS jsonb), :token,
                                :at, :at, :at)""")
                .bind("id", id).bind("name", name).bind("caps", capabilitiesJson).bind("config", configJson)
                .bind("token", joinTokenId).bind("at", Rows.timestamp(at)), "Node " + name);
        return find(id).orElseThrow();
    }

    /** A node that was not removed. */
    public Optional<Node> find(UUID id) {
        return handle.createQuery("SELECT " + NODE_COLUMNS + " FROM nodes WHERE id = :id AND removed_at IS NULL")
                .bind("id", id).map((rs, ctx) -> node(rs)).findOne();
    }

    public List<Node> list() {
        return handle.createQuery("SELECT " + NODE_COLUMNS + " FROM nodes WHERE removed_at IS NULL ORDER BY name")
                .map((rs, ctx) -> node(rs)).list();
    }

    /**
     * Records a heartbeat: the node is READY again, its load is replaced, and so are its
     * capabilities and applied config version when given (null keeps them).
     */
    public Node heartbeat(UUID id, Instant at, String loadJson, String capabilitiesJson, Long appliedVersion) {
        handle.createUpdate("""
                        UPDATE nodes SET last_heartbeat_at = :at, load = CAST(:load AS jsonb),
                               capabilities = COALESCE(CAST(:caps AS jsonb), capabilities),
                               applied_version = COALESCE(:applied, applied_version),
                               state_changed_at = CASE WHEN state = 'READY' THEN state_changed_at ELSE :at END,
                               state = 'READY'
                        WHERE id = :id AND removed_at IS NULL""")
                .bind("id", id).bind("at", Rows.timestamp(at)).bind("load", loadJson).bind("caps", capabilitiesJson)
                .bind("applied", appliedVersion).execute();
        return find(id).orElseThrow();
    }

    public boolean setScheduling(UUID id, NodeScheduling scheduling) {
        return handle.createUpdate("UPDATE nodes SET scheduling = :s WHERE id = :id AND removed_at IS NULL")
                .bind("s", scheduling.name()).bind("id", id).execute() == 1;
    }

    /** Replaces the node's config and bumps its version; returns the new version. */
    public long replaceConfig(UUID id, String configJson) {
        return handle.createQuery("""
                        UPDATE nodes SET config = CAST(:config AS jsonb), config_version = config_version + 1
                        WHERE id = :id AND removed_at IS NULL RETURNING config_version""")
                .bind("config", configJson).bind("id", id).mapTo(Long.class).one();
    }

    /**
     * Moves nodes that fell silent: READY to NOT_READY after {@code notReadyBefore}, READY or
     * NOT_READY to LOST after {@code lostBefore}. Returns the nodes that changed, with their new state.
     */
    public List<Node> markSilent(Instant now, Instant notReadyBefore, Instant lostBefore) {
        return handle.createQuery("""
                        UPDATE nodes SET state = CASE WHEN last_heartbeat_at <= :lost THEN 'LOST' ELSE 'NOT_READY' END,
                                         state_changed_at = :now
                        WHERE removed_at IS NULL
                          AND ((state = 'READY' AND last_heartbeat_at <= :notReady)
                               OR (state <> 'LOST' AND last_heartbeat_at <= :lost))
                        RETURNING %s""".formatted(NODE_COLUMNS))
                .bind("now", Rows.timestamp(now)).bind("notReady", Rows.timestamp(notReadyBefore))
                .bind("lost", Rows.timestamp(lostBefore))
                .map((rs, ctx) -> node(rs)).list();
    }

    /** Removes a node and revokes all its credentials; false when there was no such node. */
    public boolean remove(UUID id, Instant at) {
        boolean removed = handle.createUpdate("UPDATE nodes SET removed_at = :at WHERE id = :id AND removed_at IS NULL")
                .bind("at", Rows.timestamp(at)).bind("id", id).execute() == 1;
        revokeCredentials(id, at);
        return removed;
    }

    private static Node node(ResultSet rs) throws SQLException {
        return new Node(rs.getObject("id", UUID.class), rs.getString("name"), NodeState.valueOf(rs.getString("state")),
                NodeScheduling.valueOf(rs.getString("scheduling")), rs.getString("capabilities"), rs.getString("load"),
                rs.getString("config"), rs.getLong("config_version"), rs.getLong("applied_version"),
                Rows.instant(rs, "joined_at"), Rows.instant(rs, "last_heartbeat_at"), Rows.instant(rs, "state_changed_at"),
                Rows.instant(rs, "removed_at"));
    }

    // --- refresh credentials

    public record StoredCredential(UUID id, UUID nodeId, Instant expiresAt, Instant usedAt, Instant revokedAt) {
    }

    public void insertCredential(UUID nodeId, byte[] tokenHash, Instant createdAt, Instant expiresAt) {
        handle.createUpdate("""
                        INSERT INTO node_credentials (id, node_id, token_hash, created_at, expires_at)
                        VALUES (:id, :node, :hash, :at, :expires)""")
                .bind("id", UUID.randomUUID()).bind("node", nodeId).bind("hash", tokenHash)
                .bind("at", Rows.timestamp(createdAt)).bind("expires", Rows.timestamp(expiresAt)).execute();
    }

    /** The credential with this hash, its row locked until the transaction ends. */
    public Optional<StoredCredential> findCredentialForUpdate(byte[] tokenHash) {
        return handle.createQuery("""
                        SELECT id, node_id, expires_at, used_at, revoked_at FROM node_credentials
                        WHERE token_hash = :hash FOR UPDATE""")
                .bind("hash", tokenHash)
                .map((rs, ctx) -> new StoredCredential(rs.getObject("id", UUID.class), rs.getObject("node_id", UUID.class),
                        Rows.instant(rs, "expires_at"), Rows.instant(rs, "used_at"), Rows.instant(rs, "revoked_at")))
                .findOne();
    }

    public void markCredentialUsed(UUID id, Instant at) {
        handle.createUpdate("UPDATE node_credentials SET used_at = :at WHERE id = :id")
                .bind("at", Rows.timestamp(at)).bind("id", id).execute();
    }

    /**
     * Removes refresh credentials that expired more than a day ago; returns how many. Used ones are
     * kept until then, so a copied credential presented late is still recognised as reused.
     */
    public int purgeExpiredCredentials(Instant now) {
        return handle.createUpdate("DELETE FROM node_credentials WHERE expires_at < :cutoff")
                .bind("cutoff", Rows.timestamp(now.minusSeconds(86_400))).execute();
    }

    public int revokeCredentials(UUID nodeId, Instant at) {
        return handle.createUpdate("UPDATE node_credentials SET revoked_at = :at WHERE node_id = :n AND revoked_at IS NULL")
                .bind("at", Rows.timestamp(at)).bind("n", nodeId).execute();
    }
}
