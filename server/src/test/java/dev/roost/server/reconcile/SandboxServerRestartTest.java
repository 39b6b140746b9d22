package dev.roost.server.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxRuntimeSettings;
import dev.roost.runtime.sandbox.SandboxTestSupport;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * A Roost server with {@code ROOST_RUNTIME=sandbox} killed with {@code kill -9} leaves its jails
 * running; the next server on the same home observes them and keeps them (no second jail, no
 * restart). Skipped (or failed, under {@code ROOST_REQUIRE_SANDBOX=1}) where jails cannot run.
 */
class SandboxServerRestartTest {
    private static final Duration UP = Duration.ofSeconds(90);

    @Test
    void jails_outlive_a_killed_server_and_the_next_one_keeps_them() throws Exception {
        // A short home under /tmp: the jail user must pass through it, and forwarder socket paths must stay short.
        Path home = Path.of("/tmp", "rsh-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Files.createDirectories(home);
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
        SandboxRuntimeSettings settings = SandboxRuntimeSettings.defaults(home);
        SandboxRuntime view = new SandboxRuntime(settings);
        try {
            SandboxTestSupport.requireSandbox(view); // builds the test images where the server looks by default
            String password;
            long supervisor;
            String containerId;
            try (ServerProcess first = ServerProcess.start(home, "sandbox")) {
                password = first.generatedPassword();
                ApiClient admin = login(first.url(), password);
                assertThat(admin.post("/api/v1/workspaces", Map.of("name", "jails", "plan", "business", "owner", "admin")).status())
                        .isEqualTo(201);
                var created = admin.putText("/api/v1/workspaces/jails/instances/bot", """
                        apiVersion: roost/v1
                        kind: AgentInstance
                        metadata: {name: bot, workspace: jails, environment: prod}
                        spec:
                          runtime: {image: %s, cpu: 200m, memory: 64Mi}
                          health:
                            http: {path: /cgi-bin/healthz, port: 8080}
                            periodSeconds: 1
                            timeoutSeconds: 1
                        """.formatted(SandboxTestSupport.IMAGE), "application/yaml");
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                await().atMost(UP).untilAsserted(() -> assertThat(status(admin)).startsWith("RUNNING"));
                ObservedContainer jail = running(view);
                containerId = jail.containerId();
                supervisor = supervisorOf(settings, containerId);

                first.kill();
            }
            assertThat(ProcessHandle.of(supervisor)).as("the jail's supervisor outlives the killed server").isPresent();
            assertThat(running(view).containerId()).isEqualTo(containerId);

            try (ServerProcess second = ServerProcess.start(home, "sandbox")) {
                ApiClient admin = login(second.url(), password);
                await().atMost(UP).untilAsserted(() -> assertThat(status(admin)).startsWith("RUNNING"));
                assertThat(view.observe()).singleElement().satisfies(c -> {
                    assertThat(c.containerId()).isEqualTo(containerId);
                    assertThat(c.running()).isTrue();
                    assertThat(c.restartCount()).as("kept, not restarted").isZero();
                });
                assertThat(supervisorOf(settings, containerId)).isEqualTo(supervisor);
                second.stop();
            }
        } finally {
            if (view.status().usable()) {
                view.purge(view.observe().stream().map(ObservedContainer::instanceId).distinct().toList());
            }
            view.close();
            SandboxTestSupport.delete(home);
            SandboxTestSupport.delete(settings.secretRoot());
            SandboxTestSupport.delete(settings.images());
            SandboxTestSupport.delete(settings.stateRoot());
            if (settings.images().getParent().equals(settings.stateRoot().getParent())) {
                SandboxTestSupport.delete(settings.images().getParent()); // /var/lib/roost-sbx/<hash> as root
                try {
                    Files.deleteIfExists(settings.images().getParent().getParent()); // only when no other home uses it
                } catch (java.nio.file.DirectoryNotEmptyException e) {
                    // another server's jails live there
                }
            }
        }
    }

    private static ObservedContainer running(SandboxRuntime view) {
        List<ObservedContainer> jails = view.observe();
        assertThat(jails).singleElement().extracting(ObservedContainer::running).isEqualTo(true);
        return jails.getFirst();
    }

    private static long supervisorOf(SandboxRuntimeSettings settings, String containerId) throws java.io.IOException {
        return Long.parseLong(Files.readString(settings.stateRoot().resolve("containers").resolve(containerId).resolve("shim.pid"))
                .strip().split(" ")[0]);
    }

    private static String status(ApiClient admin) {
        var instance = admin.get("/api/v1/workspaces/jails/instances/bot").json().get("instance");
        return instance.get("status").asString() + ": " + instance.get("statusReason").asString();
    }

    private static ApiClient login(String url, String password) {
        ApiClient.Response r = new ApiClient(url, null).post("/api/v1/auth/login", Map.of("username", "admin", "password", password));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return new ApiClient(url, r.json().get("accessToken").asString());
    }
}
