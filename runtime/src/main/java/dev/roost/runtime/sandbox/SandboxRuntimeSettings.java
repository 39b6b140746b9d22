package dev.roost.runtime.sandbox;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * How the sandbox runtime runs instances on this machine.
 *
 * @param images       where images are: {@code NAME/TAG/image.json} and {@code NAME/TAG/rootfs/} ({@code ROOST_SANDBOX_IMAGES})
 * @param stateRoot    one directory per jail (its record, supervisor pid, exit status, logs) and the instances' volumes
 * @param secretRoot   secret environment and secret files per jail; should be a tmpfs so secrets never reach a disk
 * @param bubblewrap   the {@code bwrap} binary; empty: {@code PATH}, then {@code /usr/bin/bwrap}
 * @param jailUid      the host user jails run as when the server runs as root (never 0)
 * @param jailGid      the host group that goes with {@code jailUid}
 * @param cgroupParent cgroup v2 only: where jail cgroups are made (as {@code ROOST_SANDBOX_CGROUP}); empty: this process's own
 * @param logBytes     bytes of output kept per jail in its current log file; the previous file is kept too, so at most twice this
 * @param stopGrace    how long a stop waits after SIGTERM before killing every process of the jail
 * @param defaultMemoryBytes memory limit of a workload whose manifest sets none (the cgroup needs one)
 */
public record SandboxRuntimeSettings(Path images, Path stateRoot, Path secretRoot, Optional<Path> bubblewrap, int jailUid, int jailGid,
                                     Optional<Path> cgroupParent, long logBytes, Duration stopGrace, long defaultMemoryBytes) {
    public static final int NOBODY = 65534;

    public SandboxRuntimeSettings {
        images = requireNonNull(images, "images is null").toAbsolutePath().normalize();
        stateRoot = requireNonNull(stateRoot, "stateRoot is null").toAbsolutePath().normalize();
        secretRoot = requireNonNull(secretRoot, "secretRoot is null").toAbsolutePath().normalize();
        requireNonNull(bubblewrap, "bubblewrap is null");
        requireNonNull(cgroupParent, "cgroupParent is null");
        requireNonNull(stopGrace, "stopGrace is null");
        if (jailUid <= 0 || jailGid <= 0) {
            throw new IllegalArgumentException("jails never run as root: the jail uid and gid must be positive");
        }
        if (logBytes < 4096) {
            throw new IllegalArgumentException("logBytes must be at least 4096, got " + logBytes);
        }
        if (defaultMemoryBytes < (8L << 20)) {
            throw new IllegalArgumentException("defaultMemoryBytes must be at least 8 MiB, got " + defaultMemoryBytes);
        }
    }

    /** Defaults below {@code home} (a directory of Roost's own): images in {@code home/sandbox-images}, jails in {@code home/sandbox}. */
    public static SandboxRuntimeSettings defaults(Path home) {
        Path home2 = home.toAbsolutePath().normalize();
        Path shm = Path.of("/dev/shm");
        String tag = Integer.toHexString(home2.toString().hashCode());
        Path secrets = java.nio.file.Files.isDirectory(shm) ? shm.resolve("roost-sandbox-" + tag) : home2.resolve("sandbox-secrets");
        return new SandboxRuntimeSettings(home2.resolve("sandbox-images"), home2.resolve("sandbox"), secrets, Optional.empty(), NOBODY,
                NOBODY, Optional.empty(), 10L << 20, Duration.ofSeconds(10), 512L << 20);
    }

    /**
     * Defaults overridden by {@code ROOST_SANDBOX_IMAGES}, {@code ROOST_SANDBOX_STATE},
     * {@code ROOST_SANDBOX_SECRETS}, {@code ROOST_SANDBOX_BWRAP}, {@code ROOST_SANDBOX_UID},
     * {@code ROOST_SANDBOX_GID}, {@code ROOST_SANDBOX_CGROUP}, {@code ROOST_SANDBOX_LOG_BYTES},
     * {@code ROOST_SANDBOX_STOP_GRACE} (seconds) and {@code ROOST_SANDBOX_DEFAULT_MEMORY} (bytes).
     */
    public static SandboxRuntimeSettings fromEnvironment(Map<String, String> env, Path home) {
        SandboxRuntimeSettings d = defaults(home);
        return new SandboxRuntimeSettings(
                path(env, "ROOST_SANDBOX_IMAGES").orElse(d.images()),
                path(env, "ROOST_SANDBOX_STATE").orElse(d.stateRoot()),
                path(env, "ROOST_SANDBOX_SECRETS").orElse(d.secretRoot()),
                path(env, "ROOST_SANDBOX_BWRAP").or(d::bubblewrap),
                number(env, "ROOST_SANDBOX_UID").map(Long::intValue).orElse(d.jailUid()),
                number(env, "ROOST_SANDBOX_GID").map(Long::intValue).orElse(d.jailGid()),
                path(env, "ROOST_SANDBOX_CGROUP").or(d::cgroupParent),
                number(env, "ROOST_SANDBOX_LOG_BYTES").orElse(d.logBytes()),
                number(env, "ROOST_SANDBOX_STOP_GRACE").map(Duration::ofSeconds).orElse(d.stopGrace()),
                number(env, "ROOST_SANDBOX_DEFAULT_MEMORY").orElse(d.defaultMemoryBytes()));
    }

    public SandboxRuntimeSettings withBubblewrap(Path binary) {
        return new SandboxRuntimeSettings(images, stateRoot, secretRoot, Optional.of(binary), jailUid, jailGid, cgroupParent, logBytes,
                stopGrace, defaultMemoryBytes);
    }

    public SandboxRuntimeSettings withImages(Path directory) {
        return new SandboxRuntimeSettings(directory, stateRoot, secretRoot, bubblewrap, jailUid, jailGid, cgroupParent, logBytes,
                stopGrace, defaultMemoryBytes);
    }

    private static Optional<Path> path(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v.strip()));
    }

    private static Optional<Long> number(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(v.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got \"" + v.strip() + "\"");
        }
    }
}
