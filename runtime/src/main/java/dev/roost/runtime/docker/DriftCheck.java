package dev.roost.runtime.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.RestartPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares a container's live settings with what Roost set at creation (its
 * {@code roost.expect.*} labels) and says, one short sentence each, what was changed behind
 * Roost's back: limits changed with {@code docker update}, networks connected or disconnected,
 * a restart policy set. Only settings that can change on an existing container are checked.
 */
final class DriftCheck {
    private DriftCheck() {
    }

    static List<String> of(InspectContainerResponse container, Map<String, String> labels) {
        List<String> drift = new ArrayList<>();
        HostConfig host = container.getHostConfig();
        if (host == null) {
            return drift;
        }
        long expectedMemory = ContainerLabels.number(labels, ContainerLabels.EXPECT_MEMORY).orElse(0L);
        long memory = positive(host.getMemory());
        if (memory != expectedMemory) {
            drift.add(memory == 0 ? "memory limit was removed, manifest says " + bytes(expectedMemory)
                    : expectedMemory == 0 ? "memory limit is " + bytes(memory) + ", manifest sets none"
                    : "memory limit is " + bytes(memory) + ", manifest says " + bytes(expectedMemory));
        }
        long swap = host.getMemorySwap() == null ? 0 : host.getMemorySwap();
        if (expectedMemory > 0 && memory > 0 && swap != memory) {
            drift.add(swap < 0 ? "swap is unlimited, Roost allows none"
                    : "memory plus swap limit is " + bytes(swap) + ", Roost allows no swap (" + bytes(memory) + ")");
        }
        long expectedCpus = ContainerLabels.number(labels, ContainerLabels.EXPECT_NANO_CPUS).orElse(0L);
        long cpus = positive(host.getNanoCPUs());
        if (cpus != expectedCpus) {
            drift.add(cpus == 0 ? "CPU limit was removed, manifest says " + cpu(expectedCpus)
                    : expectedCpus == 0 ? "CPU limit is " + cpu(cpus) + ", manifest sets none"
                    : "CPU limit is " + cpu(cpus) + ", manifest says " + cpu(expectedCpus));
        }
        if (positive(host.getCpuQuota()) != 0) {
            drift.add("a CPU quota of " + host.getCpuQuota() + " µs per period was set");
        }
        long expectedPids = ContainerLabels.number(labels, ContainerLabels.EXPECT_PIDS).orElse(0L);
        long pids = positive(host.getPidsLimit());
        if (expectedPids > 0 && pids != expectedPids) {
            drift.add(pids == 0 ? "PID limit was removed, Roost set " + expectedPids
                    : "PID limit is " + pids + ", Roost set " + expectedPids);
        }
        RestartPolicy restart = host.getRestartPolicy();
        if (restart != null && restart.getName() != null && !restart.getName().isEmpty() && !restart.getName().equals("no")) {
            drift.add("restart policy is " + restart.getName() + ", Roost sets no (it restarts containers itself)");
        }
        String expectedNetwork = labels.get(ContainerLabels.EXPECT_NETWORK);
        if (expectedNetwork != null && container.getNetworkSettings() != null) {
            Map<String, ContainerNetwork> networks = container.getNetworkSettings().getNetworks();
            Set<String> actual = new TreeSet<>(networks == null ? Set.of() : networks.keySet());
            if (expectedNetwork.equals(ContainerLabels.NO_NETWORK)) {
                actual.remove(ContainerLabels.NO_NETWORK);
                for (String network : actual) {
                    drift.add("connected to network " + network + ", manifest says no network");
                }
            } else {
                if (!actual.remove(expectedNetwork)) {
                    drift.add("disconnected from its network " + expectedNetwork);
                }
                for (String network : actual) {
                    drift.add("also connected to network " + network);
                }
            }
        }
        return drift;
    }

    private static long positive(Long value) {
        return value == null || value < 0 ? 0 : value;
    }

    static String bytes(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }

    private static String cpu(long nanoCpus) {
        return (nanoCpus / 1_000_000) + "m";
    }
}
