package dev.roost.core.template;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.manifest.ManifestReader;
import dev.roost.core.manifest.Pointers;
import dev.roost.core.manifest.WireValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads template documents (YAML or JSON, as exported by {@link #toYaml}) and writes them.
 * Reading checks the document against {@link TemplateSchema} and then that parameters are
 * sound (unique names, defaults that fit their type and pattern, valid patterns) and that
 * every placeholder names a declared parameter and every parameter is used. Problems are
 * {@link ErrorCode#MANIFEST_INVALID} with pointers into the document. Whether the rendered
 * manifest is valid is known only once parameter values are given, at render time.
 */
public final class TemplateCodec {
    public static final String API_VERSION = "roost/v1";
    public static final String KIND = "Template";

    private TemplateCodec() {
    }

    /** Parses a template body; see {@link ManifestReader#read(byte[], String)} for the syntax limits. */
    public static Template parse(byte[] body, String contentType) {
        return fromTree(ManifestReader.read(body, contentType));
    }

    public static Template parse(String text, String contentType) {
        return fromTree(ManifestReader.read(text, contentType));
    }

    public static Template fromTree(JsonNode document) {
        if (document == null || document.isMissingNode()) {
            throw invalid(List.of(new FieldError(Pointers.ROOT, "the template is empty")));
        }
        try {
            return checkedTemplate(document);
        } catch (RoostException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw invalid(List.of(new FieldError(Pointers.ROOT, "the template could not be checked; simplify it")));
        }
    }

    private static Template checkedTemplate(JsonNode document) {
        List<FieldError> errors = new ArrayList<>(TemplateSchema.check().errors(document));
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        List<TemplateParameter> parameters = new ArrayList<>();
        Set<String> names = new HashSet<>();
        JsonNode parameterNodes = document.path("parameters");
        for (int i = 0; i < parameterNodes.size(); i++) {
            parameter(parameterNodes.get(i), Pointers.index("/parameters", i), names, errors).ifPresent(parameters::add);
        }
        JsonNode manifest = document.path("manifest");
        Map<String, String> used = new LinkedHashMap<>();
        collectPlaceholders(manifest, "/manifest", used, errors);
        used.forEach((name, pointer) -> {
            if (!names.contains(name)) {
                errors.add(new FieldError(pointer, "uses ${" + name + "}, which is not a declared parameter; declare it under parameters"));
            }
        });
        for (int i = 0; i < parameterNodes.size(); i++) {
            String name = parameterNodes.get(i).path("name").stringValue();
            if (!used.containsKey(name)) {
                errors.add(new FieldError(Pointers.index("/parameters", i) + "/name",
                        "the parameter is never used in the manifest; use it as ${" + name + "} or remove it"));
            }
        }
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return new Template(document.path("metadata").path("name").stringValue(),
                document.path("metadata").path("description").stringValue(), parameters, manifest);
    }

    private static Optional<TemplateParameter> parameter(JsonNode node, String pointer, Set<String> names, List<FieldError> errors) {
        String name = node.path("name").stringValue();
        if (!names.add(name)) {
            errors.add(new FieldError(pointer + "/name", "another parameter has the same name"));
            return Optional.empty();
        }
        TemplateParameter.Type type = node.has("type")
                ? WireValue.fromWire(TemplateParameter.Type.class, node.path("type").stringValue()).orElseThrow()
                : TemplateParameter.Type.STRING;
        Optional<String> pattern = node.has("pattern") ? Optional.of(node.path("pattern").stringValue()) : Optional.empty();
        Optional<String> defaultValue = node.has("default") ? Optional.of(scalarText(node.path("default"))) : Optional.empty();
        TemplateParameter parameter;
        try {
            parameter = new TemplateParameter(name, node.path("description").stringValue(""), type,
                    node.path("required").booleanValue(false), defaultValue, pattern);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(pointer + "/pattern", e.getMessage()));
            return Optional.empty();
        }
        defaultValue.flatMap(parameter::problem)
                .ifPresent(problem -> errors.add(new FieldError(pointer + "/default", problem)));
        return Optional.of(parameter);
    }

    private static void collectPlaceholders(JsonNode node, String pointer, Map<String, String> used, List<FieldError> errors) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                if (!Placeholders.names(entry.getKey()).isEmpty()) {
                    errors.add(new FieldError(Pointers.child(pointer, entry.getKey()),
                            "placeholders are replaced in values only, not in keys"));
                }
                collectPlaceholders(entry.getValue(), Pointers.child(pointer, entry.getKey()), used, errors);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectPlaceholders(node.get(i), Pointers.index(pointer, i), used, errors);
            }
        } else if (node.isString()) {
            Placeholders.names(node.stringValue()).forEach(name -> used.putIfAbsent(name, pointer));
        }
    }

    /** The template as a document tree, in the order people read it. */
    public static ObjectNode toTree(Template template) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode root = nodes.objectNode();
        root.put("apiVersion", API_VERSION);
        root.put("kind", KIND);
        ObjectNode metadata = root.putObject("metadata");
        metadata.put("name", template.name());
        metadata.put("description", template.description());
        if (!template.parameters().isEmpty()) {
            ArrayNode parameters = root.putArray("parameters");
            for (TemplateParameter parameter : template.parameters()) {
                ObjectNode item = parameters.addObject();
                item.put("name", parameter.name());
                if (!parameter.description().isEmpty()) {
                    item.put("description", parameter.description());
                }
                item.put("type", parameter.type().wire());
                item.put("required", parameter.required());
                parameter.defaultValue().ifPresent(value -> item.put("default", value));
                parameter.pattern().ifPresent(value -> item.put("pattern", value));
            }
        }
        root.set("manifest", template.manifest());
        return root;
    }

    /** The template as YAML, for export; {@link #parse} reads it back to an equal template. */
    public static String toYaml(Template template) {
        return ManifestFormats.toYaml(toTree(template));
    }

    private static String scalarText(JsonNode node) {
        return node.isString() ? node.stringValue() : node.asString();
    }

    private static RoostException invalid(List<FieldError> errors) {
        List<FieldError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparing(FieldError::pointer));
        FieldError first = sorted.get(0);
        return new RoostException(ErrorCode.MANIFEST_INVALID,
                "The template is not valid: " + sorted.size() + (sorted.size() == 1 ? " problem" : " problems") + ". First: "
                        + (first.pointer().isEmpty() ? "(document)" : first.pointer()) + " " + first.message() + ".",
                sorted);
    }
}
