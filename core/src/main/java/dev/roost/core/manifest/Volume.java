package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

/** A persistent volume mounted into the agent. */
public record Volume(String name, String mountPath, long sizeBytes) {
    public static final long DEFAULT_SIZE_BYTES = 1L << 30;

    public Volume {
        requireNonNull(name, "name is null");
        requireNonNull(mountPath, "mountPath is null");
    }
}
