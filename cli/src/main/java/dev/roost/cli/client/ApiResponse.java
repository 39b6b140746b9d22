package dev.roost.cli.client;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/** An answer from the server: a 2xx one, unless it came from {@link RoostClient#probe}. */
public record ApiResponse(int status, HttpHeaders headers, byte[] body) {

    /** The body as a JSON tree; a missing node for an empty body (204). */
    public JsonNode json() {
        return body.length == 0 ? MissingNode.getInstance() : ApiJson.MAPPER.readTree(body);
    }

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public Optional<String> header(String name) {
        return headers.firstValue(name);
    }
}
