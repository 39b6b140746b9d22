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
 * @param warmJails    how many jails the sandbox keeps set up and waiting for a job (0 to {@value #MAX_WARM_JAILS}): a job that
 *                     takes one starts without waiting for bubblewrap's namespaces and mounts. Each waits as two small
 *                     bubblewrap processes in a cgroup of its own with an empty working directory
 */
public record BubblewrapSettings(Path workRoot, Optional<Path> bubblewrap, int jobUid, int jobGid, Optional<Path> cgroupParent,
                                 int warmJails) {
    public static final int NOBODY = 65534;
    public static final int MAX_WARM_JAILS = 64;
    /** Jails a node keeps waiting unless {@code ROOST_SANDBOX_WARM_JAILS} says otherwise. */
    public static final int NODE_WARM_JAILS = 2;

    public BubblewrapSettings {
        requireNonNull(workRoot, "workRoot is null");
        requireNonNull(bubblewrap, "bubblewrap is null");
        requireNonNull(cgroupParent, "cgroupParent is null");
        if (jobUid <= 0 || jobGid <= 0) {
            throw new IllegalArgumentException("jobs never run as root: jobUid and jobGid must be positive");
        }
        if (warmJails < 0 || warmJails > MAX_WARM_JAILS) {
            throw new IllegalArgumentException("warmJails must be between 0 and " + MAX_WARM_JAILS + ", got " + warmJails);
        }
        workRoot = workRoot.toAbsolutePath().normalize();
    }

    /** Settings without warm jails: every job sets its jail up when it starts. */
    public BubblewrapSettings(Path workRoot, Optional<Path> bubblewrap, int jobUid, int jobGid, Optional<Path> cgroupParent) {
        this(workRoot, bubblewrap, jobUid, jobGid, cgroupParent, 0);
    }

    /** Defaults: jobs under {@code workRoot}, bwrap from {@code PATH}, jobs as nobody, cgroups under this process's own, no warm jails. */
    public static BubblewrapSettings defaults(Path workRoot) {
        return new BubblewrapSettings(workRoot, Optional.empty(), NOBODY, NOBODY, Optional.empty());
    }

    /**
     * Defaults overridden by {@code ROOST_SANDBOX_BWRAP}, {@code ROOST_SANDBOX_UID},
     * {@code ROOST_SANDBOX_GID}, {@code ROOST_SANDBOX_CGROUP} (a path under the cgroup v2 mount) and
     * {@code ROOST_SANDBOX_WARM_JAILS} (default {@value #NODE_WARM_JAILS}).
     */
    public static BubblewrapSettings fromEnvironment(Map<String, String> env, Path workRoot) {
        BubblewrapSettings s = defaults(workRoot);
        String bwrap = env.get("ROOST_SANDBOX_BWRAP");
        String uid = env.get("ROOST_SANDBOX_UID");
        String gid = env.get("ROOST_SANDBOX_GID");
        String cgroup = env.get("ROOST_SANDBOX_CGROUP");
        String warm = env.get("ROOST_SANDBOX_WARM_JAILS");
        return new BubblewrapSettings(workRoot,
                bwrap == null || bwrap.isBlank() ? s.bubblewrap() : Optional.of(Path.of(bwrap)),
                uid == null || uid.isBlank() ? s.jobUid() : Integer.parseInt(uid.strip()),
                gid == null || gid.isBlank() ? s.jobGid() : Integer.parseInt(gid.strip()),
                cgroup == null || cgroup.isBlank() ? s.cgroupParent() : Optional.of(Path.of(cgroup)),
                warm == null || warm.isBlank() ? NODE_WARM_JAILS : Integer.parseInt(warm.strip()));
    }

    public BubblewrapSettings withBubblewrap(Path binary) {
        return new BubblewrapSettings(workRoot, Optional.of(binary), jobUid, jobGid, cgroupParent, warmJails);
    }

    public BubblewrapSettings withWarmJails(int count) {
        return new BubblewrapSettings(workRoot, bubblewrap, jobUid, jobGid, cgroupParent, count);
    }
}
