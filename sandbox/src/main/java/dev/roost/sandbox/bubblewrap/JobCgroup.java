package dev.roost.sandbox.bubblewrap;

import dev.roost.sandbox.SandboxLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job's cgroup (v1: one directory per controller). The jail process joins it before it
 * execs bubblewrap, so every process of the job is in it from the first instruction; killing
 * the job means killing every process listed in it.
 */
sealed interface JobCgroup permits JobCgroup.V1, JobCgroup.V2 {
    Logger LOG = LoggerFactory.getLogger(JobCgroup.class);

    /**
     * Sets the job's memory, PID and CPU limits; again on a cgroup a waiting jail already joined
     * (memory below what its processes use is refused by the kernel).
     */
    void apply(SandboxLimits limits) throws IOException;

    /** The files a process writes its pid into to join. */
    List<Path> procsFiles();

    /** Kills every process in the cgroup and waits (a bounded time) until none is left. */
    void killAll();

    /** Whether the kernel's OOM killer killed a process in the cgroup. */
    boolean oomKilled();

    /** Removes the cgroup, after {@link #killAll()}. Best effort: logs what it could not remove. */
    void remove();

    record V1(Map<String, Path> dirs) implements JobCgroup {
        @Override
        public void apply(SandboxLimits limits) throws IOException {
            Path memory = dirs.get("memory");
            String bytes = Long.toString(limits.memoryBytes());
            // Memory plus swap too: without it a job could swap past its limit. The kernel keeps
            // memory+swap >= memory, so a raise sets memory+swap first and a cut sets it last.
            Path memsw = memory.resolve("memory.memsw.limit_in_bytes");
            boolean swapLimited = Files.exists(memsw);
            long current = Cgroups.read(memory.resolve("memory.limit_in_bytes")).map(Long::parseLong).orElse(Long.MAX_VALUE);
            boolean raise = limits.memoryBytes() > current;
            if (swapLimited && raise) {
                Cgroups.write(memsw, bytes);
            }
            Cgroups.write(memory.resolve("memory.limit_in_bytes"), bytes);
            if (swapLimited && !raise) {
                Cgroups.write(memsw, bytes);
            }
            Cgroups.write(dirs.get("pids").resolve("pids.max"), Integer.toString(limits.pids()));
            Path cpu = dirs.get("cpu");
            if (cpu != null) {
                Cgroups.write(cpu.resolve("cpu.cfs_period_us"), "100000");
                Cgroups.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(limits.cpuMillicores() * 100L));
            }
        }

        @Override
        public List<Path> procsFiles() {
            return dirs.values().stream().map(d -> d.resolve("cgroup.procs")).toList();
        }

        @Override
        public void killAll() {
            // No cgroup.kill in v1: signal every listed process until none is left. The pids
            // limit bounds how many a fork bomb can make between two rounds.
            killUntilEmpty(dirs.values());
        }

        @Override
        public boolean oomKilled() {
            Path memory = dirs.get("memory");
            if (memory == null) {
                return false;
            }
            return counter(memory.resolve("memory.oom_control"), "oom_kill") > 0;
        }

        @Override
        public void remove() {
            dirs.values().forEach(JobCgroup::removeDirectory);
        }
    }

    record V2(Path dir) implements JobCgroup {
        @Override
        public void apply(SandboxLimits limits) throws IOException {
            Cgroups.write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
            if (Files.exists(dir.resolve("memory.swap.max"))) {
                Cgroups.write(dir.resolve("memory.swap.max"), "0");
            }
            Cgroups.write(dir.resolve("pids.max"), Integer.toString(limits.pids()));
            if (Files.exists(dir.resolve("cpu.max"))) {
                Cgroups.write(dir.resolve("cpu.max"), (limits.cpuMillicores() * 100L) + " 100000");
            }
        }

        @Override
        public List<Path> procsFiles() {
            return List.of(dir.resolve("cgroup.procs"));
        }

        @Override
        public void killAll() {
            Path kill = dir.resolve("cgroup.kill");
            if (Files.exists(kill)) {
                try {
                    // Linux 5.14+: the kernel kills the whole cgroup at once, racing no fork.
                    Cgroups.write(kill, "1");
                } catch (IOException e) {
                    LOG.warn("cannot write {}: {}; killing process by process", kill, e.toString());
                }
            }
            killUntilEmpty(List.of(dir));
        }

        @Override
        public boolean oomKilled() {
            return counter(dir.resolve("memory.events"), "oom_kill") > 0;
        }

        @Override
        public void remove() {
            removeDirectory(dir);
        }
    }

    private static void killUntilEmpty(Collection<Path> dirs) {
        for (int round = 0; round < 500; round++) {
            TreeSet<Long> pids = new TreeSet<>();
            for (Path d : dirs) {
                pids.addAll(pids(d.resolve("cgroup.procs")));
            }
            if (pids.isEmpty()) {
                return;
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            sleep(round < 20 ? 2 : 10);
        }
        LOG.warn("processes remain in {} after five seconds of killing", dirs);
    }

    private static List<Long> pids(Path procs) {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(procs)) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        } catch (NoSuchFileException e) {
            // gone
        } catch (IOException | NumberFormatException e) {
            LOG.warn("cannot read {}: {}", procs, e.toString());
        }
        return pids;
    }

    private static long counter(Path file, String key) {
        return Cgroups.read(file).stream().flatMap(String::lines).map(l -> l.split("\\s+"))
                .filter(f -> f.length == 2 && f[0].equals(key)).mapToLong(f -> Long.parseLong(f[1])).findFirst().orElse(0);
    }

    private static void removeDirectory(Path dir) {
        // rmdir fails with EBUSY while the last killed processes are still exiting.
        for (int attempt = 0; attempt < 250; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                sleep(attempt < 20 ? 2 : 20);
            }
        }
        LOG.warn("cannot remove cgroup {}; it is left behind", dir);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
