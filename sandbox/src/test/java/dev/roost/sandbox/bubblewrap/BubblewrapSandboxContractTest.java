package dev.roost.sandbox.bubblewrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.sandbox.Sandbox;
import dev.roost.sandbox.SandboxAvailability;
import dev.roost.sandbox.SandboxContract;
import dev.roost.sandbox.SandboxJob;
import dev.roost.sandbox.SandboxResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bubblewrap sandbox against real bubblewrap and real cgroups: the shared contract, plus clean-up and probing. */
class BubblewrapSandboxContractTest extends SandboxContract {
    private static BubblewrapSandbox sandbox;

    @BeforeAll
    static void create() {
        sandbox = BubblewrapTestSupport.sandbox("contract");
    }

    @BeforeEach
    void sandboxUsable() {
        BubblewrapTestSupport.requireSandbox(sandbox);
    }

    @Override
    protected Sandbox sandbox() {
        return sandbox;
    }

    @Override
    protected Sandbox unavailableSandbox() {
        return new BubblewrapSandbox(BubblewrapSettings.defaults(BubblewrapTestSupport.runRoot().resolve("broken"))
                .withBubblewrap(Path.of("/nonexistent/bwrap")));
    }

    // ---- bubblewrap only ---------------------------------------------------------------------

    @Test
    void the_missing_binary_is_named_with_what_to_install() {
        SandboxAvailability a = unavailableSandbox().probe();

        assertThat(a.summary()).contains("/nonexistent/bwrap").contains("apt-get install bubblewrap");
        assertThat(a.version()).isEmpty();
    }

    @Test
    void a_work_root_the_job_user_cannot_reach_is_reported() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))),
                "only a node running as root drops jobs to another user");
        Path closed = BubblewrapTestSupport.runRoot().resolve("closed-" + System.nanoTime());
        Files.createDirectories(closed);
        Files.setPosixFilePermissions(closed, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

        SandboxAvailability a = new BubblewrapSandbox(BubblewrapSettings.defaults(closed.resolve("jobs"))).probe();

        assertThat(a.usable()).isFalse();
        assertThat(a.summary()).contains("cannot pass through " + closed).contains("chmod 711");
    }

    @Test
    void a_cgroup_v2_parent_without_the_memory_controller_is_reported() throws Exception {
        // On a hybrid host (v1 controllers, plus an empty v2 hierarchy) the v2 path can be checked
        // for its refusal; where v2 is the real hierarchy the contract above already runs on it.
        Path unified = Path.of("/sys/fs/cgroup/unified");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(unified.resolve("cgroup.controllers"))
                && !Files.readString(unified.resolve("cgroup.controllers")).contains("memory"),
                "needs a hybrid cgroup layout with a v2 hierarchy without the memory controller at " + unified);
        BubblewrapSettings base = BubblewrapSettings.defaults(BubblewrapTestSupport.runRoot().resolve("v2"));
        BubblewrapSettings settings = new BubblewrapSettings(base.workRoot(), base.bubblewrap(), base.jobUid(), base.jobGid(),
                java.util.Optional.of(unified));

        boolean existed = Files.exists(unified.resolve(Cgroups.GROUP));
        SandboxAvailability a;
        try {
            a = new BubblewrapSandbox(settings).probe();
        } finally {
            if (!existed) {
                Files.deleteIfExists(unified.resolve(Cgroups.GROUP));
            }
        }

        assertThat(a.usable()).isFalse();
        assertThat(a.cgroupVersion()).isEqualTo(SandboxAvailability.CgroupVersion.V2);
        assertThat(a.summary()).contains("cgroup v2 memory controller cannot be enabled").contains("Delegate=yes");
    }

    @Test
    void what_a_dead_node_left_in_the_work_root_is_removed_before_the_first_job() throws Exception {
        Path root = BubblewrapTestSupport.runRoot().resolve("leftovers-" + System.nanoTime());
        Path left = root.resolve("job-deadbeef/work/out");
        Files.createDirectories(left);
        Files.writeString(left.resolve("secret.txt"), "from a job that never finished");
        left.toFile().setReadable(false);
        BubblewrapSandbox fresh = new BubblewrapSandbox(BubblewrapSettings.defaults(root));

        BubblewrapTestSupport.requireSandbox(fresh);

        try (Stream<Path> entries = Files.list(root)) {
            assertThat(entries.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith(".etc-"));
        }
    }

    @Test
    void nothing_is_left_behind_after_jobs() throws Exception {
        run(script("echo x > out/a; sleep 0.1"));
        run(script("sleep 30").withLimits(dev.roost.sandbox.SandboxLimits.DEFAULT.withTimeout(java.time.Duration.ofMillis(300))));

        try (Stream<Path> left = Files.list(sandbox.settings().workRoot())) {
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith(".etc-"));
        }
        assertThat(jobCgroups("contract-")).isEmpty();
    }

    @Test
    void jobs_run_as_an_unprivileged_user_without_capabilities() throws Exception {
        SandboxResult r = run(script("id -u; grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; hostname"));

        List<String> lines = r.stdout().text().lines().toList();
        assertThat(lines.getFirst()).isNotEqualTo("0");
        assertThat(lines.subList(1, 4)).allMatch(l -> l.endsWith("0000000000000000"), "no capabilities: " + lines);
        assertThat(lines.get(4)).isEqualTo("roost-job");
    }

    @Test
    void the_job_runs_inside_a_cgroup_with_its_limits() throws Exception {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        dev.roost.sandbox.RunningJob job = sandbox.start(SandboxJob.script("limits", "echo started; sleep 30")
                .withLimits(dev.roost.sandbox.SandboxLimits.DEFAULT.withMemoryBytes(100L << 20).withPids(50)),
                (stream, chunk) -> started.countDown());
        try {
            assertThat(started.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            List<Path> cgroups = jobCgroups("limits-");
            assertThat(cgroups).isNotEmpty();
            for (Path dir : cgroups) {
                assertThat(Files.readString(dir.resolve("cgroup.procs")).lines().count()).as(dir.toString()).isGreaterThanOrEqualTo(3);
                for (String file : List.of("memory.limit_in_bytes", "memory.max")) {
                    if (Files.exists(dir.resolve(file))) {
                        assertThat(Files.readString(dir.resolve(file)).strip()).isEqualTo(Long.toString(100L << 20));
                    }
                }
                if (Files.exists(dir.resolve("pids.max"))) {
                    assertThat(Files.readString(dir.resolve("pids.max")).strip()).isEqualTo("50");
                }
            }
        } finally {
            job.cancel();
        }
        assertThat(job.await(WAIT).orElseThrow().cancelled()).isTrue();
        assertThat(jobCgroups("limits-")).isEmpty();
    }

    /** Job cgroups still present under this sandbox's groups. */
    private static List<Path> jobCgroups(String prefix) throws IOException {
        List<Path> groups = switch (sandbox.availability().cgroupVersion()) {
            case V1 -> Stream.of("memory", "pids", "cpu").map(c -> Path.of("/sys/fs/cgroup", c)).toList();
            case V2, NONE -> List.of(Path.of("/sys/fs/cgroup"));
        };
        try (Stream<Path> all = groups.stream().flatMap(g -> {
            try {
                return Files.walk(g, 8).filter(p -> p.getFileName().toString().startsWith(prefix)
                        && p.getParent().getFileName().toString().equals(Cgroups.GROUP)).toList().stream();
            } catch (IOException e) {
                return Stream.empty();
            }
        })) {
            return all.toList();
        }
    }
}
