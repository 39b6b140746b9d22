package dev.roost.cli.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The facts a node reports, read from this (Linux) machine. */
class MachineFactsTest {

    @Test
    void reportsThisMachinesCpusMemoryDiskAndLabels() {
        assumeTrue(Files.exists(Path.of("/proc/meminfo")), "needs Linux /proc to read machine facts");
        Map<String, Object> caps = new MachineFacts(Path.of("target", "no-such-dir", "state")).capabilities(Map.of("zone", "eu-1"));
        assertThat((Integer) caps.get("cpus")).isPositive();
        assertThat((Long) caps.get("memoryBytes")).isGreaterThan(16L << 20);
        assertThat((Long) caps.get("diskBytes")).as("the file system of the nearest existing parent").isPositive();
        assertThat(caps.get("os")).isEqualTo("linux");
        assertThat(caps.get("arch")).isIn("amd64", "arm64", System.getProperty("os.arch"));
        assertThat(caps.get("docker")).isEqualTo(Files.exists(Path.of("/var/run/docker.sock")));
        assertThat(caps.get("labels")).isEqualTo(Map.of("zone", "eu-1"));

        Map<String, Object> load = new MachineFacts(Path.of("target")).load(3);
        assertThat((Long) load.get("freeMemoryBytes")).isPositive().isLessThanOrEqualTo((Long) caps.get("memoryBytes"));
        assertThat(load.get("runningJobs")).isEqualTo(3);
    }

    @Test
    @SuppressWarnings("unchecked")
    void reportsBubblewrapWithItsVersionWhenInstalled() throws Exception {
        boolean installed;
        try {
            installed = new ProcessBuilder("bwrap", "--version").start().waitFor() == 0;
        } catch (java.io.IOException e) {
            installed = false;
        }
        List<Map<String, Object>> sandboxes = (List<Map<String, Object>>) new MachineFacts(Path.of("target"))
                .capabilities(Map.of()).get("sandboxes");
        if (installed) {
            assertThat(sandboxes).singleElement().satisfies(s -> {
                assertThat(s.get("kind")).isEqualTo("bubblewrap");
                assertThat((String) s.get("version")).matches("\\d+\\.\\d+(\\.\\d+)?");
            });
        } else {
            assertThat(sandboxes).as("no bubblewrap on this machine (install it to run sandboxed jobs)").isEmpty();
        }
    }

    @Test
    void namesNodesAfterTheHostAndMapsArchitectures() {
        assertThat(MachineFacts.defaultName()).matches("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
        assertThat(MachineFacts.arch("x86_64")).isEqualTo("amd64");
        assertThat(MachineFacts.arch("aarch64")).isEqualTo("arm64");
        assertThat(MachineFacts.arch("riscv64")).isEqualTo("riscv64");
    }
}
