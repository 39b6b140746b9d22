package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.runtime.LogLine;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.FakeContainers;
import dev.roost.server.testing.TestRoost;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** roost logs: last lines, prefixes, following until the container ends, masked secrets, clear errors. */
class CliLogsTest {
    private static final String CANARY = "cli-canary-log-secret-3e9a";
    private static TestRoost roost;
    private static CliRunner admin;
    private static FakeContainers containers;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withReconcilerEnabled(false)); // the test runs the containers
        admin = new CliRunner(roost.url());
        ok(admin.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
        ok(admin.run("workspace", "create", "acme", "--owner", "admin"));
        ok(admin.run("workspace", "use", "acme"));
        ApiClient api = roost.admin();
        assertThat(api.put("/api/v1/workspaces/acme/secrets/bot-token", Map.of("value", CANARY)).status()).isLessThan(300);
        for (String name : List.of("bot", "idle")) {
            assertThat(api.putText("/api/v1/workspaces/acme/instances/" + name, """
                    apiVersion: roost/v1
                    kind: AgentInstance
                    metadata: {name: %s, workspace: acme, environment: dev}
                    spec:
                      runtime: {image: registry.example/bot:1.0.0, cpu: 250m, memory: 128Mi, env: {TOKEN: "secret:bot-token"}}
                    """.formatted(name), "application/yaml").status()).isEqualTo(201);
        }
        containers = new FakeContainers(roost);
    }

    @AfterAll
    static void stop() {
        admin.assertNoTokenPrinted();
        for (CliRunner.Result r : admin.history()) {
            assertThat(r.both()).as("output of a command").doesNotContain(CANARY);
        }
        roost.close();
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void printsTheLastLinesWithSecretsMasked() {
        String id = containers.start("acme", "bot", 0);
        containers.runtime().emit(id, LogLine.Stream.STDOUT, "starting");
        containers.runtime().emit(id, LogLine.Stream.STDERR, "token is " + CANARY);
        assertThat(ok(admin.run("logs", "bot")).out()).isEqualTo("starting\ntoken is ****\n");
        String prefixed = ok(admin.run("logs", "bot", "--tail", "1", "-t", "--stream")).out();
        assertThat(prefixed).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z stderr token is \\*\\*\\*\\*\n");
    }

    @Test
    void followsUntilTheContainerEnds() throws Exception {
        String id = containers.start("acme", "bot", 0);
        containers.runtime().emit(id, LogLine.Stream.STDOUT, "before");
        CliRunner follower = admin.sharingConfig();
        CompletableFuture<CliRunner.Result> running = CompletableFuture.supplyAsync(
                () -> follower.run("logs", "bot", "-f", "--tail", "1"));
        Thread.sleep(500); // let it connect; lines written before it did would come through the tail anyway
        containers.runtime().emit(id, LogLine.Stream.STDOUT, "after " + CANARY);
        Thread.sleep(200);
        containers.runtime().crashBehindBack(id, 1, false);
        CliRunner.Result r = running.get(15, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("before\n").contains("after ****\n").doesNotContain(CANARY);
        containers.start("acme", "bot", 0); // running again for the other tests
    }

    @Test
    void clearErrorsAndExitCodes() {
        CliRunner.Result idle = admin.run("logs", "idle");
        assertThat(idle.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(idle.err()).contains("no container");
        assertThat(admin.run("logs", "nobody").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(admin.run("logs", "bot", "--tail", "-1").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(admin.run("logs", "bot", "--tail", "lots").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(admin.run("logs", "idle", "-f").exit()).as("errors come before streaming").isEqualTo(ExitCodes.CONFLICT);

        containers.runtime().setAvailable(false);
        try {
            CliRunner.Result down = admin.run("logs", "bot");
            assertThat(down.exit()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(down.err()).contains("runtime");
        } finally {
            containers.runtime().setAvailable(true);
        }
        CliRunner stranger = new CliRunner(roost.url());
        assertThat(stranger.run("logs", "bot", "-w", "acme").exit()).isEqualTo(ExitCodes.AUTH);
    }
}
