package dev.roost.core.deploy;

import static dev.roost.core.manifest.Trees.set;
import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.instance.DesiredState;
import dev.roost.core.manifest.ManifestFixtures;
import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.manifest.RuntimeSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** {@code spec.runtime.kind} reaches the workload, its hash and the image step of a plan. */
class WorkloadRuntimeKindTest {
    private static final UUID ID = UUID.fromString("00000000-0000-0000-0000-00000000000a");

    private static WorkloadSpec workload(ObjectNode manifest) {
        return WorkloadSpec.of(ID, 1, ManifestValidator.validate(manifest).manifest());
    }

    @Test
    void the_kind_reaches_the_workload() {
        assertThat(workload(ManifestFixtures.minimal()).runtimeKind()).isEmpty();
        assertThat(workload(set(ManifestFixtures.minimal(), "/spec/runtime/kind", "sandbox")).runtimeKind())
                .contains(RuntimeSpec.Kind.SANDBOX);
    }

    @Test
    void docker_hashes_like_no_kind_so_upgrades_replace_nothing_and_sandbox_differs() {
        String absent = workload(ManifestFixtures.minimal()).specHash();
        assertThat(workload(set(ManifestFixtures.minimal(), "/spec/runtime/kind", "docker")).specHash()).isEqualTo(absent);
        assertThat(workload(set(ManifestFixtures.minimal(), "/spec/runtime/kind", "sandbox")).specHash()).isNotEqualTo(absent);
    }

    @Test
    void the_image_step_names_the_runtime_kind() {
        WorkloadSpec spec = workload(set(ManifestFixtures.minimal(), "/spec/runtime/kind", "sandbox"));
        DeploymentPlan plan = DeploymentPlanner.plan(new DeploymentPlanner.Desired(spec, DesiredState.RUNNING, true, true, false, false,
                Map.of(), Set.of(), Set.of()), List.of());

        assertThat(plan.actions()).first().isInstanceOfSatisfying(RuntimeAction.EnsureImage.class,
                a -> assertThat(a.runtimeKind()).isEqualTo(Optional.of(RuntimeSpec.Kind.SANDBOX)));
    }
}
