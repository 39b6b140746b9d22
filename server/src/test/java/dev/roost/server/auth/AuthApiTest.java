package dev.roost.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AuthApiTest {
    private static TestRoost roost;

    @BeforeAll
    static void start() {
        roost = TestRoost.start(c -> c.withMetricsToken("metrics-token-for-tests-0123456789"));
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    private static Response login(String user, String password) {
        return roost.anonymous().post("/api/v1/auth/login", Map.of("username", user, "password", password));
    }

    @Test
    void signInReturnsATokenPairThatAuthenticates() {
        Response r = login(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD);
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.get("expiresIn").asInt()).isEqualTo(900);
        assertThat(body.get("refreshToken").asString()).startsWith("roost_rt_");
        Response me = roost.anonymous().withToken(body.get("accessToken").asString()).get("/api/v1/auth/me");
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("username").asString()).isEqualTo("admin");
        assertThat(me.json().get("serverAdmin").asBoolean()).isTrue();
    }

    @Test
    void wrongPasswordAndUnknownUserGetTheSameAnswer() {
        Response wrong = login(TestRoost.ADMIN, "not-the-password");
        Response unknown = login("nobody-here", "not-the-password");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.code()).isEqualTo("INVALID_CREDENTIALS");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.json().get("detail")).isEqualTo(wrong.json().get("detail"));
        assertThat(wrong.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    }

    @Test
    void missingCredentialsAndGarbageTokensAre401() {
        assertThat(roost.anonymous().get("/api/v1/auth/me").code()).isEqualTo("UNAUTHENTICATED");
        Response garbage = roost.anonymous().withToken("not-a-jwt").get("/api/v1/auth/me");
        assertThat(garbage.status()).isEqualTo(401);
        assertThat(garbage.code()).isEqualTo("TOKEN_INVALID");
        assertThat(garbage.header("WWW-Authenticate")).isPresent();
        Response unknownApiToken = roost.anonymous().withToken("roost_pat_doesnotexist").get("/api/v1/auth/me");
        assertThat(unknownApiToken.code()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void aStaleTokenDoesNotBlockSigningInAgain() {
        Response r = roost.anonymous().withToken("expired.or.garbage")
                .post("/api/v1/auth/login", Map.of("username", TestRoost.ADMIN, "password", TestRoost.ADMIN_PASSWORD));
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void refreshRotatesAndReuseRevokesTheWholeSession() {
        JsonNode first = login(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD).json();
        String refresh1 = first.get("refreshToken").asString();

        Response rotated = roost.anonymous().post("/api/v1/auth/refresh", Map.of("refreshToken", refresh1));
        assertThat(rotated.status()).isEqualTo(200);
        String refresh2 = rotated.json().get("refreshToken").asString();
        assertThat(refresh2).isNotEqualTo(refresh1);

        // The old token is presented again: someone copied it. The family is revoked.
        Response reuse = roost.anonymous().post("/api/v1/auth/refresh", Map.of("refreshToken", refresh1));
        assertThat(reuse.status()).isEqualTo(401);
        assertThat(reuse.code()).isEqualTo("REFRESH_TOKEN_REUSED");

        // Even the legitimately rotated token no longer works.
        Response afterRevoke = roost.anonymous().post("/api/v1/auth/refresh", Map.of("refreshToken", refresh2));
        assertThat(afterRevoke.status()).isEqualTo(401);
        assertThat(afterRevoke.code()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void signOutEndsTheSession() {
        String refresh = login(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD).json().get("refreshToken").asString();
        assertThat(roost.anonymous().post("/api/v1/auth/logout", Map.of("refreshToken", refresh)).status()).isEqualTo(204);
        assertThat(roost.anonymous().post("/api/v1/auth/refresh", Map.of("refreshToken", refresh)).code())
                .isEqualTo("TOKEN_INVALID");
    }

    @Test
    void apiTokensAreShownOnceWorkAndCanBeRevoked() {
        ApiClient admin = roost.admin();
        Response created = admin.post("/api/v1/tokens", Map.of("name", "ci-deploy", "expiresInDays", 30));
        assertThat(created.status()).isEqualTo(201);
        String token = created.json().get("token").asString();
        assertThat(token).startsWith("roost_pat_");
        String id = created.json().get("id").asString();

        ApiClient automation = roost.anonymous().withToken(token);
        Response me = automation.get("/api/v1/auth/me");
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().get("authenticatedWith").asString()).isEqualTo("API_TOKEN");

        Response list = admin.get("/api/v1/tokens");
        assertThat(list.body()).contains("ci-deploy").doesNotContain(token);

        assertThat(automation.post("/api/v1/tokens", Map.of("name", "more")).status())
                .as("an API token cannot mint more tokens").isEqualTo(403);

        assertThat(admin.delete("/api/v1/tokens/" + id).status()).isEqualTo(204);
        Response revoked = automation.get("/api/v1/auth/me");
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.code()).isEqualTo("TOKEN_INVALID");
    }

    @Test
    void theTokenHashNotTheTokenIsStored() {
        ApiClient admin = roost.admin();
        String token = admin.post("/api/v1/tokens", Map.of("name", "stored-check")).json().get("token").asString();
        java.util.List<String> rows = roost.server().database().read(s -> s.handle()
                .createQuery("SELECT t::text FROM api_tokens t").mapTo(String.class).list());
        assertThat(rows).isNotEmpty();
        assertThat(String.join("\n", rows)).doesNotContain(token).doesNotContain(token.substring(14));
    }

    @Test
    void idempotentTokenCreationReplaysWithoutTheSecret() {
        ApiClient admin = roost.admin();
        Map<String, String> key = Map.of("Idempotency-Key", "create-token-once-1");
        Response first = admin.post("/api/v1/tokens", Map.of("name", "idem"), key);
        Response second = admin.post("/api/v1/tokens", Map.of("name", "idem"), key);
        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(201);
        assertThat(second.header("Idempotent-Replayed")).contains("true");
        assertThat(second.json().get("id")).isEqualTo(first.json().get("id"));
        assertThat(second.json().has("token")).isFalse();
        assertThat(admin.get("/api/v1/tokens").json().valueStream()
                .filter(t -> t.get("name").asString().equals("idem")).count()).isEqualTo(1);

        Response different = admin.post("/api/v1/tokens", Map.of("name", "other"), key);
        assertThat(different.status()).isEqualTo(422);
        assertThat(different.code()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    void metricsNeedAnAdminOrTheMetricsToken() {
        assertThat(roost.anonymous().get("/metrics").status()).isEqualTo(401);
        ApiClient scraper = roost.anonymous().withToken("metrics-token-for-tests-0123456789");
        Response scraped = scraper.get("/metrics");
        assertThat(scraped.status()).isEqualTo(200);
        assertThat(scraped.body()).contains("roost_http_requests_seconds");
        assertThat(scraper.get("/api/v1/auth/me").status()).as("the metrics token reads metrics only").isEqualTo(403);
        assertThat(roost.admin().get("/metrics").status()).isEqualTo(200);
    }

    @Test
    void malformedAndMistypedBodiesGet4xxWithPointers() {
        ApiClient anon = roost.anonymous();
        Response broken = anon.post("/api/v1/auth/login", "{\"username\": ");
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.code()).isEqualTo("MALFORMED_BODY");

        Response unknown = anon.post("/api/v1/auth/login", Map.of("username", "a", "password", "b", "extra", 1));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/extra");

        Response wrongType = anon.post("/api/v1/auth/login", "{\"username\": 5, \"password\": \"x\"}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/username");

        Response missing = anon.post("/api/v1/auth/login", Map.of("username", "a"));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("errors").get(0).get("pointer").asString()).isEqualTo("/password");

        Response tooBig = anon.post("/api/v1/auth/login", "{\"username\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.code()).isEqualTo("BODY_TOO_LARGE");
    }

    @Test
    void unknownRoutesAndMethodsAreProblems() {
        Response missing = roost.anonymous().get("/api/v1/nothing-here");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.code()).isEqualTo("NOT_FOUND");
        Response method = roost.anonymous().send("PATCH", "/api/v1/auth/login", null, null, Map.of());
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.code()).isEqualTo("METHOD_NOT_ALLOWED");
    }

    @Test
    void everyAnswerCarriesARequestId() {
        Response r = roost.anonymous().send("GET", "/healthz", null, null, Map.of("X-Request-Id", "trace-abc-123"));
        assertThat(r.header("X-Request-Id")).contains("trace-abc-123");
        Response generated = roost.anonymous().get("/api/v1/auth/me");
        assertThat(generated.header("X-Request-Id")).isPresent();
        assertThat(generated.json().get("requestId").asString()).isEqualTo(generated.header("X-Request-Id").orElseThrow());
    }

    @Test
    void accessTokensExpire() throws Exception {
        // A JWT's expiry is in whole seconds, so a 1 s lifetime may end a few milliseconds after sign-in: 3 s leaves room.
        try (TestRoost shortLived = TestRoost.start(c -> c.withAccessTokenTtl(Duration.ofSeconds(3)))) {
            ApiClient admin = shortLived.admin();
            assertThat(admin.get("/api/v1/auth/me").status()).isEqualTo(200);
            Thread.sleep(4_000);
            Response expired = admin.get("/api/v1/auth/me");
            assertThat(expired.status()).isEqualTo(401);
            assertThat(expired.code()).isEqualTo("TOKEN_EXPIRED");
        }
    }

    @Test
    void signInIsRateLimited() {
        try (TestRoost limited = TestRoost.start(c -> c.withLoginAttemptsPerMinute(3, 100))) {
            for (int i = 0; i < 3; i++) {
                assertThat(limited.anonymous().post("/api/v1/auth/login", Map.of("username", "admin", "password", "wrong"))
                        .status()).isEqualTo(401);
            }
            Response limitedAnswer = limited.anonymous().post("/api/v1/auth/login",
                    Map.of("username", "admin", "password", TestRoost.ADMIN_PASSWORD));
            assertThat(limitedAnswer.status()).isEqualTo(429);
            assertThat(limitedAnswer.code()).isEqualTo("RATE_LIMITED");
            assertThat(limitedAnswer.header("Retry-After")).isPresent();
        }
    }

    @Test
    void changingThePasswordRevokesOtherSessions() {
        roost.createUser("pat", false);
        String refresh = login("pat", TestRoost.password("pat")).json().get("refreshToken").asString();
        ApiClient pat = roost.login("pat", TestRoost.password("pat"));
        assertThat(pat.post("/api/v1/auth/password", Map.of("currentPassword", "wrong", "newPassword", "a-new-long-password"))
                .code()).isEqualTo("INVALID_CREDENTIALS");
        assertThat(pat.post("/api/v1/auth/password", Map.of("currentPassword", TestRoost.password("pat"), "newPassword", "short"))
                .status()).isEqualTo(400);
        assertThat(pat.post("/api/v1/auth/password",
                Map.of("currentPassword", TestRoost.password("pat"), "newPassword", "a-new-long-password")).status())
                .isEqualTo(204);
        assertThat(roost.anonymous().post("/api/v1/auth/refresh", Map.of("refreshToken", refresh)).code())
                .isEqualTo("TOKEN_INVALID");
        assertThat(login("pat", "a-new-long-password").status()).isEqualTo(200);
    }
}
