package dev.roost.server.runtime;

import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimesByKind;
import dev.roost.runtime.docker.DockerRuntime;
import dev.roost.runtime.docker.DockerSettings;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxRuntimeSettings;
import dev.roost.server.jails.NodeRuntime;
import dev.roost.server.jails.SandboxPlacement;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the runtime instances run on, from the {@code runtime} setting. */
public final class RuntimeSelection {
    private static final Logger log = LoggerFactory.getLogger(RuntimeSelection.class);

    private RuntimeSelection() {
    }

    /** As {@link #select(String, DockerSettings, SandboxRuntimeSettings, java.time.Clock)} with the sandbox's defaults under {@code ~/.roost}. */
    public static Optional<Runtime> select(String setting, DockerSettings docker, java.time.Clock clock) {
        return select(setting, docker, SandboxRuntimeSettings.defaults(java.nio.file.Path.of(System.getProperty("user.home"), ".roost")),
                clock);
    }

    /**
     * The runtime for {@code setting} (see {@code RoostConfig.RUNTIMES}); empty for {@code none},
     * and for {@code auto} when neither a Docker daemon answers nor bubblewrap jails work.
     * {@code docker} without a daemon and {@code sandbox} without working jails fail with a
     * message that says what to install or start. Real runtimes come wrapped in a
     * {@link RuntimesByKind}, so a manifest's {@code spec.runtime.kind} picks among them and a
     * kind the server lacks is refused with a clear reason rather than run elsewhere.
     */
    public static Optional<Runtime> select(String setting, DockerSettings docker, SandboxRuntimeSettings sandbox, java.time.Clock clock) {
        return switch (setting) {
            case "fake" -> {
                log.warn("Using the in-memory fake runtime: instances are simulated (any image \"pulls\"), nothing really runs");
                yield Optional.of(new FakeRuntime(clock).withAnyImagePullable());
            }
            case "nodes" -> {
                log.info("This server runs no instance itself (runtime=nodes): sandboxed instances run on joined nodes");
                yield Optional.empty();
            }
            case "none" -> {
                log.info("No runtime (runtime=none): manifests are stored and checked, nothing runs");
                yield Optional.empty();
            }
            case "docker" -> {
                DockerRuntime.DaemonStatus status = DockerRuntime.probeDaemon(docker);
                if (!status.answers()) {
                    throw new IllegalStateException("runtime=docker, but " + status.detail());
                }
                log.info("Instances run on {}", status.detail());
                yield Optional.of(byKind(Map.of(RuntimeSpec.Kind.DOCKER, DockerRuntime.connect(docker)), RuntimeSpec.Kind.DOCKER));
            }
            case "sandbox" -> {
                SandboxRuntime jails = new SandboxRuntime(sandbox);
                SandboxRuntime.Status status = jails.probe();
                if (!status.usable()) {
                    throw new IllegalStateException("runtime=sandbox, but " + status.detail());
                }
                log.info("Instances run in {}", status.detail());
                yield Optional.of(byKind(Map.of(RuntimeSpec.Kind.SANDBOX, jails), RuntimeSpec.Kind.SANDBOX));
            }
            case "auto" -> {
                Map<RuntimeSpec.Kind, Runtime> found = new EnumMap<>(RuntimeSpec.Kind.class);
                DockerRuntime.DaemonStatus status = DockerRuntime.probeDaemon(docker);
                if (status.answers()) {
                    log.info("Instances run on {}", status.detail());
                    found.put(RuntimeSpec.Kind.DOCKER, DockerRuntime.connect(docker));
                }
                SandboxRuntime jails = new SandboxRuntime(sandbox);
                SandboxRuntime.Status jailStatus = jails.probe();
                if (jailStatus.usable()) {
                    log.info("Instances with spec.runtime.kind sandbox{} run in {}", found.isEmpty() ? " (and without a kind)" : "",
                            jailStatus.detail());
                    found.put(RuntimeSpec.Kind.SANDBOX, jails);
                } else {
                    log.info("No sandbox runtime: {}", jailStatus.detail());
                }
                if (found.isEmpty()) {
                    log.warn("No runtime: {} Until then manifests are stored and checked, nothing runs.", status.detail());
                    yield Optional.empty();
                }
                yield Optional.of(byKind(found, found.containsKey(RuntimeSpec.Kind.DOCKER) ? RuntimeSpec.Kind.DOCKER : RuntimeSpec.Kind.SANDBOX));
            }
            default -> throw new IllegalArgumentException("unknown runtime " + setting);
        };
    }

    /**
     * Adds sandboxed instances on joined nodes to a selected runtime: {@code spec.runtime.kind:
     * sandbox} then goes to a {@link SandboxPlacement} of the server's own jails (when it has them)
     * and the nodes, per {@code ROOST_SANDBOX_PLACEMENT} (auto, nodes, local; default auto).
     * {@code none} and {@code fake} stay as they are.
     */
    public static Optional<Runtime> withNodes(String setting, Optional<Runtime> selected, NodeRuntime nodes, Map<String, String> env) {
        if (setting.equals("none") || setting.equals("fake")) {
            return selected;
        }
        SandboxPlacement.Mode mode = setting.equals("nodes") ? SandboxPlacement.Mode.NODES
                : SandboxPlacement.Mode.parse(env.getOrDefault("ROOST_SANDBOX_PLACEMENT", "auto"));
        if (selected.isEmpty()) {
            log.info("Instances with spec.runtime.kind sandbox run on joined nodes");
            return Optional.of(byKind(Map.of(RuntimeSpec.Kind.SANDBOX, new SandboxPlacement(Optional.empty(), nodes, mode)),
                    RuntimeSpec.Kind.SANDBOX));
        }
        if (!(selected.get() instanceof RuntimesByKind byKind)) {
            return selected;
        }
        Map<RuntimeSpec.Kind, Runtime> all = new EnumMap<>(RuntimeSpec.Kind.class);
        for (RuntimeSpec.Kind kind : RuntimeSpec.Kind.values()) {
            byKind.runtime(kind).ifPresent(r -> all.put(kind, r));
        }
        SandboxPlacement placement = new SandboxPlacement(Optional.ofNullable(all.get(RuntimeSpec.Kind.SANDBOX)), nodes, mode);
        all.put(RuntimeSpec.Kind.SANDBOX, placement);
        log.info("Instances with spec.runtime.kind sandbox run on {}", placement.name());
        return Optional.of(byKind(all, byKind.defaultKind()));
    }

    private static Runtime byKind(Map<RuntimeSpec.Kind, Runtime> runtimes, RuntimeSpec.Kind defaultKind) {
        return new RuntimesByKind(runtimes, defaultKind);
    }
}
