package dev.roost.core.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The templates Roost ships, bundled as {@code /templates/<name>.yaml}. Each renders, with
 * its defaults and required parameters, to a manifest that passes validation and the
 * standard policy on the starter plan.
 */
public final class BuiltInTemplates {
    public static final List<String> NAMES = List.of(
            "telegram-bot", "slack-bot", "webhook-bot", "openclaw-agent", "llm-tenant", "coding-agent");

    private static final List<Template> ALL = load();

    private BuiltInTemplates() {
    }

    public static List<Template> all() {
        return ALL;
    }

    public static Optional<Template> find(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private static List<Template> load() {
        List<Template> templates = new ArrayList<>();
        for (String name : NAMES) {
            String resource = "/templates/" + name + ".yaml";
            try (InputStream in = BuiltInTemplates.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("built-in template " + resource + " is missing from the class path");
                }
                Template template = TemplateCodec.parse(in.readAllBytes(), "application/yaml");
                if (!template.name().equals(name)) {
                    throw new IllegalStateException(resource + " is named " + template.name());
                }
                templates.add(template);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(templates);
    }
}
