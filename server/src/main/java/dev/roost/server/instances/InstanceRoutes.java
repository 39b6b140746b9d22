package dev.roost.server.instances;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.instance.DesiredState;
import dev.roost.core.instance.Instance;
import dev.roost.core.instance.InstanceStatus;
import dev.roost.core.instance.ManifestVersion;
import dev.roost.core.manifest.CanonicalForm;
import dev.roost.core.manifest.ManifestChange;
import dev.roost.core.manifest.ManifestDiff;
import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.manifest.ManifestReader;
import dev.roost.core.policy.PolicyWarning;
import dev.roost.core.template.Template;
import dev.roost.core.template.TemplateCodec;
import dev.roost.core.template.TemplateRenderer;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Page;
import dev.roost.server.http.Reply;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Instances and their manifests: create from a template, declarative apply (JSON or YAML),
 * list, get, version history, diff, rename, tags, rollback, start/stop/restart, delete.
 * Routes only record what is asked; the reconciler carries it out and reports the status.
 * Without a runtime, stop and start set the status directly, as nothing else would.
 */
public final class InstanceRoutes {
    private static final String BASE = "/api/v1/workspaces/{ws}/instances";
    private static final Pattern TAG = Pattern.compile("^[a-z][a-z0-9._-]{0,62}$");
    private static final Pattern LABEL_SELECTOR = Pattern.compile("^([A-Za-z0-9./_-]{1,253})=([A-Za-z0-9._-]{0,63})$");

    private final InstanceService service;
    private final boolean runtimePresent;

    public InstanceRoutes(InstanceService service, boolean runtimePresent) {
        this.service = requireNonNull(service, "service is null");
        this.runtimePresent = runtimePresent;
    }

    public record CreateRequest(String name, String template, String environment, Map<String, String> parameters) {
    }

    public record ApplyResponse(String outcome, InstanceView instance, int version, List<PolicyWarning> warnings,
            Map<String, Object> changes, String diff, JsonNode manifest) {
    }

    /**
     * {@code nodes}: the joined nodes its sandboxed replicas run on (empty when none runs on a node).
     * {@code gatewayKey}: the instance's own gateway virtual key as listed (never the key), when it
     * has one (its manifest names models and its runtime gives it a path to the gateway).
     */
    public record InstanceDetail(InstanceView instance, Map<String, Integer> tags, JsonNode manifest, List<String> nodes,
            GatewayKeyView gatewayKey) {
    }

    /** An instance's managed gateway key: id, display prefix, allowlist (empty: every model), budget. */
    public record GatewayKeyView(java.util.UUID id, String prefix, List<String> models, String budget) {
    }

    public record VersionView(int version, String sha256, String source, List<String> warnings, String createdBy,
            Instant createdAt, List<String> tags, boolean current) {
    }

    public record VersionDetail(VersionView version, JsonNode manifest) {
    }

    public record DiffView(int from, int to, List<ManifestChange> changes, String unified) {
    }

    public record RenameRequest(String newName) {
    }

    public record TagRequest(Integer version) {
    }

    public record RollbackRequest(String to) {
    }

