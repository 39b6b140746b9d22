package dev.roost.sandbox.bubblewrap;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How the bubblewrap sandbox runs jobs on this node.
 *
 * @param workRoot     where job directories are made (one per job, deleted after it); must not be inside a directory jobs may see
 * @param bubblewrap   the {@code bwrap} binary; empty: found on {@code PATH}, then {@code /usr/bin/bwrap}
 * @param jobUid       the host user id jobs run as when the node runs as root (default 65534, nobody); a node that is not root runs jobs as itself
 * @param jobGid       the host group id that goes with {@link #jobUid}
 * @param cgroupParent cgroup v2 only: the cgroup under which job cgroups are made; empty: this process's own cgroup.
 *                     It must be allowed to enable the memory and pids controllers for its children (systemd: {@code Delegate=yes})
 */
public record BubblewrapSettings(Path workRoot, Optional<Path> bubblewrap, int jobUid, int jobGid, Optional<Path> cgroupParent) {
    public static final int NOBODY = 65534;

    public BubblewrapSettings {
        requireNonNull(workRoot, "workRoot is null");
        requireNonNull(bubblewrap, "bubblewrap is null");
        requireNonNull(cgroupParent, "cgroupParent is null");
        if (jobUid <= 0 || jobGid <= 0) {
            throw new IllegalArgumentException("jobs never run as root: jobUid and jobGid must be positive");
        }
        workRoot = workRoot.toAbsolutePath().normalize();
    }

    /** Defaults: jobs under {@code workRoot}, bwrap from {@code PATH}, jobs as nobody, cgroups under this process's own. */
    public static BubblewrapSettings defaults(Path workRoot) {
        return new BubblewrapSettings(workRoot, Optional.empty(), NOBODY, NOBODY, Optional.empty());
    }

    /**
     * Defaults overridden by {@code ROOST_SANDBOX_BWRAP}, {@code ROOST_SANDBOX_UID},
     * {@code ROOST_SANDBOX_GID} and {@code ROOST_SANDBOX_CGROUP} (a path under the cgroup v2 mount).
     */
    public static BubblewrapSettings fromEnvironment(Map<String, String> env, Path workRoot) {
        BubblewrapSettings s = defaults(workRoot);
        String bwrap = env.get("ROOST_SANDBOX_BWRAP");
        String uid = env.get("ROOST_SANDBOX_UID");
        String gid = env.get("ROOST_SANDBOX_GID");
        String cgroup = env.get("ROOST_SANDBOX_CGROUP");
        return new BubblewrapSettings(workRoot,
                bwrap == null || bwrap.isBlank() ? s.bubblewrap() : Optional.of(Path.of(bwrap)),
                uid == null || uid.isBlank() ? s.jobUid() : Integer.parseInt(uid.strip()),
                gid == null || gid.isBlank() ? s.jobGid() : Integer.parseInt(gid.strip()),
                cgroup == null || cgroup.isBlank() ? s.cgroupParent() : Optional.of(Path.of(cgroup)));
    }

    public BubblewrapSettings withBubblewrap(Path binary) {
        return new BubblewrapSettings(workRoot, Optional.of(binary), jobUid, jobGid, cgroupParent);
    }
}
