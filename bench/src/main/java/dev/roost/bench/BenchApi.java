package dev.roost.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The few calls of Roost's HTTP API the benchmark makes, with a signed-in admin's token. */
final class BenchApi {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client;
    private final String baseUrl;
    private final String token;

    private BenchApi(HttpClient client, String baseUrl, String token) {
        this.client = client;
        this.baseUrl = baseUrl;
        this.token = token;
    }

    record Response(int status, String body) {
    }

    /** The admin's access token, for requests the benchmark times itself. */
    String token() {
        return token;
    }

    static BenchApi login(HttpClient client, String baseUrl, String username, String password)
            throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(java.util.Map.of("username", username, "password", password));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/auth/login"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("signing in as " + username + " failed: " + response.statusCode() + " "
                    + OpenLoopLoad.abbreviate(response.body()));
        }
        JsonNode json = JSON.readTree(response.body());
        return new BenchApi(client, baseUrl, json.get("accessToken").asString());
    }

    Response post(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response put(String path, String json) throws IOException, InterruptedException {
        return send(request(path).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response delete(String path) throws IOException, InterruptedException {
        return send(request(path).DELETE());
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    /** A ready-made GET for the load generator. */
    HttpRequest getRequest(String path) {
        return request(path).GET().build();
    }

    static JsonNode parse(String body) {
        return JSON.readTree(body);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
    }

    private Response send(HttpRequest.Builder builder) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }
}
