package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.policy.PolicyWarning;
import dev.roost.core.template.Template;
import dev.roost.core.template.TemplateCodec;
import dev.roost.core.template.TemplateParameter;
import dev.roost.core.template.TemplateRenderer;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Reply;
import dev.roost.server.instances.InstanceRoutes.ApplyResponse;
import dev.roost.server.secrets.SecretRoutes.SecretView;
import dev.roost.server.templates.TemplateRoutes.TemplateSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * The create wizard: pick a template → name and environment → parameters and channel secrets
 * (each secret value is entered once and goes straight into the secret store; it is never put
 * back into a page) → review the generated manifest with any policy warnings → create.
 * Validation errors are shown at their field.
 */
final class WizardPages {
    private static final String WS = "/console/w/{ws}";
    private static final String SECRET_VALUE = "secretValue.";
    private static final String PARAMETER = "p.";

    private final Console console;

    WizardPages(Console console) {
        this.console = requireNonNull(console, "console is null");
    }

    List<ApiRoute> routes() {
        Access operator = Access.workspace(Role.OPERATOR);
        return List.of(
                ApiRoute.get(WS + "/new", operator, "Console: create wizard (template, then name, environment and secrets)",
                        this::start),
                ApiRoute.post(WS + "/new/review", operator,
                        "Console: create wizard review (stores the secrets entered, checks the manifest, stores no instance)", this::review),
                ApiRoute.post(WS + "/new", operator, "Console: create the instance the wizard reviewed", this::create));
    }

    /** What the form holds; secret values are never part of it. */
    record Input(String template, String name, String environment, Map<String, String> parameters) {
        static Input of(Call call) {
            Map<String, String> parameters = new LinkedHashMap<>();
            call.context().formParamMap().forEach((key, values) -> {
                if (key.startsWith(PARAMETER) && !values.isEmpty() && !values.get(0).isBlank()) {
                    parameters.put(key.substring(PARAMETER.length()), values.get(0).trim());
                }
            });
            return new Input(Console.form(call, "template"), Console.form(call, "name").trim(), Console.form(call, "environment"),
                    parameters);
        }
    }

    private Object start(Call call) throws Exception {
        String chosen = call.query("template").orElse(null);
        if (chosen == null) {
            return chooseTemplate(call);
        }
        return details(call, 200, new Input(chosen, "", call.workspace().environments().get(0), Map.of()), Map.of(), List.of(),
                Set.of());
    }

    @SuppressWarnings("unchecked")
    private Object chooseTemplate(Call call) throws Exception {
        List<TemplateSummary> templates = (List<TemplateSummary>) console.call(call, "GET /api/v1/templates", Map.of(), Map.of(), null);
        Html options = Html.each(templates, t -> Html.of("""
                <li><label class="card"><input type="radio" name="template" value="{}" required>
                <strong>{}</strong><span class="muted">{}</span></label></li>""", t.name(), t.name(), t.description()));
        Html body = Html.of("""
                {}
                <h1>New instance</h1>
                <form method="get" action="{}/new" class="stack">
                <fieldset><legend>Step 1 of 3 · Pick a template</legend><ul class="cards">{}</ul></fieldset>
                <div class="actions"><button type="submit">Next</button></div>
                </form>""", crumbs(call), Html.raw(Console.base(call)), options);
        return console.page(call, "instances", "New instance", body);
    }

    private static Html crumbs(Call call) {
        return Html.of("<p class=\"crumbs\"><a href=\"{}/instances\">Instances</a> /</p>", Html.raw(Console.base(call)));
    }

    private Template template(Call call, String name) {
        var stored = call.session().templates().find(name).orElseThrow(() -> RoostException.notFound("Template " + name));
        return TemplateCodec.parse(stored.document(), "application/yaml");
    }

