package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.testing.TestRoost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** roost secret: values go in by stdin or file, only metadata comes out, verify confirms a known value. */
class CliSecretTest {
    private static final String VALUE = "cli-canary-secret-9d2e";
    private static TestRoost roost;
    private static CliRunner admin;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        admin = new CliRunner(roost.url());
        ok(admin.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
        ok(admin.run("workspace", "create", "acme", "--owner", "admin"));
        ok(admin.run("workspace", "use", "acme"));
    }

    @AfterAll
    static void stop() {
        admin.assertNoTokenPrinted();
        roost.close();
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void setListGetVerifyDelete() throws IOException {
        assertThat(ok(admin.runWithInput(VALUE + "\n", "secret", "set", "bot-token")).out())
                .isEqualTo("secret/bot-token created (version 1)\n");
        assertThat(ok(admin.runWithInput(VALUE + "\n", "secret", "set", "bot-token")).out())
                .as("the trailing newline of stdin is not part of the value").isEqualTo("secret/bot-token unchanged (version 1)\n");
        Path file = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-files")), "secret-").resolve("v");
        Files.writeString(file, VALUE + "-2");
        assertThat(ok(admin.run("secret", "set", "bot-token", "--from-file", file.toString())).out())
                .isEqualTo("secret/bot-token updated (version 2)\n");

        String listed = ok(admin.run("secret", "list")).out();
        assertThat(listed).contains("bot-token").contains("2");
        assertThat(ok(admin.run("secret", "get", "bot-token", "-o", "json")).out()).contains("\"version\"");

        assertThat(admin.run("secret", "verify", "bot-token", "--from-file", file.toString()).exit()).isZero();
        CliRunner.Result wrong = admin.runWithInput(VALUE + "\n", "secret", "verify", "bot-token");
        assertThat(wrong.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(wrong.out()).contains("does not match");

        assertThat(admin.run("secret", "delete", "bot-token").exit()).as("no terminal, no --yes").isEqualTo(ExitCodes.USAGE);
        ok(admin.run("secret", "delete", "bot-token", "--yes"));
        assertThat(admin.run("secret", "get", "bot-token").exit()).isEqualTo(ExitCodes.NOT_FOUND);

        for (CliRunner.Result r : new CliRunner.Result[] {wrong}) {
            assertThat(r.out() + r.err()).doesNotContain(VALUE);
        }
        assertThat(listed).doesNotContain(VALUE);
    }

    @Test
    void anEmptyValueIsRefusedAndValuesAreNeverArguments() {
        assertThat(admin.runWithInput("", "secret", "set", "empty").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(admin.run("secret", "set", "x", "some-value").exit()).as("no value argument").isEqualTo(ExitCodes.USAGE);
    }
}
