package dev.roost.server.auth;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.identity.User;
import dev.roost.store.Session;
import dev.roost.store.identity.RefreshTokenRepository.StoredRefreshToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Issues the token pair of a signed-in session and rotates it: every refresh token is
 * good for one use; using one twice (a sign that it was stolen) revokes the whole session.
 */
public final class SessionTokens {
    private final AccessTokens accessTokens;
    private final Duration refreshTtl;
    private final Clock clock;

    public SessionTokens(AccessTokens accessTokens, Duration refreshTtl, Clock clock) {
        this.accessTokens = requireNonNull(accessTokens, "accessTokens is null");
        this.refreshTtl = requireNonNull(refreshTtl, "refreshTtl is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** The answer to a login or refresh. */
    public record TokenPair(String accessToken, String refreshToken, long expiresIn, String tokenType) {
        @Override
        public String toString() {
            return "TokenPair[expiresIn=" + expiresIn + "]"; // never print the tokens
        }
    }

    /** A rotation: the new pair, or the reason it was refused; {@code user} is set when known. */
    public record Rotation(TokenPair tokens, RoostException refusal, UUID userId) {
    }

    public TokenPair startSession(Session session, User user) {
        return issue(session, user, UUID.randomUUID());
    }

    /**
     * Rotates {@code refreshToken}. A reuse revokes the family and returns a refusal rather than
     * throwing, so the caller's transaction commits the revocation.
     */
    public Rotation rotate(Session session, String refreshToken) {
        Instant now = clock.instant();
        StoredRefreshToken stored = session.refreshTokens().findForUpdate(OpaqueTokens.hash(refreshToken)).orElse(null);
        if (stored == null || stored.revokedAt() != null) {
            return new Rotation(null, new RoostException(ErrorCode.TOKEN_INVALID,
                    "The refresh token is not valid (signed out or revoked). Sign in again."), null);
        }
        if (stored.usedAt() != null) {
            session.refreshTokens().revokeFamily(stored.familyId(), now);
            return new Rotation(null, new RoostException(ErrorCode.REFRESH_TOKEN_REUSED,
                    "This refresh token was already used, which suggests it was copied. The session is revoked; sign in again."),
                    stored.userId());
        }
        if (!now.isBefore(stored.expiresAt())) {
            return new Rotation(null, new RoostException(ErrorCode.TOKEN_EXPIRED,
                    "The refresh token has expired. Sign in again."), stored.userId());
        }
        User user = session.users().findById(stored.userId()).filter(u -> !u.disabled()).orElse(null);
        if (user == null) {
            session.refreshTokens().revokeFamily(stored.familyId(), now);
            return new Rotation(null, new RoostException(ErrorCode.TOKEN_INVALID,
                    "The account no longer exists or is disabled."), stored.userId());
        }
        session.refreshTokens().markUsed(stored.id(), now);
        return new Rotation(issue(session, user, stored.familyId()), null, user.id());
    }

    /** Ends the session the token belongs to; unknown tokens are ignored (sign-out is idempotent). */
    public boolean endSession(Session session, String refreshToken) {
        return session.refreshTokens().findForUpdate(OpaqueTokens.hash(refreshToken))
                .map(t -> session.refreshTokens().revokeFamily(t.familyId(), clock.instant()) > 0)
                .orElse(false);
    }

    private TokenPair issue(Session session, User user, UUID family) {
        String refresh = OpaqueTokens.generate(OpaqueTokens.REFRESH_TOKEN_PREFIX);
        session.refreshTokens().insert(UUID.randomUUID(), family, user.id(), OpaqueTokens.hash(refresh),
                clock.instant().plus(refreshTtl));
        return new TokenPair(accessTokens.issue(user.id(), user.username()), refresh, accessTokens.ttl().toSeconds(), "Bearer");
    }
}
