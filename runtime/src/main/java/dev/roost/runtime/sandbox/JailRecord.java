package dev.roost.runtime.sandbox;

import dev.roost.core.manifest.ManifestFormats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a jail was made as, stored in {@code container.json} of its directory: the labels Roost
 * would put on a Docker container (identity, spec hash, the limits it set), the cgroup it runs in,
 * and how to start it again (bubblewrap's options and the command). Holds no secret value: the
 * secret environment is in the jail's secret directory. {@code egressAllow}: present when the jail
 * reaches out through the node's egress proxy, with the hosts it may reach (the gateway included).
 */
record JailRecord(String containerId, UUID instanceId, String workspace, String instance, int version, int replica, String specHash,
                  String image, long memoryBytes, long cpuMillis, long pids, String cgroupVersion, Map<String, Path> cgroupDirs,
                  List<String> jailOptions, List<String> command, boolean secretEnvironment, Instant createdAt,
                  Optional<List<String>> egressAllow) {
    static final String FILE = "container.json";

    JailRecord withCgroup(String newVersion, Map<String, Path> newDirs) {
        return new JailRecord(containerId, instanceId, workspace, instance, version, replica, specHash, image, memoryBytes, cpuMillis, pids,
                newVersion, newDirs, jailOptions, command, secretEnvironment, createdAt, egressAllow);
    }

    void write(Path dir) throws IOException {
        ObjectNode n = ManifestFormats.json().createObjectNode();
        n.put("containerId", containerId);
        n.put("instanceId", instanceId.toString());
        n.put("workspace", workspace);
        n.put("instance", instance);
        n.put("version", version);
        n.put("replica", replica);
        n.put("specHash", specHash);
        n.put("image", image);
        n.put("memoryBytes", memoryBytes);
        n.put("cpuMillis", cpuMillis);
        n.put("pids", pids);
        n.put("cgroupVersion", cgroupVersion);
        ObjectNode dirs = n.putObject("cgroupDirs");
        cgroupDirs.forEach((k, v) -> dirs.put(k, v.toString()));
        ArrayNode options = n.putArray("jailOptions");
        jailOptions.forEach(options::add);
        ArrayNode cmd = n.putArray("command");
        command.forEach(cmd::add);
        n.put("secretEnvironment", secretEnvironment);
        n.put("createdAt", createdAt.toString());
        // Absent: the jail has no network at all (and records of earlier versions have none).
        egressAllow.ifPresent(allow -> {
            ArrayNode a = n.putArray("egressAllow");
            allow.forEach(a::add);
        });
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.writeString(tmp, ManifestFormats.json().writeValueAsString(n));
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static JailRecord read(Path dir) throws IOException {
        JsonNode n = ManifestFormats.json().readTree(Files.readString(dir.resolve(FILE)));
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (var e : n.path("cgroupDirs").properties()) {
            dirs.put(e.getKey(), Path.of(e.getValue().asString()));
        }
        return new JailRecord(n.path("containerId").asString(), UUID.fromString(n.path("instanceId").asString()),
                n.path("workspace").asString(), n.path("instance").asString(), n.path("version").asInt(), n.path("replica").asInt(),
                n.path("specHash").asString(), n.path("image").asString(), n.path("memoryBytes").asLong(), n.path("cpuMillis").asLong(),
                n.path("pids").asLong(), n.path("cgroupVersion").asString(), dirs, strings(n.path("jailOptions")),
                strings(n.path("command")), n.path("secretEnvironment").asBoolean(), Instant.parse(n.path("createdAt").asString()),
                n.has("egressAllow") ? Optional.of(strings(n.path("egressAllow"))) : Optional.empty());
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.forEach(item -> out.add(item.asString()));
        return List.copyOf(out);
    }
}
