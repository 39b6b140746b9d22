package dev.roost.core.policy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.manifest.AgentManifest;
import java.util.List;

/**
 * One policy rule every manifest must pass before it is stored. Implementations are
 * stateless and thread-safe. Messages say what to do and never quote secret values.
 */
public interface PolicyRule {
    /** Stable kebab-case name, e.g. {@code pinned-image}; used in {@code spec.policies.allowUnsafe}. */
    String name();

    /** One or two sentences for the rule list the server publishes. */
    String description();

    /** Whether {@code spec.policies.allowUnsafe} may downgrade this rule's violations to warnings. */
    boolean overridable();

    /** All violations of this rule by {@code manifest}; empty when it passes. */
    List<PolicyViolation> check(AgentManifest manifest, PolicyContext context);

    /** The error code a violation of this rule is answered with. */
    default ErrorCode errorCode() {
        return ErrorCode.POLICY_VIOLATION;
    }
}
