package dev.roost.server.jails;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Health;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.PortRef;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.core.manifest.Volume;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The JSON documents of the jail protocol between the server and its nodes, under
 * {@code /api/v1/nodes/self/jails}: the node's report (what it can run, what its jails do, their
 * new output) and the server's answer (what the node should run, and calls to answer). Shared by
 * the server and the node agent.
 */
public final class JailDocuments {
    private JailDocuments() {
    }

    /** A workload as a node needs it to make a jail: secret names, never values. */
    public record JailSpec(UUID instanceId, String workspace, String instance, int version, String image, String pullPolicy,
                           List<String> command, Map<String, String> env, Map<String, String> secretEnv,
                           Map<String, String> secretFiles, Long cpuMillis, Long memoryBytes, long pidsLimit, int replicas,
                           List<VolumeSpec> volumes, String inbound, String egress, List<String> egressAllow) {

        public static JailSpec of(WorkloadSpec s) {
            return new JailSpec(s.instanceId(), s.workspace(), s.instance(), s.version(), s.image(), s.pullPolicy().name(), s.command(),
                    s.env(), s.secretEnv(), s.secretFiles(), s.cpuMillis().isPresent() ? s.cpuMillis().getAsLong() : null,
                    s.memoryBytes().isPresent() ? s.memoryBytes().getAsLong() : null, s.pidsLimit(), s.replicas(),
                    s.volumes().stream().map(v -> new VolumeSpec(v.name(), v.mountPath(), v.sizeBytes())).toList(),
                    s.network().inbound().name(), s.network().egress().name(), s.network().egressAllow());
        }

        /** The workload again (without health and ports, which the node does not need); its spec hash is the node's own. */
        public WorkloadSpec toWorkload() {
            return new WorkloadSpec(instanceId, workspace, instance, version, image, RuntimeSpec.PullPolicy.valueOf(pullPolicy),
                    command == null ? List.of() : command, new TreeMap<>(env == null ? Map.of() : env),
                    new TreeMap<>(secretEnv == null ? Map.of() : secretEnv), new TreeMap<>(secretFiles == null ? Map.of() : secretFiles),
                    cpuMillis == null ? OptionalLong.empty() : OptionalLong.of(cpuMillis),
                    memoryBytes == null ? OptionalLong.empty() : OptionalLong.of(memoryBytes), pidsLimit, replicas,
                    volumes == null ? List.of() : volumes.stream().map(v -> new Volume(v.name(), v.mountPath(), v.sizeBytes())).toList(),
                    new Network(Network.Inbound.valueOf(inbound), Network.Egress.valueOf(egress),
                            egressAllow == null ? List.of() : egressAllow, List.of()),
                    Optional.empty(), Optional.of(RuntimeSpec.Kind.SANDBOX));
        }
    }

    public record VolumeSpec(String name, String mountPath, long sizeBytes) {
    }

    /** What a node sees of one jail. */
    public record Observed(String state, Integer exitCode, boolean oomKilled, int restartCount, Instant startedAt, Instant finishedAt,
                           List<String> drift) {
        public static Observed of(ObservedContainer c) {
            return new Observed(c.state().name(), c.exitCode().orElse(null), c.oomKilled(), c.restartCount(), c.startedAt().orElse(null),
                    c.finishedAt().orElse(null), c.drift());
        }
    }

    /** A node's refusal of a change (e.g. IMAGE_NOT_FOUND), for the generation it refused. */
    public record Failure(long generation, String kind, String message) {
    }

    /** One jail in a node's report; {@code observed} null: the node has no such jail (MISSING). */
    public record JailReport(String containerId, long appliedGeneration, Observed observed, Failure failure) {
    }

    public record LogLineDoc(Instant time, String stream, String text) {
    }

    /** New output of one jail, oldest first. */
    public record LogBatch(String containerId, List<LogLineDoc> lines) {
    }

    /**
     * A node's report, which is also its long-poll for changes: whether it can run jails, its
     * images, its jails' states, their new output, and how long to wait for a change.
     */
    public record SyncBody(Boolean usable, String detail, List<String> images, List<JailReport> jails, List<LogBatch> logs,
                           Integer waitMillis) {
    }

    /**
     * One jail a node should hold. {@code desired}: RUNNING, STOPPED or REMOVED; a
     * {@code generation} above what the node applied asks it to act (start, stop, make, remove).
     * {@code secrets} (base64 values by secret name) come only while the node has a change to apply.
     */
    public record Assignment(String containerId, String localId, long generation, String desired, int replica, JailSpec spec,
                             Map<String, String> secrets, Instant logsThrough) {
        @Override
        public String toString() {
            return "Assignment[" + containerId + ", generation " + generation + ", " + desired + "]"; // never secret values
        }
    }

    /** A health probe, as a call carries it. */
    public record ProbeSpec(String type, String path, Integer port, List<String> command) {
        public static ProbeSpec of(Health.Probe probe, int port) {
            return switch (probe) {
                case Health.Http http -> new ProbeSpec("http", http.path(), port, null);
                case Health.Command command -> new ProbeSpec("command", null, port, command.command());
            };
        }

        public Health.Probe toProbe() {
            return "http".equals(type) ? new Health.Http(path, new PortRef.ByNumber(port)) : new Health.Command(command);
        }
    }

    /** A call the node answers: PROBE a jail, or REMOVE_VOLUMES of an instance. */
    public record CallSpec(UUID id, String kind, String localId, ProbeSpec probe, Long timeoutMillis, UUID instanceId) {
    }

    public record SyncAnswer(List<Assignment> jails, List<CallSpec> calls) {
    }

    /** A node's answer to a call: for a probe, healthy and its detail; for a removal, done. */
    public record CallAnswer(Boolean healthy, String detail) {
    }

    public record Answered(boolean recorded) {
    }

    /** A sandboxed instance's replica on a node, as {@code roost node describe} lists it. */
    public record NodeInstance(String workspace, String instance, int version, int replica, String containerId, String desired,
                               String state) {
    }
}