    public List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        Access operator = Access.workspace(Role.OPERATOR);
        Access admin = Access.workspace(Role.ADMIN);
        return List.of(
                ApiRoute.get(BASE, viewer, "List instances, ordered by name", this::list)
                        .query("environment", "only this environment")
                        .query("label", "key=value; repeat or separate with commas to require several labels")
                        .query("limit", "page size, 1 to 500 (default 100)")
                        .query("after", "the 'next' cursor of the previous page")
                        .returns(Page.class),
                ApiRoute.post(BASE, operator, "Create an instance from a template", this::create)
                        .accepts(CreateRequest.class).returns(ApplyResponse.class),
                ApiRoute.put(BASE + "/{name}", operator,
                        "Apply a manifest (JSON or YAML): create, or add a version if it changed; ?dryRun=true only checks",
                        this::apply).query("dryRun", "true: check and show the diff, store nothing").returns(ApplyResponse.class),
                ApiRoute.get(BASE + "/{name}", viewer, "An instance with its current manifest", this::get)
                        .returns(InstanceDetail.class),
                ApiRoute.delete(BASE + "/{name}", admin,
                                "Delete an instance: its name is free at once; the reconciler removes its containers and volumes",
                                this::delete)
                        .query("keepVolumes", "true: keep the instance's volumes when its containers are removed")
                        .returns(InstanceView.class),
                ApiRoute.get(BASE + "/{name}/versions", viewer, "Manifest version history", this::versions)
                        .returnsListOf(VersionView.class),
                ApiRoute.get(BASE + "/{name}/versions/{version}", viewer,
                        "One manifest version, by number or tag", this::version)
                        .query("format", "yaml: the manifest alone as YAML")
                        .returns(VersionDetail.class),
                ApiRoute.get(BASE + "/{name}/diff", viewer, "Differences between two versions (?from=&to=, default: previous and current)",
                        this::diff).query("from", "version number or tag (default: the one before 'to')")
                        .query("to", "version number or tag (default: current)").returns(DiffView.class),
                ApiRoute.post(BASE + "/{name}/rename", operator, "Rename an instance (adds a manifest version)", this::rename)
                        .accepts(RenameRequest.class).returns(ApplyResponse.class),
                ApiRoute.put(BASE + "/{name}/tags/{tag}", operator, "Point a tag at a version", this::putTag)
                        .accepts(TagRequest.class),
                ApiRoute.delete(BASE + "/{name}/tags/{tag}", operator, "Remove a tag", this::deleteTag),
                ApiRoute.post(BASE + "/{name}/rollback", operator, "Make an earlier version (number or tag) current again",
                        this::rollback).accepts(RollbackRequest.class).returns(ApplyResponse.class),
                ApiRoute.post(BASE + "/{name}/actions/{action}", operator, "Request start, stop or restart", this::action)
                        .returns(InstanceView.class));
    }

    private Object list(Call call) {
        int limit = call.queryInt("limit", 100, 1, 500);
        String environment = call.query("environment").orElse(null);
        Map<String, String> labels = new LinkedHashMap<>();
        for (String selector : call.context().queryParams("label")) {
            for (String part : selector.split(",")) {
                var m = LABEL_SELECTOR.matcher(part.trim());
                if (!m.matches()) {
                    throw Call.badQuery("label", "must look like key=value (got " + Json.abbreviate(part) + ")");
                }
                labels.put(m.group(1), m.group(2));
            }
        }
        String after = call.query("after").orElse(null);
        List<Instance> rows = call.session().instances().list(call.workspace().id(), environment, labels, after, limit + 1);
        boolean more = rows.size() > limit;
        List<InstanceSummary> items = rows.stream().limit(limit).map(InstanceSummary::of).toList();
        return new Page<>(items, more ? items.get(items.size() - 1).name() : null);
    }

    private Object create(Call call) {
        CreateRequest request = call.body(CreateRequest.class);
        new Checks().name("/name", request.name(), "an instance name")
                .required("/template", request.template())
                .required("/environment", request.environment())
                .throwIfAny();
        var stored = call.session().templates().find(request.template()).orElseThrow(() -> new RoostException(
                ErrorCode.VALIDATION_FAILED, "There is no template " + Json.abbreviate(request.template()) + "; GET /api/v1/templates lists them.",
                List.of(new FieldError("/template", "no such template"))));
        Template template = TemplateCodec.parse(stored.document(), "application/yaml");
        JsonNode manifest = TemplateRenderer.render(template, request.parameters() == null ? Map.of() : request.parameters(),
                request.name(), call.workspace().name(), request.environment());
        InstanceService.Result result = service.apply(call.session(), new InstanceService.Request(call.workspace(), call.role(),
                call.principal().actor(), request.name(), manifest, "template:" + template.name(),
                InstanceService.Mode.CREATE_ONLY, false), call.now());
        auditApply(call, "instance.create", result);
        return Reply.created(response(result)).withHeader("Location", instancePath(call, result.instance().name()));
    }

    private Object apply(Call call) {
        boolean dryRun = call.query("dryRun").map(Boolean::parseBoolean).orElse(false);
        JsonNode manifest = ManifestReader.read(call.bodyBytes(), call.contentType());
        InstanceService.Result result = service.apply(call.session(), new InstanceService.Request(call.workspace(), call.role(),
                call.principal().actor(), call.path("name"), manifest, "apply", InstanceService.Mode.UPSERT, dryRun), call.now());
        if (!dryRun) {
            auditApply(call, result.outcome() == ApplyOutcome.CREATED ? "instance.create" : "instance.apply", result);
        }
        Reply reply = Reply.json(result.outcome() == ApplyOutcome.CREATED ? 201 : 200, response(result));
        if (!result.warnings().isEmpty()) {
            reply = reply.withHeader("Roost-Policy-Override",
                    String.join(", ", result.warnings().stream().map(PolicyWarning::rule).distinct().toList()));
        }
        return reply;
    }

    private Object get(Call call) {
        Instance instance = find(call);
        ManifestVersion current = call.session().manifests().find(instance.id(), instance.currentVersion()).orElseThrow();
        GatewayKeyView key = dev.roost.server.gateway.ManagedKeys.instanceKey(call.session(), instance.id())
                .filter(k -> k.usable(call.now()))
                .map(k -> new GatewayKeyView(k.keyId(), k.prefix(), k.models(), k.budget() == null ? null : k.budget().toString()))
                .orElse(null);
        return new InstanceDetail(InstanceView.of(instance), call.session().manifests().tags(instance.id()),
                stored(current.manifestJson()), dev.roost.server.jails.NodeRuntime.nodeNames(call.session(), instance.id()), key);
    }

    private Object delete(Call call) {
        boolean keepVolumes = call.query("keepVolumes").map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw Call.badQuery("keepVolumes", "must be true or false");
        }).orElse(false);
        Instance instance = findForUpdate(call);
        call.session().instances().markDeleted(instance.id(), call.now(), keepVolumes);
        call.audit("instance.delete", "instance", instance.name(), Map.of("version", instance.currentVersion(), "keepVolumes", keepVolumes));
        return InstanceView.of(call.session().instances().findById(instance.id()).orElseThrow());
    }

    private Object versions(Call call) {
        Instance instance = find(call);
        Map<String, Integer> tags = call.session().manifests().tags(instance.id());
        return call.session().manifests().list(instance.id()).stream()
                .map(v -> view(v, tags, instance.currentVersion())).toList();
    }

    private Object version(Call call) {
        Instance instance = find(call);
        int number = resolveVersion(call, instance, call.path("version"), "/path/version");
        ManifestVersion v = call.session().manifests().find(instance.id(), number).orElseThrow();
        JsonNode manifest = stored(v.manifestJson());
        if (call.query("format").filter("yaml"::equals).isPresent()) {
            return Reply.text(200, "application/yaml", ManifestFormats.toYaml(manifest));
        }
        return new VersionDetail(view(v, call.session().manifests().tags(instance.id()), instance.currentVersion()), manifest);
    }

    private Object diff(Call call) {
        Instance instance = find(call);
        int to = call.query("to").map(t -> resolveVersion(call, instance, t, "/query/to")).orElse(instance.currentVersion());
        int from = call.query("from").map(f -> resolveVersion(call, instance, f, "/query/from")).orElse(Math.max(1, to - 1));
        JsonNode older = stored(call.session().manifests().find(instance.id(), from).orElseThrow().manifestJson());
        JsonNode newer = stored(call.session().manifests().find(instance.id(), to).orElseThrow().manifestJson());
        return new DiffView(from, to, ManifestDiff.between(older, newer), ManifestDiff.unified(ManifestFormats.toYaml(older),
                ManifestFormats.toYaml(newer), "version " + from, "version " + to));
    }

    private Object rename(Call call) {
        RenameRequest request = call.body(RenameRequest.class);
        new Checks().name("/newName", request.newName(), "an instance name").throwIfAny();
        Instance instance = find(call);
        if (instance.name().equals(request.newName())) {
            throw RoostException.invalid("/newName", "is already the instance's name");
        }
        if (call.session().instances().find(call.workspace().id(), request.newName()).isPresent()) {
            throw new RoostException(ErrorCode.ALREADY_EXISTS, "Instance " + request.newName() + " already exists.");
        }
        ObjectNode manifest = currentManifest(call, instance);
        ((ObjectNode) manifest.get("metadata")).put("name", request.newName());
        InstanceService.Result result = service.apply(call.session(), new InstanceService.Request(call.workspace(), call.role(),
                call.principal().actor(), instance.name(), manifest, "rename", InstanceService.Mode.UPDATE_ONLY, false), call.now());
        call.audit("instance.rename", "instance", request.newName(),
                Map.of("from", instance.name(), "to", request.newName(), "version", result.version()));
        return response(result);
    }

    private Object putTag(Call call) {
        TagRequest request = call.body(TagRequest.class);
        String tag = call.path("tag");
        new Checks().that(TAG.matcher(tag).matches(), "/path/tag",
                        "a tag is 1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter")
                .required("/version", request.version()).throwIfAny();
        Instance instance = find(call);
        if (call.session().manifests().find(instance.id(), request.version()).isEmpty()) {
            throw RoostException.invalid("/version", "instance " + instance.name() + " has no version " + request.version());
        }
        var previous = call.session().manifests().putTag(instance.id(), tag, request.version(), call.principal().actor());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("tag", tag);
        details.put("version", request.version());
        previous.ifPresent(p -> details.put("movedFrom", p));
        call.audit("instance.tag", "instance", instance.name(), details);
        return Map.of("tag", tag, "version", request.version());
    }

    private Object deleteTag(Call call) {
        Instance instance = find(call);
        String tag = call.path("tag");
        if (!call.session().manifests().deleteTag(instance.id(), tag)) {
            throw RoostException.notFound("Tag " + Json.abbreviate(tag) + " of instance " + instance.name());
        }
        call.audit("instance.untag", "instance", instance.name(), Map.of("tag", tag));
        return null;
    }

    private Object rollback(Call call) {
        RollbackRequest request = call.body(RollbackRequest.class);
        new Checks().required("/to", request.to()).throwIfAny();
        Instance instance = find(call);
        int target = resolveVersion(call, instance, request.to(), "/to");
        if (target == instance.currentVersion()) {
            throw RoostException.invalid("/to", "version " + target + " is already the current version");
        }
        InstanceService.Result result = service.rollback(call.session(), call.workspace(), call.role(), call.principal().actor(),
                instance, target, "rollback:" + target, call.now());
        if (result.outcome() == ApplyOutcome.UPDATED) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("toVersion", target);
            details.put("version", result.version());
            details.put("changes", result.changes());
            call.audit("instance.rollback", "instance", instance.name(), details, warningTexts(result));
        }
        return response(result);
    }

    private Object action(Call call) {
        String action = call.path("action");
        Instance instance = findForUpdate(call);
        var instances = call.session().instances();
        switch (action) {
            case "start" -> instances.setDesiredState(instance.id(), DesiredState.RUNNING,
                    instance.status() == InstanceStatus.RUNNING ? InstanceStatus.RUNNING : InstanceStatus.CREATING,
                    runtimePresent ? "start requested" : "start requested; waiting for a runtime to start it");
            case "stop" -> {
                if (runtimePresent) {
                    instances.setDesiredState(instance.id(), DesiredState.STOPPED, instance.status(), "stop requested");
                } else {
                    instances.setDesiredState(instance.id(), DesiredState.STOPPED, InstanceStatus.STOPPED, "stopped on request");
                }
            }
            case "restart" -> {
                if (instance.desiredState() == DesiredState.STOPPED) {
                    throw new RoostException(ErrorCode.CONFLICT, "Instance " + instance.name() + " is stopped; start it instead.");
                }
                instances.requestRestart(instance.id(), call.now());
            }
            default -> throw RoostException.notFound("Action " + Json.abbreviate(action) + " (actions are start, stop and restart)");
        }
        call.audit("instance." + action, "instance", instance.name(), Map.of("previousDesiredState", instance.desiredState().name()));
        return InstanceView.of(instances.findById(instance.id()).orElseThrow());
    }

    private Instance find(Call call) {
        return call.session().instances().find(call.workspace().id(), call.path("name"))
                .orElseThrow(() -> RoostException.notFound("Instance " + Json.abbreviate(call.path("name"))));
    }

    private Instance findForUpdate(Call call) {
        return call.session().instances().findForUpdate(call.workspace().id(), call.path("name"))
                .orElseThrow(() -> RoostException.notFound("Instance " + Json.abbreviate(call.path("name"))));
    }

    private static ObjectNode currentManifest(Call call, Instance instance) {
        return stored(call.session().manifests()
                .find(instance.id(), instance.currentVersion()).orElseThrow().manifestJson());
    }

    /** A stored manifest with its keys in canonical (sorted) order; PostgreSQL's jsonb keeps its own order. */
    private static ObjectNode stored(String json) {
        return (ObjectNode) CanonicalForm.sorted(ManifestFormats.json().readTree(json));
    }

    /** A version number, or a tag naming one. */
    private static int resolveVersion(Call call, Instance instance, String text, String pointer) {
        if (text.matches("\\d{1,9}")) {
            int number = Integer.parseInt(text);
            if (number >= 1 && number <= instance.currentVersion()) {
                return number;
            }
            throw new RoostException(ErrorCode.NOT_FOUND, "Instance " + instance.name() + " has versions 1 to "
                    + instance.currentVersion() + ", not " + number + ".", List.of(new FieldError(pointer, "no such version")));
        }
        return call.session().manifests().resolveTag(instance.id(), text).orElseThrow(() -> new RoostException(ErrorCode.NOT_FOUND,
                "Instance " + instance.name() + " has no version or tag " + Json.abbreviate(text) + ".",
                List.of(new FieldError(pointer, "no such version or tag"))));
    }

    private static VersionView view(ManifestVersion v, Map<String, Integer> tags, int current) {
        List<String> named = tags.entrySet().stream().filter(e -> e.getValue() == v.version()).map(Map.Entry::getKey).toList();
        return new VersionView(v.version(), v.sha256(), v.source(), v.warnings(), v.createdBy(), v.createdAt(), named,
                v.version() == current);
    }

    private static void auditApply(Call call, String action, InstanceService.Result result) {
        if (result.outcome() == ApplyOutcome.UNCHANGED) {
            return; // nothing changed, nothing to record
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("version", result.version());
        details.put("sha256", result.manifest().sha256());
        details.put("image", result.manifest().image());
        if (!result.changes().isEmpty()) {
            details.put("changes", result.changes());
        }
        call.audit(action, "instance", result.instance().name(), details, warningTexts(result));
    }

    private static List<String> warningTexts(InstanceService.Result result) {
        return result.warnings().stream().map(w -> "policy override [" + w.rule() + "] at " + w.pointer() + ": " + w.message()).toList();
    }

    private static ApplyResponse response(InstanceService.Result r) {
        return new ApplyResponse(r.outcome().name(), r.instance() == null ? null : InstanceView.of(r.instance()), r.version(),
                r.warnings(), r.changes(), r.diff().isEmpty() ? null : r.diff(), r.manifest().canonicalTree());
    }

    private static String instancePath(Call call, String name) {
        return "/api/v1/workspaces/" + call.workspace().name() + "/instances/" + name;
    }


}
