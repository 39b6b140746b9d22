package dev.roost.core.audit;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * What a mutation tells the audit log: who did what to which resource, a short summary of
 * the change ({@code details}, never secret values) and any policy overrides as warnings.
 */
public record AuditEvent(
        String actor,
        String action,
        String resourceType,
        String resourceId,
        String workspace,
        String requestId,
        Map<String, Object> details,
        List<String> warnings) {
    public AuditEvent {
        requireNonNull(actor, "actor is null");
        requireNonNull(action, "action is null");
        requireNonNull(resourceType, "resourceType is null");
        requireNonNull(resourceId, "resourceId is null");
        requireNonNull(requestId, "requestId is null");
        details = details == null ? Map.of() : details;
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }
}
