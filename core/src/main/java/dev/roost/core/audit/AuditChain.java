package dev.roost.core.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The hash chain over the audit log. Each entry's hash covers the previous entry's hash and
 * every field of the entry, each length-prefixed so that no two different entries encode to
 * the same bytes. Changing, inserting or removing an entry in the middle breaks every later link.
 */
public final class AuditChain {
    /** The previous hash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    private AuditChain() {
    }

    public static String hash(
            String prevHash, long seq, Instant at, String actor, String action, String resourceType,
            String resourceId, String workspace, String requestId, String details, String warnings) {
        MessageDigest digest = sha256();
        field(digest, prevHash);
        digest.update(ByteBuffer.allocate(Long.BYTES * 3)
                .putLong(seq)
                .putLong(at.getEpochSecond())
                .putLong(at.getNano())
                .array());
        field(digest, actor);
        field(digest, action);
        field(digest, resourceType);
        field(digest, resourceId);
        field(digest, workspace == null ? "\u0000" : workspace);
        field(digest, requestId);
        field(digest, details);
        field(digest, warnings);
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String hashOf(AuditRecord r) {
        return hash(r.prevHash(), r.seq(), r.at(), r.actor(), r.action(), r.resourceType(), r.resourceId(),
                r.workspace(), r.requestId(), r.details(), r.warnings());
    }

    /**
     * Checks one link: that {@code record} follows {@code previous} (or is the first entry
     * when previous is empty) and that its own hash matches its content. Returns the reason
     * when the link is broken.
     */
    public static Optional<String> brokenLink(Optional<AuditRecord> previous, AuditRecord record) {
        long expectedSeq = previous.map(p -> p.seq() + 1).orElse(1L);
        String expectedPrev = previous.map(AuditRecord::hash).orElse(GENESIS);
        if (record.seq() != expectedSeq) {
            return Optional.of("entry " + expectedSeq + " is missing (next entry found is " + record.seq() + ")");
        }
        if (!record.prevHash().equals(expectedPrev)) {
            return Optional.of("entry " + record.seq() + " does not point at the hash of entry " + (record.seq() - 1));
        }
        if (!hashOf(record).equals(record.hash())) {
            return Optional.of("entry " + record.seq() + " was changed after it was written (its hash does not match its content)");
        }
        return Optional.empty();
    }

    private static void field(MessageDigest digest, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
