package dev.roost.server.runtime;

import dev.roost.runtime.Runtime;
import dev.roost.runtime.docker.DockerRuntime;
import dev.roost.runtime.docker.DockerSettings;
import dev.roost.runtime.fake.FakeRuntime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the runtime instances run on, from the {@code runtime} setting. */
public final class RuntimeSelection {
    private static final Logger log = LoggerFactory.getLogger(RuntimeSelection.class);

    private RuntimeSelection() {
    }

    /**
     * The runtime for {@code setting} (see {@code RoostConfig.RUNTIMES}); empty for {@code none},
     * and for {@code auto} when no Docker daemon answers. {@code docker} without a daemon fails
     * with a message that says what to install or start.
     */
    public static Optional<Runtime> select(String setting, DockerSettings docker, java.time.Clock clock) {
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
                yield Optional.of(DockerRuntime.connect(docker));
            }
            case "auto" -> {
                DockerRuntime.DaemonStatus status = DockerRuntime.probeDaemon(docker);
                if (status.answers()) {
                    log.info("Instances run on {}", status.detail());
                    yield Optional.of(DockerRuntime.connect(docker));
                }
                log.warn("No runtime: {} Until then manifests are stored and checked, nothing runs.", status.detail());
                yield Optional.empty();
            }
            default -> throw new IllegalArgumentException("unknown runtime " + setting);
        };
    }
}
