package dev.roost.server.templates;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.template.Template;
import dev.roost.core.template.TemplateCodec;
import dev.roost.core.template.TemplateParameter;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Reply;
import dev.roost.store.templates.TemplateRepository.StoredTemplate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Templates: anyone signed in may list and read them (and export one as YAML); a server admin
 * adds, replaces and removes them. Documents are checked by {@link TemplateCodec} before they
 * are stored, and kept as the canonical YAML export.
 */
public final class TemplateRoutes {
    public record TemplateSummary(String name, String description, boolean builtIn, List<TemplateParameter> parameters,
            Instant updatedAt) {
    }

    public record TemplateDetail(TemplateSummary template, JsonNode document) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/api/v1/templates", Access.AUTHENTICATED, "List templates", this::list)
                        .returnsListOf(TemplateSummary.class),
                ApiRoute.get("/api/v1/templates/{name}", Access.AUTHENTICATED, "A template", this::get)
                        .query("format", "yaml: export the template document as YAML")
                        .returns(TemplateDetail.class),
                ApiRoute.post("/api/v1/templates", Access.SERVER_ADMIN, "Add a template (YAML or JSON document)", this::create)
                        .returns(TemplateSummary.class),
                ApiRoute.put("/api/v1/templates/{name}", Access.SERVER_ADMIN, "Replace a template", this::replace)
                        .returns(TemplateSummary.class),
                ApiRoute.delete("/api/v1/templates/{name}", Access.SERVER_ADMIN, "Remove a template", this::delete));
    }

    private Object list(Call call) {
        return call.session().templates().list().stream().map(TemplateRoutes::summary).toList();
    }

    private Object get(Call call) {
        StoredTemplate stored = find(call);
        if (call.query("format").filter("yaml"::equals).isPresent()) {
            return Reply.text(200, "application/yaml", stored.document());
        }
        Template template = TemplateCodec.parse(stored.document(), "application/yaml");
        return new TemplateDetail(summary(stored), TemplateCodec.toTree(template));
    }

    private Object create(Call call) {
        Template template = TemplateCodec.parse(call.bodyBytes(), call.contentType());
        call.session().templates().create(template.name(), template.description(), TemplateCodec.toYaml(template), false,
                call.principal().actor());
        call.audit("template.create", "template", template.name(), Map.of("parameters", parameterNames(template)));
        return Reply.created(summary(call.session().templates().find(template.name()).orElseThrow()));
    }

    private Object replace(Call call) {
        StoredTemplate existing = find(call);
        Template template = TemplateCodec.parse(call.bodyBytes(), call.contentType());
        if (!template.name().equals(existing.name())) {
            throw RoostException.invalid("/metadata/name", "is \"" + template.name() + "\" but the URL names \"" + existing.name() + "\"");
        }
        call.session().templates().update(template.name(), template.description(), TemplateCodec.toYaml(template));
        call.audit("template.update", "template", template.name(), Map.of("parameters", parameterNames(template)));
        return summary(call.session().templates().find(template.name()).orElseThrow());
    }

    private Object delete(Call call) {
        StoredTemplate existing = find(call);
        call.session().templates().delete(existing.name());
        call.audit("template.delete", "template", existing.name(), Map.of("builtIn", existing.builtIn()));
        return null;
    }

    private static StoredTemplate find(Call call) {
        String name = call.path("name");
        return call.session().templates().find(name)
                .orElseThrow(() -> new RoostException(ErrorCode.NOT_FOUND, "There is no template "
                        + (name.length() > 64 ? name.substring(0, 61) + "..." : name) + "; GET /api/v1/templates lists them."));
    }

    private static List<String> parameterNames(Template template) {
        return template.parameters().stream().map(TemplateParameter::name).toList();
    }

    private static TemplateSummary summary(StoredTemplate stored) {
        Template template = TemplateCodec.parse(stored.document(), "application/yaml");
        return new TemplateSummary(stored.name(), stored.description(), stored.builtIn(), template.parameters(),
                stored.updatedAt());
    }
}