    /** Step 2: name, environment, parameters and secrets, with errors at their fields. */
    private Reply details(Call call, int status, Input input, Map<String, String> errors, List<String> general, Set<String> stored) {
        Template template = template(call, input.template());
        String csrf = ConsoleFront.csrfToken(call.context());
        List<TemplateParameter> secrets = template.parameters().stream().filter(WizardPages::namesSecret).toList();
        List<TemplateParameter> plain = template.parameters().stream().filter(p -> !namesSecret(p)).toList();
        Set<String> existing = secretNames(call);
        Html secretFields = Html.each(secrets, p -> {
            String secretName = input.parameters().getOrDefault(p.name(), p.defaultValue().orElse(""));
            boolean have = stored.contains(secretName) || existing.contains(secretName);
            return Html.join(
                    field(PARAMETER + p.name(), "Secret name for " + p.name(), secretName, p.description(), errors.get(PARAMETER + p.name()),
                            "text", p.required() && p.defaultValue().isEmpty()),
                    field(SECRET_VALUE + p.name(), "Value of secret " + secretName, "",
                            have ? "Already in the secret store. Leave empty to keep it, or enter a new value to replace it."
                                    : "Entered once: it goes straight into the encrypted secret store and is never shown again.",
                            errors.get(SECRET_VALUE + p.name()), "password", false));
        });
        Html plainFields = Html.each(plain, p -> field(PARAMETER + p.name(), p.name() + (p.required() ? "" : " (optional)"),
                input.parameters().getOrDefault(p.name(), ""), p.description()
                        + p.defaultValue().map(d -> " Default: " + d + ".").orElse(""), errors.get(PARAMETER + p.name()), "text",
                p.required() && p.defaultValue().isEmpty()));
        Html generalErrors = general.isEmpty() ? Html.EMPTY : Html.of("<div class=\"error\" role=\"alert\"><ul>{}</ul></div>",
                Html.each(general, g -> Html.of("<li>{}</li>", g)));
        Html body = Html.of("""
                {}
                <h1>New instance from {}</h1>
                {}
                <form method="post" action="{}/new/review" class="stack" novalidate>
                <input type="hidden" name="csrf" value="{}">
                <input type="hidden" name="template" value="{}">
                <fieldset><legend>Step 2 of 3 · Name and environment</legend>
                {}
                <label for="environment">Environment</label>
                <select id="environment" name="environment">{}</select>{}
                </fieldset>
                <fieldset><legend>Channel and secrets</legend>{}</fieldset>
                <fieldset><legend>Parameters</legend>{}</fieldset>
                <div class="actions"><button type="submit">Review manifest</button>
                <a class="button secondary" href="{}/new">Back to templates</a></div>
                </form>""", crumbs(call), template.name(), generalErrors, Html.raw(Console.base(call)), csrf, template.name(),
                field("name", "Instance name", input.name(), "Lower-case letters, digits and '-', e.g. support-bot.", errors.get("name"),
                        "text", true),
                Html.each(call.workspace().environments(), e -> Html.of("<option value=\"{}\"{}>{}</option>", e,
                        Html.raw(e.equals(input.environment()) ? " selected" : ""), e)),
                errorText("environment", errors.get("environment")),
                secrets.isEmpty() ? Html.raw("<p class=\"muted\">This template needs no secrets.</p>") : secretFields,
                plain.isEmpty() ? Html.raw("<p class=\"muted\">No parameters.</p>") : plainFields, Html.raw(Console.base(call)));
        return console.page(call, status, "instances", "New instance", body);
    }

    /** The names of the workspace's secrets, as the API lists them (never values). */
    @SuppressWarnings("unchecked")
    private Set<String> secretNames(Call call) {
        try {
            List<SecretView> secrets = (List<SecretView>) console.call(call, "GET /api/v1/workspaces/{ws}/secrets", Map.of(), Map.of(),
                    null);
            return secrets.stream().map(SecretView::name).collect(Collectors.toSet());
        } catch (Exception e) {
            return Set.of();
        }
    }

    static boolean namesSecret(TemplateParameter p) {
        return p.name().endsWith("Secret");
    }

