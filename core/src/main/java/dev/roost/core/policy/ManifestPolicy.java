package dev.roost.core.policy;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.Pointers;
import dev.roost.core.manifest.ValidatedManifest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The policy engine every manifest passes before it is stored. All rules run and all
 * violations are reported at once.
 *
 * <p>Overrides: a violation of a rule named in {@code spec.policies.allowUnsafe} becomes a
 * {@link PolicyWarning} if the rule is overridable and the caller may override (and the
 * violation itself is {@linkplain PolicyViolation#overridable() overridable}). Naming a
 * rule there at all requires the caller to be allowed to override
 * ({@link ErrorCode#UNSAFE_OVERRIDE_FORBIDDEN} otherwise); naming an unknown or a
 * non-overridable rule is {@link ErrorCode#MANIFEST_INVALID}. Remaining violations are
 * {@link ErrorCode#QUOTA_EXCEEDED} if any comes from a rule with that code, else
 * {@link ErrorCode#POLICY_VIOLATION}; the exception carries one field error per violation
 * and an extension {@code violations} with {@code rule}, {@code pointer}, {@code message}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ManifestPolicy {
    private final List<PolicyRule> rules;
    private final Map<String, PolicyRule> byName;

    public ManifestPolicy(List<PolicyRule> rules) {
        this.rules = List.copyOf(requireNonNull(rules, "rules is null"));
        Map<String, PolicyRule> names = new LinkedHashMap<>();
        for (PolicyRule rule : this.rules) {
            if (names.put(rule.name(), rule) != null) {
                throw new IllegalArgumentException("two rules are named " + rule.name());
            }
        }
        this.byName = Map.copyOf(names);
    }

    /** The rules Roost ships, in the order they are reported. */
    public static ManifestPolicy standard() {
        return new ManifestPolicy(List.of(
                new NoPlaintextSecrets(),
                new PinnedImage(),
                new NoPublicAdmin(),
                new NoWildcardPermissions(),
                new LimitsRequired(),
                new WithinPlanQuota()));
    }

    public List<PolicyRule> rules() {
        return rules;
    }

    public Optional<PolicyRule> rule(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * Evaluates every rule.
     *
     * @param callerMayOverride whether the caller's role may override policy rules (ADMIN and above)
     * @return the warnings for overridden violations
     * @throws RoostException as described in the class documentation
     */
    public PolicyResult evaluate(ValidatedManifest manifest, PolicyContext context, boolean callerMayOverride) {
        requireNonNull(manifest, "manifest is null");
        requireNonNull(context, "context is null");
        List<String> allowUnsafe = manifest.manifest().spec().policies().allowUnsafe();
        Set<String> overridden = checkOverrides(allowUnsafe);
        if (!allowUnsafe.isEmpty() && !callerMayOverride) {
            throw new RoostException(ErrorCode.UNSAFE_OVERRIDE_FORBIDDEN,
                    "The manifest overrides policy rules (" + String.join(", ", allowUnsafe) + ") in spec.policies.allowUnsafe, "
                            + "and your role may not do that. Remove the overrides and fix the manifest, or ask a workspace "
                            + "admin to apply it.",
                    List.of(new FieldError("/spec/policies/allowUnsafe", "your role may not override policy rules")));
        }
        List<PolicyWarning> warnings = new ArrayList<>();
        List<PolicyViolation> violations = new ArrayList<>();
        ErrorCode code = ErrorCode.POLICY_VIOLATION;
        for (PolicyRule rule : rules) {
            List<PolicyViolation> found = rule.check(manifest.manifest(), context);
            if (found.isEmpty()) {
                continue;
            }
            for (PolicyViolation violation : found) {
                if (overridden.contains(rule.name()) && violation.overridable()) {
                    warnings.add(PolicyWarning.of(violation));
                } else {
                    violations.add(violation);
                    if (rule.errorCode() == ErrorCode.QUOTA_EXCEEDED) {
                        code = ErrorCode.QUOTA_EXCEEDED;
                    }
                }
            }
        }
        if (!violations.isEmpty()) {
            throw refusal(code, violations);
        }
        return new PolicyResult(warnings);
    }

    private Set<String> checkOverrides(List<String> allowUnsafe) {
        List<FieldError> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < allowUnsafe.size(); i++) {
            String name = allowUnsafe.get(i);
            String pointer = Pointers.index("/spec/policies/allowUnsafe", i);
            PolicyRule rule = byName.get(name);
            if (rule == null) {
                errors.add(new FieldError(pointer, "there is no policy rule with this name; known rules: "
                        + String.join(", ", byName.keySet().stream().sorted().toList())));
            } else if (!rule.overridable()) {
                errors.add(new FieldError(pointer, "the rule " + name + " cannot be overridden; change the manifest instead"));
            } else {
                names.add(name);
            }
        }
        if (!errors.isEmpty()) {
            throw new RoostException(ErrorCode.MANIFEST_INVALID,
                    "spec.policies.allowUnsafe names rules that do not exist or cannot be overridden. " + errors.get(0).pointer()
                            + ": " + errors.get(0).message() + ".",
                    errors);
        }
        return names;
    }

    private static RoostException refusal(ErrorCode code, List<PolicyViolation> violations) {
        Set<String> ruleNames = new LinkedHashSet<>();
        List<FieldError> fieldErrors = new ArrayList<>();
        List<Map<String, String>> details = new ArrayList<>();
        for (PolicyViolation violation : violations) {
            ruleNames.add(violation.rule());
            fieldErrors.add(new FieldError(violation.pointer(), "[" + violation.rule() + "] " + violation.message()));
            details.add(Map.of("rule", violation.rule(), "pointer", violation.pointer(), "message", violation.message()));
        }
        String detail = code == ErrorCode.QUOTA_EXCEEDED
                ? "The workspace plan does not allow this manifest (" + String.join(", ", ruleNames) + "). "
                        + violations.stream().filter(v -> v.rule().equals(WithinPlanQuota.NAME)).findFirst()
                                .map(v -> capitalized(v.message()) + ".").orElse("")
                : "The manifest breaks " + (ruleNames.size() == 1 ? "the policy rule " : "the policy rules ")
                        + String.join(", ", ruleNames) + ". Fix the fields listed; an admin may instead override an "
                        + "overridable rule by naming it in spec.policies.allowUnsafe.";
        return new RoostException(code, detail, fieldErrors, Map.of("violations", List.copyOf(details)));
    }

    private static String capitalized(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
