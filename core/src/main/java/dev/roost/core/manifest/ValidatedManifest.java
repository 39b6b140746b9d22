package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.SecretReference;
import java.util.Collections;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * A manifest that passed {@link ManifestValidator}: the typed form, its canonical JSON
 * (see {@link CanonicalForm}) and that JSON's SHA-256. Equal hashes mean equal desired
 * state. Store {@link #canonicalJson()}; re-validate stored JSON to get this back.
 */
public record ValidatedManifest(AgentManifest manifest, String canonicalJson, String sha256) {
    public ValidatedManifest {
        requireNonNull(manifest, "manifest is null");
        requireNonNull(canonicalJson, "canonicalJson is null");
        requireNonNull(sha256, "sha256 is null");
        if (!sha256.equals(CanonicalForm.sha256(canonicalJson))) {
            throw new IllegalArgumentException("sha256 does not match canonicalJson");
        }
    }

    /** A fresh copy of the canonical tree (keys sorted, defaults filled in). */
    public JsonNode canonicalTree() {
        return ManifestFormats.json().readTree(canonicalJson);
    }

    /** The canonical form as YAML, for display and {@code roost diff}. */
    public String canonicalYaml() {
        return ManifestFormats.toYaml(canonicalTree());
    }

    /** Names of every secret the manifest references (env values, spec.secrets, channels), sorted. */
    public SortedSet<String> secretReferences() {
        SortedSet<String> names = new TreeSet<>();
        Spec spec = manifest.spec();
        spec.runtime().env().values().forEach(value -> SecretReference.parse(value).ifPresent(ref -> names.add(ref.name())));
        spec.secrets().forEach(mount -> names.add(mount.secret().name()));
        spec.channels().telegram().ifPresent(t -> names.add(t.botToken().name()));
        spec.channels().slack().ifPresent(s -> {
            names.add(s.botToken().name());
            s.signingSecret().ifPresent(ref -> names.add(ref.name()));
            s.appToken().ifPresent(ref -> names.add(ref.name()));
        });
        spec.channels().webhook().ifPresent(w -> names.add(w.signingSecret().name()));
        return Collections.unmodifiableSortedSet(names);
    }

    public String name() {
        return manifest.metadata().name();
    }

    public String workspace() {
        return manifest.metadata().workspace();
    }

    public Environment environment() {
        return manifest.metadata().environment();
    }

    public Map<String, String> labels() {
        return manifest.metadata().labels();
    }

    public String image() {
        return manifest.spec().runtime().image();
    }

    /** CPU limit per replica in millicores; empty when the manifest sets none. */
    public OptionalLong cpuMillis() {
        return manifest.spec().runtime().cpuMillis();
    }

    /** Memory limit per replica in bytes; empty when the manifest sets none. */
    public OptionalLong memoryBytes() {
        return manifest.spec().runtime().memoryBytes();
    }

    public int replicas() {
        return manifest.spec().runtime().replicas();
    }
}
