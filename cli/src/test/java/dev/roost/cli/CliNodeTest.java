package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.cli.client.ApiJson;
import dev.roost.server.config.NodeSettings;
import dev.roost.server.testing.TestRoost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A server admin hands out a join token; a worker joins with {@code roost node join}; the admin sees and manages it. */
class CliNodeTest {
    private static TestRoost roost;
    private static CliRunner admin;

    @BeforeAll
    static void start() {
        // Heartbeat every second so a few beats take a few seconds.
        roost = TestRoost.start(c -> c.withNodes(new NodeSettings(Duration.ofMinutes(10), Duration.ofDays(30),
                Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(5))));
        admin = new CliRunner(roost.url());
        ok(admin.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
    }

    @AfterAll
    static void stop() {
        admin.assertNoTokenPrinted();
        roost.close();
    }

    /** A clock that runs {@code factor} times faster than the real one, from now on. */
    private static java.time.Clock fast(int factor) {
        java.time.Instant start = java.time.Instant.now();
        long startNanos = System.nanoTime();
        return new java.time.Clock() {
            @Override
            public java.time.Instant instant() {
                return start.plusNanos((System.nanoTime() - startNanos) * factor);
            }

            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
    }

    @Test
    void theAgentRenewsItsNodeTokenBeforeItExpires() throws IOException {
        String token = ok(admin.run("node", "token", "create", "--ttl", "1h")).out().trim();
        Path stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-files")), "node-");
        // The node's clock runs 200 times fast: its 10-minute token reaches the renewal point within the beats.
        CliRunner worker = new CliRunner(roost.url()).clock(fast(200));
        ok(worker.runWithInput(token + "\n", "node", "join", "--token-stdin", "--name", "renewing-worker",
                "--state-dir", stateDir.toString(), "--heartbeats", "4"));
        String nodeId = ApiJson.MAPPER.readTree(Files.readAllBytes(stateDir.resolve("node.json"))).path("nodeId").asString();
        int credentials = roost.server().database().read(s -> s.handle()
                .createQuery("SELECT count(*) FROM node_credentials WHERE node_id = CAST(:id AS uuid)").bind("id", nodeId)
                .mapTo(Integer.class).one());
        assertThat(credentials).as("one credential from joining, one more per renewal").isGreaterThanOrEqualTo(2);
        ok(admin.run("node", "remove", "renewing-worker"));
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void aWorkerJoinsHeartbeatsAndIsManagedFromTheCli() throws IOException {
        CliRunner.Result created = ok(admin.run("node", "token", "create", "--ttl", "1h", "--uses", "1"));
        String token = created.out().trim();
        assertThat(token).startsWith("roost_join_");
        assertThat(created.err()).contains("shown once");
        assertThat(ok(admin.run("node", "token", "list")).out()).contains(token.substring(0, 16)).doesNotContain(token);

        Path stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-files")), "node-")
                .resolve("state");
        CliRunner worker = new CliRunner(roost.url());
        CliRunner.Result joined = ok(worker.runWithInput(token + "\n", "node", "join", "--token-stdin", "--name", "cli-worker",
                "--label", "zone=eu-1", "--state-dir", stateDir.toString(), "--heartbeats", "3"));
        assertThat(joined.err()).contains("Joined").contains("cli-worker").contains("READY");
        assertThat(joined.both()).doesNotContain(token);

        Path stateFile = stateDir.resolve("node.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateFile))).isEqualTo("rw-------");
        JsonNode saved = ApiJson.MAPPER.readTree(Files.readAllBytes(stateFile));
        String credential = saved.path("refreshCredential").asString();
        assertThat(credential).startsWith("roost_node_");
        assertThat(joined.both()).doesNotContain(credential);

        String list = ok(admin.run("node", "list")).out();
        assertThat(list).contains("cli-worker").contains("READY").contains("SCHEDULABLE").contains("1/1");
        String described = ok(admin.run("node", "describe", "cli-worker")).out();
        assertThat(described).contains("zone=eu-1").contains("State:          READY");
        assertThat(described).doesNotContain(credential);

        // A second start without a token resumes the saved identity with its rotating credential.
        CliRunner.Result resumed = ok(worker.run("node", "join", "--state-dir", stateDir.toString(), "--heartbeats", "1"));
        assertThat(resumed.err()).contains("Resumed node cli-worker");
        String rotated = ApiJson.MAPPER.readTree(Files.readAllBytes(stateFile)).path("refreshCredential").asString();
        assertThat(rotated).isNotEqualTo(credential);

        // The one-use token is spent.
        CliRunner.Result again = worker.runWithInput(token + "\n", "node", "join", "--token-stdin", "--name", "cli-worker-2",
                "--state-dir", stateDir.resolveSibling("other").toString(), "--heartbeats", "1");
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("join token was used up");

        ok(admin.run("node", "cordon", "cli-worker"));
        assertThat(ok(admin.run("node", "list")).out()).contains("CORDONED");
        ok(admin.run("node", "uncordon", "cli-worker"));
        ok(admin.run("node", "drain", "cli-worker"));
        assertThat(ok(admin.run("node", "list")).out()).contains("DRAINING");
        ok(admin.run("node", "remove", "cli-worker"));
        assertThat(ok(admin.run("node", "list")).out()).doesNotContain("cli-worker");

        CliRunner.Result removed = worker.run("node", "join", "--state-dir", stateDir.toString(), "--heartbeats", "1");
        assertThat(removed.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(removed.err()).contains("removed").contains("Join again");

        String tokenId = ApiJson.MAPPER.readTree(ok(admin.run("node", "token", "list", "-o", "json")).out()).get(0).path("id")
                .asString();
        assertThat(ok(admin.run("node", "token", "revoke", tokenId)).out()).contains("revoked");
    }
}
