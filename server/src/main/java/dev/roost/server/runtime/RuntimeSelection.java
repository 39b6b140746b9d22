package dev.roost.server.runtime;

import dev.roost.runtime.Runtime;
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
     * and for {@code auto} when no Docker daemon answers.
     */
    public static Optional<Runtime> select(String setting, java.time.Clock clock) {
        return switch (setting) {
            case "fake" -> {
                log.warn("Using the in-memory fake runtime: instances are simulated, nothing really runs");
                yield Optional.of(new FakeRuntime(clock));
            }
            case "none" -> {
                log.info("No runtime (runtime=none): manifests are stored, nothing runs");
                yield Optional.empty();
            }
            case "docker" -> throw new IllegalStateException("the Docker runtime is not part of this build yet");
            case "auto" -> {
                log.info("No runtime found (no Docker support in this build yet): manifests are stored, nothing runs");
                yield Optional.empty();
            }
            default -> throw new IllegalArgumentException("unknown runtime " + setting);
        };
    }
}
