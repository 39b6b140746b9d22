package dev.roost.sandbox.bubblewrap;

import dev.roost.sandbox.SandboxAvailability.CgroupVersion;
import dev.roost.sandbox.SandboxLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The host's cgroup hierarchy as far as job limits are concerned: v1 (one mount per
 * controller) or v2 (one unified mount), where job cgroups go, and which controllers work.
 * Job cgroups live in a {@value #GROUP} directory below this process's own cgroup (v1: per
 * controller; v2: or below a configured parent), so a node only touches its own subtree.
 */
sealed interface Cgroups permits Cgroups.V1, Cgroups.V2, Cgroups.None {
    String GROUP = "roost-sandbox";
    /** Required: a job without them could exhaust the node. */
    List<String> REQUIRED = List.of("memory", "pids");
    List<String> WANTED = List.of("memory", "pids", "cpu");

    CgroupVersion version();

    /** Usable controllers among {@link #WANTED}. */
    Set<String> controllers();

    /** Why jobs cannot be limited here; empty when they can. */
    List<String> problems();

    /** Makes a job's cgroup with the limits set. The caller removes it. */
    JobCgroup create(String name, SandboxLimits limits) throws IOException;

    /** Looks at /proc/self/mountinfo and /proc/self/cgroup. Prefers v2 when its controllers are there. */
    static Cgroups detect(Optional<Path> v2Parent) {
        List<Mount> mounts;
        Map<String, String> own;
        try {
            mounts = Mount.read(Path.of("/proc/self/mountinfo"));
            own = ownCgroups(Path.of("/proc/self/cgroup"));
        } catch (IOException e) {
            return new None("cannot read /proc/self/mountinfo or /proc/self/cgroup: " + e.getMessage());
        }
        Optional<Mount> unified = mounts.stream().filter(m -> m.type().equals("cgroup2")).findFirst();
        if (unified.isPresent()) {
            Path root = unified.get().point();
            String available = read(root.resolve("cgroup.controllers")).orElse("");
            if (words(available).contains("memory") || v2Parent.isPresent()) {
                if (v2Parent.isPresent()) {
                    return V2.at(v2Parent.get());
                }
                return V2.find(root, root.resolve(relative(own.getOrDefault("", "/"), unified.get().root())));
            }
        }
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String controller : WANTED) {
            for (Mount m : mounts) {
                if (m.type().equals("cgroup") && List.of(m.options().split(",")).contains(controller)) {
                    String path = own.getOrDefault(controller, "/");
                    dirs.put(controller, m.point().resolve(relative(path, m.root())));
                    break;
                }
            }
        }
        if (dirs.isEmpty()) {
            return new None("no cgroup hierarchy with the memory controller is mounted (looked in /proc/self/mountinfo)");
        }
        return V1.at(dirs);
    }

    private static String relative(String path, String mountRoot) {
        String p = path;
        if (!mountRoot.equals("/") && p.startsWith(mountRoot)) {
            p = p.substring(mountRoot.length());
        }
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p;
    }

    /** controller → path from /proc/self/cgroup; the v2 line under the key "". */
    private static Map<String, String> ownCgroups(Path file) throws IOException {
        Map<String, String> own = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.split(":", 3);
            if (parts.length < 3) {
                continue;
            }
            if (parts[1].isEmpty()) {
                own.put("", parts[2]);
            }
            for (String controller : parts[1].split(",")) {
                if (!controller.isEmpty()) {
                    own.put(controller, parts[2]);
                }
            }
        }
        return own;
    }

    /** The words of a cgroup list file such as {@code cgroup.controllers}. */
    static Set<String> words(String s) {
        return s.isBlank() ? Set.of() : new HashSet<>(List.of(s.strip().split("\\s+")));
    }

    static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static void write(Path file, String value) throws IOException {
        // One write per value: cgroup files take one setting per write(2).
        Files.writeString(file, value);
    }

    /** A line of /proc/self/mountinfo: the mount's root within its filesystem, mount point, type, super options. */
    record Mount(String root, Path point, String type, String options) {
        static List<Mount> read(Path mountinfo) throws IOException {
            List<Mount> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(mountinfo)) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] left = line.substring(0, dash).split(" ");
                String[] right = line.substring(dash + 3).split(" ");
                if (left.length < 5 || right.length < 3) {
                    continue;
                }
                mounts.add(new Mount(unescape(left[3]), Path.of(unescape(left[4])), right[0], right[2]));
            }
            return mounts;
        }

        private static String unescape(String s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 3 < s.length()) {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
    }

    /** No usable hierarchy: jobs cannot be limited, so none run. */
    record None(String problem) implements Cgroups {
        @Override
        public CgroupVersion version() {
            return CgroupVersion.NONE;
        }

        @Override
        public Set<String> controllers() {
            return Set.of();
        }

        @Override
        public List<String> problems() {
            return List.of(problem);
        }

        @Override
        public JobCgroup create(String name, SandboxLimits limits) {
            throw new IllegalStateException(problem);
        }
    }

    /** cgroup v1: a job cgroup per controller, each below this process's cgroup in that controller's hierarchy. */
    record V1(Map<String, Path> groups, List<String> problems) implements Cgroups {
        static V1 at(Map<String, Path> ownDirs) {
            Map<String, Path> groups = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            for (var e : ownDirs.entrySet()) {
                Path group = e.getValue().resolve(GROUP);
                try {
                    Files.createDirectories(group);
                    if (!Files.isWritable(group)) {
                        throw new IOException("not writable by this user");
                    }
                    groups.put(e.getKey(), group);
                } catch (IOException ex) {
                    if (REQUIRED.contains(e.getKey())) {
                        problems.add("cannot make the cgroup v1 " + e.getKey() + " group " + group + ": " + ex
                                + " (the node must run as root, or own that cgroup)");
                    }
                }
            }
            for (String c : REQUIRED) {
                if (!ownDirs.containsKey(c)) {
                    problems.add("the cgroup v1 " + c + " controller is not mounted");
                }
            }
            return new V1(Map.copyOf(groups), List.copyOf(problems));
        }

        @Override
        public CgroupVersion version() {
            return CgroupVersion.V1;
        }

        @Override
        public Set<String> controllers() {
            return groups.keySet();
        }

        @Override
        public JobCgroup create(String name, SandboxLimits limits) throws IOException {
            Map<String, Path> dirs = new LinkedHashMap<>();
            JobCgroup.V1 job = new JobCgroup.V1(dirs);
            try {
                for (var e : groups.entrySet()) {
                    Path dir = e.getValue().resolve(name);
                    Files.createDirectory(dir);
                    dirs.put(e.getKey(), dir);
                }
                job.apply(limits);
                return job;
            } catch (IOException | RuntimeException e) {
                job.remove();
                throw e;
            }
        }
    }

    /**
     * cgroup v2: job cgroups below {@code parent/roost-sandbox}. The parent must let its
     * children use the memory and pids controllers; a cgroup that holds processes itself (other
     * than the root) cannot, which is why a configured, delegated parent may be needed.
     */
    record V2(Path group, Set<String> controllers, List<String> problems) implements Cgroups {
        /**
         * The nearest cgroup, from this process's own up to the root, below which job cgroups
         * get the memory and pids controllers. The own cgroup usually holds processes (this JVM,
         * its launcher), and the kernel lets no such cgroup but the root hand controllers to
         * children; a node running as root then ends up at its parent slice or the root.
         */
        static V2 find(Path mount, Path own) {
            V2 first = null;
            for (Path candidate = own; candidate != null && candidate.startsWith(mount);
                 candidate = candidate.equals(mount) ? null : candidate.getParent()) {
                boolean existed = Files.exists(candidate.resolve(GROUP));
                V2 found = at(candidate);
                if (found.problems().isEmpty()) {
                    return found;
                }
                if (first == null) {
                    first = found;
                }
                if (!existed) {
                    try {
                        Files.deleteIfExists(candidate.resolve(GROUP));
                    } catch (IOException e) {
                        // not ours to worry about: an empty cgroup
                    }
                }
            }
            if (first == null) {
                return new V2(own.resolve(GROUP), Set.of(), List.of("this process's cgroup " + own + " is not below " + mount));
            }
            List<String> problems = first.problems().stream().map(p -> p + "; its parents up to " + mount + " did not work either")
                    .toList();
            return new V2(first.group(), first.controllers(), problems);
        }

        static V2 at(Path parent) {
            Path group = parent.resolve(GROUP);
            List<String> problems = new ArrayList<>();
            Set<String> enabled = new HashSet<>();
            try {
                Files.createDirectories(group);
                if (!Files.isWritable(group)) {
                    throw new IOException("not writable by this user");
                }
                Set<String> inParent = Cgroups.words(read(parent.resolve("cgroup.subtree_control")).orElse(""));
                for (String c : WANTED) {
                    if (!inParent.contains(c)) {
                        try {
                            write(parent.resolve("cgroup.subtree_control"), "+" + c);
                        } catch (IOException e) {
                            // reported below through what the group offers
                        }
                    }
                }
                Set<String> offered = Cgroups.words(read(group.resolve("cgroup.controllers")).orElse(""));
                for (String c : WANTED) {
                    if (offered.contains(c)) {
                        try {
                            write(group.resolve("cgroup.subtree_control"), "+" + c);
                            enabled.add(c);
                        } catch (IOException e) {
                            // reported below
                        }
                    }
                }
            } catch (IOException e) {
                problems.add("cannot make the cgroup " + group + ": " + e.getMessage()
                        + " (run the node as root, or give it a delegated cgroup: systemd Delegate=yes, and ROOST_SANDBOX_CGROUP)");
            }
            if (problems.isEmpty()) {
                for (String c : REQUIRED) {
                    if (!enabled.contains(c)) {
                        problems.add("the cgroup v2 " + c + " controller cannot be enabled below " + parent
                                + " (a cgroup that holds processes cannot hand controllers to children; run the node under"
                                + " systemd with Delegate=yes and point ROOST_SANDBOX_CGROUP at an empty cgroup it owns)");
                    }
                }
            }
            return new V2(group, Set.copyOf(enabled), List.copyOf(problems));
        }

        @Override
        public CgroupVersion version() {
            return CgroupVersion.V2;
        }

        @Override
        public JobCgroup create(String name, SandboxLimits limits) throws IOException {
            Path dir = group.resolve(name);
            Files.createDirectory(dir);
            JobCgroup.V2 job = new JobCgroup.V2(dir);
            try {
                job.apply(limits);
                return job;
            } catch (IOException | RuntimeException e) {
                job.remove();
                throw e;
            }
        }
    }
}
