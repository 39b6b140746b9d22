package dev.roost.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.server.RoostServer;
import dev.roost.server.bootstrap.FirstStart;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one-machine default: a server on its own embedded PostgreSQL under its home. A first
 * start creates the admin with a generated password; a second start on the same home keeps
 * every row and does not create another admin; a PostgreSQL left behind by a killed server
 * is taken over; a second server on the same home is refused.
 */
class EmbeddedRestartTest {

    private static RoostConfig config(Path home) {
        return RoostConfig.fromEnvironment(Map.of()).withHome(home).withPort(0).withDurableEmbeddedDatabase(false);
    }

    private static ApiClient login(RoostServer server, String password) {
        ApiClient.Response r = new ApiClient(server.url(), null).post("/api/v1/auth/login",
                Map.of("username", "admin", "password", password));
        assertThat(r.status()).isEqualTo(200);
        return new ApiClient(server.url(), r.json().get("accessToken").asString());
    }

    @Test
    void aSecondStartOnTheSameHomeKeepsEverything() throws Exception {
        Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-homes")), "restart-");
        String password;
        try (RoostServer first = RoostServer.start(config(home))) {
            FirstStart.Outcome outcome = first.firstStart();
            assertThat(outcome.adminCreated()).isTrue();
            password = outcome.generatedPassword();
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);
            Path file = home.resolve("initial-admin-password");
            assertThat(Files.readString(file).trim()).isEqualTo(password);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("keys/jwt-hs256.key"))))
                    .isEqualTo("rw-------");
            assertThat(new ApiClient(first.url(), null).get("/readyz").status()).isEqualTo(200);

            ApiClient admin = login(first, password);
            assertThat(admin.post("/api/v1/workspaces", Map.of("name", "kept", "owner", "admin")).status()).isEqualTo(201);

            assertThatThrownBy(() -> RoostServer.start(config(home)))
                    .as("two servers on one home").hasMessageContaining("already running");
        }

        try (RoostServer second = RoostServer.start(config(home))) {
            assertThat(second.firstStart().adminCreated()).isFalse();
            assertThat(second.firstStart().generatedPassword()).isNull();
            ApiClient admin = login(second, password);
            assertThat(admin.get("/api/v1/workspaces/kept").status()).isEqualTo(200);
            assertThat(admin.get("/api/v1/audit/verify").json().get("intact").asBoolean()).isTrue();
        }
    }

    @Test
    void aPostgresLeftByAKilledServerIsTakenOver() throws Exception {
        Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-homes")), "orphan-");
        ServerProcess first = ServerProcess.start(home);
        String password = first.generatedPassword();
        ApiClient.Response login = new ApiClient(first.url(), null).post("/api/v1/auth/login",
                Map.of("username", "admin", "password", password));
        new ApiClient(first.url(), login.json().get("accessToken").asString())
                .post("/api/v1/workspaces", Map.of("name", "survivor", "owner", "admin"));
        long postmaster = Long.parseLong(Files.readAllLines(home.resolve("postgres/data/postmaster.pid")).get(0).trim());
        first.kill(); // kill -9 of the Java process; its PostgreSQL keeps running
        assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive)).contains(true);

        try (RoostServer second = RoostServer.start(config(home))) {
            assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(login(second, password).get("/api/v1/workspaces/survivor").status()).isEqualTo(200);
        }
        List<String> leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(home.toAbsolutePath().toString())).orElse(false))
                .map(p -> p.info().commandLine().orElse("")).toList();
        assertThat(leftovers).as("no PostgreSQL of this home is left running").isEmpty();
    }
}
