package dev.roost.server.home;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * Roost's data directory: the embedded database, signing keys and first-start files. It is
 * locked while a server runs on it, so two servers cannot share one embedded database.
 * Files holding secrets are created with mode 0600 and the directory with 0700.
 */
public final class RoostHome implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private RoostHome(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates the directory if needed and locks it; fails clearly if another server holds it. */
    public static RoostHome open(Path root) throws IOException {
        Files.createDirectories(root);
        restrict(root, OWNER_ONLY_DIR);
        FileChannel channel = FileChannel.open(root.resolve("roost.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("Another Roost server is already running with home " + root
                    + ". Stop it first, or start this one with a different --home.");
        }
        return new RoostHome(root, channel, lock);
    }

    public Path root() {
        return root;
    }

    public Path resolve(String relative) {
        return root.resolve(relative);
    }

    /**
     * The random key stored at {@code relative}, created with {@code bytes} random bytes on
     * first use. Stored base64-encoded, mode 0600.
     */
    public byte[] secretKey(String relative, int bytes) throws IOException {
        Path file = root.resolve(relative);
        if (Files.exists(file)) {
            byte[] key = Base64.getDecoder().decode(Files.readString(file).trim());
            if (key.length < bytes) {
                throw new IllegalStateException("The key in " + file + " is shorter than " + bytes + " bytes; remove it to generate a new one.");
            }
            return key;
        }
        byte[] key = new byte[bytes];
        new SecureRandom().nextBytes(key);
        writeSecret(file, Base64.getEncoder().encodeToString(key) + "\n");
        return key;
    }

    /** Writes a file only its owner can read. */
    public static void writeSecret(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        restrict(file.getParent(), OWNER_ONLY_DIR);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        Files.writeString(temp, content);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void restrict(Path path, Set<PosixFilePermission> permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, permissions);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system; nothing to tighten
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }
}
