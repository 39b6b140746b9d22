package dev.roost.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import dev.roost.server.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's paths are answered at the front of the HTTP server, with what the API adds to
 * every answer, bodies bounded like the API's, and everything else left to the API's routes.
 */
class GatewayFrontDoorTest {
    private static FakeProvider upstream;
    private static TestRoost roost;
    private static ApiClient anonymous;
    private static String key;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeProvider(r -> FakeProvider.json(FakeProvider.openAiChat("m", "hi", 3, 1, 0)));
        roost = TestRoost.start();
        ApiClient admin = roost.admin();
        roost.createWorkspace("acme", "business");
        assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local", "kind", "openai-compatible",
                "baseUrl", upstream.url() + "/v1")).status()).isEqualTo(201);
        key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "door")).json().get("secret").asString();
        anonymous = new ApiClient(roost.url(), null);
    }

    @AfterAll
    static void stop() throws Exception {
        roost.close();
        upstream.close();
    }

    private static ApiClient.Response chat(String path, byte[] body, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Authorization", "Bearer " + key);
        return anonymous.send("POST", path, body, "application/json", all);
    }

    @Test
    void anAnswerCarriesTheRequestIdAndTheApisHeaders() {
        ApiClient.Response r = chat("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8),
                Map.of("X-Request-Id", "trace-42.a"));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("X-Request-Id")).contains("trace-42.a");
        assertThat(r.header("Cache-Control")).contains("no-store");
        assertThat(r.header("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.header("x-roost-gateway-ms")).isPresent();
        ApiClient.Response generated = chat("/v1/chat/completions", "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8),
                Map.of("X-Request-Id", "not a valid id!"));
        assertThat(generated.header("X-Request-Id")).hasValueSatisfying(id -> assertThat(id).matches("[0-9a-f]{20}"));
    }

    @Test
    void aBodyOverTheServersLimitIsRefusedInTheEndpointsOwnFormat() {
        byte[] big = new byte[1024 * 1024 + 10]; // ROOST_MAX_REQUEST_BYTES defaults to 1 MiB
        Arrays.fill(big, (byte) ' ');
        big[0] = '{';
        big[big.length - 1] = '}';
        int before = upstream.requests();
        ApiClient.Response openai = chat("/v1/chat/completions", big, Map.of());
        assertThat(openai.status()).isEqualTo(413);
        assertThat(openai.header("x-roost-error-code")).contains("BODY_TOO_LARGE");
        assertThat(openai.json().path("error").path("code").asString()).isEqualTo("BODY_TOO_LARGE");
        ApiClient.Response anthropic = chat("/v1/messages", big, Map.of("anthropic-version", "2023-06-01"));
        assertThat(anthropic.status()).isEqualTo(413);
        assertThat(anthropic.json().path("type").asString()).isEqualTo("error");
        assertThat(anthropic.json().path("error").path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(upstream.requests()).as("nothing went upstream").isEqualTo(before);
    }

    @Test
    void otherMethodsAndPathsAreLeftToTheApi() {
        ApiClient.Response get = anonymous.get("/v1/chat/completions");
        assertThat(get.status()).isEqualTo(405);
        ApiClient.Response slash = chat("/v1/chat/completions/", "{\"model\":\"m\"}".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThat(slash.status()).as("the API's own route still answers a trailing slash").isEqualTo(200);
        ApiClient.Response health = anonymous.get("/healthz");
        assertThat(health.status()).isEqualTo(200);
        ApiClient.Response noKey = anonymous.send("POST", "/v1beta/models/gemini-2.5-flash:generateContent",
                "{}".getBytes(StandardCharsets.UTF_8), "application/json", Map.of());
        assertThat(noKey.status()).isEqualTo(401);
        assertThat(noKey.json().path("error").path("status").asString()).as("Gemini's error shape")
                .isEqualTo("UNAUTHENTICATED");
        List<String> routes = Json.MAPPER.readTree(roost.admin().get("/api/openapi.json").body()).path("paths")
                .propertyNames().stream().toList();
        assertThat(routes).as("the gateway's paths stay in the API document").contains("/v1/chat/completions",
                "/v1/messages", "/v1/models");
    }
}
