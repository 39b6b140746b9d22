package dev.roost.runtime.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Network;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeContract;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox runtime against real bubblewrap and cgroups: the shared contract, plus what only jails have. */
class SandboxRuntimeContractTest extends RuntimeContract {
    private static SandboxRuntime runtime;

    @BeforeAll
    static void make() {
        runtime = new SandboxRuntime(SandboxTestSupport.settings("contract"));
    }

    @BeforeEach
    void sandboxWorks() {
        SandboxTestSupport.requireSandbox(runtime);
    }

    @AfterAll
    static void close() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Override
    protected Runtime runtime() {
        return runtime;
    }

    @Override
    protected String image() {
        return SandboxTestSupport.IMAGE;
    }

    @Override
    protected String unhealthyImage() {
        return SandboxTestSupport.UNHEALTHY_IMAGE;
    }

    @Override
    protected String missingImage() {
        return SandboxTestSupport.MISSING_IMAGE;
    }

    @Override
    protected void exitBehindBack(String containerId, int exitCode) {
        // The test image's main process exits with the code written to /tmp/exit.
        assertThat(runtime.exec(containerId, List.of("sh", "-c", "echo " + exitCode + " > /tmp/exit"), Duration.ofSeconds(10)).exitCode())
                .isZero();
    }

    @Override
    protected void killBehindBack(String containerId) {
        runtime.cgroupOf(containerId).killAll();
    }

    @Override
    protected void removeBehindBack(String containerId) {
        var group = runtime.cgroupOf(containerId);
        group.killAll();
        SandboxRuntime.deleteTree(runtime.directoryOf(containerId));
        group.remove();
    }

