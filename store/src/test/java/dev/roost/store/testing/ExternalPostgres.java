package dev.roost.store.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL server started from the binaries installed on the machine, outside Roost,
 * the way an operator's external database is. PostgreSQL refuses to run as root, so when the
 * tests run as root the server runs as the {@code postgres} system user.
 */
final class ExternalPostgres implements AutoCloseable {
    private final Path bin;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;

    private ExternalPostgres(Path bin, Path data, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.data = data;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    static ExternalPostgres start(Path directory) throws IOException {
        Path dir = directory.toAbsolutePath();
        Path bin = findBinaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Files.createDirectories(dir);
        Path data = dir.resolve("data");
        if (root) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
            // The postgres user must be able to reach the directory.
            for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
                p.toFile().setExecutable(true, false);
            }
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--no-sync"), root);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -k " + dir,
                "-w", "start"), root);
        return new ExternalPostgres(bin, data, port, root);
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    String user() {
        return "postgres";
    }

    String describe() {
        return bin.getParent().getFileName() + " from " + bin;
    }

    @Override
    public void close() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"), asPostgresUser);
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop the external test PostgreSQL: " + e.getMessage());
        }
    }

    private static Path findBinaries() throws IOException {
        String configured = System.getProperty("roost.test.postgres.bin");
        if (configured != null) {
            return Path.of(configured);
        }
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                List<Path> found = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                        .sorted(Comparator.comparing(Path::toString).reversed()).toList();
                if (!found.isEmpty()) {
                    return found.get(0);
                }
            }
        }
        Assumptions.abort("No PostgreSQL server binaries for the external-database tests: install them "
                + "(apt-get install -y postgresql) or pass -Droost.test.postgres.bin=/path/to/bin");
        throw new IllegalStateException("unreachable");
    }

    private static void run(List<String> command, boolean asPostgres) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("command failed: " + String.join(" ", full) + "\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + full, e);
        }
    }
}
