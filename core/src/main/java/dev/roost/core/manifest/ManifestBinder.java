package dev.roost.core.manifest;

import dev.roost.core.error.FieldError;
import dev.roost.core.secret.SecretReference;
import dev.roost.core.workspace.ResourceQuantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;

/**
 * Turns a tree that passed the JSON Schema into an {@link AgentManifest}, filling in
 * defaults. Quantities that the schema cannot fully judge (CPU, memory, sizes) are parsed
 * here; their problems are added to {@code errors}.
 */
final class ManifestBinder {
    private final List<FieldError> errors;

    private ManifestBinder(List<FieldError> errors) {
        this.errors = errors;
    }

    static AgentManifest bind(JsonNode root, List<FieldError> errors) {
        return new ManifestBinder(errors).manifest(root);
    }

    private AgentManifest manifest(JsonNode root) {
        return new AgentManifest(metadata(root.path("metadata")), spec(root.path("spec")));
    }

    private Metadata metadata(JsonNode node) {
        return new Metadata(
                node.path("name").stringValue(),
                node.path("workspace").stringValue(),
                wire(Environment.class, node.path("environment"), Environment.DEV),
                stringMap(node.path("labels")),
                stringMap(node.path("annotations")));
    }

    private Spec spec(JsonNode node) {
        return new Spec(
                optionalText(node.path("template")),
                runtime(node.path("runtime")),
                secrets(node.path("secrets")),
                channels(node.path("channels")),
                skills(node.path("skills")),
                model(node.path("model")),
                network(node.path("network")),
                node.has("health") ? Optional.of(health(node.path("health"))) : Optional.empty(),
                volumes(node.path("volumes")),
                observability(node.path("observability")),
                lifecycle(node.path("lifecycle")),
                new Policies(strings(node.path("policies").path("allowUnsafe"))));
    }

    private RuntimeSpec runtime(JsonNode node) {
        return new RuntimeSpec(
                node.path("kind").isMissingNode() ? Optional.empty()
                        : Optional.of(wire(RuntimeSpec.Kind.class, node.path("kind"), RuntimeSpec.Kind.DOCKER)),
                node.path("image").stringValue(),
                wire(RuntimeSpec.PullPolicy.class, node.path("imagePullPolicy"), RuntimeSpec.PullPolicy.IF_NOT_PRESENT),
                strings(node.path("command")),
                cpu(node.path("cpu"), "/spec/runtime/cpu"),
                memory(node.path("memory"), "/spec/runtime/memory"),
                node.path("replicas").isMissingNode() ? RuntimeSpec.DEFAULT_REPLICAS : node.path("replicas").intValue(),
                stringMap(node.path("env")));
    }

