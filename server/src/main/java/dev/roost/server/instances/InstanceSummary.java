package dev.roost.server.instances;

import dev.roost.core.instance.Instance;
import java.time.Instant;
import java.util.Map;

/**
 * One line of an instance list: what a list screen shows. The full {@link InstanceView} (resources,
 * reasons, who created it) comes with GET of the instance; keeping list items small keeps a
 * 100-item page cheap to build and send.
 */
public record InstanceSummary(String name, String environment, Map<String, String> labels, String image, int version,
        String desiredState, String status, Instant createdAt, Instant updatedAt) {

    public static InstanceSummary of(Instance i) {
        return new InstanceSummary(i.name(), i.environment(), i.labels(), i.image(), i.currentVersion(), i.desiredState().name(),
                i.status().name(), i.createdAt(), i.updatedAt());
    }
}
