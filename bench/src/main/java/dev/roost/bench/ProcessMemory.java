package dev.roost.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Memory of processes as Linux reports it in {@code /proc}: resident set size (VmRSS, which
 * counts shared pages in every process that maps them) and proportional set size (Pss, which
 * splits shared pages between the processes that share them, so a sum over a process tree is
 * not inflated by PostgreSQL's shared buffers).
 */
final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Resident set size in KiB, or empty when the process is gone. */
    static OptionalLong rssKiB(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
    }

    /** Proportional set size in KiB, or empty when the process is gone or the kernel lacks smaps_rollup. */
    static OptionalLong pssKiB(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
    }

    /**
     * CPU time (user + system, all threads) the process has used so far, in milliseconds, or
     * -1. Linux reports it in clock ticks of 1/100 s (USER_HZ) on every common architecture.
     */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
            return (Long.parseLong(rest[11]) + Long.parseLong(rest[12])) * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The PostgreSQL postmaster of a data directory (first line of postmaster.pid) and all its children. */
    static List<Long> postgresProcesses(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return List.of();
        }
        long postmaster = Long.parseLong(lines.get(0).trim());
        List<Long> result = new ArrayList<>();
        result.add(postmaster);
        result.addAll(childrenOf(postmaster));
        return result;
    }

    /** Sum of VmRSS and of Pss over the given processes, in KiB. */
    record Sum(int processes, long rssKiB, long pssKiB) {
    }

    static Sum sum(List<Long> pids) {
        long rss = 0;
        long pss = 0;
        int alive = 0;
        for (long pid : pids) {
            OptionalLong r = rssKiB(pid);
            if (r.isPresent()) {
                alive++;
                rss += r.getAsLong();
                pss += pssKiB(pid).orElse(0);
            }
        }
        return new Sum(alive, rss, pss);
    }

    private static List<Long> childrenOf(long parent) throws IOException {
        List<Long> children = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(entry.resolve("stat"));
                    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
                    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(rest[1]) == parent) {
                        children.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended while we looked
                }
            }
        }
        return children;
    }

    private static OptionalLong field(Path file, String name) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return OptionalLong.empty();
    }
}
