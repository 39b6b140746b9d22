package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** Policy rules the manifest explicitly overrides ({@code spec.policies.allowUnsafe}), in manifest order. */
public record Policies(List<String> allowUnsafe) {
    public static final Policies NONE = new Policies(List.of());

    public Policies {
        allowUnsafe = List.copyOf(requireNonNull(allowUnsafe, "allowUnsafe is null"));
    }
}
