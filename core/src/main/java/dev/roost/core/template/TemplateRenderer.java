package dev.roost.core.template;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.Pointers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders a {@link Template} with parameter values into an AgentInstance manifest tree,
 * ready for {@code ManifestValidator}. Substitution works on the parsed tree, never on
 * text, so a value cannot inject structure:
 * <ul>
 *   <li>a string that is exactly {@code ${p}} becomes p's value with p's type (number,
 *       boolean or string); if p is optional, has no default and was not given, the
 *       property (or list element) is left out;</li>
 *   <li>{@code ${p}} inside a longer string is replaced by the value's text (empty when
 *       not given); {@code $${} gives a literal {@code ${}.</li>
 * </ul>
 * Unknown parameters, missing required ones and values that do not fit their type or
 * pattern are {@link ErrorCode#TEMPLATE_PARAMETER_INVALID} with pointers
 * {@code /parameters/<name>}; all are reported at once.
 */
public final class TemplateRenderer {
    private TemplateRenderer() {
    }

    public static JsonNode render(Template template, Map<String, String> parameters, String name, String workspace,
            String environment) {
        requireNonNull(template, "template is null");
        requireNonNull(parameters, "parameters is null");
        requireNonNull(name, "name is null");
        requireNonNull(workspace, "workspace is null");
        requireNonNull(environment, "environment is null");
        Map<String, String> values = resolve(template, parameters);

        JsonNode body = substitute(template.manifest(), template, values);
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode manifest = nodes.objectNode();
        manifest.put("apiVersion", AgentManifest.API_VERSION);
        manifest.put("kind", AgentManifest.KIND);
        ObjectNode metadata = manifest.putObject("metadata");
        metadata.put("name", name);
        metadata.put("workspace", workspace);
        metadata.put("environment", environment);
        JsonNode templateMetadata = body.path("metadata");
        if (templateMetadata.has("labels")) {
            metadata.set("labels", templateMetadata.get("labels"));
        }
        if (templateMetadata.has("annotations")) {
            metadata.set("annotations", templateMetadata.get("annotations"));
        }
        JsonNode spec = body.path("spec");
        ObjectNode specCopy = spec.isObject() ? (ObjectNode) spec.deepCopy() : nodes.objectNode();
        if (!specCopy.has("template")) {
            specCopy.put("template", template.name());
        }
        manifest.set("spec", specCopy);
        return manifest;
    }

    /** The value of every parameter that has one (given or default), after checking them all. */
    private static Map<String, String> resolve(Template template, Map<String, String> given) {
        List<FieldError> errors = new ArrayList<>();
        for (String key : given.keySet()) {
            if (key == null || template.parameter(key).isEmpty()) {
                errors.add(new FieldError(key == null ? "/parameters" : Pointers.child("/parameters", key),
                        "the template " + template.name() + " has no such parameter; it takes: " + known(template)));
            }
        }
        Map<String, String> values = new HashMap<>();
        for (TemplateParameter parameter : template.parameters()) {
            String pointer = Pointers.child("/parameters", parameter.name());
            Optional<String> value = Optional.ofNullable(given.get(parameter.name())).or(parameter::defaultValue);
            if (value.isEmpty()) {
                if (parameter.required()) {
                    errors.add(new FieldError(pointer, "is required"
                            + (parameter.description().isEmpty() ? "" : ": " + parameter.description())));
                }
                continue;
            }
            Optional<String> problem = parameter.problem(value.get());
            if (problem.isPresent()) {
                errors.add(new FieldError(pointer, problem.get()));
                continue;
            }
            values.put(parameter.name(), value.get());
        }
        if (!errors.isEmpty()) {
            throw new RoostException(ErrorCode.TEMPLATE_PARAMETER_INVALID,
                    "The parameters for template " + template.name() + " are not valid. First: " + errors.get(0).pointer() + " "
                            + errors.get(0).message().replaceAll("\\.$", "") + ".",
                    errors);
        }
        return values;
    }

    private static String known(Template template) {
        if (template.parameters().isEmpty()) {
            return "no parameters";
        }
        return template.parameters().stream().map(TemplateParameter::name).collect(Collectors.joining(", "));
    }

    /** A substituted copy of {@code node}; null means "leave this value out". */
    private static JsonNode substitute(JsonNode node, Template template, Map<String, String> values) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (node.isObject()) {
            ObjectNode result = nodes.objectNode();
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                JsonNode value = substitute(entry.getValue(), template, values);
                if (value != null) {
                    result.set(entry.getKey(), value);
                }
            }
            return result;
        }
        if (node.isArray()) {
            ArrayNode result = nodes.arrayNode();
            for (JsonNode item : node) {
                JsonNode value = substitute(item, template, values);
                if (value != null) {
                    result.add(value);
                }
            }
            return result;
        }
        if (!node.isString()) {
            return node.deepCopy();
        }
        String text = node.stringValue();
        Optional<String> whole = Placeholders.whole(text);
        if (whole.isPresent()) {
            String parameterName = whole.get();
            String value = values.get(parameterName);
            if (value == null) {
                return null;
            }
            TemplateParameter.Type type = template.parameter(parameterName).map(TemplateParameter::type)
                    .orElse(TemplateParameter.Type.STRING);
            return switch (type) {
                case INTEGER -> nodes.numberNode(Long.parseLong(value));
                case BOOLEAN -> nodes.booleanNode(Boolean.parseBoolean(value));
                case STRING -> nodes.stringNode(value);
            };
        }
        return nodes.stringNode(Placeholders.substitute(text, parameterName -> values.getOrDefault(parameterName, "")));
    }
}
