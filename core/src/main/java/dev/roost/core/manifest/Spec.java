package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/** What to run and how. Optional sections that were omitted hold their defaults. */
public record Spec(
        Optional<String> template,
        RuntimeSpec runtime,
        List<SecretMount> secrets,
        Channels channels,
        Skills skills,
        ModelAccess model,
        Network network,
        Optional<Health> health,
        List<Volume> volumes,
        Observability observability,
        Lifecycle lifecycle,
        Policies policies) {

    public Spec {
        requireNonNull(template, "template is null");
        requireNonNull(runtime, "runtime is null");
        secrets = List.copyOf(requireNonNull(secrets, "secrets is null"));
        requireNonNull(channels, "channels is null");
        requireNonNull(skills, "skills is null");
        requireNonNull(model, "model is null");
        requireNonNull(network, "network is null");
        requireNonNull(health, "health is null");
        volumes = List.copyOf(requireNonNull(volumes, "volumes is null"));
        requireNonNull(observability, "observability is null");
        requireNonNull(lifecycle, "lifecycle is null");
        requireNonNull(policies, "policies is null");
    }
}