    private OptionalLong cpu(JsonNode node, String pointer) {
        if (node.isMissingNode()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(ResourceQuantity.parseCpuMillis(scalarText(node)));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(pointer, e.getMessage()));
            return OptionalLong.empty();
        }
    }

    private OptionalLong memory(JsonNode node, String pointer) {
        if (node.isMissingNode()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(ResourceQuantity.parseMemoryBytes(scalarText(node)));
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(pointer, e.getMessage()));
            return OptionalLong.empty();
        }
    }

    private List<SecretMount> secrets(JsonNode node) {
        List<SecretMount> result = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            SecretReference secret = new SecretReference(item.path("secretRef").stringValue());
            SecretMount.Target target;
            if (item.has("env") == item.has("file")) {
                errors.add(new FieldError(Pointers.index("/spec/secrets", i),
                        "set exactly one of env (inject as an environment variable) or file (inject as a file)"));
                target = new SecretMount.AsEnv("");
            } else if (item.has("env")) {
                target = new SecretMount.AsEnv(item.path("env").stringValue());
            } else {
                target = new SecretMount.AsFile(item.path("file").stringValue());
            }
            result.add(new SecretMount(secret, target));
        }
        return result;
    }

    private Channels channels(JsonNode node) {
        Optional<Channels.Telegram> telegram = Optional.empty();
        Optional<Channels.Slack> slack = Optional.empty();
        Optional<Channels.Webhook> webhook = Optional.empty();
        if (node.has("telegram")) {
            JsonNode t = node.path("telegram");
            telegram = Optional.of(new Channels.Telegram(
                    secretRef(t.path("botToken")),
                    wire(Channels.Telegram.Mode.class, t.path("mode"), Channels.Telegram.Mode.POLLING)));
        }
        if (node.has("slack")) {
            JsonNode s = node.path("slack");
            slack = Optional.of(new Channels.Slack(
                    secretRef(s.path("botToken")),
                    s.has("signingSecret") ? Optional.of(secretRef(s.path("signingSecret"))) : Optional.empty(),
                    s.has("appToken") ? Optional.of(secretRef(s.path("appToken"))) : Optional.empty()));
        }
        if (node.has("webhook")) {
            JsonNode w = node.path("webhook");
            webhook = Optional.of(new Channels.Webhook(
                    w.path("path").stringValue(),
                    secretRef(w.path("signingSecret")),
                    w.has("port") ? Optional.of(portRef(w.path("port"))) : Optional.empty()));
        }
        return new Channels(telegram, slack, webhook);
    }

    private Skills skills(JsonNode node) {
        return new Skills(wire(Skills.Mode.class, node.path("mode"), Skills.Mode.ALLOWLIST), strings(node.path("allowlist")));
    }

    private ModelAccess model(JsonNode node) {
        Optional<String> defaultModel = optionalText(node.path("defaultModel"));
        List<String> allowed = strings(node.path("allowedModels"));
        if (allowed.isEmpty() && defaultModel.isPresent()) {
            allowed = List.of(defaultModel.get());
        }
        Optional<BigDecimal> budget = node.path("monthlyBudgetUsd").isNumber()
                ? Optional.of(normalized(node.path("monthlyBudgetUsd").decimalValue()))
                : Optional.empty();
        return new ModelAccess(defaultModel, allowed, budget);
    }

    private Network network(JsonNode node) {
        List<Network.Port> ports = new ArrayList<>();
        JsonNode portsNode = node.path("ports");
        for (int i = 0; i < portsNode.size(); i++) {
            JsonNode p = portsNode.get(i);
            ports.add(new Network.Port(
                    p.path("name").stringValue(),
                    p.path("port").intValue(),
                    wire(Network.Exposure.class, p.path("exposure"), Network.Exposure.PRIVATE),
                    p.path("admin").booleanValue(false)));
        }
        return new Network(
                wire(Network.Inbound.class, node.path("inbound"), Network.Inbound.NONE),
                wire(Network.Egress.class, node.path("egress"), Network.Egress.GATEWAY_ONLY),
                strings(node.path("egressAllow")),
                ports);
    }

    private Health health(JsonNode node) {
        Health.Probe probe;
        if (node.has("http") == node.has("command")) {
            errors.add(new FieldError("/spec/health",
                    "set exactly one of http (an HTTP check) or command (a command that must exit 0)"));
            probe = new Health.Command(List.of());
        } else if (node.has("http")) {
            JsonNode http = node.path("http");
            probe = new Health.Http(http.path("path").stringValue(), portRef(http.path("port")));
        } else {
            probe = new Health.Command(strings(node.path("command")));
        }
        return new Health(
                probe,
                intOr(node.path("initialDelaySeconds"), Health.DEFAULT_INITIAL_DELAY_SECONDS),
                intOr(node.path("periodSeconds"), Health.DEFAULT_PERIOD_SECONDS),
                intOr(node.path("timeoutSeconds"), Health.DEFAULT_TIMEOUT_SECONDS),
                intOr(node.path("failureThreshold"), Health.DEFAULT_FAILURE_THRESHOLD));
    }

    private List<Volume> volumes(JsonNode node) {
        List<Volume> result = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode v = node.get(i);
            String pointer = Pointers.index("/spec/volumes", i) + "/size";
            OptionalLong size = memory(v.path("size"), pointer);
            result.add(new Volume(v.path("name").stringValue(), v.path("mountPath").stringValue(),
                    size.orElse(Volume.DEFAULT_SIZE_BYTES)));
        }
        return result;
    }

    private Observability observability(JsonNode node) {
        Optional<Observability.Metrics> metrics = Optional.empty();
        if (node.has("metrics")) {
            JsonNode m = node.path("metrics");
            metrics = Optional.of(new Observability.Metrics(
                    portRef(m.path("port")),
                    m.has("path") ? m.path("path").stringValue() : Observability.Metrics.DEFAULT_PATH));
        }
        return new Observability(wire(Observability.LogLevel.class, node.path("logLevel"), Observability.LogLevel.INFO), metrics);
    }

    private Lifecycle lifecycle(JsonNode node) {
        return new Lifecycle(
                node.path("selfHeal").booleanValue(Lifecycle.DEFAULT.selfHeal()),
                intOr(node.path("rolloutDeadlineSeconds"), Lifecycle.DEFAULT.rolloutDeadlineSeconds()));
    }

    private static PortRef portRef(JsonNode node) {
        return node.isNumber() ? new PortRef.ByNumber(node.intValue()) : new PortRef.ByName(node.stringValue());
    }

    private static SecretReference secretRef(JsonNode node) {
        return SecretReference.parse(node.stringValue())
                .orElseThrow(() -> new IllegalStateException("schema admitted a malformed secret reference"));
    }

    private static <E extends Enum<E> & WireValue> E wire(Class<E> type, JsonNode node, E fallback) {
        if (node.isMissingNode()) {
            return fallback;
        }
        return WireValue.fromWire(type, node.stringValue())
                .orElseThrow(() -> new IllegalStateException("schema admitted an unknown " + type.getSimpleName()));
    }

    private static int intOr(JsonNode node, int fallback) {
        return node.isMissingNode() ? fallback : node.intValue();
    }

    private static Optional<String> optionalText(JsonNode node) {
        return node.isString() ? Optional.of(node.stringValue()) : Optional.empty();
    }

    private static List<String> strings(JsonNode node) {
        List<String> result = new ArrayList<>();
        node.forEach(item -> result.add(item.stringValue()));
        return result;
    }

    /** Maps of scalars; numbers and booleans become their text (env values may be written unquoted). */
    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            result.put(entry.getKey(), scalarText(entry.getValue()));
        }
        return result;
    }

    static String scalarText(JsonNode node) {
        if (node.isNumber()) {
            return normalized(node.decimalValue()).toPlainString();
        }
        if (node.isBoolean()) {
            return Boolean.toString(node.booleanValue());
        }
        return node.stringValue();
    }

    static BigDecimal normalized(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
    }
}