    private static Html field(String id, String label, String value, String hint, String error, String type, boolean required) {
        String safeId = id.replace('.', '-');
        return Html.of("""
                <label for="{}">{}</label>
                <input id="{}" name="{}" type="{}" value="{}" autocomplete="off"{}{} aria-describedby="{}-hint">
                <p class="hint" id="{}-hint">{}</p>{}""", safeId, label, safeId, id, type, value,
                Html.raw(required ? " required" : ""), Html.raw(error == null ? "" : " aria-invalid=\"true\""), safeId, safeId, hint,
                errorText(safeId, error));
    }

    private static Html errorText(String id, String error) {
        return error == null ? Html.EMPTY : Html.of("<p class=\"field-error\" id=\"{}-error\" role=\"alert\">{}</p>", id, error);
    }

    /** Step 3: secrets go to the store, the manifest is generated and checked, nothing else is stored. */
    private Object review(Call call) throws Exception {
        Input input = Input.of(call);
        Template template = template(call, input.template());
        Map<String, String> errors = new LinkedHashMap<>();
        List<String> general = new ArrayList<>();
        Console.Attempt<Object> names = Console.attempt(call, () -> {
            new Checks().name("/name", input.name().isEmpty() ? null : input.name(), "an instance name").throwIfAny();
            return null;
        });
        if (!names.ok()) {
            collect(names.error(), errors, general, template);
        }
        if (!call.workspace().environments().contains(input.environment())) {
            errors.put("environment", "pick one of " + call.workspace().environments());
        }
        // Check the parameters first, so no secret is stored for a form that cannot go through.
        Console.Attempt<JsonNode> rendered = Console.attempt(call, () -> TemplateRenderer.render(template, input.parameters(),
                input.name().isEmpty() ? "x" : input.name(), call.workspace().name(), input.environment()));
        if (!rendered.ok()) {
            collect(rendered.error(), errors, general, template);
        }
        if (!errors.isEmpty() || !general.isEmpty()) {
            return details(call, 422, input, errors, general, Set.of());
        }
        Set<String> stored = new java.util.HashSet<>();
        Set<String> existing = secretNames(call);
        for (TemplateParameter p : template.parameters().stream().filter(WizardPages::namesSecret).toList()) {
            String secretName = input.parameters().getOrDefault(p.name(), p.defaultValue().orElse(""));
            String value = Console.form(call, SECRET_VALUE + p.name());
            if (value.isEmpty()) {
                if (!existing.contains(secretName)) {
                    errors.put(SECRET_VALUE + p.name(), "enter the value of secret " + secretName + " (it is not in the store yet)");
                }
                continue;
            }
            Console.Attempt<Object> put = Console.attempt(call, () -> console.call(call, "PUT /api/v1/workspaces/{ws}/secrets/{name}",
                    Map.of("name", secretName), Map.of(), Map.of("value", value)));
            if (put.ok()) {
                stored.add(secretName);
            } else {
                errors.put(SECRET_VALUE + p.name(), put.error().getMessage());
            }
        }
        if (!errors.isEmpty()) {
            return details(call, 422, input, errors, general, stored);
        }
        Console.Attempt<Object> dryRun = Console.attempt(call, () -> console.call(call, "PUT " + InstancePages.API + "/{name}",
                Map.of("name", input.name()), Map.of("dryRun", "true"), rendered.value()));
        if (!dryRun.ok()) {
            collect(dryRun.error(), errors, general, template);
            return details(call, 422, input, errors, general, stored);
        }
        ApplyResponse result = (ApplyResponse) ((Reply) dryRun.value()).body();
        if (!"WOULD_CREATE".equals(result.outcome())) {
            errors.put("name", "instance " + input.name() + " already exists in this workspace; pick another name");
            return details(call, 422, input, errors, general, stored);
        }
        return reviewPage(call, input, template, result, stored);
    }

