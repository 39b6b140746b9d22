package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.cli.client.ApiJson;
import dev.roost.server.testing.TestRoost;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Signing in and out, whoami, status and API tokens, through the real CLI against a real server. */
class CliSessionTest {
    private static TestRoost roost;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static CliRunner signedIn(String user, String password) {
        CliRunner cli = new CliRunner(roost.url());
        CliRunner.Result login = cli.runWithInput(password + "\n", "login", "--username", user, "--password-stdin");
        assertThat(login.exit()).as(login.toString()).isZero();
        return cli;
    }

    private static JsonNode config(CliRunner cli) {
        return ApiJson.MAPPER.readTree(cli.config());
    }

    @Test
    void loginSavesTheSessionPrivatelyAndWhoamiUsesIt() throws Exception {
        CliRunner cli = new CliRunner(roost.url());
        CliRunner.Result login = cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "--username", TestRoost.ADMIN,
                "--password-stdin");
        assertThat(login.exit()).as(login.toString()).isZero();
        assertThat(login.out()).contains("Signed in to " + roost.url() + " as admin.");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.configFile()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cli.configDir()))).isEqualTo("rwx------");
        JsonNode saved = config(cli);
        assertThat(saved.path("server").asString()).isEqualTo(roost.url());
        assertThat(saved.path("username").asString()).isEqualTo("admin");
        assertThat(saved.path("accessToken").asString()).isNotBlank();
        assertThat(saved.path("refreshToken").asString()).isNotBlank();

        CliRunner.Result whoami = cli.run("whoami");
        assertThat(whoami.exit()).as(whoami.toString()).isZero();
        assertThat(whoami.out()).containsPattern("Username:\\s+admin").containsPattern("Server admin:\\s+yes");
        JsonNode json = ApiJson.MAPPER.readTree(cli.run("whoami", "-o", "json").out());
        assertThat(json.path("username").asString()).isEqualTo("admin");
        assertThat(cli.run("whoami", "-o", "yaml").out()).contains("username: admin");

        cli.assertNoTokenPrinted();
    }

    @Test
    void theServerGivenAtLoginIsRememberedForLaterCommands() {
        CliRunner cli = new CliRunner(null);
        CliRunner.Result login = cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "--server", roost.url() + "/",
                "-u", "admin", "--password-stdin");
        assertThat(login.exit()).as(login.toString()).isZero();
        assertThat(config(cli).path("server").asString()).isEqualTo(roost.url());
        CliRunner.Result whoami = cli.run("whoami");
        assertThat(whoami.exit()).as(whoami.toString()).isZero();
        assertThat(whoami.out()).containsPattern("Server:\\s+" + java.util.regex.Pattern.quote(roost.url()));
        CliRunner.Result again = cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "--password-stdin");
        assertThat(again.exit()).as("the username is remembered too").isZero();
        cli.assertNoTokenPrinted();
    }

    @Test
    void wrongPasswordIsExitCode3AndSavesNothing() {
        CliRunner cli = new CliRunner(roost.url());
        CliRunner.Result r = cli.runWithInput("not-the-password\n", "login", "-u", "admin", "--password-stdin");
        assertThat(r.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(r.err()).startsWith("error: Wrong username or password.").contains("(request id ");
        assertThat(Files.exists(cli.configFile())).isFalse();
    }

    @Test
    void aPasswordIsNeverAnArgumentAndNeedsATerminalOrStdin() {
        CliRunner cli = new CliRunner(roost.url());
        assertThat(cli.run("login", "-u", "admin", "--password", "x").exit()).isEqualTo(ExitCodes.USAGE);
        CliRunner.Result noInput = cli.run("login", "-u", "admin");
        assertThat(noInput.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(noInput.err()).contains("No password on standard input");
    }

    @Test
    void onATerminalThePasswordIsAskedForWithoutEcho() {
        List<String> prompts = new ArrayList<>();
        CliRunner cli = new CliRunner(roost.url()).terminal(new Terminal() {
            @Override
            public String readLine(String prompt) {
                prompts.add(prompt);
                return "admin";
            }

            @Override
            public char[] readPassword(String prompt) {
                prompts.add(prompt);
                return TestRoost.ADMIN_PASSWORD.toCharArray();
            }
        });
        CliRunner.Result r = cli.run("login");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(prompts).containsExactly("Username: ", "Password for admin at " + roost.url() + ": ");
    }

    @Test
    void withoutCredentialsOrWithBadOnesTheExitCodeIs3() {
        CliRunner nobody = new CliRunner(roost.url());
        CliRunner.Result absent = nobody.run("whoami");
        assertThat(absent.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(absent.err()).contains("Not signed in to " + roost.url()).contains("roost login");

        CliRunner forged = new CliRunner(roost.url()).env("ROOST_TOKEN", "roost_pat_forged0000000000000000000000");
        CliRunner.Result rejected = forged.run("get", "workspaces");
        assertThat(rejected.exit()).as(rejected.toString()).isEqualTo(ExitCodes.AUTH);
        assertThat(rejected.err()).contains("ROOST_TOKEN");
        assertThat(rejected.both()).doesNotContain("roost_pat_forged0000000000000000000000");
    }

    @Test
    void savedTokensAreNeverSentToAnotherServer() {
        CliRunner cli = signedIn(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD);
        CliRunner.Result elsewhere = cli.run("whoami", "--server", "http://127.0.0.1:1");
        assertThat(elsewhere.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(elsewhere.err()).contains("Not signed in to http://127.0.0.1:1");
    }

    @Test
    void logoutEndsTheSessionOnTheServerToo() {
        CliRunner cli = signedIn(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD);
        String refreshToken = config(cli).path("refreshToken").asString();
        CliRunner.Result out = cli.run("logout");
        assertThat(out.exit()).as(out.toString()).isZero();
        assertThat(out.out()).contains("Signed out of " + roost.url());
        assertThat(config(cli).has("refreshToken")).isFalse();
        assertThat(config(cli).path("server").asString()).as("the server is remembered").isEqualTo(roost.url());
        assertThat(roost.anonymous().post("/api/v1/auth/refresh", Map.of("refreshToken", refreshToken)).status())
                .as("the old refresh token is dead").isEqualTo(401);
        assertThat(cli.run("whoami").exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(cli.run("logout").out()).contains("Not signed in.");
    }

    @Test
    void statusShowsServerReadinessAndUser() {
        CliRunner cli = signedIn(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD);
        CliRunner.Result status = cli.run("status");
        assertThat(status.exit()).as(status.toString()).isZero();
        assertThat(status.out()).contains(roost.url()).containsPattern("Ready:\\s+yes \\(server ok, database ok, inference unavailable\\)")
                .containsPattern("Inference:\\s+not available server-wide: No default model is set")
                .containsPattern("Signed in:\\s+admin \\(server admin\\)");
        JsonNode json = ApiJson.MAPPER.readTree(cli.run("status", "-o", "json").out());
        assertThat(json.path("ready").asBoolean()).isTrue();
        assertThat(json.path("user").path("username").asString()).isEqualTo("admin");

        CliRunner.Result anonymous = new CliRunner(roost.url()).run("status");
        assertThat(anonymous.exit()).as("not being signed in is no server problem").isZero();
        assertThat(anonymous.out()).containsPattern("Signed in:\\s+no");
    }

    @Test
    void apiTokensAreShownOnceAndWorkAsRoostToken() {
        CliRunner cli = signedIn(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD);
        CliRunner.Result created = cli.run("token", "create", "ci", "--expires-in-days", "30");
        assertThat(created.exit()).as(created.toString()).isZero();
        String token = created.out().trim();
        assertThat(token).startsWith("roost_pat_");
        assertThat(created.err()).contains("shown once");

        CliRunner automation = new CliRunner(roost.url()).env("ROOST_TOKEN", token);
        CliRunner.Result whoami = automation.run("whoami");
        assertThat(whoami.exit()).as(whoami.toString()).isZero();
        assertThat(whoami.out()).containsPattern("Signed in with:\\s+API token");

        CliRunner.Result list = cli.run("token", "list");
        assertThat(list.out()).contains("ci").containsPattern("\\bNAME\\b").doesNotContain(token);
        assertThat(cli.run("get", "tokens", "-o", "json").out()).doesNotContain(token);

        CliRunner.Result revoked = cli.run("token", "revoke", "ci");
        assertThat(revoked.exit()).as(revoked.toString()).isZero();
        assertThat(automation.run("whoami").exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(cli.run("token", "revoke", "ci").exit()).isEqualTo(ExitCodes.NOT_FOUND);

        for (CliRunner.Result r : automation.history()) {
            assertThat(r.both()).doesNotContain(token);
        }
        for (CliRunner.Result r : cli.history()) {
            if (r != created) {
                assertThat(r.both()).doesNotContain(token);
            }
        }
        cli.assertNoTokenPrinted();
    }
}
