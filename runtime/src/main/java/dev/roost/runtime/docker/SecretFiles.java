package dev.roost.runtime.docker;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.RuntimeFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secret files for containers, written on the daemon's host just before the container is
 * created and bind-mounted into it read-only, one mount per file at the path the manifest names.
 *
 * <p>Layout: {@code <secret directory>/<container name>/<n>}, where the secret directory
 * (default {@code /dev/shm/roost-secrets}, a tmpfs, so values never reach a disk) is
 * {@code 0700} and owned by Roost's user, so no other user of the host can reach a file through
 * it; the per-container directory is {@code 0500} and each file {@code 0400}, both owned by the
 * container's user, so the process in the container can read its files and nothing else can
 * change them. Another container never sees these files: only its own are mounted into it.
 * When Roost does not run as root it cannot hand the files to the container's user; they are
 * then {@code 0444} (still behind the {@code 0700} directory on the host).
 *
 * <p>The directory of a container is removed with the container, and all directories of an
 * instance when its last container is removed. A host restart empties the tmpfs: a stopped
 * container whose files are gone cannot be started again and must be recreated.
 */
final class SecretFiles {
    private static final Logger log = LoggerFactory.getLogger(SecretFiles.class);

    private final Path root;
    private final int uid;
    private final int gid;

    /** One file to mount: the host file and where it goes in the container. */
    record Mount(Path source, String target) {
    }

    SecretFiles(Path root, String user) {
        this.root = requireNonNull(root, "root is null");
        String[] ids = user.split(":");
        this.uid = Integer.parseInt(ids[0]);
        this.gid = Integer.parseInt(ids[1]);
    }

    /**
     * Writes the files of container {@code containerName}: {@code files} maps a path in the
     * container to a secret name, {@code values} holds the values (not closed here).
     */
    List<Mount> write(String containerName, SortedMap<String, String> files, Map<String, SecretValue> values) {
        if (files.isEmpty()) {
            return List.of();
        }
        Path dir = root.resolve(containerName);
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            deleteTree(dir);
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            boolean owned = true;
            List<Mount> mounts = new ArrayList<>();
            int n = 0;
            for (Map.Entry<String, String> entry : files.entrySet()) {
                SecretValue value = values.get(entry.getValue());
                if (value == null) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret " + entry.getValue() + " was not resolved");
                }
                Path file = dir.resolve(Integer.toString(n++));
                try (FileChannel channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                    ByteBuffer buffer = ByteBuffer.wrap(value.bytes());
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
                owned &= chown(file);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(owned ? "r--------" : "r--r--r--"));
                mounts.add(new Mount(file, entry.getKey()));
            }
            owned &= chown(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(owned ? "r-x------" : "r-xr-xr-x"));
            return mounts;
        } catch (IOException e) {
            remove(containerName);
            throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
                    "could not write the secret files of " + containerName + " under " + root + ": " + e.getClass().getSimpleName());
        } catch (RuntimeException e) {
            remove(containerName);
            throw e;
        }
    }

    /** Whether the secret files of {@code containerName} are still there. */
    boolean present(String containerName) {
        return Files.isDirectory(root.resolve(containerName));
    }

    void remove(String containerName) {
        try {
            deleteTree(root.resolve(containerName));
        } catch (IOException e) {
            log.warn("could not remove the secret files of {}: {}", containerName, e.toString());
        }
    }

    /** Removes the files of every container of the instance, including ones removed behind Roost's back. */
    void removeInstance(UUID instanceId) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, "roost-" + instanceId + "-*")) {
            for (Path dir : dirs) {
                deleteTree(dir);
            }
        } catch (IOException e) {
            log.warn("could not remove the secret files of instance {}: {}", instanceId, e.toString());
        }
    }

    private boolean chown(Path path) {
        try {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", gid);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    // A 0500 directory cannot be emptied by a non-root owner until it is writable again.
                    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // removed concurrently: fine
        }
    }
}
