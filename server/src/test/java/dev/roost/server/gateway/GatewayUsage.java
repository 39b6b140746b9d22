package dev.roost.server.gateway;

import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** The usage rows of one virtual key, read through the usage API once the gateway has written them. */
final class GatewayUsage {
    private GatewayUsage() {
    }

    static JsonNode rows(TestRoost roost, ApiClient admin, String keyName) {
        JsonNode[] rows = new JsonNode[1];
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            roost.server().modelGateway().flushUsage();
            rows[0] = admin.get("/api/v1/workspaces/acme/usage?groupBy=key,model,provider,status").json().get("rows")
                    .valueStream().filter(r -> keyName.equals(r.path("group").path("key").asString()))
                    .collect(dev.roost.server.http.Json.MAPPER::createArrayNode, (a, n) -> a.add(n), (a, b) -> a.addAll(b));
            return !rows[0].isEmpty();
        });
        return rows[0];
    }
}
