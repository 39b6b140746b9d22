package dev.roost.runtime.docker;

import dev.roost.core.deploy.WorkloadSpec;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The names and labels Roost gives Docker objects. Identity lives in labels, never in names
 * alone; names are deterministic so that a create repeated after a crash finds what the first
 * one made. No label or name ever holds a secret value.
 *
 * <p>Containers carry {@code roost.managed=true}, the instance's id, workspace and name, the
 * version, replica and spec hash, and the settings Roost chose ({@code roost.expect.*}) so
 * {@link DriftCheck} can tell what was changed behind Roost's back. Networks and volumes carry
 * {@code roost.managed} and the instance id.
 */
final class ContainerLabels {
    static final String PREFIX = "roost.";
    static final String MANAGED = "roost.managed";
    static final String INSTANCE_ID = "roost.instance-id";
    static final String WORKSPACE = "roost.workspace";
    static final String INSTANCE = "roost.instance";
    static final String VERSION = "roost.version";
    static final String REPLICA = "roost.replica";
    static final String SPEC_HASH = "roost.spec-hash";
    static final String EXPECT_MEMORY = "roost.expect.memory";
    static final String EXPECT_NANO_CPUS = "roost.expect.nano-cpus";
    static final String EXPECT_PIDS = "roost.expect.pids";
    static final String EXPECT_NETWORK = "roost.expect.network";
    static final String EXPECT_USER = "roost.expect.user";
    static final String SECRET_FILES = "roost.secret-files";
    static final String NETWORK_KIND = "roost.network-kind";
    static final String VOLUME = "roost.volume";

    /** The value of {@link #EXPECT_NETWORK} for a container without any network but loopback. */
    static final String NO_NETWORK = "none";

    private ContainerLabels() {
    }

    /** {@code roost-<instance id>-v<version>-r<replica>}: one name per replica of one version. */
    static String containerName(WorkloadSpec spec, int replica) {
        return "roost-" + spec.instanceId() + "-v" + spec.version() + "-r" + replica;
    }

    static String volumeName(UUID instanceId, String volume) {
        return "roost-" + instanceId + "-" + volume;
    }

    /** The labels every object this runtime makes carries, including the installation's extra labels. */
    static Map<String, String> base(DockerSettings settings) {
        Map<String, String> labels = new TreeMap<>(settings.labels());
        labels.put(MANAGED, "true");
        return labels;
    }

    static Map<String, String> forInstance(DockerSettings settings, UUID instanceId) {
        Map<String, String> labels = base(settings);
        labels.put(INSTANCE_ID, instanceId.toString());
        return labels;
    }

    /** Parses a label that must be a whole number; empty when absent or malformed. */
    static Optional<Long> number(Map<String, String> labels, String key) {
        String value = labels.get(key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static Optional<UUID> instanceId(Map<String, String> labels) {
        String value = labels.get(INSTANCE_ID);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
