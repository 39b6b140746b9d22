package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

/**
 * The typed desired state of one agent instance ({@code apiVersion: roost/v1},
 * {@code kind: AgentInstance}), with every default filled in. Obtain one through
 * {@link ManifestValidator#validate}; a manifest built any other way has not been checked.
 */
public record AgentManifest(Metadata metadata, Spec spec) {
    public static final String API_VERSION = "roost/v1";
    public static final String KIND = "AgentInstance";

    public AgentManifest {
        requireNonNull(metadata, "metadata is null");
        requireNonNull(spec, "spec is null");
    }
}
