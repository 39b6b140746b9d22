package dev.roost.core.manifest;

import dev.roost.core.secret.SecretReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * Where a manifest references secrets: for each secret name, the JSON pointers of every place
 * that names it, in the order of the canonical form (keys sorted): {@code spec.channels},
 * then {@code spec.runtime.env}, then {@code spec.secrets}. Covers the same places as
 * {@link ValidatedManifest#secretReferences()}, so errors about a reference can point at it.
 */
public final class SecretReferenceLocator {
    private static final List<String> CHANNEL_FIELDS = List.of("appToken", "botToken", "signingSecret");

    private SecretReferenceLocator() {
    }

    /** Secret name to the pointers naming it; names sorted, pointers in document order. */
    public static SortedMap<String, List<String>> locate(JsonNode manifest) {
        Map<String, List<String>> found = new LinkedHashMap<>();
        JsonNode spec = manifest.path("spec");
        JsonNode channels = spec.path("channels");
        for (String channel : List.of("slack", "telegram", "webhook")) {
            JsonNode node = channels.path(channel);
            for (String field : CHANNEL_FIELDS) {
                reference(node.path(field)).ifPresent(name -> add(found, name, Pointers.of("spec", "channels", channel, field)));
            }
        }
        JsonNode env = spec.path("runtime").path("env");
        if (env.isObject()) {
            for (Map.Entry<String, JsonNode> entry : env.properties()) {
                reference(entry.getValue()).ifPresent(name -> add(found, name,
                        Pointers.child("/spec/runtime/env", entry.getKey())));
            }
        }
        JsonNode secrets = spec.path("secrets");
        for (int i = 0; i < secrets.size(); i++) {
            JsonNode ref = secrets.get(i).path("secretRef");
            if (ref.isString() && SecretReference.isValidName(ref.stringValue())) {
                add(found, ref.stringValue(), Pointers.index("/spec/secrets", i) + "/secretRef");
            }
        }
        SortedMap<String, List<String>> result = new TreeMap<>();
        found.forEach((name, pointers) -> result.put(name, List.copyOf(pointers)));
        return Collections.unmodifiableSortedMap(result);
    }

    private static Optional<String> reference(JsonNode value) {
        return value.isString() ? SecretReference.parse(value.stringValue()).map(SecretReference::name) : Optional.empty();
    }

    private static void add(Map<String, List<String>> found, String name, String pointer) {
        found.computeIfAbsent(name, n -> new ArrayList<>()).add(pointer);
    }
}
