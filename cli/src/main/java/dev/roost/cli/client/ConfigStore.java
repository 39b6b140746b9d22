package dev.roost.cli.client;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.CliException;
import dev.roost.cli.ExitCodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;

/**
 * Reads and writes {@code config.json} in the config directory. The directory is created
 * readable by the owner only (0700) and the file is written 0600, atomically, so a crash never
 * leaves half a file and nobody else can read the tokens in it.
 */
public final class ConfigStore {
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    /** A file lock is held by the whole JVM; this keeps threads of one process (tests) from overlapping it. */
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final Path dir;

    public ConfigStore(Path dir) {
        this.dir = requireNonNull(dir, "dir is null");
    }

    public Path file() {
        return dir.resolve("config.json");
    }

    /** The saved settings; empty when there is no file yet. */
    public CliConfig load() {
        try {
            byte[] bytes = Files.readAllBytes(file());
            return ApiJson.MAPPER.readValue(bytes, CliConfig.class);
        } catch (NoSuchFileException e) {
            return CliConfig.EMPTY;
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "cannot read " + file() + ": " + e.getMessage());
        } catch (JacksonException e) {
            throw new CliException(ExitCodes.FAILED, "cannot read " + file() + ": it is not valid JSON ("
                    + e.getOriginalMessage() + "); fix it or delete it and sign in again");
        }
    }

    public void save(CliConfig config) {
        try {
            createDirectory();
            Path temporary = posix() ? Files.createTempFile(dir, ".config-", ".tmp", attribute(OWNER_FILE))
                    : Files.createTempFile(dir, ".config-", ".tmp");
            try {
                Files.write(temporary, ApiJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
                try {
                    Files.move(temporary, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, file(), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "cannot write " + file() + ": " + e.getMessage());
        }
    }

    /**
     * Runs {@code work} holding an exclusive lock on the config directory, so two {@code roost}
     * processes never both spend the same one-use refresh token (the server would take the
     * second use for theft and revoke the session).
     */
    public <T> T locked(Supplier<T> work) {
        IN_PROCESS.lock();
        try {
            createDirectory();
            Path lockFile = dir.resolve("config.lock");
            try (FileChannel channel = posix() && !Files.exists(lockFile)
                    ? openNew(lockFile)
                    : FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                return work.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + dir, e);
        } finally {
            IN_PROCESS.unlock();
        }
    }

    private static FileChannel openNew(Path lockFile) throws IOException {
        try {
            return FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    attribute(OWNER_FILE));
        } catch (FileAlreadyExistsException e) {
            return FileChannel.open(lockFile, StandardOpenOption.WRITE);
        }
    }

    private void createDirectory() throws IOException {
        if (Files.isDirectory(dir)) {
            return; // an existing directory is the user's choice; only the file's mode is ours to set
        }
        if (posix()) {
            Files.createDirectories(dir, attribute(OWNER_DIR));
            Files.setPosixFilePermissions(dir, OWNER_DIR); // createDirectories is subject to the umask
        } else {
            Files.createDirectories(dir);
        }
    }

    private boolean posix() {
        return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }
}
