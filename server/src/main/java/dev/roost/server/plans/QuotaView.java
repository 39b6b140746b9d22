package dev.roost.server.plans;

import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.ResourceQuantity;
import java.util.LinkedHashMap;
import java.util.Map;

/** Quota limits as the API shows them: in Kubernetes notation and as raw millicores and bytes. */
public record QuotaView(
        int maxInstances,
        String maxCpuPerInstance,
        long maxCpuMillisPerInstance,
        String maxMemoryPerInstance,
        long maxMemoryBytesPerInstance,
        String maxCpuTotal,
        long maxCpuMillisTotal,
        String maxMemoryTotal,
        long maxMemoryBytesTotal) {

    public static QuotaView of(Quota q) {
        return new QuotaView(q.maxInstances(),
                ResourceQuantity.formatCpu(q.maxCpuMillisPerInstance()), q.maxCpuMillisPerInstance(),
                ResourceQuantity.formatMemory(q.maxMemoryBytesPerInstance()), q.maxMemoryBytesPerInstance(),
                ResourceQuantity.formatCpu(q.maxCpuMillisTotal()), q.maxCpuMillisTotal(),
                ResourceQuantity.formatMemory(q.maxMemoryBytesTotal()), q.maxMemoryBytesTotal());
    }

    /** The compact form the audit log records: the notation a person wrote, without the raw numbers. */
    public static Map<String, Object> auditForm(Quota q) {
        if (q == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxInstances", q.maxInstances());
        m.put("maxCpuPerInstance", ResourceQuantity.formatCpu(q.maxCpuMillisPerInstance()));
        m.put("maxMemoryPerInstance", ResourceQuantity.formatMemory(q.maxMemoryBytesPerInstance()));
        m.put("maxCpuTotal", ResourceQuantity.formatCpu(q.maxCpuMillisTotal()));
        m.put("maxMemoryTotal", ResourceQuantity.formatMemory(q.maxMemoryBytesTotal()));
        return m;
    }
}
