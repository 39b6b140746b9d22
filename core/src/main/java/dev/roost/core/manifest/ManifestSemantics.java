package dev.roost.core.manifest;

import dev.roost.core.error.FieldError;
import dev.roost.core.secret.SecretReference;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Checks a bound manifest for what the JSON Schema cannot express: cross-field rules,
 * duplicates, references between sections. Pointers address the manifest as submitted
 * (list indices are preserved by binding).
 */
final class ManifestSemantics {
    private static final List<String> RESERVED_PATHS = List.of("/proc", "/sys", "/dev");

    private final AgentManifest manifest;
    private final List<FieldError> errors;
    private final boolean explicitHealthTimeout;

    private ManifestSemantics(AgentManifest manifest, List<FieldError> errors, boolean explicitHealthTimeout) {
        this.manifest = manifest;
        this.errors = errors;
        this.explicitHealthTimeout = explicitHealthTimeout;
    }

    /**
     * @param body the manifest as submitted, consulted only to point at fields the user wrote
     *     rather than at defaults
     */
    static void check(AgentManifest manifest, JsonNode body, List<FieldError> errors) {
        new ManifestSemantics(manifest, errors, body.at("/spec/health/timeoutSeconds").isNumber()).checkAll();
    }

    private void checkAll() {
        Spec spec = manifest.spec();
        checkEnvironment(spec);
        checkNetwork(spec.network());
        checkChannels(spec);
        checkHealthAndMetrics(spec);
        checkSkills(spec.skills());
        checkModel(spec.model());
        checkVolumes(spec.volumes());
    }

    private void checkEnvironment(Spec spec) {
        Map<String, String> env = spec.runtime().env();
        for (Map.Entry<String, String> entry : env.entrySet()) {
            String value = entry.getValue();
            if (SecretReference.looksLikeReference(value) && SecretReference.parse(value).isEmpty()) {
                error(Pointers.child("/spec/runtime/env", entry.getKey()),
                        "a value starting with secret: must be secret:NAME, where NAME is 1 to 63 lowercase letters, digits, '-', '_' or '.'");
            }
        }
        Set<String> envNames = new HashSet<>(env.keySet());
        Set<String> files = new HashSet<>();
        List<SecretMount> secrets = spec.secrets();
        for (int i = 0; i < secrets.size(); i++) {
            String pointer = Pointers.index("/spec/secrets", i);
            switch (secrets.get(i).target()) {
                case SecretMount.AsEnv asEnv -> {
                    if (asEnv.name().isEmpty()) {
                        continue; // reported by the binder
                    }
                    if (!envNames.add(asEnv.name())) {
                        error(pointer + "/env", env.containsKey(asEnv.name())
                                ? "is also set in spec.runtime.env; set each environment variable in one place"
                                : "is set by another entry of spec.secrets; each environment variable may be set once");
                    }
                }
                case SecretMount.AsFile asFile -> {
                    checkPath(pointer + "/file", asFile.path());
                    if (!files.add(asFile.path())) {
                        error(pointer + "/file", "is used by another entry of spec.secrets; each file may be injected once");
                    }
                }
            }
        }
    }

    private void checkNetwork(Network network) {
        if (!network.egressAllow().isEmpty() && network.egress() != Network.Egress.RESTRICTED) {
            error("/spec/network/egressAllow",
                    "is only used when egress is RESTRICTED; set spec.network.egress to RESTRICTED or remove this list");
        }
        if (network.egress() == Network.Egress.RESTRICTED && network.egressAllow().isEmpty()) {
            error("/spec/network/egress",
                    "RESTRICTED needs the allowed hosts in spec.network.egressAllow; list them, or use GATEWAY_ONLY");
        }
        Set<String> names = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        List<Network.Port> ports = network.ports();
        for (int i = 0; i < ports.size(); i++) {
            Network.Port port = ports.get(i);
            String pointer = Pointers.index("/spec/network/ports", i);
            if (!names.add(port.name())) {
                error(pointer + "/name", "another port has the same name; port names must be unique");
            }
            if (!numbers.add(port.port())) {
                error(pointer + "/port", "another port has the same number; each port may be declared once");
            }
        }
        if (network.inbound() == Network.Inbound.WEBHOOK && ports.isEmpty()) {
            error("/spec/network/inbound", "WEBHOOK needs a port to deliver to; declare one in spec.network.ports");
        }
    }

