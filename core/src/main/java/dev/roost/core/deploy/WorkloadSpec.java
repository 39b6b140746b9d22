package dev.roost.core.deploy;

import static java.util.Objects.requireNonNull;

import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.Health;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.core.manifest.SecretMount;
import dev.roost.core.manifest.Volume;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What one instance should run, derived from one manifest version: everything a runtime needs
 * to create its containers, and nothing it must not see (secrets are named, never valued).
 *
 * <p>{@link #specHash()} fingerprints every field that shapes a container; runtimes label each
 * container with it, so a container built from another spec is recognised and replaced.
 *
 * <p>{@code runtimeKind} is the manifest's {@code spec.runtime.kind}; empty means the server's
 * configured runtime.
 */
public record WorkloadSpec(
        UUID instanceId,
        String workspace,
        String instance,
        int version,
        String image,
        RuntimeSpec.PullPolicy pullPolicy,
        List<String> command,
        SortedMap<String, String> env,
        SortedMap<String, String> secretEnv,
        SortedMap<String, String> secretFiles,
        OptionalLong cpuMillis,
        OptionalLong memoryBytes,
        long pidsLimit,
        int replicas,
        List<Volume> volumes,
        Network network,
        Optional<Health> health,
        Optional<RuntimeSpec.Kind> runtimeKind) {

    /** The PID limit every container gets unless the runtime is told otherwise. */
    public static final long DEFAULT_PIDS_LIMIT = 256;

    public WorkloadSpec {
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(workspace, "workspace is null");
        requireNonNull(instance, "instance is null");
        requireNonNull(image, "image is null");
        requireNonNull(pullPolicy, "pullPolicy is null");
        command = List.copyOf(requireNonNull(command, "command is null"));
        env = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(env, "env is null")));
        secretEnv = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(secretEnv, "secretEnv is null")));
        secretFiles = Collections.unmodifiableSortedMap(new TreeMap<>(requireNonNull(secretFiles, "secretFiles is null")));
        requireNonNull(cpuMillis, "cpuMillis is null");
        requireNonNull(memoryBytes, "memoryBytes is null");
        if (pidsLimit < 1) {
            throw new IllegalArgumentException("pidsLimit must be positive");
        }
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must not be negative");
        }
        volumes = List.copyOf(requireNonNull(volumes, "volumes is null"));
        requireNonNull(network, "network is null");
        requireNonNull(health, "health is null");
        requireNonNull(runtimeKind, "runtimeKind is null");
    }

    /** A workload for the server's configured runtime (no {@code spec.runtime.kind}). */
    public WorkloadSpec(UUID instanceId, String workspace, String instance, int version, String image,
                        RuntimeSpec.PullPolicy pullPolicy, List<String> command, SortedMap<String, String> env,
                        SortedMap<String, String> secretEnv, SortedMap<String, String> secretFiles, OptionalLong cpuMillis,
                        OptionalLong memoryBytes, long pidsLimit, int replicas, List<Volume> volumes, Network network,
                        Optional<Health> health) {
        this(instanceId, workspace, instance, version, image, pullPolicy, command, env, secretEnv, secretFiles, cpuMillis,
                memoryBytes, pidsLimit, replicas, volumes, network, health, Optional.empty());
    }

    /** This workload on runtime {@code kind}. */
    public WorkloadSpec withRuntimeKind(Optional<RuntimeSpec.Kind> kind) {
        return new WorkloadSpec(instanceId, workspace, instance, version, image, pullPolicy, command, env, secretEnv, secretFiles,
                cpuMillis, memoryBytes, pidsLimit, replicas, volumes, network, health, kind);
    }

    /**
     * This workload with more environment: plain variables {@code moreEnv} and secret ones
     * {@code moreSecretEnv} (variable to secret reference), each added only where the manifest
     * does not set the same variable itself (the manifest's own value wins).
     */
    public WorkloadSpec withAddedEnvironment(Map<String, String> moreEnv, Map<String, String> moreSecretEnv) {
        TreeMap<String, String> newEnv = new TreeMap<>(env);
        TreeMap<String, String> newSecretEnv = new TreeMap<>(secretEnv);
        moreEnv.forEach((name, value) -> {
            if (!env.containsKey(name) && !secretEnv.containsKey(name)) {
                newEnv.put(name, value);
            }
        });
        moreSecretEnv.forEach((name, reference) -> {
            if (!env.containsKey(name) && !secretEnv.containsKey(name)) {
                newSecretEnv.put(name, reference);
            }
        });
        return new WorkloadSpec(instanceId, workspace, instance, version, image, pullPolicy, command, newEnv, newSecretEnv,
                secretFiles, cpuMillis, memoryBytes, pidsLimit, replicas, volumes, network, health, runtimeKind);
    }

    /**
     * The workload of {@code manifest} as version {@code version} of instance {@code instanceId}.
     * Environment values of the form {@code secret:NAME} become secret environment entries;
     * {@code spec.secrets} add environment variables and files.
     */
    public static WorkloadSpec of(UUID instanceId, int version, AgentManifest manifest) {
        RuntimeSpec runtime = manifest.spec().runtime();
        TreeMap<String, String> env = new TreeMap<>();
        TreeMap<String, String> secretEnv = new TreeMap<>();
        TreeMap<String, String> secretFiles = new TreeMap<>();
        runtime.env().forEach((name, value) -> {
            if (value.startsWith(SECRET_PREFIX)) {
                secretEnv.put(name, value.substring(SECRET_PREFIX.length()));
            } else {
                env.put(name, value);
            }
        });
        for (SecretMount mount : manifest.spec().secrets()) {
            switch (mount.target()) {
                case SecretMount.AsEnv asEnv -> secretEnv.put(asEnv.name(), mount.secret().name());
                case SecretMount.AsFile asFile -> secretFiles.put(asFile.path(), mount.secret().name());
            }
        }
        return new WorkloadSpec(instanceId, manifest.metadata().workspace(), manifest.metadata().name(), version,
                runtime.image(), runtime.imagePullPolicy(), runtime.command(), env, secretEnv, secretFiles,
                runtime.cpuMillis(), runtime.memoryBytes(), DEFAULT_PIDS_LIMIT, runtime.replicas(),
                manifest.spec().volumes(), manifest.spec().network(), manifest.spec().health(), runtime.kind());
    }

    private static final String SECRET_PREFIX = "secret:";

    /** Every secret name this workload needs at start, sorted, without duplicates. */
    public List<String> secretNames() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(secretEnv.values());
        names.addAll(secretFiles.values());
        return List.copyOf(names);
    }

    /** The container port a port reference names, when it resolves. */
    public Optional<Integer> resolvePort(dev.roost.core.manifest.PortRef ref) {
        return switch (ref) {
            case dev.roost.core.manifest.PortRef.ByNumber n -> Optional.of(n.port());
            case dev.roost.core.manifest.PortRef.ByName n -> network.ports().stream()
                    .filter(p -> p.name().equals(n.name())).map(Network.Port::port).findFirst();
        };
    }

    /**
     * A hex SHA-256 of every field that shapes a container, excluding the version number and the
     * instance's name (a rename or a version with an identical workload replaces nothing).
     */
    public String specHash() {
        StringBuilder canonical = new StringBuilder();
        field(canonical, "instance", instanceId.toString());
        field(canonical, "image", image);
        field(canonical, "pull", pullPolicy.wire());
        field(canonical, "command", String.join("\u0000", command));
        map(canonical, "env", env);
        map(canonical, "secretEnv", secretEnv);
        map(canonical, "secretFiles", secretFiles);
        field(canonical, "cpu", cpuMillis.isPresent() ? Long.toString(cpuMillis.getAsLong()) : "-");
        field(canonical, "memory", memoryBytes.isPresent() ? Long.toString(memoryBytes.getAsLong()) : "-");
        field(canonical, "pids", Long.toString(pidsLimit));
        field(canonical, "replicas", Integer.toString(replicas));
        for (Volume volume : volumes) {
            field(canonical, "volume", volume.name() + "\u0000" + volume.mountPath() + "\u0000" + volume.sizeBytes());
        }
        field(canonical, "inbound", network.inbound().wire());
        field(canonical, "egress", network.egress().wire());
        field(canonical, "egressAllow", String.join("\u0000", network.egressAllow()));
        for (Network.Port port : network.ports()) {
            field(canonical, "port", port.name() + "\u0000" + port.port() + "\u0000" + port.exposure().wire() + "\u0000" + port.admin());
        }
        field(canonical, "health", health.map(Object::toString).orElse("-"));
        // Docker was the only runtime before the field existed: leaving it out of the hash keeps
        // the hash of every earlier workload, so an upgrade replaces no container.
        runtimeKind.filter(kind -> kind != RuntimeSpec.Kind.DOCKER).ifPresent(kind -> field(canonical, "runtimeKind", kind.wire()));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(name).append('=').append(value.length()).append(':').append(value).append('\n');
    }

    private static void map(StringBuilder out, String name, Map<String, String> values) {
        values.forEach((key, value) -> field(out, name, key + "\u0000" + value));
    }
}
