package dev.roost.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.gateway.GatewaySettings;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Usage is written off the request path; a clean shutdown still writes every record gathered. */
class GatewayUsageShutdownTest {
    @Test
    void aCleanShutdownWritesTheUsageStillQueued() throws Exception {
        UnaryOperator<dev.roost.server.config.RoostConfig> neverByTime = c -> c.withGateway(
                GatewaySettings.DEFAULTS.withUsageFlushInterval(Duration.ofHours(1)));
        try (FakeProvider upstream = new FakeProvider(r -> FakeProvider.json(FakeProvider.openAiChat("m", "ok", 40, 2, 0)))) {
            TestRoost roost = TestRoost.start(neverByTime);
            Path home = roost.home();
            String database = roost.server().config().databaseUrl();
            ApiClient admin = roost.admin();
            roost.createWorkspace("acme", "business");
            assertThat(admin.post("/api/v1/workspaces/acme/providers", Map.of("name", "local", "kind", "openai-compatible",
                    "baseUrl", upstream.url() + "/v1")).status()).isEqualTo(201);
            String key = admin.post("/api/v1/workspaces/acme/keys", Map.of("name", "k")).json().get("secret").asString();
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(roost.url() + "/v1/chat/completions"))
                        .header("x-api-key", key).POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            JsonNode before = admin.get("/api/v1/workspaces/acme/usage").json();
            assertThat(before.path("total").path("requests").asLong()).as("nothing written yet: the interval is an hour")
                    .isZero();
            roost.close();

            try (TestRoost again = TestRoost.startOn(home, database, neverByTime)) {
                JsonNode after = again.admin().get("/api/v1/workspaces/acme/usage").json();
                assertThat(after.path("total").path("requests").asLong()).isEqualTo(3);
                assertThat(after.path("total").path("inputTokens").asLong()).isEqualTo(120);
            }
        }
    }
}
