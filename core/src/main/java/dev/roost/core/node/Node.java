package dev.roost.core.node;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.UUID;

/**
 * A worker machine that joined the server. Capabilities, load and config are JSON documents
 * whose shape the server's node API defines; {@code configVersion} is what the server holds,
 * {@code appliedVersion} what the node last acknowledged.
 */
public record Node(
        UUID id,
        String name,
        NodeState state,
        NodeScheduling scheduling,
        String capabilitiesJson,
        String loadJson,
        String configJson,
        long configVersion,
        long appliedVersion,
        Instant joinedAt,
        Instant lastHeartbeatAt,
        Instant stateChangedAt,
        Instant removedAt) {

    public Node {
        requireNonNull(id, "id is null");
        requireNonNull(name, "name is null");
        requireNonNull(state, "state is null");
        requireNonNull(scheduling, "scheduling is null");
        requireNonNull(capabilitiesJson, "capabilitiesJson is null");
        requireNonNull(loadJson, "loadJson is null");
        requireNonNull(configJson, "configJson is null");
    }
}
