package dev.roost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.runtime.fake.FakeRuntime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Workloads go to the runtime of their kind; actions on a container go to the runtime that holds it. */
class RuntimesByKindTest {
    private static final String IMAGE = "roost-test/busybox:1";
    private final FakeRuntime docker = new FakeRuntime().withImage(IMAGE);
    private final FakeRuntime sandbox = new FakeRuntime().withImage(IMAGE);
    private final RuntimesByKind runtimes = new RuntimesByKind(Map.of(RuntimeSpec.Kind.DOCKER, docker, RuntimeSpec.Kind.SANDBOX, sandbox),
            RuntimeSpec.Kind.DOCKER);

    private static WorkloadSpec spec(Optional<RuntimeSpec.Kind> kind) {
        return new WorkloadSpec(UUID.randomUUID(), "acme", "bot", 1, IMAGE, RuntimeSpec.PullPolicy.IF_NOT_PRESENT, List.of(),
                new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), OptionalLong.of(500), OptionalLong.of(64L << 20),
                WorkloadSpec.DEFAULT_PIDS_LIMIT, 1, List.of(), Network.DEFAULT, Optional.empty(), kind);
    }

    @Test
    void each_workload_runs_on_the_runtime_of_its_kind_and_the_default_takes_the_rest() {
        WorkloadSpec jailed = spec(Optional.of(RuntimeSpec.Kind.SANDBOX));
        WorkloadSpec plain = spec(Optional.empty());

        String a = runtimes.apply(new RuntimeAction.CreateContainer(jailed, 0, "test"), SecretSource.NONE).orElseThrow();
        String b = runtimes.apply(new RuntimeAction.CreateContainer(plain, 0, "test"), SecretSource.NONE).orElseThrow();

        assertThat(sandbox.observe()).extracting(ObservedContainer::containerId).containsExactly(a);
        assertThat(docker.observe()).extracting(ObservedContainer::containerId).containsExactly(b);
        assertThat(runtimes.observe()).extracting(ObservedContainer::containerId).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void stop_and_remove_reach_the_runtime_that_holds_the_container_even_when_it_was_never_seen() {
        WorkloadSpec jailed = spec(Optional.of(RuntimeSpec.Kind.SANDBOX));
        String id = sandbox.apply(new RuntimeAction.CreateContainer(jailed, 0, "made before"), SecretSource.NONE).orElseThrow();
        RuntimesByKind fresh = new RuntimesByKind(Map.of(RuntimeSpec.Kind.DOCKER, docker, RuntimeSpec.Kind.SANDBOX, sandbox),
                RuntimeSpec.Kind.DOCKER);

        fresh.apply(new RuntimeAction.StopContainer(jailed.instanceId(), id, "test"), SecretSource.NONE);
        assertThat(sandbox.observe(jailed.instanceId())).singleElement().extracting(ObservedContainer::running).isEqualTo(false);

        fresh.apply(new RuntimeAction.RemoveContainer(jailed.instanceId(), id, "test"), SecretSource.NONE);
        assertThat(sandbox.observe(jailed.instanceId())).isEmpty();
        assertThat(fresh.apply(new RuntimeAction.RemoveContainer(jailed.instanceId(), id, "again"), SecretSource.NONE)).contains(id);
        assertThatThrownBy(() -> fresh.logs(id, new LogRequest(1, false)))
                .isInstanceOfSatisfying(RuntimeFailure.class, e -> assertThat(e.kind()).isEqualTo(RuntimeFailure.Kind.NOT_FOUND));
    }

    @Test
    void a_kind_the_server_lacks_is_unavailable_with_what_to_change() {
        RuntimesByKind dockerOnly = new RuntimesByKind(Map.of(RuntimeSpec.Kind.DOCKER, docker), RuntimeSpec.Kind.DOCKER);
        WorkloadSpec jailed = spec(Optional.of(RuntimeSpec.Kind.SANDBOX));

        assertThatThrownBy(() -> dockerOnly.apply(new RuntimeAction.EnsureImage(jailed.instanceId(), IMAGE, RuntimeSpec.PullPolicy.NEVER,
                "test", jailed.runtimeKind()), SecretSource.NONE))
                .isInstanceOfSatisfying(RuntimeFailure.class, e -> {
                    assertThat(e.kind()).isEqualTo(RuntimeFailure.Kind.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("no sandbox runtime").contains("spec.runtime.kind");
                });
        assertThat(docker.observe(jailed.instanceId())).isEmpty();
    }

    @Test
    void one_runtime_that_does_not_answer_makes_observation_fail_rather_than_report_containers_gone() {
        sandbox.setAvailable(false);

        assertThatThrownBy(runtimes::observe)
                .isInstanceOfSatisfying(RuntimeFailure.class, e -> assertThat(e.kind()).isEqualTo(RuntimeFailure.Kind.UNAVAILABLE));
    }
}
