package dev.roost.server.auth;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.identity.User;
import dev.roost.server.http.Authentication;
import dev.roost.server.http.Principal;
import dev.roost.store.Session;
import dev.roost.store.identity.ApiTokenRepository;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns an {@code Authorization: Bearer …} header into a {@link Principal}: an access token
 * (JWT), an API token ({@code roost_pat_…}), the metrics token, or a node JWT (audience
 * {@code node}, checked against the node key and the node's existence). The user behind a token
 * must exist and be enabled at the time of the request.
 */
public final class Authenticator implements Authentication {
    private final AccessTokens accessTokens;
    private final NodeTokens nodeTokens;
    private final byte[] metricsTokenHash;
    private final Clock clock;

    /** {@code metricsToken} may be null: then only server admins can read metrics. */
    public Authenticator(AccessTokens accessTokens, NodeTokens nodeTokens, String metricsToken, Clock clock) {
        this.accessTokens = requireNonNull(accessTokens, "accessTokens is null");
        this.nodeTokens = requireNonNull(nodeTokens, "nodeTokens is null");
        this.metricsTokenHash = metricsToken == null || metricsToken.isBlank() ? null : OpaqueTokens.hash(metricsToken);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Empty when no credentials were sent. Throws TOKEN_INVALID / TOKEN_EXPIRED for bad ones,
     * so a caller learns its token is wrong rather than being treated as anonymous.
     */
    @Override
    public Optional<Principal> authenticate(String authorization, Supplier<Session> session) {
        if (authorization == null || authorization.isBlank()) {
            return Optional.empty();
        }
        String[] parts = authorization.trim().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            throw new RoostException(ErrorCode.TOKEN_INVALID,
                    "Send credentials as 'Authorization: Bearer <token>'.");
        }
        String token = parts[1];
        if (token.length() > 4096) {
            throw new RoostException(ErrorCode.TOKEN_INVALID, "The bearer token is not valid.");
        }
        Instant now = clock.instant();
        if (token.startsWith(OpaqueTokens.API_TOKEN_PREFIX)) {
            return Optional.of(apiToken(token, session.get(), now));
        }
        if (metricsTokenHash != null && MessageDigest.isEqual(metricsTokenHash, OpaqueTokens.hash(token))) {
            return Optional.of(Principal.metricsReader());
        }
        if (NodeTokens.claimsNodeAudience(token)) {
            NodeTokens.Claims node = nodeTokens.verify(token);
            // A removed node's token dies with it, before it expires.
            String name = session.get().nodes().find(node.nodeId()).map(n -> n.name())
                    .orElseThrow(() -> new RoostException(ErrorCode.TOKEN_INVALID,
                            "This node was removed from the server. Join it again with a new join token."));
            return Optional.of(Principal.node(node.nodeId(), name));
        }
        AccessTokens.Claims claims = accessTokens.verify(token);
        User user = session.get().users().findById(claims.userId())
                .filter(u -> !u.disabled())
                .orElseThrow(() -> new RoostException(ErrorCode.TOKEN_INVALID,
                        "The account behind this token no longer exists or is disabled."));
        return Optional.of(new Principal(user.id(), user.username(), user.serverAdmin(), Principal.Method.ACCESS_TOKEN,
                null, null));
    }

    private static Principal apiToken(String token, Session session, Instant now) {
        ApiTokenRepository.TokenOwner owner = session.apiTokens().findByHash(OpaqueTokens.hash(token))
                .orElseThrow(() -> new RoostException(ErrorCode.TOKEN_INVALID, "The API token is not valid."));
        if (owner.token().revokedAt() != null) {
            throw new RoostException(ErrorCode.TOKEN_INVALID, "The API token was revoked.");
        }
        if (owner.token().expiresAt() != null && !now.isBefore(owner.token().expiresAt())) {
            throw new RoostException(ErrorCode.TOKEN_EXPIRED, "The API token has expired. Create a new one.");
        }
        if (owner.user().disabled()) {
            throw new RoostException(ErrorCode.TOKEN_INVALID, "The account behind this token is disabled.");
        }
        session.apiTokens().touch(owner.token().id(), now);
        return new Principal(owner.user().id(), owner.user().username(), owner.user().serverAdmin(),
                Principal.Method.API_TOKEN, owner.token().id(), owner.token().name());
    }
}
