package dev.roost.server.testing;

import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.instance.Instance;
import dev.roost.core.manifest.ValidatedManifest;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.instances.StoredManifests;
import java.util.UUID;

/**
 * Starts containers for stored instances on a test server's fake runtime, as the reconciler
 * would: from the instance's current manifest, with its secrets resolved from the store. Use it
 * on a server started with {@code withReconcilerEnabled(false)}, so no reconciler acts on the
 * same containers.
 */
public final class FakeContainers {
    private final TestRoost roost;

    public FakeContainers(TestRoost roost) {
        this.roost = roost;
    }

    public FakeRuntime runtime() {
        return (FakeRuntime) roost.server().runtime().orElseThrow();
    }

    public Instance instance(String workspace, String name) {
        return roost.server().database().read(s -> s.instances()
                .find(s.workspaces().findByName(workspace).orElseThrow().id(), name).orElseThrow());
    }

    /** Creates and starts replica {@code replica} of the instance's current version; returns the container id. */
    public String start(String workspace, String name, int replica) {
        Instance instance = instance(workspace, name);
        UUID workspaceId = instance.workspaceId();
        ValidatedManifest manifest = roost.server().database().read(s -> StoredManifests.find(s, instance.id(),
                instance.currentVersion())).orElseThrow();
        WorkloadSpec spec = WorkloadSpec.of(instance.id(), instance.currentVersion(), manifest.manifest());
        FakeRuntime fake = runtime().withImage(spec.image());
        return fake.apply(new RuntimeAction.CreateContainer(spec, replica, "test"),
                names -> roost.server().database().read(s -> roost.server().secrets().resolve(s, workspaceId, names)))
                .orElseThrow();
    }
}
