package dev.roost.core.manifest;

import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Edits JSON trees by pointer, for building test manifests. */
public final class Trees {
    private Trees() {
    }

    /** Sets the value at {@code pointer}, creating missing parent objects. Returns {@code root}. */
    public static <T extends JsonNode> T set(T root, String pointer, Object value) {
        JsonPointer path = JsonPointer.compile(pointer);
        JsonNode parent = root;
        JsonPointer head = path.head();
        if (head != null && !head.matches()) {
            parent = root.at(head);
            if (parent.isMissingNode()) {
                parent = root.withObject(head);
            }
        }
        String last = path.last().getMatchingProperty();
        JsonNode node = toNode(value);
        if (parent instanceof ArrayNode array) {
            int index = Integer.parseInt(last);
            if (index == array.size()) {
                array.add(node);
            } else {
                array.set(index, node);
            }
        } else {
            ((ObjectNode) parent).set(last, node);
        }
        return root;
    }

    /** Removes the value at {@code pointer} if present. Returns {@code root}. */
    public static <T extends JsonNode> T remove(T root, String pointer) {
        JsonPointer path = JsonPointer.compile(pointer);
        JsonNode parent = root.at(path.head());
        String last = path.last().getMatchingProperty();
        if (parent instanceof ArrayNode array) {
            array.remove(Integer.parseInt(last));
        } else if (parent instanceof ObjectNode object) {
            object.remove(last);
        }
        return root;
    }

    public static JsonNode toNode(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (value) {
            case null -> nodes.nullNode();
            case JsonNode node -> node;
            case String text -> nodes.stringNode(text);
            case Integer number -> nodes.numberNode(number);
            case Long number -> nodes.numberNode(number);
            case Double number -> nodes.numberNode(number);
            case Boolean bool -> nodes.booleanNode(bool);
            default -> ManifestReader.read(String.valueOf(value), "application/yaml");
        };
    }

    /** Parses inline YAML/JSON, e.g. {@code yaml("{name: ui, port: 8080}")}. */
    public static JsonNode yaml(String text) {
        return ManifestReader.read(text, "application/yaml");
    }
}
