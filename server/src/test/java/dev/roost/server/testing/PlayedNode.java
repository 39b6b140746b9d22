package dev.roost.server.testing;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A worker node played by a test over the node API with its real node JWT (no sandbox): it joins
 * reporting a usable bubblewrap sandbox, claims a task, uploads output chunks and reports the
 * outcome, so a test decides when each piece of output arrives.
 */
public final class PlayedNode {
    private final ApiClient client;
    private final String id;

    private PlayedNode(ApiClient client, String id) {
        this.client = client;
        this.id = id;
    }

    public static PlayedNode join(TestRoost roost, String name) {
        ApiClient.Response token = roost.admin().post("/api/v1/nodes/tokens", Map.of("ttl", "10m", "uses", 1));
        ApiClient.Response joined = roost.anonymous().post("/api/v1/nodes/join", Map.of("token", token.json().get("token").asString(),
                "name", name, "capabilities", Map.of("cpus", 4, "memoryBytes", 8L << 30, "os", "linux", "arch", "amd64",
                        "sandboxes", List.of(Map.of("kind", "bubblewrap", "version", "0.8.0")), "labels", Map.of("pool", "test"))));
        if (joined.status() != 201) {
            throw new IllegalStateException("joining node " + name + " failed: " + joined.status() + " " + joined.body());
        }
        return new PlayedNode(new ApiClient(roost.url(), joined.json().get("nodeToken").asString()),
                joined.json().get("nodeId").asString());
    }

    public String id() {
        return id;
    }

    /** A job this node claimed: its id and lease token. */
    public record Claimed(String id, String leaseToken) {
    }

    public Claimed claim() {
        ApiClient.Response r = client.post("/api/v1/nodes/self/claim", Map.of("capacity", 1, "waitSeconds", 10));
        JsonNode jobs = r.json().get("jobs");
        if (r.status() != 200 || jobs == null || jobs.isEmpty()) {
            throw new IllegalStateException("no job claimed: " + r.status() + " " + r.body());
        }
        return new Claimed(jobs.get(0).get("id").asString(), jobs.get(0).get("leaseToken").asString());
    }

    public void output(Claimed job, int seq, String stream, String text) {
        ApiClient.Response r = client.post("/api/v1/nodes/self/jobs/" + job.id() + "/output", Map.of("leaseToken", job.leaseToken(),
                "chunks", List.of(Map.of("seq", seq, "stream", stream, "text", text))));
        if (r.status() != 200) {
            throw new IllegalStateException("output refused: " + r.status() + " " + r.body());
        }
    }

    public void artifact(Claimed job, String path, byte[] content) {
        ApiClient.Response r = client.post("/api/v1/nodes/self/jobs/" + job.id() + "/artifacts", Map.of("leaseToken", job.leaseToken(),
                "path", path, "content", java.util.Base64.getEncoder().encodeToString(content)));
        if (r.status() != 204) {
            throw new IllegalStateException("artifact refused: " + r.status() + " " + r.body());
        }
    }

    public void complete(Claimed job, Map<String, Object> outcome) {
        ApiClient.Response r = client.post("/api/v1/nodes/self/jobs/" + job.id() + "/complete", Map.of("leaseToken", job.leaseToken(),
                "outcome", outcome));
        if (r.status() != 200) {
            throw new IllegalStateException("completion refused: " + r.status() + " " + r.body());
        }
    }
}
