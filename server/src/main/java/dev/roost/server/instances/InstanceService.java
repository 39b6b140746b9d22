package dev.roost.server.instances;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.instance.Instance;
import dev.roost.core.instance.ManifestVersion;
import dev.roost.core.manifest.ManifestDiff;
import dev.roost.core.manifest.ManifestValidator;
import dev.roost.core.manifest.SecretReferenceLocator;
import dev.roost.core.manifest.ValidatedManifest;
import dev.roost.core.policy.ManifestPolicy;
import dev.roost.core.policy.PolicyContext;
import dev.roost.core.policy.PolicyResult;
import dev.roost.core.policy.PolicyWarning;
import dev.roost.core.policy.QuotaUsage;
import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Quota;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.Session;
import dev.roost.store.instances.InstanceRepository;
import dev.roost.store.secrets.SecretStore;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import tools.jackson.databind.JsonNode;

/**
 * The one path by which a manifest becomes a stored version: validate, check it belongs where
 * it is sent, check policy against the workspace's quota, and append a new version only when
 * the canonical form changed. Every secret it references must exist in the workspace. Create,
 * apply, rename and rollback all go through
 * {@link #apply}. Must run inside the caller's transaction.
 */
public final class InstanceService {
    private final ManifestPolicy policy;
    private final SecretStore secrets;

    public InstanceService(ManifestPolicy policy, SecretStore secrets) {
        this.policy = requireNonNull(policy, "policy is null");
        this.secrets = requireNonNull(secrets, "secrets is null");
    }

    /** How a manifest is being applied. */
    public enum Mode {
        /** PUT: create or update. */
        UPSERT,
        /** POST from a template: the name must be free. */
        CREATE_ONLY,
        /** Rename and rollback: the instance must exist. */
        UPDATE_ONLY
    }

    /** One request to store a manifest. {@code expectedName} is the name in the URL. */
    public record Request(Workspace workspace, Role role, String actor, String expectedName, JsonNode manifest, String source,
            Mode mode, boolean dryRun) {
    }

    public record Result(ApplyOutcome outcome, Instance instance, ValidatedManifest manifest, int version,
            List<PolicyWarning> warnings, Map<String, Object> changes, String diff) {
    }

    public Result apply(Session session, Request request, Instant now) {
        ValidatedManifest manifest = ManifestValidator.validate(request.manifest());
        checkPlacement(request, manifest);
        Workspace ws = request.workspace();
        // Serialise every change in one workspace: quota totals and name checks stay exact.
        session.lock("roost.workspace-instances:" + ws.id());
        checkSecretsExist(session, ws, manifest);
        Optional<Instance> existing = session.instances().findForUpdate(ws.id(), request.expectedName());
        if (existing.isPresent() && request.mode() == Mode.CREATE_ONLY) {
            throw new RoostException(ErrorCode.ALREADY_EXISTS, "Instance " + request.expectedName()
                    + " already exists in workspace " + ws.name() + ". Apply a manifest to change it, or pick another name.");
        }
        if (existing.isEmpty() && request.mode() == Mode.UPDATE_ONLY) {
            throw RoostException.notFound("Instance " + request.expectedName());
        }
        Quota quota = quotaOf(session, ws);
        InstanceRepository.Usage others = session.instances().usage(ws.id(), existing.map(Instance::id).orElse(null));
        PolicyResult checked = policy.evaluate(manifest, new PolicyContext(quota,
                new QuotaUsage(others.instances(), others.cpuMillis(), others.memoryBytes())), request.role().atLeast(Role.ADMIN));

        Optional<ManifestVersion> current = existing.flatMap(i -> session.manifests().find(i.id(), i.currentVersion()));
        ValidatedManifest previous = current.map(v -> ManifestValidator.validate(
                dev.roost.core.manifest.ManifestFormats.json().readTree(v.manifestJson()))).orElse(null);
        if (previous != null && previous.sha256().equals(manifest.sha256())) {
            return new Result(ApplyOutcome.UNCHANGED, existing.get(), manifest, existing.get().currentVersion(),
                    checked.warnings(), Map.of(), "");
        }
        var changes = previous == null ? List.<dev.roost.core.manifest.ManifestChange>of() : ManifestDiff.between(previous, manifest);
        String diff = ManifestDiff.unified(previous == null ? "" : previous.canonicalYaml(), manifest.canonicalYaml(),
                previous == null ? "(none)" : "version " + existing.get().currentVersion(),
                request.dryRun() ? "proposed" : "new version");
        Map<String, Object> summary = previous == null ? Map.of() : ManifestDiff.summary(changes);
        if (request.dryRun()) {
            ApplyOutcome would = existing.isPresent() ? ApplyOutcome.WOULD_UPDATE : ApplyOutcome.WOULD_CREATE;
            return new Result(would, existing.orElse(null), manifest,
                    existing.map(i -> i.currentVersion() + 1).orElse(1), checked.warnings(), summary, diff);
        }
        InstanceRepository.Summary rowSummary = summaryOf(manifest, quota);
        List<String> warningTexts = checked.warnings().stream().map(w -> "[" + w.rule() + "] " + w.message()).toList();
        Instance stored;
        int version;
        if (existing.isEmpty()) {
            stored = session.instances().create(ws.id(), manifest.name(), rowSummary, request.actor());
            version = 1;
        } else {
            stored = existing.get();
            version = stored.currentVersion() + 1;
            if (!stored.name().equals(manifest.name())) {
                session.instances().rename(stored.id(), manifest.name());
            }
        }
        session.manifests().append(new ManifestVersion(stored.id(), version, manifest.canonicalJson(), manifest.sha256(),
                request.source(), warningTexts, request.actor(), now));
        session.instances().recordVersion(stored.id(), version, rowSummary);
        Instance fresh = session.instances().findById(stored.id()).orElseThrow();
        return new Result(existing.isEmpty() ? ApplyOutcome.CREATED : ApplyOutcome.UPDATED, fresh, manifest, version,
                checked.warnings(), summary, diff);
    }

