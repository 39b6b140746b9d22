package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import dev.roost.core.secret.SecretReference;

/** One secret injected at start, as an environment variable or as a read-only file. */
public record SecretMount(SecretReference secret, Target target) {
    public SecretMount {
        requireNonNull(secret, "secret is null");
        requireNonNull(target, "target is null");
    }

    /** Where the secret's value goes. */
    public sealed interface Target permits AsEnv, AsFile {
    }

    /** Injected as the environment variable {@code name}. */
    public record AsEnv(String name) implements Target {
        public AsEnv {
            requireNonNull(name, "name is null");
        }
    }

    /** Injected as a read-only file at the absolute {@code path}. */
    public record AsFile(String path) implements Target {
        public AsFile {
            requireNonNull(path, "path is null");
        }
    }
}
