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
import java.util.List;
import java.util.UUID;

/**
 * Short-lived node JWTs: audience {@code node}, signed with HMAC-SHA256 under a key of their
 * own in the Roost home (separate from the key of user access tokens, so neither kind of token
 * can ever pass for the other). A node renews its JWT with its rotating refresh credential.
 */
public final class NodeTokens {
    public static final String AUDIENCE = "node";
    private static final String ISSUER = "roost";

    private final MACSigner signer;
    private final MACVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    public NodeTokens(byte[] key, Duration ttl, Clock clock) {
        requireNonNull(key, "key is null");
        if (key.length < 32) {
            throw new IllegalArgumentException("the node signing key must be at least 256 bits");
        }
        try {
            this.signer = new MACSigner(key);
            this.verifier = new MACVerifier(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("unusable node signing key", e);
        }
        this.ttl = requireNonNull(ttl, "ttl is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public record Claims(UUID nodeId, String nodeName, Instant expiresAt) {
    }

    public Duration ttl() {
        return ttl;
    }

    public String issue(UUID nodeId, String nodeName) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject(nodeId.toString())
                .claim("node_name", nodeName)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(30)))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing a node token failed", e);
        }
        return jwt.serialize();
    }

    /**
     * Whether a bearer token claims to be a node token (audience {@code node}); says nothing about
     * whether it is genuine, which {@link #verify} decides.
     */
    public static boolean claimsNodeAudience(String token) {
        try {
            List<String> audience = SignedJWT.parse(token).getJWTClaimsSet().getAudience();
            return audience != null && audience.contains(AUDIENCE);
        } catch (ParseException | RuntimeException e) {
            return false;
        }
    }

    /** Verifies signature, issuer, audience and time; throws TOKEN_INVALID or TOKEN_EXPIRED. */
    public Claims verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                throw invalid();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!ISSUER.equals(claims.getIssuer()) || claims.getAudience() == null || !claims.getAudience().contains(AUDIENCE)
                    || claims.getSubject() == null || claims.getExpirationTime() == null) {
                throw invalid();
            }
            Instant now = clock.instant();
            if (!now.isBefore(claims.getExpirationTime().toInstant())) {
                throw new RoostException(ErrorCode.TOKEN_EXPIRED,
                        "The node token has expired. Renew it with the node's refresh credential (POST /api/v1/nodes/renew).");
            }
            if (claims.getNotBeforeTime() != null && now.isBefore(claims.getNotBeforeTime().toInstant())) {
                throw invalid();
            }
            return new Claims(UUID.fromString(claims.getSubject()), String.valueOf(claims.getClaim("node_name")),
                    claims.getExpirationTime().toInstant());
        } catch (JOSEException | ParseException | IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static RoostException invalid() {
        return new RoostException(ErrorCode.TOKEN_INVALID, "The node token is not valid. Renew it or join the node again.");
    }
}