    /**
     * Makes earlier version {@code target} current again by appending it as a new version with
     * {@code source} (versions are append-only). A rollback never undoes a rename. Used by the
     * rollback route ({@code rollback:N}) and by the reconciler's automatic rollback
     * ({@code auto-rollback:N}). Must run inside the caller's transaction.
     */
    public Result rollback(Session session, Workspace workspace, Role role, String actor, Instance instance, int target, String source,
            Instant now) {
        JsonNode manifest = dev.roost.core.manifest.CanonicalForm.sorted(dev.roost.core.manifest.ManifestFormats.json()
                .readTree(session.manifests().find(instance.id(), target).orElseThrow().manifestJson()));
        if (!instance.name().equals(manifest.path("metadata").path("name").asString())) {
            ((tools.jackson.databind.node.ObjectNode) manifest.get("metadata")).put("name", instance.name());
        }
        return apply(session, new Request(workspace, role, actor, instance.name(), manifest, source, Mode.UPDATE_ONLY, false), now);
    }

    /** The workspace's effective quota: its override, else its plan's. */
    public static Quota quotaOf(Session session, Workspace ws) {
        if (ws.quotaOverride() != null) {
            return ws.quotaOverride();
        }
        return session.plans().find(ws.plan()).map(Plan::quota).orElseThrow(
                () -> new IllegalStateException("workspace " + ws.name() + " is on unknown plan " + ws.plan()));
    }

    /** The manifest must name the workspace and instance it is sent to, and one of the workspace's environments. */
    private static void checkPlacement(Request request, ValidatedManifest manifest) {
        List<FieldError> errors = new java.util.ArrayList<>();
        if (!manifest.workspace().equals(request.workspace().name())) {
            errors.add(new FieldError("/metadata/workspace", "is \"" + manifest.workspace() + "\" but the manifest was sent to workspace \""
                    + request.workspace().name() + "\""));
        }
        if (request.mode() != Mode.UPDATE_ONLY && !manifest.name().equals(request.expectedName())) {
            errors.add(new FieldError("/metadata/name", "is \"" + manifest.name() + "\" but the URL names \""
                    + request.expectedName() + "\"; to change a name use the rename action"));
        }
        String environment = manifest.environment().wire();
        if (!request.workspace().environments().contains(environment)) {
            errors.add(new FieldError("/metadata/environment", "workspace " + request.workspace().name()
                    + " has no environment \"" + environment + "\"; it has " + request.workspace().environments()));
        }
        if (!errors.isEmpty()) {
            throw new RoostException(ErrorCode.MANIFEST_INVALID, errors.size() == 1
                    ? "Field " + errors.get(0).pointer() + " " + errors.get(0).message() + "."
                    : errors.size() + " fields are not valid; see errors.", errors);
        }
    }

    /**
     * Every secret the manifest references must exist in the workspace: one error per missing
     * secret, at the first place that names it. Runs under the workspace lock, which deleting a
     * secret takes too, so a secret cannot disappear between this check and the commit.
     */
    private void checkSecretsExist(Session session, Workspace ws, ValidatedManifest manifest) {
        SortedMap<String, List<String>> references = SecretReferenceLocator.locate(manifest.canonicalTree());
        if (references.isEmpty()) {
            return;
        }
        Set<String> existing = new HashSet<>();
        secrets.list(session, ws.id()).forEach(m -> existing.add(m.name()));
        List<FieldError> errors = new java.util.ArrayList<>();
        List<String> missing = new java.util.ArrayList<>();
        references.forEach((name, pointers) -> {
            if (!existing.contains(name)) {
                missing.add(name);
                String message = "secret \"" + name + "\" does not exist in workspace " + ws.name()
                        + "; create it with: roost secret set " + name;
                if (pointers.size() > 1) {
                    message += " (also referenced at " + String.join(", ", pointers.subList(1, pointers.size())) + ")";
                }
                errors.add(new FieldError(pointers.get(0), message));
            }
        });
        if (!errors.isEmpty()) {
            throw new RoostException(ErrorCode.MANIFEST_INVALID, missing.size() == 1
                    ? "Secret \"" + missing.get(0) + "\" does not exist in workspace " + ws.name() + "; create it with: roost secret set "
                            + missing.get(0) + "."
                    : missing.size() + " secrets the manifest references do not exist in workspace " + ws.name() + ": "
                            + String.join(", ", missing) + ". Create each with: roost secret set NAME; see errors.", errors);
        }
    }

    private static InstanceRepository.Summary summaryOf(ValidatedManifest m, Quota quota) {
        String template = m.manifest().spec().template().orElse(null);
        return new InstanceRepository.Summary(m.environment().wire(), m.labels(), m.image(),
                m.cpuMillis().orElse(quota.maxCpuMillisPerInstance()), m.memoryBytes().orElse(quota.maxMemoryBytesPerInstance()),
                m.replicas(), template);
    }
}
