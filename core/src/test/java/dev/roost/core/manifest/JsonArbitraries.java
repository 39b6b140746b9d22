package dev.roost.core.manifest;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** jqwik generators of JSON trees, hostile values and manifest mutations. */
public final class JsonArbitraries {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Words of the manifest vocabulary, so random trees often reach deep into the schema. */
    static final List<String> VOCABULARY = List.of(
            "apiVersion", "kind", "metadata", "spec", "name", "workspace", "environment", "labels", "annotations", "template",
            "runtime", "image", "imagePullPolicy", "command", "cpu", "memory", "replicas", "env", "secrets", "secretRef", "file",
            "channels", "telegram", "slack", "webhook", "botToken", "mode", "path", "port", "ports", "skills", "allowlist",
            "model", "defaultModel", "allowedModels", "monthlyBudgetUsd", "network", "inbound", "egress", "egressAllow",
            "exposure", "admin", "health", "http", "volumes", "mountPath", "size", "observability", "metrics", "lifecycle",
            "policies", "allowUnsafe", "roost/v1", "AgentInstance", "prod", "docker", "PUBLIC", "secret:x", "500m", "1Gi");

    private JsonArbitraries() {
    }

    /** Strings that stress validators: empty, unicode, control characters, lookalikes of valid values, huge. */
    public static Arbitrary<String> hostileStrings() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().all().ofMaxLength(40)),
                Tuple.of(3, Arbitraries.of(VOCABULARY)),
                Tuple.of(2, Arbitraries.strings().withChars("abz09-_./:*@~ \n\t{}[]$").ofMaxLength(70)),
                Tuple.of(1, Arbitraries.of("", " ", "\u0000", "secret:", "secret:UPPER", "../..", "/", "*", "\uD800", "🦞🦞",
                        "ghcr.io/acme/bot:1.0", "1e309", "-1", "0x10", "\u202Eevil")),
                Tuple.of(1, Arbitraries.integers().between(60_000, 70_000).map("x"::repeat)));
    }

    public static Arbitrary<JsonNode> hostileNumbers() {
        return Arbitraries.oneOf(
                Arbitraries.integers().map(i -> (JsonNode) NODES.numberNode(i)),
                Arbitraries.longs().map(l -> (JsonNode) NODES.numberNode(l)),
                Arbitraries.doubles().map(d -> (JsonNode) NODES.numberNode(d)),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300, -0.0, 0.5, 1.0)
                        .map(d -> (JsonNode) NODES.numberNode(d)),
                Arbitraries.of(new BigInteger("2").pow(200), BigInteger.valueOf(Long.MIN_VALUE).subtract(BigInteger.ONE))
                        .map(b -> (JsonNode) NODES.numberNode(b)),
                Arbitraries.of(new BigDecimal("1e400"), new BigDecimal("1e-400"), new BigDecimal("1E+1"), new BigDecimal("0.1"),
                        new BigDecimal("123456789012345678901234567890.123456789")).map(b -> (JsonNode) NODES.numberNode(b)));
    }

    public static Arbitrary<JsonNode> scalars() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, hostileStrings().map(s -> (JsonNode) NODES.stringNode(s))),
                Tuple.of(2, hostileNumbers()),
                Tuple.of(1, Arbitraries.of(true, false).map(b -> (JsonNode) NODES.booleanNode(b))),
                Tuple.of(1, Arbitraries.just((JsonNode) NODES.nullNode())));
    }

    public static Arbitrary<String> keys() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of(VOCABULARY)),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(12)),
                Tuple.of(1, Arbitraries.of("", "a/b", "~0", "0", "x".repeat(2000))));
    }

    /** Arbitrary JSON trees up to {@code depth} levels. */
    public static Arbitrary<JsonNode> trees(int depth) {
        if (depth <= 0) {
            return scalars();
        }
        Arbitrary<JsonNode> child = Arbitraries.lazy(() -> trees(depth - 1));
        Arbitrary<JsonNode> array = child.list().ofMaxSize(4).map(items -> {
            ArrayNode node = NODES.arrayNode();
            items.forEach(node::add);
            return node;
        });
        Arbitrary<JsonNode> object = Combinators.combine(keys(), child).as(Map::entry).list().ofMaxSize(5).map(entries -> {
            ObjectNode node = NODES.objectNode();
            entries.forEach(e -> node.set(e.getKey(), e.getValue()));
            return node;
        });
        return Arbitraries.frequencyOf(Tuple.of(2, scalars()), Tuple.of(1, array), Tuple.of(3, object));
    }

    /** Random documents shaped like a manifest at the top, arbitrary below. */
    public static Arbitrary<JsonNode> manifestShapedTrees() {
        return Combinators.combine(trees(1), trees(2), trees(4), Arbitraries.of(true, false)).as((apiVersion, metadata, spec, flag) -> {
            ObjectNode root = NODES.objectNode();
            root.set("apiVersion", flag ? NODES.stringNode("roost/v1") : apiVersion);
            root.put("kind", "AgentInstance");
            root.set("metadata", metadata);
            root.set("spec", spec);
            return root;
        });
    }

    /** Every pointer in a tree, root included, in document order. */
    public static List<String> pointers(JsonNode root) {
        List<String> result = new ArrayList<>();
        collect(root, "", result);
        return result;
    }

    private static void collect(JsonNode node, String pointer, List<String> result) {
        result.add(pointer);
        if (node.isObject()) {
            node.properties().forEach(e -> collect(e.getValue(), pointer + "/" + Pointers.escape(e.getKey()), result));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), pointer + "/" + i, result);
            }
        }
    }

    /** One edit of a tree. {@code selector} picks the target among the tree's pointers. */
    public record Mutation(Op op, int selector, JsonNode value, String key) {
        public enum Op {
            REMOVE,
            REPLACE,
            WRAP_IN_ARRAY,
            WRAP_IN_OBJECT,
            ADD_PROPERTY,
            DUPLICATE_ELEMENT
        }

        public void applyTo(JsonNode root) {
            List<String> pointers = pointers(root);
            String target = pointers.get(Math.floorMod(selector, pointers.size()));
            JsonNode node = root.at(target);
            JsonPointer path = JsonPointer.compile(target);
            JsonNode parent = path.head() == null ? null : root.at(path.head());
            String last = path.matches() ? null : path.last().getMatchingProperty();
            switch (op) {
                case REMOVE -> replace(parent, last, null);
                case REPLACE -> replace(parent, last, value);
                case WRAP_IN_ARRAY -> replace(parent, last, NODES.arrayNode().add(node.deepCopy()));
                case WRAP_IN_OBJECT -> {
                    ObjectNode wrapper = NODES.objectNode();
                    wrapper.set(key, node.deepCopy());
                    replace(parent, last, wrapper);
                }
                case ADD_PROPERTY -> {
                    if (node instanceof ObjectNode object) {
                        object.set(key, value);
                    }
                }
                case DUPLICATE_ELEMENT -> {
                    if (node instanceof ArrayNode array && !array.isEmpty()) {
                        array.add(array.get(0).deepCopy());
                    }
                }
            }
        }

        private static void replace(JsonNode parent, String last, JsonNode value) {
            if (parent instanceof ObjectNode object) {
                if (value == null) {
                    object.remove(last);
                } else {
                    object.set(last, value);
                }
            } else if (parent instanceof ArrayNode array) {
                int index = Integer.parseInt(last);
                if (value == null) {
                    array.remove(index);
                } else {
                    array.set(index, value);
                }
            }
        }
    }

    public static Arbitrary<Mutation> mutations() {
        return Combinators.combine(
                        Arbitraries.of(Mutation.Op.class),
                        Arbitraries.integers().between(0, 10_000),
                        Arbitraries.frequencyOf(Tuple.of(3, scalars()), Tuple.of(1, trees(2))),
                        keys())
                .as(Mutation::new);
    }
}
