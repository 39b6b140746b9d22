package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Which row a secret value belongs to: its workspace and name. Bound into every ciphertext as
 * associated data and into every fingerprint, so a ciphertext copied to another secret or
 * another workspace fails to open, and equal values in two places have unrelated fingerprints.
 */
public record SecretBinding(UUID workspaceId, String name) {
    public SecretBinding {
        requireNonNull(workspaceId, "workspaceId is null");
        requireNonNull(name, "name is null");
        if (!SecretReference.isValidName(name)) {
            throw new IllegalArgumentException("not a valid secret name");
        }
    }

    /** An unambiguous encoding: a label, then each part length-prefixed. */
    byte[] encode(String label) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : new String[] {label, workspaceId.toString(), name}) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            out.write(bytes.length >>> 8);
            out.write(bytes.length);
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }
}
