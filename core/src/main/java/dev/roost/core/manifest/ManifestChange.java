package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import tools.jackson.databind.JsonNode;

/**
 * One difference between two manifests, at an RFC 6901 pointer. {@code before} is null for
 * {@link Kind#ADDED}, {@code after} is null for {@link Kind#REMOVED}.
 */
public record ManifestChange(String pointer, Kind kind, JsonNode before, JsonNode after) {
    public ManifestChange {
        requireNonNull(pointer, "pointer is null");
        requireNonNull(kind, "kind is null");
        switch (kind) {
            case ADDED -> {
                if (before != null || after == null) {
                    throw new IllegalArgumentException("ADDED has only an after value");
                }
            }
            case REMOVED -> {
                if (before == null || after != null) {
                    throw new IllegalArgumentException("REMOVED has only a before value");
                }
            }
            case CHANGED -> {
                if (before == null || after == null) {
                    throw new IllegalArgumentException("CHANGED has a before and an after value");
                }
            }
        }
        before = before == null ? null : before.deepCopy();
        after = after == null ? null : after.deepCopy();
    }

    public enum Kind {
        ADDED,
        REMOVED,
        CHANGED
    }
}
