package dev.roost.server.secrets;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.MasterKey;
import dev.roost.server.home.RoostHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.SortedMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the master key at start-up: the file named by {@code ROOST_MASTER_KEY_FILE}, else
 * {@code <home>/keys/master.key}, generated there (32 random bytes, base64, mode 0600) on the
 * first start. Refuses to start with a key that cannot open what is stored, naming the key the
 * stored secrets expect, rather than start and fail every read later. Never generates a new
 * key while secrets sealed with another one exist.
 */
public final class MasterKeySource {
    private static final Logger log = LoggerFactory.getLogger(MasterKeySource.class);
    /** Where the generated key lives, relative to the home. */
    public static final String HOME_FILE = "keys/master.key";
    private static final Pattern HEX = Pattern.compile("^[0-9a-fA-F]{64}$");
    private static final String RESTORE = "restore %s from your backup, or set ROOST_MASTER_KEY_FILE to the file holding it";

    private MasterKeySource() {
    }

    /** The key in use and where it came from. */
    public record Loaded(MasterKey key, Path file, boolean generated) {
        public Loaded {
            requireNonNull(key, "key is null");
            requireNonNull(file, "file is null");
        }
    }

    /**
     * @param operatorFile the file from {@code ROOST_MASTER_KEY_FILE}, or null for the home's
     * @param sealedWith   how many stored secrets each master key id sealed
     */
    public static Loaded load(RoostHome home, Path operatorFile, SortedMap<String, Long> sealedWith) throws IOException {
        requireNonNull(home, "home is null");
        requireNonNull(sealedWith, "sealedWith is null");
        Loaded loaded;
        if (operatorFile != null) {
            if (!Files.isReadable(operatorFile)) {
                throw new IllegalStateException("ROOST_MASTER_KEY_FILE names " + operatorFile
                        + ", which does not exist or cannot be read.");
            }
            loaded = new Loaded(read(operatorFile), operatorFile, false);
        } else {
            Path file = home.resolve(HOME_FILE);
            if (Files.exists(file)) {
                loaded = new Loaded(read(file), file, false);
            } else if (!sealedWith.isEmpty()) {
                throw new IllegalStateException("The master key file " + file + " is missing, but the database holds "
                        + describe(sealedWith) + ". Roost does not generate a new key now: it could not open them. "
                        + capitalised(RESTORE.formatted(file)) + ".");
            } else {
                loaded = new Loaded(generate(file), file, true);
            }
        }
        String id = loaded.key().id();
        if (!sealedWith.isEmpty() && !sealedWith.keySet().equals(Set.of(id))) {
            SortedMap<String, Long> others = new java.util.TreeMap<>(sealedWith);
            others.remove(id);
            String expected = String.join(" or ", others.keySet());
            long count = others.values().stream().mapToLong(Long::longValue).sum();
            throw new IllegalStateException("Stored secrets were sealed with master key " + expected + " (" + count
                    + (count == 1 ? " secret" : " secrets") + "), but the key loaded from " + loaded.file() + " is " + id
                    + ". Start Roost with master key " + expected + ": " + RESTORE.formatted(loaded.file())
                    + ". Changing the master key (rotation) is not supported yet.");
        }
        warnIfOthersCanRead(loaded.file());
        if (loaded.generated()) {
            log.warn("Generated the master key {} in {}. Back it up: without it the secrets stored in Roost cannot be read.",
                    id, loaded.file());
        } else {
            log.info("Secrets are sealed with master key {} from {}", id, loaded.file());
        }
        return loaded;
    }

    /** Reads base64 or hex text of exactly 32 bytes; errors never quote the file's content. */
    static MasterKey read(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        String text = new String(raw, StandardCharsets.US_ASCII).strip();
        Arrays.fill(raw, (byte) 0);
        byte[] key;
        try {
            key = HEX.matcher(text).matches() ? HexFormat.of().parseHex(text) : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The master key file " + file + " does not hold a key: it must contain "
                    + MasterKey.LENGTH + " bytes written as base64 (openssl rand -base64 32) or hex (openssl rand -hex 32).");
        }
        try {
            if (key.length != MasterKey.LENGTH) {
                throw new IllegalStateException("The master key in " + file + " is " + key.length + " bytes long; it must be "
                        + MasterKey.LENGTH + " bytes, written as base64 (openssl rand -base64 32) or hex (openssl rand -hex 32).");
            }
            return MasterKey.of(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static MasterKey generate(Path file) throws IOException {
        byte[] key = new byte[MasterKey.LENGTH];
        new SecureRandom().nextBytes(key);
        try {
            RoostHome.writeSecret(file, Base64.getEncoder().encodeToString(key) + "\n");
            return MasterKey.of(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private static void warnIfOthersCanRead(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                log.warn("The master key file {} can be read by other users; make it readable by the server's user only "
                        + "(chmod 600).", file);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: nothing to check
        }
    }

    private static String describe(SortedMap<String, Long> sealedWith) {
        long total = sealedWith.values().stream().mapToLong(Long::longValue).sum();
        return total + (total == 1 ? " secret sealed with master key " : " secrets sealed with master key ")
                + String.join(" and ", sealedWith.keySet());
    }

    private static String capitalised(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