    @Override
    protected void changeMemoryBehindBack(String containerId, long bytes) {
        try {
            runtime.cgroupOf(containerId).setMemoryLimit(bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    protected void writeLog(String containerId, LogLine.Stream stream, String text) {
        long pid = runtime.mainProcess(containerId).orElseThrow();
        Path fd = Path.of("/proc", Long.toString(pid), "fd", stream == LogLine.Stream.STDERR ? "2" : "1");
        try {
            Files.writeString(fd, text + "\n", StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        // Like a process writing at human pace: stdout and stderr are separate pipes, and two lines
        // written within microseconds of each other on both may be read in either order.
        Path dir = runtime.directoryOf(containerId);
        await().atMost(WAIT).until(() -> contains(dir.resolve("log"), text) || contains(dir.resolve("log.1"), text));
    }

    private static boolean contains(Path log, String text) throws IOException {
        return Files.exists(log) && Files.readString(log).contains(" " + text + "\n");
    }

    @Override
    protected Optional<String> environmentOf(String containerId, String name) {
        long pid = runtime.mainProcess(containerId).orElseThrow();
        try {
            for (String entry : new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8)
                    .split("\u0000")) {
                if (entry.startsWith(name + "=")) {
                    return Optional.of(entry.substring(name.length() + 1));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    protected boolean hasVolumes(UUID instanceId) {
        return runtime.hasVolumes(instanceId);
    }

    @Override
    protected Runtime unavailableRuntime() {
        return new SandboxRuntime(SandboxTestSupport.settings("down").withBubblewrap(Path.of("/nonexistent/roost-test-bwrap")));
    }

    @Override
    protected void cleanUp(Collection<UUID> instanceIds) {
        if (runtime != null && runtime.status().usable()) {
            runtime.purge(instanceIds);
        }
    }

    // ---- sandbox only -------------------------------------------------------------------

    @Test
    void a_webhook_reaches_the_jail_through_its_endpoint_though_the_jail_has_no_network() throws Exception {
        String id = create(workload().network(Network.Inbound.WEBHOOK, Network.Egress.NONE).spec());

        InetSocketAddress endpoint = runtime.endpoint(id, HTTP_PORT).orElseThrow();
        assertThat(endpoint.getAddress().isLoopbackAddress()).isTrue();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://" + endpoint.getHostString() + ":" + endpoint.getPort() + "/cgi-bin/webhook"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"update_id\": 1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"update_id\": 1}");

        // Inside, only loopback: no route anywhere, not even to the host.
        SandboxRuntime.ExecResult ip = runtime.exec(id, List.of("sh", "-c", "cat /proc/net/dev | tail -n +3 | cut -d: -f1"),
                Duration.ofSeconds(5));
        assertThat(ip.output().strip()).isEqualTo("lo");
    }

    @Test
    void the_jail_runs_unprivileged_on_a_read_only_root_with_writable_volumes_and_tmp() {
        WorkloadSpec spec = workload().volume("data", "/data").spec();
        String id = create(spec);

        SandboxRuntime.ExecResult r = runtime.exec(id, List.of("sh", "-c",
                "id -u; touch /bin/x 2>/dev/null && echo root-writable; echo v > /data/f && cat /data/f; echo t > /tmp/f && cat /tmp/f;"
                        + " ls /proc | grep -c '^[0-9]'"), Duration.ofSeconds(5));

        List<String> lines = r.output().strip().lines().toList();
        assertThat(lines.getFirst()).isNotEqualTo("0");
        assertThat(lines).doesNotContain("root-writable").contains("v", "t");
        // The jail's own processes only: bubblewrap's init, the service, its httpd and sleep, this shell.
        assertThat(Integer.parseInt(lines.getLast())).isLessThan(10);
    }

    @Test
    void secret_files_are_mounted_read_only_and_gone_with_the_container() {
        RecordingSecrets secrets = new RecordingSecrets(Map.of("tls", "key-bytes".getBytes(StandardCharsets.UTF_8)));
        WorkloadSpec spec = workload().secretFile("/run/secrets/tls.key", "tls").spec();
        String id = create(spec, 0, secrets);

        SandboxRuntime.ExecResult r = runtime.exec(id, List.of("sh", "-c", "cat /run/secrets/tls.key; echo x > /run/secrets/tls.key || echo ro"),
                Duration.ofSeconds(5));
        assertThat(r.output()).contains("key-bytes").contains("ro");

        runtime.apply(new RuntimeAction.RemoveContainer(spec.instanceId(), id, "test"), SecretSource.NONE);
        assertThat(runtime.settings().secretRoot().resolve(id)).doesNotExist();
    }

    @Test
    void an_oom_kill_is_observed_as_such() {
        WorkloadSpec spec = workload().memory(16L << 20).spec();
        String id = create(spec);

        runtime.exec(id, List.of("sh", "-c", "cat /dev/zero | head -c 64m | tail > /dev/null; echo 9 > /tmp/exit"),
                Duration.ofSeconds(10));
        // tail holds what it read in memory: the kernel kills it. Then the service is asked to end.
        await().atMost(WAIT).untilAsserted(() -> {
            ObservedContainer c = observed(spec.instanceId(), id);
            assertThat(c.state()).isEqualTo(ObservedContainer.State.EXITED);
            assertThat(c.oomKilled()).isTrue();
        });
    }

    @Test
    void without_an_egress_proxy_a_jail_asking_for_gateway_egress_has_no_network() {
        WorkloadSpec spec = workload().network(Network.Inbound.NONE, Network.Egress.GATEWAY_ONLY).spec();
        String id = create(spec);

        SandboxRuntime.ExecResult r = runtime.exec(id, List.of("sh", "-c", "tr '\\0' '\\n' < /proc/2/environ; ls /sys/class/net;"
                + " printf 'GET http://example.com/ HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 3128; echo \" exit=$?\""),
                Duration.ofSeconds(15));
        assertThat(r.output()).doesNotContain("HTTP_PROXY").doesNotContain("ROOST_GATEWAY_URL").doesNotContain("HTTP/1.")
                .doesNotContain("exit=0");
    }

    @Test
    void a_jail_outlives_the_runtime_object_and_a_new_one_observes_and_stops_it() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        try (SandboxRuntime restarted = new SandboxRuntime(runtime.settings())) {
            assertThat(restarted.observe(spec.instanceId())).singleElement().satisfies(c -> {
                assertThat(c.containerId()).isEqualTo(id);
                assertThat(c.state()).isEqualTo(ObservedContainer.State.RUNNING);
                assertThat(c.specHash()).isEqualTo(spec.specHash());
            });
            assertThat(restarted.probe(id, HEALTHY_HTTP, HTTP_PORT, PROBE_TIMEOUT).healthy()).isTrue();
            restarted.apply(new RuntimeAction.StopContainer(spec.instanceId(), id, "test"), SecretSource.NONE);
        }
        assertThat(observed(spec.instanceId(), id).exitCode()).contains(0);
    }

    @Test
    void logs_are_bounded_by_rotation() {
        String id = create(workload().spec());
        String line = "x".repeat(1000);
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 700; i++) {
            lines.append(i).append(' ').append(line).append('\n');
        }
        long pid = runtime.mainProcess(id).orElseThrow();
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "fd", "1"), lines, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        await().atMost(WAIT).untilAsserted(() -> {
            try (var s = runtime.logs(id, new LogRequest(1, false))) {
                assertThat(s.next(Duration.ofSeconds(1))).map(LogLine::text).contains("699 " + line);
            }
        });
        Path dir = runtime.directoryOf(id);
        long total = dir.resolve("log").toFile().length() + dir.resolve("log.1").toFile().length();
        assertThat(total).isLessThanOrEqualTo(2L * runtime.settings().logBytes() + 2048);
    }

    @Test
    void an_image_name_cannot_escape_the_image_directory() {
        assertThatThrownBy(() -> runtime.apply(new RuntimeAction.EnsureImage(UUID.randomUUID(), "../../etc:1",
                dev.roost.core.manifest.RuntimeSpec.PullPolicy.NEVER, "test"), SecretSource.NONE))
                .isInstanceOfSatisfying(RuntimeFailure.class, e -> assertThat(e.kind()).isEqualTo(RuntimeFailure.Kind.IMAGE_NOT_FOUND));
    }

    @Test
    void a_killed_supervisor_takes_its_jail_down_and_the_jail_is_observed_exited_without_a_code() throws IOException {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);
        long shim = Long.parseLong(Files.readString(runtime.directoryOf(id).resolve("shim.pid")).strip().split(" ")[0]);

        ProcessHandle.of(shim).orElseThrow().destroyForcibly();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(runtime.cgroupOf(id).processes()).as("no process of the jail is left").isEmpty();
            ObservedContainer c = observed(spec.instanceId(), id);
            assertThat(c.state()).isEqualTo(ObservedContainer.State.EXITED);
            assertThat(c.exitCode()).isEmpty();
        });
        assertThat(create(spec)).isEqualTo(id);
        assertThat(observed(spec.instanceId(), id).running()).isTrue();
    }
}
