package dev.roost.core.manifest;

import dev.roost.core.workspace.ResourceQuantity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The canonical JSON form of a manifest: every default written out, object keys sorted,
 * no nulls, empty lists and maps and absent optional sections left out, quantities in one
 * notation (CPU as {@code 500m} or whole cores, memory in the largest exact binary unit).
 * Two manifests that mean the same have the same canonical form and therefore the same
 * SHA-256, whatever their formatting, key order, syntax (YAML or JSON), or whether
 * defaults were spelled out. List order is kept: it is meaningful (e.g. {@code command})
 * and keeps pointers into the canonical form equal to pointers into the submitted manifest.
 */
public final class CanonicalForm {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private CanonicalForm() {
    }

    /** The canonical tree, keys sorted at every level. A fresh tree the caller may change. */
    public static ObjectNode tree(AgentManifest manifest) {
        return (ObjectNode) sorted(unsortedTree(manifest));
    }

    /** Compact canonical JSON text. */
    public static String json(AgentManifest manifest) {
        return ManifestFormats.toJson(tree(manifest));
    }

    /** Lowercase hex SHA-256 of the UTF-8 bytes of {@code canonicalJson}. */
    public static String sha256(String canonicalJson) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(canonicalJson.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * A memory amount in its shortest exact notation: a binary unit ({@code 1Gi}), a decimal
     * unit ({@code 512M}) or plain bytes; binary wins a tie.
     */
    public static String formatMemory(long bytes) {
        String binary = ResourceQuantity.formatMemory(bytes);
        String decimal = Long.toString(bytes);
        String[] units = {"T", "G", "M", "k"};
        long[] sizes = {1_000_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        for (int i = 0; i < units.length; i++) {
            if (bytes >= sizes[i] && bytes % sizes[i] == 0) {
                decimal = (bytes / sizes[i]) + units[i];
                break;
            }
        }
        return decimal.length() < binary.length() ? decimal : binary;
    }

    /** A copy of {@code node} with object keys sorted at every level. */
    public static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> entries = new TreeMap<>();
            node.properties().forEach(entry -> entries.put(entry.getKey(), entry.getValue()));
            ObjectNode result = NODES.objectNode();
            entries.forEach((key, value) -> result.set(key, sorted(value)));
            return result;
        }
        if (node.isArray()) {
            ArrayNode result = NODES.arrayNode();
            node.forEach(item -> result.add(sorted(item)));
            return result;
        }
        return node.deepCopy();
    }

    private static ObjectNode unsortedTree(AgentManifest manifest) {
        ObjectNode root = NODES.objectNode();
        root.put("apiVersion", AgentManifest.API_VERSION);
        root.put("kind", AgentManifest.KIND);
        root.set("metadata", metadata(manifest.metadata()));
        root.set("spec", spec(manifest.spec()));
        return root;
    }

    private static ObjectNode metadata(Metadata metadata) {
        ObjectNode node = NODES.objectNode();
        node.put("name", metadata.name());
        node.put("workspace", metadata.workspace());
        node.put("environment", metadata.environment().wire());
        putIfNotEmpty(node, "labels", stringMap(metadata.labels()));
        putIfNotEmpty(node, "annotations", stringMap(metadata.annotations()));
        return node;
    }

    private static ObjectNode spec(Spec spec) {
        ObjectNode node = NODES.objectNode();
        spec.template().ifPresent(template -> node.put("template", template));
        node.set("runtime", runtime(spec.runtime()));
        ArrayNode secrets = NODES.arrayNode();
        for (SecretMount mount : spec.secrets()) {
            ObjectNode item = NODES.objectNode();
            item.put("secretRef", mount.secret().name());
            switch (mount.target()) {
                case SecretMount.AsEnv env -> item.put("env", env.name());
                case SecretMount.AsFile file -> item.put("file", file.path());
            }
            secrets.add(item);
        }
        putIfNotEmpty(node, "secrets", secrets);
        putIfNotEmpty(node, "channels", channels(spec.channels()));
        ObjectNode skills = NODES.objectNode();
        skills.put("mode", spec.skills().mode().wire());
        putIfNotEmpty(skills, "allowlist", strings(spec.skills().allowlist()));
        node.set("skills", skills);
        putIfNotEmpty(node, "model", model(spec.model()));
        node.set("network", network(spec.network()));
        spec.health().ifPresent(health -> node.set("health", health(health)));
        ArrayNode volumes = NODES.arrayNode();
        for (Volume volume : spec.volumes()) {
            ObjectNode item = NODES.objectNode();
            item.put("name", volume.name());
            item.put("mountPath", volume.mountPath());
            item.put("size", formatMemory(volume.sizeBytes()));
            volumes.add(item);
        }
        putIfNotEmpty(node, "volumes", volumes);
        ObjectNode observability = NODES.objectNode();
        observability.put("logLevel", spec.observability().logLevel().wire());
        spec.observability().metrics().ifPresent(metrics -> {
            ObjectNode m = NODES.objectNode();
            m.set("port", portRef(metrics.port()));
            m.put("path", metrics.path());
            observability.set("metrics", m);
        });
        node.set("observability", observability);
        ObjectNode lifecycle = NODES.objectNode();
        lifecycle.put("selfHeal", spec.lifecycle().selfHeal());
        lifecycle.put("rolloutDeadlineSeconds", spec.lifecycle().rolloutDeadlineSeconds());
        node.set("lifecycle", lifecycle);
        ObjectNode policies = NODES.objectNode();
        putIfNotEmpty(policies, "allowUnsafe", strings(spec.policies().allowUnsafe()));
        putIfNotEmpty(node, "policies", policies);
        return node;
    }

