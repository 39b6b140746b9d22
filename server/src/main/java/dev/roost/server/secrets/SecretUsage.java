package dev.roost.server.secrets;

import dev.roost.core.manifest.ManifestFormats;
import dev.roost.core.manifest.SecretReferenceLocator;
import dev.roost.store.Session;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Which live instances of a workspace reference each secret in their current manifest: the
 * instances that will need the value when they start, and the reason a secret cannot be
 * deleted. Instance names come out sorted.
 */
record SecretUsage(Map<String, List<String>> instancesBySecret) {
    SecretUsage {
        instancesBySecret = Map.copyOf(instancesBySecret);
    }

    static SecretUsage of(Session session, UUID workspaceId) {
        Map<String, TreeSet<String>> found = new TreeMap<>();
        session.manifests().currentOfLiveInstances(workspaceId).forEach((instance, json) ->
                SecretReferenceLocator.locate(ManifestFormats.json().readTree(json)).keySet()
                        .forEach(secret -> found.computeIfAbsent(secret, s -> new TreeSet<>()).add(instance)));
        Map<String, List<String>> result = new TreeMap<>();
        found.forEach((secret, instances) -> result.put(secret, List.copyOf(instances)));
        return new SecretUsage(result);
    }

    List<String> of(String secret) {
        return instancesBySecret.getOrDefault(secret, List.of());
    }
}
