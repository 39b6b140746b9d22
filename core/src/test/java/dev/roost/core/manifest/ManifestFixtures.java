package dev.roost.core.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Manifests used across tests, read from {@code src/test/resources/manifests}. */
public final class ManifestFixtures {
    private ManifestFixtures() {
    }

    public static String text(String name) {
        try (InputStream in = ManifestFixtures.class.getResourceAsStream("/manifests/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh, mutable tree of a fixture. */
    public static ObjectNode tree(String name) {
        JsonNode node = ManifestReader.read(text(name), "application/yaml");
        return (ObjectNode) node;
    }

    /** The full example manifest from the docs: every section set, valid, passes policy on the team plan. */
    public static ObjectNode full() {
        return tree("full.yaml");
    }

    /** The smallest valid manifest. */
    public static ObjectNode minimal() {
        return tree("minimal.yaml");
    }
}
