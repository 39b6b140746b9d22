package dev.roost.sandbox.bubblewrap;

import static java.util.Objects.requireNonNull;

import dev.roost.sandbox.SandboxLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The sandbox's cgroups for processes that are not jobs: the sandboxed instances of the
 * runtime module, which live longer than any one Roost process. Same hierarchy and groups as
 * jobs ({@code …/roost-sandbox/<name>}, v1 or v2); a group is described by its directories,
 * so a later process can {@link #open} it again from what an earlier one stored.
 */
public final class InstanceCgroups {
    /** {@link Group#directories()} key of the one directory of a cgroup v2 group. */
    public static final String UNIFIED = "unified";

    private final Cgroups cgroups;

    private InstanceCgroups(Cgroups cgroups) {
        this.cgroups = cgroups;
    }

    /** Looks at this process's cgroups; {@code v2Parent} as {@code ROOST_SANDBOX_CGROUP}. */
    public static InstanceCgroups detect(Optional<Path> v2Parent) {
        return new InstanceCgroups(Cgroups.detect(requireNonNull(v2Parent, "v2Parent is null")));
    }

    /** Why groups cannot be made here, each with what to do; empty when they can. */
    public List<String> problems() {
        return cgroups.problems();
    }

    /** {@code v1}, {@code v2} or {@code none}. */
    public String version() {
        return cgroups.version().name().toLowerCase(java.util.Locale.ROOT);
    }

    public Set<String> controllers() {
        return cgroups.controllers();
    }

    /** Makes group {@code name} (which must not exist) with these limits. */
    public Group create(String name, long memoryBytes, int cpuMillicores, int pids) throws IOException {
        SandboxLimits limits = SandboxLimits.DEFAULT.withMemoryBytes(memoryBytes).withCpuMillicores(cpuMillicores).withPids(pids)
                .withTimeout(Duration.ofDays(365_000));
        return wrap(cgroups.create(name, limits));
    }

    /** A group made earlier, from its {@link Group#version()} and {@link Group#directories()}. */
    public static Group open(String version, Map<String, Path> directories) {
        return switch (version) {
            case "v1" -> new Group(new JobCgroup.V1(Map.copyOf(directories)));
            case "v2" -> new Group(new JobCgroup.V2(requireNonNull(directories.get(UNIFIED), "no unified directory")));
            default -> throw new IllegalArgumentException("unknown cgroup version " + version);
        };
    }

    private static Group wrap(JobCgroup cgroup) {
        return new Group(cgroup);
    }

    /** One group: join, read, kill, remove. */
    public static final class Group {
        private final JobCgroup cgroup;

        private Group(JobCgroup cgroup) {
            this.cgroup = cgroup;
        }

        public String version() {
            return cgroup instanceof JobCgroup.V1 ? "v1" : "v2";
        }

        /** controller → directory (v1), or {@link #UNIFIED} → the directory (v2). */
        public Map<String, Path> directories() {
            return switch (cgroup) {
                case JobCgroup.V1 v1 -> new LinkedHashMap<>(v1.dirs());
                case JobCgroup.V2 v2 -> Map.of(UNIFIED, v2.dir());
            };
        }

        /** The files a process writes its pid into to join the group. */
        public List<Path> procsFiles() {
            return cgroup.procsFiles();
        }

        /** Whether the group's directories still exist. */
        public boolean exists() {
            return directories().values().stream().allMatch(java.nio.file.Files::isDirectory);
        }

        /** The pids of every process in the group. */
        public List<Long> processes() {
            java.util.TreeSet<Long> pids = new java.util.TreeSet<>();
            for (Path procs : procsFiles()) {
                Cgroups.read(procs).ifPresent(text -> text.lines().filter(l -> !l.isBlank()).forEach(l -> pids.add(Long.parseLong(l.strip()))));
            }
            return List.copyOf(pids);
        }

        /** The number of OOM kills in the group so far. */
        public long oomKills() {
            Path file = switch (cgroup) {
                case JobCgroup.V1 v1 -> v1.dirs().containsKey("memory") ? v1.dirs().get("memory").resolve("memory.oom_control") : null;
                case JobCgroup.V2 v2 -> v2.dir().resolve("memory.events");
            };
            if (file == null) {
                return 0;
            }
            return Cgroups.read(file).stream().flatMap(String::lines).map(l -> l.split("\\s+"))
                    .filter(f -> f.length == 2 && f[0].equals("oom_kill")).mapToLong(f -> Long.parseLong(f[1])).findFirst().orElse(0);
        }

        /** The memory limit now in force; empty when unlimited or unreadable. */
        public OptionalLong memoryLimit() {
            Path file = switch (cgroup) {
                case JobCgroup.V1 v1 -> v1.dirs().containsKey("memory") ? v1.dirs().get("memory").resolve("memory.limit_in_bytes") : null;
                case JobCgroup.V2 v2 -> v2.dir().resolve("memory.max");
            };
            return number(file);
        }

        /** The PID limit now in force; empty when unlimited or unreadable. */
        public OptionalLong pidsLimit() {
            Path file = switch (cgroup) {
                case JobCgroup.V1 v1 -> v1.dirs().containsKey("pids") ? v1.dirs().get("pids").resolve("pids.max") : null;
                case JobCgroup.V2 v2 -> v2.dir().resolve("pids.max");
            };
            return number(file);
        }

        /** Sets the memory limit (as an operator might behind Roost's back; tests). */
        public void setMemoryLimit(long bytes) throws IOException {
            switch (cgroup) {
                case JobCgroup.V1 v1 -> {
                    Path memory = v1.dirs().get("memory");
                    Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
                    boolean raise = bytes > memoryLimit().orElse(0);
                    // The kernel keeps memory+swap >= memory: raise memsw first, lower it last.
                    if (raise && java.nio.file.Files.exists(memsw)) {
                        Cgroups.write(memsw, Long.toString(bytes));
                    }
                    Cgroups.write(memory.resolve("memory.limit_in_bytes"), Long.toString(bytes));
                    if (!raise && java.nio.file.Files.exists(memsw)) {
                        Cgroups.write(memsw, Long.toString(bytes));
                    }
                }
                case JobCgroup.V2 v2 -> Cgroups.write(v2.dir().resolve("memory.max"), Long.toString(bytes));
            }
        }

        /** Kills every process in the group and waits (a bounded time) until none is left. */
        public void killAll() {
            cgroup.killAll();
        }

        /** Removes the group (after {@link #killAll()}); best effort. */
        public void remove() {
            cgroup.remove();
        }

        private static OptionalLong number(Path file) {
            if (file == null) {
                return OptionalLong.empty();
            }
            return Cgroups.read(file).filter(s -> s.matches("[0-9]+")).map(s -> OptionalLong.of(Long.parseLong(s)))
                    .orElse(OptionalLong.empty());
        }
    }
}
