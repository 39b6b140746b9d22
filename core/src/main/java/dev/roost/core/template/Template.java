package dev.roost.core.template;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A parameterised manifest ({@code kind: Template}). {@link #manifest()} is an
 * AgentInstance without apiVersion, kind and metadata name/workspace/environment; string
 * values may hold {@code ${parameter}} placeholders. Read and write templates with
 * {@link TemplateCodec}, render them with {@link TemplateRenderer}.
 */
public record Template(String name, String description, List<TemplateParameter> parameters, JsonNode manifest) {
    public Template {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        parameters = List.copyOf(requireNonNull(parameters, "parameters is null"));
        manifest = requireNonNull(manifest, "manifest is null").deepCopy();
    }

    /** A fresh copy of the manifest part, which the caller may change. */
    @Override
    public JsonNode manifest() {
        return manifest.deepCopy();
    }

    public Optional<TemplateParameter> parameter(String parameterName) {
        return parameters.stream().filter(p -> p.name().equals(parameterName)).findFirst();
    }
}