    private void checkChannels(Spec spec) {
        Channels channels = spec.channels();
        boolean inbound = spec.network().inbound() == Network.Inbound.WEBHOOK;
        channels.telegram().ifPresent(telegram -> {
            if (telegram.mode() == Channels.Telegram.Mode.WEBHOOK && !inbound) {
                error("/spec/channels/telegram/mode", "WEBHOOK mode needs spec.network.inbound: WEBHOOK");
            }
            if (telegram.mode() == Channels.Telegram.Mode.POLLING && spec.runtime().replicas() > 1) {
                error("/spec/runtime/replicas",
                        "a Telegram bot in POLLING mode must run as one replica (Telegram allows one poller per token); "
                                + "set replicas to 1 or use mode WEBHOOK");
            }
        });
        channels.slack().ifPresent(slack -> {
            if (slack.signingSecret().isEmpty() && slack.appToken().isEmpty()) {
                error("/spec/channels/slack",
                        "set appToken (socket mode) or signingSecret (Events API, needs spec.network.inbound: WEBHOOK)");
            } else if (slack.receivesEvents() && !inbound) {
                error("/spec/channels/slack",
                        "without appToken Slack sends events over HTTP, which needs spec.network.inbound: WEBHOOK; "
                                + "set appToken for socket mode or enable inbound webhooks");
            }
        });
        channels.webhook().ifPresent(webhook -> {
            if (!inbound) {
                error("/spec/channels/webhook", "a webhook channel needs spec.network.inbound: WEBHOOK");
            }
            webhook.port().ifPresent(port -> checkPortRef("/spec/channels/webhook/port", port));
        });
    }

    private void checkHealthAndMetrics(Spec spec) {
        spec.health().ifPresent(health -> {
            if (health.probe() instanceof Health.Http http) {
                checkPortRef("/spec/health/http/port", http.port());
            }
            if (health.timeoutSeconds() > health.periodSeconds()) {
                // point at whichever of the two the manifest spelled out (one of them was)
                if (explicitHealthTimeout) {
                    error("/spec/health/timeoutSeconds", "must not be longer than periodSeconds");
                } else {
                    error("/spec/health/periodSeconds", "must not be shorter than timeoutSeconds (default "
                            + Health.DEFAULT_TIMEOUT_SECONDS + ")");
                }
            }
        });
        spec.observability().metrics().ifPresent(metrics -> checkPortRef("/spec/observability/metrics/port", metrics.port()));
    }

    private void checkPortRef(String pointer, PortRef ref) {
        if (ref instanceof PortRef.ByName byName && declaredPort(byName.name()).isEmpty()) {
            error(pointer, "names a port that is not declared in spec.network.ports; declare it there or give a port number");
        }
    }

    private Optional<Network.Port> declaredPort(String name) {
        return manifest.spec().network().ports().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private void checkSkills(Skills skills) {
        if (skills.mode() == Skills.Mode.NONE && !skills.allowlist().isEmpty()) {
            error("/spec/skills/allowlist", "must be empty when mode is NONE; remove it or set mode to ALLOWLIST");
        }
    }

    private void checkModel(ModelAccess model) {
        model.monthlyBudgetUsd().ifPresent(budget -> {
            if (budget.scale() > 2) {
                error("/spec/model/monthlyBudgetUsd", "must be in whole cents (at most two decimals)");
            }
        });
        model.defaultModel().ifPresent(defaultModel -> {
            if (defaultModel.contains("*")) {
                error("/spec/model/defaultModel", "must name one model, not a pattern");
            } else if (!model.allowedModels().contains(defaultModel)) {
                error("/spec/model/defaultModel", "is not in spec.model.allowedModels; add it there or pick an allowed model");
            }
        });
    }

    private void checkVolumes(List<Volume> volumes) {
        Set<String> names = new HashSet<>();
        Map<String, Integer> mountPaths = new HashMap<>();
        for (int i = 0; i < volumes.size(); i++) {
            Volume volume = volumes.get(i);
            String pointer = Pointers.index("/spec/volumes", i);
            if (!names.add(volume.name())) {
                error(pointer + "/name", "another volume has the same name; volume names must be unique");
            }
            checkPath(pointer + "/mountPath", volume.mountPath());
            if (volume.mountPath().equals("/")) {
                error(pointer + "/mountPath", "must not be / (the whole file system); mount the volume at a directory such as /data");
            }
            if (mountPaths.putIfAbsent(volume.mountPath(), i) != null) {
                error(pointer + "/mountPath", "another volume is mounted at the same path");
            }
            if (volume.sizeBytes() <= 0) {
                error(pointer + "/size", "must be larger than 0");
            }
        }
    }

    private void checkPath(String pointer, String path) {
        if (path.contains("//") || (path.length() > 1 && path.endsWith("/"))) {
            error(pointer, "must be a clean absolute path without '//' or a trailing '/'");
            return;
        }
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                error(pointer, "must not contain '.' or '..' segments");
                return;
            }
        }
        for (String reserved : RESERVED_PATHS) {
            if (path.equals(reserved) || path.startsWith(reserved + "/")) {
                error(pointer, "must not be under " + reserved + ", which the runtime manages");
                return;
            }
        }
    }

    private void error(String pointer, String message) {
        errors.add(new FieldError(pointer, message));
    }
}
