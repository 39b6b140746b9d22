package dev.roost.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.testing.TestRoost;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class OpenApiDocumentTest {
    private static TestRoost roost;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
    }

    @AfterAll
    static void stop() {
        roost.close();
    }

    @Test
    void describesEveryRegisteredRouteWithItsAccessRule() {
        JsonNode doc = roost.admin().get("/api/openapi.json").json();
        assertThat(doc.get("openapi").asString()).startsWith("3.1");
        int operations = 0;
        for (ApiRoute route : roost.server().http().routes()) {
            if (route.path().equals("/console") || route.path().startsWith("/console/")) {
                continue; // web console pages: HTML for browsers, not part of the API document
            }
            String path = route.path().replaceAll("<([^>]+)>", "{$1}"); // Javalin's <rest> is {rest} in OpenAPI
            JsonNode op = doc.get("paths").path(path).path(route.method().name().toLowerCase(Locale.ROOT));
            assertThat(op.isMissingNode()).as("%s is in the document", route.key()).isFalse();
            assertThat(op.get("x-roost-access").asString()).isEqualTo(route.access().describe());
            assertThat(op.get("summary").asString()).isNotBlank();
            assertThat(op.has("security")).as("%s needs credentials", route.key()).isEqualTo(
                    !(route.access() instanceof Access.Public) && !(route.access() instanceof Access.SenderSignature)
                            && !(route.access() instanceof Access.GatewayKey));
            operations++;
        }
        int documented = doc.get("paths").valueStream().mapToInt(JsonNode::size).sum();
        assertThat(documented).isEqualTo(operations);
    }

    @Test
    void describesBodiesAndQueryParameters() {
        JsonNode doc = roost.admin().get("/api/openapi.json").json();
        JsonNode list = doc.get("paths").get("/api/v1/workspaces/{ws}/instances").get("get");
        assertThat(list.get("parameters").valueStream().map(p -> p.get("name").asString()).toList())
                .contains("ws", "environment", "label", "limit", "after");
        JsonNode login = doc.get("paths").get("/api/v1/auth/login").get("post");
        assertThat(login.get("requestBody").get("content").get("application/json").get("schema").get("$ref").asString())
                .isEqualTo("#/components/schemas/LoginRequest");
        assertThat(doc.get("components").get("schemas").get("LoginRequest").get("properties").has("password")).isTrue();
        JsonNode logs = doc.get("paths").get("/api/v1/workspaces/{ws}/instances/{name}/logs").get("get");
        assertThat(logs.get("parameters").valueStream().map(p -> p.get("name").asString()).toList())
                .contains("tail", "follow", "replica");
        JsonNode hook = doc.get("paths").get("/hooks/{ws}/{instance}/{path}").get("post");
        assertThat(hook.get("parameters").valueStream().map(p -> p.get("name").asString()).toList())
                .containsExactly("ws", "instance", "path");
    }
}
