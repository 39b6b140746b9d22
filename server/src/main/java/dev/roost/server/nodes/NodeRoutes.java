package dev.roost.server.nodes;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.node.JoinToken;
import dev.roost.core.node.Node;
import dev.roost.core.node.NodeScheduling;
import dev.roost.server.auth.LoginRateLimiter;
import dev.roost.server.auth.OpaqueTokens;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Json;
import dev.roost.server.http.Reply;
import dev.roost.server.nodes.NodeDocuments.Capabilities;
import dev.roost.server.nodes.NodeDocuments.Config;
import dev.roost.server.nodes.NodeDocuments.Heartbeat;
import dev.roost.server.nodes.NodeDocuments.HeartbeatAnswer;
import dev.roost.server.nodes.NodeDocuments.JoinRequest;
import dev.roost.server.nodes.NodeDocuments.Load;
import dev.roost.server.nodes.NodeDocuments.NodeCredentials;
import dev.roost.server.nodes.NodeDocuments.NodeView;
import dev.roost.server.nodes.NodeDocuments.RenewRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker nodes: joining with a join token, renewing node credentials, heartbeats (load,
 * capabilities, config acknowledgement), and what a server admin does with nodes.
 */
public final class NodeRoutes {
    private static final Logger log = LoggerFactory.getLogger(NodeRoutes.class);
    private static final Pattern LABEL_KEY = Pattern.compile("^[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,62}[a-zA-Z0-9])?$");
    private static final int MAX_TOKEN = 256;

    private final NodeCredentialIssuer issuer;
    private final LoginRateLimiter joinLimiter;
    private final Duration heartbeatInterval;