    private static ObjectNode runtime(RuntimeSpec runtime) {
        ObjectNode node = NODES.objectNode();
        runtime.kind().ifPresent(kind -> node.put("kind", kind.wire()));
        node.put("image", runtime.image());
        node.put("imagePullPolicy", runtime.imagePullPolicy().wire());
        putIfNotEmpty(node, "command", strings(runtime.command()));
        runtime.cpuMillis().ifPresent(cpu -> node.put("cpu", ResourceQuantity.formatCpu(cpu)));
        runtime.memoryBytes().ifPresent(memory -> node.put("memory", formatMemory(memory)));
        node.put("replicas", runtime.replicas());
        putIfNotEmpty(node, "env", stringMap(runtime.env()));
        return node;
    }

    private static ObjectNode channels(Channels channels) {
        ObjectNode node = NODES.objectNode();
        channels.telegram().ifPresent(telegram -> {
            ObjectNode t = NODES.objectNode();
            t.put("botToken", telegram.botToken().toString());
            t.put("mode", telegram.mode().wire());
            node.set("telegram", t);
        });
        channels.slack().ifPresent(slack -> {
            ObjectNode s = NODES.objectNode();
            s.put("botToken", slack.botToken().toString());
            slack.signingSecret().ifPresent(secret -> s.put("signingSecret", secret.toString()));
            slack.appToken().ifPresent(secret -> s.put("appToken", secret.toString()));
            node.set("slack", s);
        });
        channels.webhook().ifPresent(webhook -> {
            ObjectNode w = NODES.objectNode();
            w.put("path", webhook.path());
            w.put("signingSecret", webhook.signingSecret().toString());
            webhook.port().ifPresent(port -> w.set("port", portRef(port)));
            node.set("webhook", w);
        });
        return node;
    }

    private static ObjectNode model(ModelAccess model) {
        ObjectNode node = NODES.objectNode();
        model.defaultModel().ifPresent(name -> node.put("defaultModel", name));
        putIfNotEmpty(node, "allowedModels", strings(model.allowedModels()));
        model.monthlyBudgetUsd().ifPresent(budget -> node.set("monthlyBudgetUsd", NODES.numberNode(budget)));
        return node;
    }

    private static ObjectNode network(Network network) {
        ObjectNode node = NODES.objectNode();
        node.put("inbound", network.inbound().wire());
        node.put("egress", network.egress().wire());
        putIfNotEmpty(node, "egressAllow", strings(network.egressAllow()));
        ArrayNode ports = NODES.arrayNode();
        for (Network.Port port : network.ports()) {
            ObjectNode item = NODES.objectNode();
            item.put("name", port.name());
            item.put("port", port.port());
            item.put("exposure", port.exposure().wire());
            item.put("admin", port.admin());
            ports.add(item);
        }
        putIfNotEmpty(node, "ports", ports);
        return node;
    }

    private static ObjectNode health(Health health) {
        ObjectNode node = NODES.objectNode();
        switch (health.probe()) {
            case Health.Http http -> {
                ObjectNode h = NODES.objectNode();
                h.put("path", http.path());
                h.set("port", portRef(http.port()));
                node.set("http", h);
            }
            case Health.Command command -> node.set("command", strings(command.command()));
        }
        node.put("initialDelaySeconds", health.initialDelaySeconds());
        node.put("periodSeconds", health.periodSeconds());
        node.put("timeoutSeconds", health.timeoutSeconds());
        node.put("failureThreshold", health.failureThreshold());
        return node;
    }

    private static JsonNode portRef(PortRef port) {
        return switch (port) {
            case PortRef.ByNumber number -> NODES.numberNode(number.port());
            case PortRef.ByName name -> NODES.stringNode(name.name());
        };
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode node = NODES.arrayNode();
        values.forEach(node::add);
        return node;
    }

    private static ObjectNode stringMap(Map<String, String> values) {
        ObjectNode node = NODES.objectNode();
        new ArrayList<>(values.entrySet()).forEach(entry -> node.put(entry.getKey(), entry.getValue()));
        return node;
    }

    private static void putIfNotEmpty(ObjectNode parent, String key, JsonNode child) {
        if (!(child.isContainer() && child.isEmpty())) {
            parent.set(key, child);
        }
    }
}
