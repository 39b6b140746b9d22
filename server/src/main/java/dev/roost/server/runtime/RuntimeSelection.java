package dev.roost.server.runtime;

import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimesByKind;
import dev.roost.runtime.docker.DockerRuntime;
import dev.roost.runtime.docker.DockerSettings;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.runtime.sandbox.SandboxRuntime;
import dev.roost.runtime.sandbox.SandboxRuntimeSettings;
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

    private static Runtime byKind(Map<RuntimeSpec.Kind, Runtime> runtimes, RuntimeSpec.Kind defaultKind) {
        return new RuntimesByKind(runtimes, defaultKind);
    }
}
