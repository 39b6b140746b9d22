package dev.roost.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How much of the machine's CPU went to processes other than this benchmark and the servers
 * it runs, between two snapshots. On a small machine, other work (a build, a test suite)
 * slows every start and stretches every latency; this figure says how far to trust a run.
 */
final class CpuShare {
    private static final int TICKS_PER_SECOND = 100; // Linux USER_HZ

    /** Busy CPU ticks of the whole machine and of our own processes, at one moment. */
    record Snapshot(long machineBusyTicks, long ownTicks, long nanos) {
    }

    private CpuShare() {
    }

    /** {@code livePids}: our processes that are still running (the server and its PostgreSQL). */
    static Snapshot take(List<Long> livePids) {
        long own = selfAndReapedChildrenTicks();
        for (long pid : livePids) {
            long ms = ProcessMemory.cpuMillis(pid);
            if (ms > 0) {
                own += ms / 10;
            }
        }
        return new Snapshot(machineBusyTicks(), own, System.nanoTime());
    }

    /** Share of the machine's total CPU capacity used by other processes between two snapshots, 0..1, or -1. */
    static double others(Snapshot from, Snapshot to) {
        if (from.machineBusyTicks() < 0 || to.machineBusyTicks() < 0) {
            return -1;
        }
        double capacity = (to.nanos() - from.nanos()) / 1e9 * TICKS_PER_SECOND * Runtime.getRuntime().availableProcessors();
        long othersTicks = (to.machineBusyTicks() - from.machineBusyTicks()) - (to.ownTicks() - from.ownTicks());
        return Math.max(0, Math.min(1, othersTicks / capacity));
    }

    private static long machineBusyTicks() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0); // "cpu  user nice system idle iowait irq softirq steal ..."
            String[] f = cpu.trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(f[i]);
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long selfAndReapedChildrenTicks() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime stime cutime cstime are fields 14-17 of the line, 12-15 after "pid (comm) "
            return Long.parseLong(rest[11]) + Long.parseLong(rest[12]) + Long.parseLong(rest[13]) + Long.parseLong(rest[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
