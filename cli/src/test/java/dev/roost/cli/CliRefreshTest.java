package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.cli.client.ApiJson;
import dev.roost.server.testing.TestRoost;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Access tokens that live one second: the CLI refreshes them by itself, once, and saves the new pair. */
class CliRefreshTest {
    private static TestRoost roost;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withAccessTokenTtl(Duration.ofSeconds(1)));
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static CliRunner signedIn() {
        CliRunner cli = new CliRunner(roost.url());
        CliRunner.Result login = cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin");
        assertThat(login.exit()).as(login.toString()).isZero();
        return cli;
    }

    private static JsonNode saved(CliRunner cli) {
        return ApiJson.MAPPER.readTree(cli.config());
    }

    /** Long enough for a one-second JWT (whole seconds) to be expired for sure. */
    private static void letTheAccessTokenExpire() throws InterruptedException {
        Thread.sleep(2_100);
    }

    @Test
    void anAccessTokenAboutToExpireIsRefreshedAndTheNewPairSaved() throws Exception {
        CliRunner cli = signedIn();
        JsonNode before = saved(cli);
        letTheAccessTokenExpire();
        CliRunner.Result whoami = cli.run("whoami");
        assertThat(whoami.exit()).as(whoami.toString()).isZero();
        JsonNode after = saved(cli);
        assertThat(after.path("refreshToken").asString()).isNotEqualTo(before.path("refreshToken").asString());
        assertThat(after.path("accessToken").asString()).isNotEqualTo(before.path("accessToken").asString());
        assertThat(after.path("username").asString()).isEqualTo("admin");
        assertThat(cli.run("get", "plans").exit()).as("the saved new pair works").isZero();
        cli.assertNoTokenPrinted();
    }

    @Test
    void aTokenTheServerCallsExpiredIsRefreshedOnceAndTheRequestRepeated() throws Exception {
        // The CLI's clock runs an hour behind, so it believes the token is fresh and learns otherwise from the server.
        CliRunner cli = new CliRunner(roost.url()).clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
        assertThat(cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin").exit()).isZero();
        String first = saved(cli).path("refreshToken").asString();
        letTheAccessTokenExpire();
        CliRunner.Result whoami = cli.run("whoami");
        assertThat(whoami.exit()).as(whoami.toString()).isZero();
        assertThat(saved(cli).path("refreshToken").asString()).isNotEqualTo(first);
        cli.assertNoTokenPrinted();
    }

    @Test
    void aReusedRefreshTokenEndsTheSessionAndSaysSignInAgain() throws Exception {
        CliRunner cli = signedIn();
        String stale = cli.config();
        letTheAccessTokenExpire();
        assertThat(cli.run("whoami").exit()).isZero(); // spends the refresh token in the saved config
        Files.writeString(cli.configFile(), stale); // as if an old copy of the config came back
        letTheAccessTokenExpire();
        CliRunner.Result reused = cli.run("whoami");
        assertThat(reused.exit()).isEqualTo(ExitCodes.AUTH);
        assertThat(reused.err()).contains("session").contains("roost login");
        assertThat(saved(cli).has("refreshToken")).as("dead tokens are forgotten").isFalse();
        cli.assertNoTokenPrinted();
    }

    @Test
    void manyCommandsAtOnceShareOneSessionWithoutSpendingATokenTwice() throws Exception {
        CliRunner cli = signedIn();
        letTheAccessTokenExpire();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<CliRunner.Result>> runs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                CliRunner sameConfig = cli.sharingConfig();
                runs.add(pool.submit(() -> sameConfig.run("whoami")));
            }
            for (Future<CliRunner.Result> run : runs) {
                CliRunner.Result r = run.get();
                assertThat(r.exit()).as(r.toString()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cli.run("whoami").exit()).as("the session survived").isZero();
    }
}