    public NodeRoutes(NodeCredentialIssuer issuer, LoginRateLimiter joinLimiter, Duration heartbeatInterval) {
        this.issuer = requireNonNull(issuer, "issuer is null");
        this.joinLimiter = requireNonNull(joinLimiter, "joinLimiter is null");
        this.heartbeatInterval = requireNonNull(heartbeatInterval, "heartbeatInterval is null");
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post("/api/v1/nodes/join", Access.PUBLIC,
                                "Join a node with a join token; returns its node JWT and refresh credential", this::join)
                        .accepts(JoinRequest.class).returns(NodeCredentials.class).carryingSecret(),
                ApiRoute.post("/api/v1/nodes/renew", Access.PUBLIC,
                                "Exchange a node refresh credential for a new node JWT and credential", this::renew)
                        .accepts(RenewRequest.class).returns(NodeCredentials.class).carryingSecret(),
                ApiRoute.post("/api/v1/nodes/self/heartbeat", Access.NODE,
                                "Heartbeat: load, changed capabilities, applied config version; answers the node config",
                                this::heartbeat)
                        .accepts(Heartbeat.class).returns(HeartbeatAnswer.class),
                ApiRoute.get("/api/v1/nodes", Access.SERVER_ADMIN, "List nodes", this::list).returnsListOf(NodeView.class),
                ApiRoute.get("/api/v1/nodes/{id}", Access.SERVER_ADMIN, "Describe a node", this::describe)
                        .returns(NodeView.class),
                ApiRoute.put("/api/v1/nodes/{id}/config", Access.SERVER_ADMIN,
                                "Replace a node's config (bumps its version)", this::putConfig)
                        .accepts(Config.class).returns(NodeView.class),
                ApiRoute.post("/api/v1/nodes/{id}/cordon", Access.SERVER_ADMIN, "Cordon a node: no new work",
                        call -> schedule(call, NodeScheduling.CORDONED)).returns(NodeView.class),
                ApiRoute.post("/api/v1/nodes/{id}/uncordon", Access.SERVER_ADMIN, "Uncordon a node: it takes work again",
                        call -> schedule(call, NodeScheduling.SCHEDULABLE)).returns(NodeView.class),
                ApiRoute.post("/api/v1/nodes/{id}/drain", Access.SERVER_ADMIN,
                                "Drain a node: no new work; what it runs goes on, or with requeue is handed back to the "
                                        + "queue at once (the attempt does not count)", this::drain)
                        .accepts(NodeDocuments.DrainRequest.class).returns(NodeDocuments.DrainAnswer.class),
                ApiRoute.delete("/api/v1/nodes/{id}", Access.SERVER_ADMIN, "Remove a node and revoke its credentials",
                        this::remove));
    }

    private Object join(Call call) {
        JoinRequest request = call.body(JoinRequest.class);
        new Checks().required("/token", request.token()).maxLength("/token", request.token(), MAX_TOKEN)
                .name("/name", request.name(), "a node name").required("/capabilities", request.capabilities()).throwIfAny();
        checkCapabilities("/capabilities", request.capabilities());
        joinLimiter.acquire(call.ip(), "node-join");
        JoinToken token = call.session().nodes().findJoinTokenForUpdate(OpaqueTokens.hash(request.token())).orElse(null);
        String refusal = token == null ? "The join token is not valid. Ask a server admin for a new one ('roost node token create')."
                : token.revokedAt() != null ? "The join token was revoked. Ask a server admin for a new one."
                : !call.now().isBefore(token.expiresAt()) ? "The join token has expired. Ask a server admin for a new one."
                : token.usedUp() ? "The join token was used up (" + token.uses() + " joins). Ask a server admin for a new one."
                : null;
        if (refusal != null) {
            log.info("Refused a node join for '{}' from {}: {}", request.name(), call.ip(), refusal);
            throw new RoostException(ErrorCode.JOIN_TOKEN_INVALID, refusal);
        }
        call.session().nodes().countJoinTokenUse(token.id());
        Node node = call.session().nodes().insert(UUID.randomUUID(), request.name(), Json.encodeToString(request.capabilities()),
                Json.encodeToString(Config.DEFAULT), token.id(), call.now());
        NodeCredentials credentials = issuer.issue(call.session(), node);
        call.audit("node.join", "node", node.id().toString(), Map.of("name", node.name(), "joinToken", token.id().toString()));
        return Reply.created(credentials);
    }

    private Object renew(Call call) {
        RenewRequest request = call.body(RenewRequest.class);
        new Checks().required("/refreshCredential", request.refreshCredential())
                .maxLength("/refreshCredential", request.refreshCredential(), MAX_TOKEN).throwIfAny();
        NodeCredentialIssuer.Rotation rotation = issuer.rotate(call.session(), request.refreshCredential());
        if (rotation.refusal() != null) {
            if (rotation.refusal().code() == ErrorCode.REFRESH_TOKEN_REUSED) {
                log.warn("Node refresh credential reuse for node {}; its credentials were revoked", rotation.nodeId());
                call.audit("node.credential-reused", "node", String.valueOf(rotation.nodeId()),
                        Map.of("effect", "all node credentials revoked"));
            }
            return Reply.problem(rotation.refusal());
        }
        return rotation.credentials();
    }

    private Object heartbeat(Call call) {
        UUID nodeId = call.principal().nodeId();
        Heartbeat beat = call.bodyOr(Heartbeat.class, new Heartbeat(null, null, null));
        Checks checks = new Checks();
        if (beat.load() != null) {
            Load load = beat.load();
            checks.that(load.loadAverage() == null || load.loadAverage() >= 0, "/load/loadAverage", "must not be negative")
                    .that(load.freeMemoryBytes() == null || load.freeMemoryBytes() >= 0, "/load/freeMemoryBytes",
                            "must not be negative")
                    .that(load.freeDiskBytes() == null || load.freeDiskBytes() >= 0, "/load/freeDiskBytes", "must not be negative")
                    .that(load.runningJobs() == null || load.runningJobs() >= 0, "/load/runningJobs", "must not be negative");
        }
        checks.throwIfAny();
        if (beat.capabilities() != null) {
            checkCapabilities("/capabilities", beat.capabilities());
        }
        Node before = call.session().nodes().find(nodeId).orElseThrow(() -> RoostException.notFound("Node " + nodeId));
        if (beat.appliedConfigVersion() != null
                && (beat.appliedConfigVersion() < 0 || beat.appliedConfigVersion() > before.configVersion())) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "appliedConfigVersion names a config version the server never sent.",
                    List.of(new dev.roost.core.error.FieldError("/appliedConfigVersion",
                            "must be between 0 and " + before.configVersion())));
        }
        boolean capabilitiesChanged = beat.capabilities() != null
                && !beat.capabilities().equals(NodeDocuments.capabilities(before));
        Node after = call.session().nodes().heartbeat(nodeId, call.now(),
                Json.encodeToString(beat.load() == null ? Load.NONE : beat.load()),
                capabilitiesChanged ? Json.encodeToString(beat.capabilities()) : null, beat.appliedConfigVersion());
        if (capabilitiesChanged) {
            call.audit("node.capabilities", "node", nodeId.toString(), Map.of("name", after.name()));
        }
        if (after.appliedVersion() != before.appliedVersion()) {
            call.audit("node.config-applied", "node", nodeId.toString(),
                    Map.of("name", after.name(), "version", after.appliedVersion()));
        }
        if (before.state() != after.state()) {
            call.audit("node.state", "node", nodeId.toString(),
                    Map.of("name", after.name(), "from", before.state().name(), "to", after.state().name()));
        }
        return new HeartbeatAnswer(after.id(), after.state(), after.scheduling(), after.configVersion(),
                NodeDocuments.config(after), heartbeatInterval.toSeconds());
    }

    private Object list(Call call) {
        return call.session().nodes().list().stream().map(NodeView::of).toList();
    }

    private Object describe(Call call) {
        return NodeView.of(node(call));
    }

    private Object putConfig(Call call) {
        Node node = node(call);
        Config config = call.body(Config.class);
        Checks checks = new Checks()
                .required("/concurrency", config.concurrency())
                .that(config.concurrency() == null || config.concurrency() >= 0 && config.concurrency() <= 1024, "/concurrency",
                        "must be between 0 and 1024")
                .maxLength("/gatewayUrl", config.gatewayUrl(), 2048)
                .that(config.gatewayUrl() == null || config.gatewayUrl().startsWith("http://")
                        || config.gatewayUrl().startsWith("https://"), "/gatewayUrl", "must be an http or https URL")
                .that(config.egressAllow() == null || config.egressAllow().size() <= 256, "/egressAllow",
                        "must list at most 256 domains");
        if (config.egressAllow() != null) {
            for (int i = 0; i < config.egressAllow().size(); i++) {
                String domain = config.egressAllow().get(i);
                checks.that(domain != null && domain.matches("^(\\*\\.)?[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"),
                        "/egressAllow/" + i, "must be a lower-case domain name, optionally starting with *.");
            }
        }
        if (config.sandbox() != null) {
            var s = config.sandbox();
            checks.that(s.timeoutSeconds() == null || s.timeoutSeconds() >= 1, "/sandbox/timeoutSeconds", "must be at least 1")
                    .that(s.cpuMillis() == null || s.cpuMillis() >= 1, "/sandbox/cpuMillis", "must be at least 1")
                    .that(s.memoryBytes() == null || s.memoryBytes() >= 1 << 20, "/sandbox/memoryBytes", "must be at least 1 MiB")
                    .that(s.pids() == null || s.pids() >= 1, "/sandbox/pids", "must be at least 1");
        }
        checks.throwIfAny();
        Config stored = new Config(config.concurrency(), config.sandbox(), config.gatewayUrl(),
                config.egressAllow() == null ? List.of() : config.egressAllow());
        long version = call.session().nodes().replaceConfig(node.id(), Json.encodeToString(stored));
        call.audit("node.config", "node", node.id().toString(), Map.of("name", node.name(), "version", version));
        return NodeView.of(call.session().nodes().find(node.id()).orElseThrow());
    }

    private Object schedule(Call call, NodeScheduling scheduling) {
        Node node = node(call);
        if (node.scheduling() != scheduling) {
            call.session().nodes().setScheduling(node.id(), scheduling);
            call.audit("node." + switch (scheduling) {
                case SCHEDULABLE -> "uncordon";
                case CORDONED -> "cordon";
                case DRAINING -> "drain";
            }, "node", node.id().toString(), Map.of("name", node.name(), "from", node.scheduling().name()));
        }
        return NodeView.of(call.session().nodes().find(node.id()).orElseThrow());
    }

    private Object drain(Call call) {
        NodeDocuments.DrainRequest request = call.bodyOr(NodeDocuments.DrainRequest.class, new NodeDocuments.DrainRequest(null));
        Node node = node(call);
        schedule(call, NodeScheduling.DRAINING);
        int handedBack = 0;
        if (Boolean.TRUE.equals(request.requeue())) {
            handedBack = call.session().jobs().handBack(node.id().toString(), call.now()).size();
            if (handedBack > 0) {
                call.audit("node.hand-back", "node", node.id().toString(), Map.of("name", node.name(), "tasks", handedBack));
            }
        }
        return new NodeDocuments.DrainAnswer(NodeView.of(call.session().nodes().find(node.id()).orElseThrow()),
                call.session().jobs().countLeasedBy(node.id().toString()), handedBack);
    }

    private Object remove(Call call) {
        Node node = node(call);
        call.session().nodes().remove(node.id(), call.now());
        call.audit("node.remove", "node", node.id().toString(), Map.of("name", node.name(), "credentials", "revoked"));
        return null;
    }

    private static Node node(Call call) {
        UUID id = JoinTokenRoutes.parseId(call.path("id"), "Node");
        return call.session().nodes().find(id).orElseThrow(() -> RoostException.notFound("Node " + id));
    }

    private static void checkCapabilities(String at, Capabilities c) {
        Checks checks = new Checks()
                .that(c.cpus() == null || c.cpus() >= 1 && c.cpus() <= 100_000, at + "/cpus", "must be between 1 and 100000")
                .that(c.memoryBytes() == null || c.memoryBytes() >= 0, at + "/memoryBytes", "must not be negative")
                .that(c.diskBytes() == null || c.diskBytes() >= 0, at + "/diskBytes", "must not be negative")
                .maxLength(at + "/os", c.os(), 64)
                .maxLength(at + "/arch", c.arch(), 64)
                .that(c.gpus() == null || c.gpus().size() <= 64, at + "/gpus", "must list at most 64 GPUs")
                .that(c.sandboxes() == null || c.sandboxes().size() <= 16, at + "/sandboxes", "must list at most 16 kinds")
                .that(c.labels() == null || c.labels().size() <= 64, at + "/labels", "must hold at most 64 labels");
        if (c.sandboxes() != null) {
            for (int i = 0; i < c.sandboxes().size(); i++) {
                var kind = c.sandboxes().get(i);
                checks.that(kind != null && kind.kind() != null && kind.kind().matches("^[a-z0-9-]{1,32}$"),
                        at + "/sandboxes/" + i + "/kind", "must be a short lower-case name such as bubblewrap");
                if (kind != null) {
                    checks.maxLength(at + "/sandboxes/" + i + "/version", kind.version(), 64);
                }
            }
        }
        if (c.gpus() != null) {
            for (int i = 0; i < c.gpus().size(); i++) {
                var gpu = c.gpus().get(i);
                checks.that(gpu != null, at + "/gpus/" + i, "must not be null");
                if (gpu != null) {
                    checks.maxLength(at + "/gpus/" + i + "/vendor", gpu.vendor(), 64)
                            .maxLength(at + "/gpus/" + i + "/model", gpu.model(), 128);
                }
            }
        }
        if (c.labels() != null) {
            c.labels().forEach((key, value) -> checks
                    .that(LABEL_KEY.matcher(key).matches(), at + "/labels/" + key, "label keys are letters, digits, . _ / -")
                    .that(value != null && value.length() <= 128, at + "/labels/" + key, "must be at most 128 characters"));
        }
        checks.throwIfAny();
    }
}
