package dev.roost.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Random bearer secrets (refresh tokens, API tokens, join tokens): 32 random bytes with a
 * readable prefix that says what the token is. Only their SHA-256 is ever stored; the tokens
 * have full entropy, so a fast hash is the right choice (a slow one protects guessable secrets).
 */
public final class OpaqueTokens {
    public static final String API_TOKEN_PREFIX = "roost_pat_";
    public static final String REFRESH_TOKEN_PREFIX = "roost_rt_";
    public static final String JOIN_TOKEN_PREFIX = "roost_join_";
    public static final String NODE_CREDENTIAL_PREFIX = "roost_node_";

    private static final SecureRandom RANDOM = new SecureRandom();

    private OpaqueTokens() {
    }

    public static String generate(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The part of a token shown in lists so a person can tell tokens apart (never enough to use it). */
    public static String displayPrefix(String token) {
        return token.substring(0, Math.min(token.length(), 14));
    }
}