    private Reply reviewPage(Call call, Input input, Template template, ApplyResponse result, Set<String> stored) {
        Html warnings = result.warnings().isEmpty() ? Html.raw("<p class=\"notice\">The manifest passes every policy rule.</p>")
                : Html.of("<div class=\"warning\" role=\"alert\"><p>Policy warnings (overrides you are allowed to make):</p><ul>{}</ul></div>",
                        Html.each(result.warnings(), (PolicyWarning w) -> Html.of("<li><code>{}</code> at <code>{}</code>: {}</li>",
                                w.rule(), w.pointer(), w.message())));
        Html hidden = Html.each(input.parameters().entrySet(), e -> Html.of("<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                PARAMETER + e.getKey(), e.getValue()));
        Html body = Html.of("""
                {}
                <h1>Review {}</h1>
                <p class="hint">Step 3 of 3 · This is the manifest Roost will store as version 1 of <strong>{}</strong> in
                environment <strong>{}</strong>, from template {}.</p>
                {}{}
                <pre class="code" id="generated-manifest">{}</pre>
                <form method="post" action="{}/new" class="stack">
                <input type="hidden" name="csrf" value="{}">
                <input type="hidden" name="template" value="{}">
                <input type="hidden" name="name" value="{}">
                <input type="hidden" name="environment" value="{}">{}
                <div class="actions"><button type="submit">Create {}</button>
                <a class="button secondary" href="{}/new?template={}">Start over</a></div>
                </form>""", crumbs(call), input.name(), input.name(), input.environment(), template.name(),
                stored.isEmpty() ? Html.EMPTY : Html.of("<p class=\"notice\" role=\"status\">Stored in the secret store: {}.</p>",
                        stored.stream().sorted().collect(Collectors.joining(", "))),
                warnings, ManifestFormats.toYaml(result.manifest()), Html.raw(Console.base(call)),
                ConsoleFront.csrfToken(call.context()), template.name(), input.name(), input.environment(), hidden, input.name(),
                Html.raw(Console.base(call)), Html.url(template.name()));
        return console.page(call, "instances", "Review " + input.name(), body);
    }

    private Object create(Call call) throws Exception {
        Input input = Input.of(call);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("name", input.name());
        request.put("template", input.template());
        request.put("environment", input.environment());
        request.put("parameters", input.parameters());
        Console.Attempt<Object> created = Console.attempt(call, () -> console.call(call, "POST " + InstancePages.API, Map.of(),
                Map.of(), request));
        if (!created.ok()) {
            Map<String, String> errors = new LinkedHashMap<>();
            List<String> general = new ArrayList<>();
            collect(created.error(), errors, general, template(call, input.template()));
            return details(call, created.error().code().httpStatus(), input, errors, general, Set.of());
        }
        ApplyResponse response = (ApplyResponse) ((Reply) created.value()).body();
        return Console.redirect(Console.base(call) + "/instances/" + Html.url(response.instance().name()) + "?notice=created");
    }

    /** Sorts an error's field errors onto the form's fields; the rest is shown above the form. */
    private static void collect(RoostException error, Map<String, String> errors, List<String> general, Template template) {
        if (error.fieldErrors().isEmpty()) {
            general.add(error.getMessage());
            return;
        }
        for (FieldError f : error.fieldErrors()) {
            String pointer = f.pointer();
            String field = switch (pointer) {
                case "/name", "/metadata/name" -> "name";
                case "/environment", "/metadata/environment" -> "environment";
                // a policy error on the image belongs to the template's image parameter, where it was typed
                case "/spec/runtime/image" -> template.parameter("image").isPresent() ? PARAMETER + "image" : null;
                default -> pointer.startsWith("/parameters/") ? PARAMETER + pointer.substring("/parameters/".length()) : null;
            };
            if (field == null) {
                general.add(pointer + " " + f.message());
            } else {
                errors.merge(field, f.message(), (a, b) -> a + "; " + b);
            }
        }
    }

}
