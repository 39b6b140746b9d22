package dev.roost.server.nodes;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.node.Node;
import dev.roost.server.auth.NodeTokens;
import dev.roost.server.auth.OpaqueTokens;
import dev.roost.server.nodes.NodeDocuments.NodeCredentials;
import dev.roost.store.Session;
import dev.roost.store.nodes.NodeRepository.StoredCredential;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Issues a node's credentials (a node JWT and a single-use refresh credential) and rotates them.
 * Using a refresh credential twice, a sign that it was copied, revokes every credential of the
 * node: the node must join again.
 */
public final class NodeCredentialIssuer {
    private final NodeTokens nodeTokens;
    private final Duration credentialTtl;
    private final Duration heartbeatInterval;
    private final Clock clock;

    public NodeCredentialIssuer(NodeTokens nodeTokens, Duration credentialTtl, Duration heartbeatInterval, Clock clock) {
        this.nodeTokens = requireNonNull(nodeTokens, "nodeTokens is null");
        this.credentialTtl = requireNonNull(credentialTtl, "credentialTtl is null");
        this.heartbeatInterval = requireNonNull(heartbeatInterval, "heartbeatInterval is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A renewal: new credentials, or why they were refused; {@code nodeId} is set when known. */
    public record Rotation(NodeCredentials credentials, RoostException refusal, UUID nodeId) {
    }

    public NodeCredentials issue(Session session, Node node) {
        Instant now = clock.instant();
        String refresh = OpaqueTokens.generate(OpaqueTokens.NODE_CREDENTIAL_PREFIX);
        session.nodes().insertCredential(node.id(), OpaqueTokens.hash(refresh), now, now.plus(credentialTtl));
        return new NodeCredentials(node.id(), node.name(), nodeTokens.issue(node.id(), node.name()),
                nodeTokens.ttl().toSeconds(), refresh, heartbeatInterval.toSeconds());
    }

    /**
     * Rotates {@code refreshCredential}. A refusal is returned rather than thrown, so the caller's
     * transaction commits a revocation.
     */
    public Rotation rotate(Session session, String refreshCredential) {
        Instant now = clock.instant();
        StoredCredential stored = session.nodes().findCredentialForUpdate(OpaqueTokens.hash(refreshCredential)).orElse(null);
        if (stored == null || stored.revokedAt() != null) {
            return new Rotation(null, new RoostException(ErrorCode.TOKEN_INVALID,
                    "The node's refresh credential is not valid (revoked, or the node was removed). Join the node again."),
                    null);
        }
        if (stored.usedAt() != null) {
            session.nodes().revokeCredentials(stored.nodeId(), now);
            return new Rotation(null, new RoostException(ErrorCode.REFRESH_TOKEN_REUSED,
                    "This refresh credential was already used, which suggests it was copied. All of the node's credentials"
                            + " are revoked; join the node again with a new join token."), stored.nodeId());
        }
        if (!now.isBefore(stored.expiresAt())) {
            return new Rotation(null, new RoostException(ErrorCode.TOKEN_EXPIRED,
                    "The node's refresh credential has expired. Join the node again."), stored.nodeId());
        }
        Node node = session.nodes().find(stored.nodeId()).orElse(null);
        if (node == null) {
            session.nodes().revokeCredentials(stored.nodeId(), now);
            return new Rotation(null, new RoostException(ErrorCode.TOKEN_INVALID,
                    "This node was removed from the server. Join it again with a new join token."), stored.nodeId());
        }
        session.nodes().markCredentialUsed(stored.id(), now);
        return new Rotation(issue(session, node), null, node.id());
    }
}
