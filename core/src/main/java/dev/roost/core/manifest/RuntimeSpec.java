package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The container (or sandbox) to run. CPU and memory are limits per replica; absent means
 * the manifest sets no limit (the {@code limits-required} policy refuses that unless overridden).
 * Environment values are plain text or {@code secret:NAME} references, sorted by name.
 * {@code kind} is empty when the manifest does not say: the instance then runs on the server's
 * configured runtime.
 */
public record RuntimeSpec(
        Optional<Kind> kind,
        String image,
        PullPolicy imagePullPolicy,
        List<String> command,
        OptionalLong cpuMillis,
        OptionalLong memoryBytes,
        int replicas,
        Map<String, String> env) {

    public static final int DEFAULT_REPLICAS = 1;

    public RuntimeSpec {
        requireNonNull(kind, "kind is null");
        requireNonNull(image, "image is null");
        requireNonNull(imagePullPolicy, "imagePullPolicy is null");
        command = List.copyOf(requireNonNull(command, "command is null"));
        requireNonNull(cpuMillis, "cpuMillis is null");
        requireNonNull(memoryBytes, "memoryBytes is null");
        env = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(env, "env is null")));
    }

    /** Where the instance runs. */
    public enum Kind implements WireValue {
        DOCKER("docker"),
        SANDBOX("sandbox"),
        KUBERNETES("kubernetes");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }
    }

    /** When the runtime pulls the image. */
    public enum PullPolicy implements WireValue {
        IF_NOT_PRESENT("IfNotPresent"),
        ALWAYS("Always"),
        NEVER("Never");

        private final String wire;

        PullPolicy(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }
    }
}
