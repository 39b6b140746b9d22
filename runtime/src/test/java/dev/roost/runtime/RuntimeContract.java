package dev.roost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Health;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.PortRef;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.core.manifest.Volume;
import dev.roost.core.secret.SecretValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Runtime} must do, run against each adapter (the in-memory fake, Docker, …).
 * A subclass supplies the runtime, the images, and the "behind the back" hooks: what an
 * operator, the kernel or a crash might do to a container outside Roost.
 *
 * <p>Images: {@link #image()} serves HTTP on port 8080 with a healthy {@code /cgi-bin/healthz};
 * {@link #unhealthyImage()} answers 503 there; {@link #missingImage()} exists nowhere and cannot
 * be pulled (quickly).
 *
 * <p>Every test makes instances with fresh ids and {@link #cleanUp} removes whatever they left.
 */
public abstract class RuntimeContract {
    protected static final int HTTP_PORT = 8080;
    protected static final Health.Probe HEALTHY_HTTP = new Health.Http("/cgi-bin/healthz", new PortRef.ByNumber(HTTP_PORT));
    protected static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    protected static final Duration WAIT = Duration.ofSeconds(15);

    private final Set<UUID> instances = new LinkedHashSet<>();

    /** The runtime under test; may be shared by all tests of the class. */
    protected abstract Runtime runtime();

    protected abstract String image();

    protected abstract String unhealthyImage();

    protected abstract String missingImage();

    /** The container's main process exits by itself with {@code exitCode}. */
    protected abstract void exitBehindBack(String containerId, int exitCode);

    /** Someone kills the container outside Roost (docker kill). */
    protected abstract void killBehindBack(String containerId);

    /** Someone removes the container outside Roost (docker rm -f). */
    protected abstract void removeBehindBack(String containerId);

    /** Someone changes the container's memory limit outside Roost (docker update --memory). */
    protected abstract void changeMemoryBehindBack(String containerId, long bytes);

    /** The container's main process writes {@code text} as one line to {@code stream}. */
    protected abstract void writeLog(String containerId, LogLine.Stream stream, String text);

    /** The value the container's process sees for environment variable {@code name}. */
    protected abstract Optional<String> environmentOf(String containerId, String name);

    /** Whether the runtime holds volumes of the instance. */
    protected abstract boolean hasVolumes(UUID instanceId);

    /** A runtime of the same kind whose backend cannot be reached (daemon down). */
    protected abstract Runtime unavailableRuntime();

    /** Removes every container, network and volume of {@code instanceIds} (test hygiene, not behaviour). */
    protected void cleanUp(Collection<UUID> instanceIds) {
    }

    @AfterEach
    void cleanUpInstances() {
        cleanUp(List.copyOf(instances));
        instances.clear();
    }

    // ---- workloads ----------------------------------------------------------------------

    /** A workload for a fresh instance: one replica of {@link #image()}, limited, gateway egress, no secrets. */
    protected Workload workload() {
        UUID id = UUID.randomUUID();
        instances.add(id);
        return new Workload(id);
    }

    /** Builds {@link WorkloadSpec}s for tests; every with-method changes this builder. */
    protected final class Workload {
        UUID instanceId;
        String workspace = "acme";
        String instance = "bot";
        int version = 1;
        String image = RuntimeContract.this.image();
        List<String> command = List.of();
        TreeMap<String, String> env = new TreeMap<>();
        TreeMap<String, String> secretEnv = new TreeMap<>();
        TreeMap<String, String> secretFiles = new TreeMap<>();
        OptionalLong memory = OptionalLong.of(64L << 20);
        long pids = WorkloadSpec.DEFAULT_PIDS_LIMIT;
        List<Volume> volumes = new ArrayList<>();
        Network network = Network.DEFAULT;

        Workload(UUID instanceId) {
            this.instanceId = instanceId;
        }

        public Workload version(int value) {
            version = value;
            return this;
        }

        public Workload image(String value) {
            image = value;
            return this;
        }

        public Workload command(String... value) {
            command = List.of(value);
            return this;
        }

        public Workload env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Workload secretEnv(String name, String secret) {
            secretEnv.put(name, secret);
            return this;
        }

        public Workload secretFile(String path, String secret) {
            secretFiles.put(path, secret);
            return this;
        }

        public Workload memory(long bytes) {
            memory = OptionalLong.of(bytes);
            return this;
        }

        public Workload pids(long limit) {
            pids = limit;
            return this;
        }

        public Workload volume(String name, String mountPath) {
            volumes.add(new Volume(name, mountPath, Volume.DEFAULT_SIZE_BYTES));
            return this;
        }

        public Workload network(Network.Inbound inbound, Network.Egress egress) {
            network = new Network(inbound, egress, List.of(), List.of());
            return this;
        }

        public UUID instanceId() {
            return instanceId;
        }

        public WorkloadSpec spec() {
            return new WorkloadSpec(instanceId, workspace, instance, version, image, RuntimeSpec.PullPolicy.IF_NOT_PRESENT, command,
                    env, secretEnv, secretFiles, OptionalLong.of(500), memory, pids, 1, volumes, network, Optional.empty());
        }
    }

    protected String create(WorkloadSpec spec) {
        return create(spec, 0, SecretSource.NONE);
    }

    protected String create(WorkloadSpec spec, int replica, SecretSource secrets) {
        return runtime().apply(new RuntimeAction.CreateContainer(spec, replica, "test"), secrets).orElseThrow();
    }

    protected ObservedContainer observed(UUID instanceId, String containerId) {
        return runtime().observe(instanceId).stream().filter(c -> c.containerId().equals(containerId)).findFirst()
                .orElseThrow(() -> new AssertionError("container " + containerId + " is not observed"));
    }

    private static RuntimeFailure.Kind kindOf(Runnable call) {
        try {
            call.run();
        } catch (RuntimeFailure e) {
            return e.kind();
        }
        throw new AssertionError("expected a RuntimeFailure");
    }

    // ---- create and observe -------------------------------------------------------------

    @Test
    void created_container_is_observed_running_with_its_identity() {
        Workload w = workload().version(3);
        WorkloadSpec spec = w.spec();

        String id = create(spec);

        List<ObservedContainer> observed = runtime().observe(w.instanceId());
        assertThat(observed).hasSize(1);
        ObservedContainer c = observed.getFirst();
        assertThat(c.containerId()).isEqualTo(id);
        assertThat(c.state()).isEqualTo(ObservedContainer.State.RUNNING);
        assertThat(c.instanceId()).isEqualTo(w.instanceId());
        assertThat(c.workspace()).isEqualTo("acme");
        assertThat(c.instance()).isEqualTo("bot");
        assertThat(c.version()).isEqualTo(3);
        assertThat(c.replica()).isZero();
        assertThat(c.specHash()).isEqualTo(spec.specHash());
        assertThat(c.image()).isEqualTo(image());
        assertThat(c.exitCode()).isEmpty();
        assertThat(c.startedAt()).isPresent();
        assertThat(c.drift()).isEmpty();
        assertThat(runtime().observe()).extracting(ObservedContainer::containerId).contains(id);
    }

    @Test
    void creating_twice_makes_one_container() {
        WorkloadSpec spec = workload().spec();

        String first = create(spec);
        String second = create(spec);

        assertThat(second).isEqualTo(first);
        assertThat(runtime().observe(spec.instanceId())).hasSize(1);
    }

    @Test
    void each_replica_is_its_own_container() {
        WorkloadSpec spec = workload().spec();

        String zero = create(spec, 0, SecretSource.NONE);
        String one = create(spec, 1, SecretSource.NONE);

        assertThat(one).isNotEqualTo(zero);
        assertThat(runtime().observe(spec.instanceId())).extracting(ObservedContainer::replica).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void create_recreates_a_container_killed_behind_its_back_by_starting_it() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);
        killBehindBack(id);
        await().atMost(WAIT).until(() -> !observed(spec.instanceId(), id).running());

        assertThat(create(spec)).isEqualTo(id);

        assertThat(observed(spec.instanceId(), id).state()).isEqualTo(ObservedContainer.State.RUNNING);
    }

    @Test
    void containers_of_instances_roost_does_not_know_are_observed_too() {
        UUID unknown = workload().instanceId();
        String id = create(new Workload(unknown).spec());

        assertThat(runtime().observe()).filteredOn(c -> c.containerId().equals(id))
                .singleElement().extracting(ObservedContainer::instanceId).isEqualTo(unknown);
    }

    @Test
    void observing_an_instance_without_containers_is_empty() {
        assertThat(runtime().observe(UUID.randomUUID())).isEmpty();
    }

    // ---- stop, start, remove ------------------------------------------------------------

    @Test
    void stop_then_start() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        runtime().apply(new RuntimeAction.StopContainer(spec.instanceId(), id, "test"), SecretSource.NONE);
        ObservedContainer stopped = observed(spec.instanceId(), id);
        assertThat(stopped.state()).isEqualTo(ObservedContainer.State.EXITED);
        assertThat(stopped.exitCode()).isPresent();
        assertThat(stopped.finishedAt()).isPresent();

        runtime().apply(new RuntimeAction.StopContainer(spec.instanceId(), id, "again"), SecretSource.NONE);
        runtime().apply(new RuntimeAction.StartContainer(spec.instanceId(), id, "test"), SecretSource.NONE);
        ObservedContainer started = observed(spec.instanceId(), id);
        assertThat(started.state()).isEqualTo(ObservedContainer.State.RUNNING);
        assertThat(started.exitCode()).isEmpty();
        runtime().apply(new RuntimeAction.StartContainer(spec.instanceId(), id, "again"), SecretSource.NONE);
        assertThat(observed(spec.instanceId(), id).running()).isTrue();
    }

    @Test
    void remove_twice_succeeds() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        runtime().apply(new RuntimeAction.RemoveContainer(spec.instanceId(), id, "test"), SecretSource.NONE);
        assertThat(runtime().observe(spec.instanceId())).isEmpty();

        assertThatCode(() -> runtime().apply(new RuntimeAction.RemoveContainer(spec.instanceId(), id, "again"), SecretSource.NONE))
                .doesNotThrowAnyException();
    }

    @Test
    void start_or_stop_of_a_missing_container_is_not_found() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);
        removeBehindBack(id);

        assertThat(kindOf(() -> runtime().apply(new RuntimeAction.StartContainer(spec.instanceId(), id, "test"), SecretSource.NONE)))
                .isEqualTo(RuntimeFailure.Kind.NOT_FOUND);
        assertThat(kindOf(() -> runtime().apply(new RuntimeAction.StopContainer(spec.instanceId(), id, "test"), SecretSource.NONE)))
                .isEqualTo(RuntimeFailure.Kind.NOT_FOUND);
    }

    @Test
    void volumes_outlive_containers_until_removed() {
        WorkloadSpec spec = workload().volume("data", "/data").spec();
        String id = create(spec);
        assertThat(hasVolumes(spec.instanceId())).isTrue();

        runtime().apply(new RuntimeAction.RemoveContainer(spec.instanceId(), id, "test"), SecretSource.NONE);
        assertThat(hasVolumes(spec.instanceId())).isTrue();

        runtime().apply(new RuntimeAction.RemoveVolumes(spec.instanceId(), "test"), SecretSource.NONE);
        assertThat(hasVolumes(spec.instanceId())).isFalse();
        assertThatCode(() -> runtime().apply(new RuntimeAction.RemoveVolumes(spec.instanceId(), "again"), SecretSource.NONE))
                .doesNotThrowAnyException();
    }

    // ---- images -------------------------------------------------------------------------

    @Test
    void a_present_image_is_ensured_without_pulling() {
        UUID id = workload().instanceId();
        for (RuntimeSpec.PullPolicy policy : List.of(RuntimeSpec.PullPolicy.IF_NOT_PRESENT, RuntimeSpec.PullPolicy.NEVER)) {
            assertThatCode(() -> runtime().apply(new RuntimeAction.EnsureImage(id, image(), policy, "test"), SecretSource.NONE))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void a_missing_image_is_image_not_found_under_every_pull_policy() {
        UUID id = workload().instanceId();
        for (RuntimeSpec.PullPolicy policy : RuntimeSpec.PullPolicy.values()) {
            assertThatThrownBy(() -> runtime().apply(new RuntimeAction.EnsureImage(id, missingImage(), policy, "test"), SecretSource.NONE))
                    .isInstanceOfSatisfying(RuntimeFailure.class, e -> {
                        assertThat(e.kind()).isEqualTo(RuntimeFailure.Kind.IMAGE_NOT_FOUND);
                        assertThat(e.getMessage()).contains(missingImage()).doesNotContain("\n\tat ");
                    });
        }
    }

    @Test
    void creating_from_a_missing_image_is_image_not_found() {
        WorkloadSpec spec = workload().image(missingImage()).spec();

        assertThat(kindOf(() -> create(spec))).isEqualTo(RuntimeFailure.Kind.IMAGE_NOT_FOUND);
        assertThat(runtime().observe(spec.instanceId())).isEmpty();
    }

    // ---- what happens to containers -----------------------------------------------------

    @Test
    void an_exit_is_observed_with_its_exit_code() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        exitBehindBack(id, 3);

        await().atMost(WAIT).untilAsserted(() -> {
            ObservedContainer c = observed(spec.instanceId(), id);
            assertThat(c.state()).isEqualTo(ObservedContainer.State.EXITED);
            assertThat(c.exitCode()).contains(3);
            assertThat(c.oomKilled()).isFalse();
            assertThat(c.finishedAt()).isPresent();
        });
    }

    @Test
    void a_kill_behind_the_back_is_observed() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        killBehindBack(id);

        await().atMost(WAIT).untilAsserted(() -> assertThat(observed(spec.instanceId(), id).state())
                .isEqualTo(ObservedContainer.State.EXITED));
    }

    @Test
    void a_removal_behind_the_back_is_observed() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        removeBehindBack(id);

        assertThat(runtime().observe(spec.instanceId())).isEmpty();
    }

    @Test
    void a_memory_limit_changed_behind_the_back_is_drift() {
        WorkloadSpec spec = workload().memory(64L << 20).spec();
        String id = create(spec);

        changeMemoryBehindBack(id, 128L << 20);

        assertThat(observed(spec.instanceId(), id).drift()).anySatisfy(d -> assertThat(d).containsIgnoringCase("memory"));
    }

    // ---- probes -------------------------------------------------------------------------

    @Test
    void http_probe_of_a_healthy_container_is_healthy() {
        String id = create(workload().spec());

        ProbeResult result = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> runtime().probe(id, HEALTHY_HTTP, HTTP_PORT, PROBE_TIMEOUT),
                        r -> r.detail().startsWith("HTTP "));

        assertThat(result.healthy()).as(result.detail()).isTrue();
        assertThat(result.detail()).startsWith("HTTP 2");
    }

    @Test
    void http_probe_of_an_unhealthy_container_is_unhealthy() {
        String id = create(workload().image(unhealthyImage()).spec());

        // The server in the container may need a moment to listen; until then the probe says "connection refused".
        ProbeResult result = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> runtime().probe(id, HEALTHY_HTTP, HTTP_PORT, PROBE_TIMEOUT),
                        r -> r.detail().startsWith("HTTP "));

        assertThat(result.healthy()).isFalse();
        assertThat(result.detail()).isEqualTo("HTTP 503");
    }

    @Test
    void command_probe_follows_the_exit_code() {
        Health.Probe check = new Health.Command(List.of("sh", "-c", "wget -q -O /dev/null http://127.0.0.1:8080/cgi-bin/healthz"));
        String healthy = create(workload().spec());
        String unhealthy = create(workload().image(unhealthyImage()).spec());

        assertThat(runtime().probe(healthy, check, HTTP_PORT, PROBE_TIMEOUT)).isEqualTo(ProbeResult.healthy("exit 0"));
        assertThat(runtime().probe(unhealthy, check, HTTP_PORT, PROBE_TIMEOUT)).isEqualTo(ProbeResult.unhealthy("exit 1"));
    }

    @Test
    void probe_of_a_stopped_or_removed_container_is_unhealthy() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);
        runtime().apply(new RuntimeAction.StopContainer(spec.instanceId(), id, "test"), SecretSource.NONE);

        assertThat(runtime().probe(id, HEALTHY_HTTP, HTTP_PORT, PROBE_TIMEOUT).healthy()).isFalse();

        removeBehindBack(id);
        assertThat(runtime().probe(id, HEALTHY_HTTP, HTTP_PORT, PROBE_TIMEOUT).healthy()).isFalse();
    }

    // ---- logs ---------------------------------------------------------------------------

    @Test
    void logs_give_the_last_lines_of_both_streams() {
        String id = create(workload().spec());
        writeLog(id, LogLine.Stream.STDOUT, "first line");
        writeLog(id, LogLine.Stream.STDERR, "second line");
        writeLog(id, LogLine.Stream.STDOUT, "third line");

        await().atMost(WAIT).untilAsserted(() -> {
            List<LogLine> lines = readAll(runtime().logs(id, new LogRequest(2, false)));
            assertThat(lines).extracting(LogLine::text).containsExactly("second line", "third line");
            assertThat(lines).extracting(LogLine::stream).containsExactly(LogLine.Stream.STDERR, LogLine.Stream.STDOUT);
        });
        assertThat(readAll(runtime().logs(id, new LogRequest(0, false)))).isEmpty();
    }

    @Test
    void following_logs_delivers_later_lines_until_closed() throws Exception {
        String id = create(workload().spec());
        writeLog(id, LogLine.Stream.STDOUT, "before");
        await().atMost(WAIT).until(() -> !readAll(runtime().logs(id, new LogRequest(1, false))).isEmpty());

        try (LogStream follow = runtime().logs(id, new LogRequest(0, true))) {
            assertThat(follow.next(Duration.ofMillis(300))).isEmpty();
            assertThat(follow.isFinished()).isFalse();

            writeLog(id, LogLine.Stream.STDOUT, "later");

            Optional<LogLine> line = follow.next(WAIT);
            assertThat(line).map(LogLine::text).contains("later");

            Thread closer = Thread.ofVirtual().start(follow::close);
            closer.join(Duration.ofSeconds(5));
            long start = System.nanoTime();
            assertThat(follow.next(Duration.ofSeconds(10))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(follow.isFinished()).isTrue();
        }
    }

    @Test
    void a_follow_ends_when_the_container_stops() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        try (LogStream follow = runtime().logs(id, new LogRequest(0, true))) {
            runtime().apply(new RuntimeAction.StopContainer(spec.instanceId(), id, "test"), SecretSource.NONE);

            await().atMost(WAIT).until(() -> {
                follow.next(Duration.ofMillis(200));
                return follow.isFinished();
            });
        }
    }

    @Test
    void logs_of_a_missing_container_are_not_found() {
        assertThat(kindOf(() -> runtime().logs("no-such-container-" + UUID.randomUUID(), new LogRequest(10, false))))
                .isEqualTo(RuntimeFailure.Kind.NOT_FOUND);
    }

    private static List<LogLine> readAll(LogStream stream) {
        List<LogLine> lines = new ArrayList<>();
        try (stream) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!stream.isFinished() && System.nanoTime() < deadline) {
                stream.next(Duration.ofMillis(200)).ifPresent(lines::add);
            }
        }
        return lines;
    }

    // ---- secrets ------------------------------------------------------------------------

    /** A secret source that remembers the values it handed out, to check they were closed. */
    protected static final class RecordingSecrets implements SecretSource {
        private final Map<String, byte[]> values;
        public final List<SecretValue> handedOut = new ArrayList<>();

        public RecordingSecrets(Map<String, byte[]> values) {
            this.values = new HashMap<>(values);
        }

        @Override
        public Map<String, SecretValue> resolve(Collection<String> names) {
            Map<String, SecretValue> resolved = new HashMap<>();
            for (String name : names) {
                byte[] value = values.get(name);
                if (value == null) {
                    throw new RuntimeFailure(RuntimeFailure.Kind.INVALID_SPEC, "secret " + name + " does not exist");
                }
                SecretValue v = SecretValue.wrap(value.clone());
                handedOut.add(v);
                resolved.put(name, v);
            }
            return resolved;
        }
    }

    @Test
    void secrets_reach_the_environment_and_nothing_else() {
        String canary = "canary-" + UUID.randomUUID();
        RecordingSecrets secrets = new RecordingSecrets(Map.of("api-token", canary.getBytes(StandardCharsets.UTF_8)));
        WorkloadSpec spec = workload().secretEnv("API_TOKEN", "api-token").spec();

        String id = create(spec, 0, secrets);

        assertThat(environmentOf(id, "API_TOKEN")).contains(canary);
        assertThat(runtime().observe().toString()).doesNotContain(canary);
        assertThat(runtime().observe(spec.instanceId()).toString()).doesNotContain(canary);
        assertThat(secrets.handedOut).isNotEmpty().allSatisfy(v -> assertThatThrownBy(v::bytes)
                .as("the runtime closes every secret value it was given").isInstanceOf(IllegalStateException.class));
    }

    @Test
    void a_binary_secret_cannot_go_into_the_environment() {
        RecordingSecrets secrets = new RecordingSecrets(Map.of("blob", new byte[] {(byte) 0xff, (byte) 0xfe, 0}));
        WorkloadSpec spec = workload().secretEnv("BLOB", "blob").spec();

        assertThat(kindOf(() -> create(spec, 0, secrets))).isEqualTo(RuntimeFailure.Kind.INVALID_SPEC);
        assertThat(runtime().observe(spec.instanceId())).isEmpty();
        assertThat(secrets.handedOut).allSatisfy(v -> assertThatThrownBy(v::bytes).isInstanceOf(IllegalStateException.class));
    }

    // ---- availability -------------------------------------------------------------------

    @Test
    void an_unreachable_runtime_is_unavailable() {
        try (Runtime down = unavailableRuntime()) {
            WorkloadSpec spec = workload().spec();
            assertThat(kindOf(down::observe)).isEqualTo(RuntimeFailure.Kind.UNAVAILABLE);
            assertThat(kindOf(() -> down.observe(spec.instanceId()))).isEqualTo(RuntimeFailure.Kind.UNAVAILABLE);
            assertThat(kindOf(() -> down.apply(new RuntimeAction.CreateContainer(spec, 0, "test"), SecretSource.NONE)))
                    .isEqualTo(RuntimeFailure.Kind.UNAVAILABLE);
        }
    }
}
