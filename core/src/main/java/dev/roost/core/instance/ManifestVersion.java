package dev.roost.core.instance;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One immutable version of an instance's manifest. {@code manifestJson} is the canonical
 * JSON; {@code source} says how it came to be (template, apply, rename, rollback).
 */
public record ManifestVersion(
        UUID instanceId, int version, String manifestJson, String sha256, String source, List<String> warnings,
        String createdBy, Instant createdAt) {
    public ManifestVersion {
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(manifestJson, "manifestJson is null");
        requireNonNull(sha256, "sha256 is null");
        requireNonNull(source, "source is null");
        warnings = List.copyOf(warnings);
        requireNonNull(createdBy, "createdBy is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
