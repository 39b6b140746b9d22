package dev.roost.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.gateway.GatewaySettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** At its in-flight limit the gateway answers 503 at once instead of queueing without bound, and recovers. */
class GatewayOverloadTest {
    @Test
    void overTheInFlightLimitRequestsAreRefusedAtOnceAndThePermitComesBack() throws Exception {
        try (FakeProvider upstream = new FakeProvider(r -> new FakeProvider.Slow(1500,
                FakeProvider.json(FakeProvider.openAiChat("m", "slow", 3, 1, 0))));
                TestRoost roost = TestRoost.start(c -> c.withGateway(GatewaySettings.DEFAULTS.withMaxInFlight(1)))) {
            ApiClient admin = roost.admin();
            roost.createWorkspace("acme", "business");
            assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local", "kind", "openai-compatible",
                    "baseUrl", upstream.url() + "/v1")).status()).isEqualTo(201);
            String key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "k")).json().get("secret").asString();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest request = HttpRequest.newBuilder(URI.create(roost.url() + "/v1/chat/completions"))
                    .header("authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[]}")).build();

            CompletableFuture<HttpResponse<String>> first = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().until(() -> upstream.requests() == 1);
            HttpResponse<String> refused = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("x-roost-error-code")).contains("GATEWAY_OVERLOADED");
            assertThat(refused.headers().firstValue("retry-after")).contains("1");

            assertThat(first.get().statusCode()).isEqualTo(200);
            assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("the first request gave its permit back").isEqualTo(200);
        }
    }
}
