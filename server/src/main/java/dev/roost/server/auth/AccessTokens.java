package dev.roost.server.auth;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * Short-lived access tokens: JWTs signed with HMAC-SHA256 under a key generated at first start
 * and kept in the Roost home (mode 0600). Server replicas that share a database must share the
 * key file. A token names its user; whether the user is still enabled, and is an admin, is read
 * from the database on every request, so revocation needs no token blacklist.
 */
public final class AccessTokens {
    private static final String ISSUER = "roost";
    private static final String TYPE_CLAIM = "typ";
    private static final String TYPE = "access";

    private final MACSigner signer;
    private final MACVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    public AccessTokens(byte[] key, Duration ttl, Clock clock) {
        requireNonNull(key, "key is null");
        if (key.length < 32) {
            throw new IllegalArgumentException("the signing key must be at least 256 bits");
        }
        try {
            this.signer = new MACSigner(key);
            this.verifier = new MACVerifier(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable signing key", e);
        }
        this.ttl = requireNonNull(ttl, "ttl is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public record Claims(UUID userId, String username, Instant expiresAt) {
    }

    public Duration ttl() {
        return ttl;
    }

    public String issue(UUID userId, String username) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(userId.toString())
                .claim("preferred_username", username)
                .claim(TYPE_CLAIM, TYPE)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(30)))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing an access token failed", e);
        }
        return jwt.serialize();
    }

    /** Tokens whose signature was checked; a token never changes, so the answer holds until it expires. */
    private final java.util.concurrent.ConcurrentHashMap<String, Claims> verified = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED = 10_000;

    /** Verifies signature, issuer, type and time; throws TOKEN_INVALID or TOKEN_EXPIRED. */
    public Claims verify(String token) {
        Claims known = verified.get(token);
        if (known != null) {
            if (!clock.instant().isBefore(known.expiresAt())) {
                verified.remove(token);
                throw expired();
            }
            return known;
        }
        Claims claims = verifySignatureAndClaims(token);
        if (verified.size() >= MAX_REMEMBERED) {
            verified.clear(); // forgetting only costs a signature check
        }
        verified.put(token, claims);
        return claims;
    }

    private static RoostException expired() {
        return new RoostException(ErrorCode.TOKEN_EXPIRED,
                "The access token has expired. Get a new one with your refresh token (POST /api/v1/auth/refresh) or sign in again.");
    }

    private Claims verifySignatureAndClaims(String token) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw invalid();
        }
        try {
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                throw invalid();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!ISSUER.equals(claims.getIssuer()) || !TYPE.equals(claims.getClaim(TYPE_CLAIM))
                    || claims.getSubject() == null || claims.getExpirationTime() == null) {
                throw invalid();
            }
            Instant now = clock.instant();
            if (!now.isBefore(claims.getExpirationTime().toInstant())) {
                throw expired();
            }
            if (claims.getNotBeforeTime() != null && now.isBefore(claims.getNotBeforeTime().toInstant())) {
                throw invalid();
            }
            return new Claims(UUID.fromString(claims.getSubject()), String.valueOf(claims.getClaim("preferred_username")),
                    claims.getExpirationTime().toInstant());
        } catch (JOSEException | ParseException | IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static RoostException invalid() {
        return new RoostException(ErrorCode.TOKEN_INVALID, "The bearer token is not valid. Sign in again.");
    }
}
