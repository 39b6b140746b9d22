package dev.roost.cli.node;

import dev.roost.cli.client.ApiJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * What a joined node remembers between runs, in {@code node.json} of its state directory: the
 * server, its id and name, and its current single-use refresh credential. Readable by its owner
 * only (directory 0700, file 0600), replaced atomically so a crash never leaves half a file.
 */
public final class NodeStateFile {
    static final String FILE = "node.json";

    /** The saved identity; {@code refreshCredential} is a secret and never printed. */
    public record Saved(String server, String nodeId, String name, String refreshCredential) {
        @Override
        public String toString() {
            return "Saved[server=" + server + ", nodeId=" + nodeId + ", name=" + name + "]";
        }
    }

    private final Path dir;

    public NodeStateFile(Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir.resolve(FILE);
    }

    public Optional<Saved> load() {
        Path file = path();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = ApiJson.MAPPER.readTree(Files.readAllBytes(file));
            return Optional.of(new Saved(node.path("server").asString(null), node.path("nodeId").asString(null),
                    node.path("name").asString(null), node.path("refreshCredential").asString(null)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("The node state file " + file + " cannot be read; remove it and join again.", e);
        }
    }

    public void save(Saved saved) {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir);
                trySetPermissions(dir, "rwx------");
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("server", saved.server());
            doc.put("nodeId", saved.nodeId());
            doc.put("name", saved.name());
            doc.put("refreshCredential", saved.refreshCredential());
            Path temp = dir.resolve(FILE + ".tmp");
            Files.deleteIfExists(temp);
            Files.createFile(temp);
            trySetPermissions(temp, "rw-------"); // before the secret is written
            Files.write(temp, ApiJson.encode(doc));
            try {
                Files.move(temp, path(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, path(), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the node state in " + dir, e);
        }
    }

    private static void trySetPermissions(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the platform's defaults apply
        }
    }
}
