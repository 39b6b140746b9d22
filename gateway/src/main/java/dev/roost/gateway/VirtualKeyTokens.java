package dev.roost.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Virtual keys as bearer secrets: {@value #PREFIX} and 32 random bytes. Only their SHA-256 is
 * stored; with full entropy a fast hash is the right one, and it keeps key checks cheap.
 */
public final class VirtualKeyTokens {
    public static final String PREFIX = "roost_vk_";
    /** How many leading characters lists show, enough to tell keys apart and never enough to use one. */
    public static final int DISPLAY_LENGTH = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    private VirtualKeyTokens() {
    }

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    public static String displayPrefix(String key) {
        return key.substring(0, Math.min(DISPLAY_LENGTH, key.length()));
    }
}
