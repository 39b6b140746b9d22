package dev.roost.server.nodes;

import dev.roost.core.node.Node;
import dev.roost.core.node.NodeScheduling;
import dev.roost.core.node.NodeState;
import dev.roost.server.http.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The JSON documents of the node API: what a node reports, what the server answers and holds. */
public final class NodeDocuments {
    private NodeDocuments() {
    }

    /** What a machine offers. Sizes in bytes; {@code sandboxes} lists each usable sandbox kind with its version. */
    public record Capabilities(Integer cpus, Long memoryBytes, Long diskBytes, List<Gpu> gpus, String os, String arch,
            List<SandboxKind> sandboxes, Boolean docker, Map<String, String> labels) {
    }

    public record Gpu(String vendor, String model, Long memoryBytes) {
    }

    /** A sandbox a node can run jobs in, e.g. {@code bubblewrap} 0.9.0. */
    public record SandboxKind(String kind, String version) {
    }

    /** Current use: load average over one minute, free memory and disk, jobs running. */
    public record Load(Double loadAverage, Long freeMemoryBytes, Long freeDiskBytes, Integer runningJobs) {
        static final Load NONE = new Load(null, null, null, null);
    }

    /**
     * What the server asks of a node, versioned per node: how many jobs at once, sandbox defaults,
     * where the model gateway is, which domains egress may reach. The node acknowledges the
     * version it applied in its next heartbeat.
     */
    public record Config(Integer concurrency, SandboxDefaults sandbox, String gatewayUrl, List<String> egressAllow) {
        static final Config DEFAULT = new Config(2, new SandboxDefaults(600, 1000, 512L * 1024 * 1024, 256), null, List.of());
    }

    public record SandboxDefaults(Integer timeoutSeconds, Integer cpuMillis, Long memoryBytes, Integer pids) {
    }

    public record JoinRequest(String token, String name, Capabilities capabilities) {
        @Override
        public String toString() {
            return "JoinRequest[name=" + name + "]"; // never the token
        }
    }

    /** The answer to a join or a renewal: a short-lived node JWT and the next single-use refresh credential. */
    public record NodeCredentials(UUID nodeId, String name, String nodeToken, long expiresIn, String refreshCredential,
            long heartbeatIntervalSeconds) {
        @Override
        public String toString() {
            return "NodeCredentials[nodeId=" + nodeId + ", expiresIn=" + expiresIn + "]";
        }
    }

    public record RenewRequest(String refreshCredential) {
        @Override
        public String toString() {
            return "RenewRequest[]";
        }
    }

    public record Heartbeat(Load load, Capabilities capabilities, Long appliedConfigVersion) {
    }

    public record HeartbeatAnswer(UUID nodeId, NodeState state, NodeScheduling scheduling, long configVersion, Config config,
            long heartbeatIntervalSeconds) {
    }

    public record NodeView(UUID id, String name, NodeState state, NodeScheduling scheduling, Capabilities capabilities,
            Load load, long configVersion, long appliedConfigVersion, Config config, Instant joinedAt, Instant lastHeartbeatAt,
            Instant stateChangedAt) {
        static NodeView of(Node n) {
            return new NodeView(n.id(), n.name(), n.state(), n.scheduling(), NodeDocuments.capabilities(n), decode(n.loadJson(), Load.class),
                    n.configVersion(), n.appliedVersion(), NodeDocuments.config(n), n.joinedAt(), n.lastHeartbeatAt(), n.stateChangedAt());
        }
    }

    /** {@code requeue}: hand back what the node runs now, instead of letting it finish. */
    public record DrainRequest(Boolean requeue) {
    }

    /**
     * The drained node (its fields, as {@code GET /api/v1/nodes/{id}} shows them), how many tasks
     * it still runs, and how many this call handed back to the queue.
     */
    public record DrainAnswer(@com.fasterxml.jackson.annotation.JsonUnwrapped NodeView node, int running, int handedBack) {
    }

    static Capabilities capabilities(Node n) {
        return decode(n.capabilitiesJson(), Capabilities.class);
    }

    static Config config(Node n) {
        return decode(n.configJson(), Config.class);
    }

    private static <T> T decode(String json, Class<T> type) {
        return Json.decode(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), type);
    }
}
