package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.ValidationLimitExceededException;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import dev.roost.core.error.FieldError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;

/**
 * Checks a JSON tree against one of Roost's bundled JSON Schemas (draft 2020-12) and turns
 * every failure into a {@link FieldError} with an RFC 6901 pointer into the checked tree:
 * a missing required property points at its parent object, an unknown or badly named
 * property points at that property, anything else at the offending value.
 *
 * <p>Before the schema runs, the tree is checked against size limits (depth, number of
 * values, string length, finite numbers) so that no input, however odd, can make schema
 * evaluation slow or fail. Messages never quote the offending value. Instances are
 * immutable and thread-safe.
 */
public final class JsonSchemaCheck {
    static final int MAX_DEPTH = 32;
    static final int MAX_VALUES = 20_000;
    static final int MAX_STRING_LENGTH = 65_536;
    static final int MAX_KEY_LENGTH = 1_024;
    static final int MAX_ERRORS = 100;

    private static final long MAX_EVALUATION_STEPS = 5_000_000;

    private final String text;
    private final JsonNode schemaTree;
    private final Schema schema;

    private JsonSchemaCheck(String text) {
        this.text = requireNonNull(text, "text is null");
        this.schemaTree = ManifestFormats.json().readTree(text);
        // patternErrorMessage is the VS Code extension keyword we also use for our own messages;
        // declaring it keeps the validator from warning about an unknown keyword.
        Dialect dialect = Dialect.builder(Dialects.getDraft202012())
                .keyword(new NonValidationKeyword("patternErrorMessage"))
                .build();
        SchemaRegistry registry = SchemaRegistry.withDialect(dialect,
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                        .pathType(PathType.JSON_POINTER)
                        .formatAssertionsEnabled(false)
                        .build()));
        this.schema = registry.getSchema(schemaTree);
        this.schema.initializeValidators();
    }

    /** Loads a schema bundled on the class path, e.g. {@code /schemas/agent-instance.schema.json}. */
    public static JsonSchemaCheck fromResource(String resource) {
        try (InputStream in = JsonSchemaCheck.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema resource " + resource + " is missing from the class path");
            }
            return new JsonSchemaCheck(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema document, exactly as bundled. */
    public String text() {
        return text;
    }

    /** The schema's {@code $id}. */
    public String id() {
        return schemaTree.path("$id").asString();
    }

    /** All problems found, sorted by pointer; empty when the tree conforms. */
    public List<FieldError> errors(JsonNode instance) {
        List<FieldError> limits = new ArrayList<>();
        checkLimits(instance, Pointers.ROOT, 0, new int[] {0}, limits);
        if (!limits.isEmpty()) {
            return cap(limits);
        }
        List<com.networknt.schema.Error> raw;
        try {
            raw = schema.validate(instance, context -> context.executionConfig(config -> config
                    .maxEvaluationSteps(MAX_EVALUATION_STEPS)
                    .maxEvaluationDepth(256)));
        } catch (ValidationLimitExceededException e) {
            return List.of(new FieldError(Pointers.ROOT, "the document is too complex to check; simplify it"));
        }
        Set<String> patternFailures = new HashSet<>();
        for (com.networknt.schema.Error error : raw) {
            if ("pattern".equals(error.getKeyword())) {
                patternFailures.add(pointerOf(error.getInstanceLocation()));
            }
        }
        Set<FieldError> errors = new LinkedHashSet<>();
        for (com.networknt.schema.Error error : raw) {
            String keyword = error.getKeyword();
            boolean lengthCoveredByPattern = ("minLength".equals(keyword) || "maxLength".equals(keyword))
                    && patternFailures.contains(pointerOf(error.getInstanceLocation()));
            if (!lengthCoveredByPattern) {
                // a failed pattern already explains the form, including its length
                errors.add(toFieldError(error));
            }
        }
        List<FieldError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparing(FieldError::pointer));
        return cap(sorted);
    }

    private static List<FieldError> cap(List<FieldError> errors) {
        return errors.size() <= MAX_ERRORS ? List.copyOf(errors) : List.copyOf(errors.subList(0, MAX_ERRORS));
    }

    private static void checkLimits(JsonNode node, String pointer, int depth, int[] count, List<FieldError> errors) {
        if (errors.size() >= MAX_ERRORS) {
            return;
        }
        if (++count[0] > MAX_VALUES) {
            if (count[0] == MAX_VALUES + 1) {
                errors.add(new FieldError(Pointers.ROOT, "the document has more than " + MAX_VALUES + " values"));
            }
            return;
        }
        if (depth > MAX_DEPTH) {
            errors.add(new FieldError(pointer, "nests deeper than " + MAX_DEPTH + " levels"));
            return;
        }
        switch (node.getNodeType()) {
            case OBJECT -> {
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    String key = entry.getKey();
                    if (key.length() > MAX_KEY_LENGTH) {
                        errors.add(new FieldError(pointer, "has a key longer than " + MAX_KEY_LENGTH + " characters"));
                        continue;
                    }
                    checkLimits(entry.getValue(), Pointers.child(pointer, key), depth + 1, count, errors);
                }
            }
            case ARRAY -> {
                for (int i = 0; i < node.size(); i++) {
                    checkLimits(node.get(i), Pointers.index(pointer, i), depth + 1, count, errors);
                }
            }
            case STRING -> {
                String value = node.stringValue();
                if (value.length() > MAX_STRING_LENGTH) {
                    errors.add(new FieldError(pointer, "is longer than " + MAX_STRING_LENGTH + " characters"));
                } else if (value.indexOf('\u0000') >= 0) {
                    errors.add(new FieldError(pointer, "contains a NUL character"));
                }
            }
            case NUMBER -> {
                if (!isReasonableNumber(node)) {
                    errors.add(new FieldError(pointer, "must be a finite number of reasonable size"));
                }
            }
            case BOOLEAN, NULL -> {
            }
            default -> errors.add(new FieldError(pointer, "must be a string, number, boolean, list or object"));
        }
    }

    private static boolean isReasonableNumber(JsonNode node) {
        if (node.isDouble() || node.isFloat()) {
            return Double.isFinite(node.doubleValue());
        }
        if (node.isBigInteger()) {
            return node.bigIntegerValue().bitLength() < 63;
        }
        if (node.isBigDecimal()) {
            BigDecimal value = node.decimalValue();
            return value.precision() <= 40 && Math.abs(value.scale()) <= 40;
        }
        return true;
    }

    private FieldError toFieldError(com.networknt.schema.Error error) {
        String pointer = pointerOf(error.getInstanceLocation());
        String keyword = error.getKeyword() == null ? "" : error.getKeyword();
        JsonNode keywordNode = schemaNodeAt(error);
        JsonNode owner = ownerOf(error);
        String property = error.getProperty();
        return switch (keyword) {
            case "required" -> new FieldError(pointer, "missing required property '" + property + "'");
            case "additionalProperties", "unevaluatedProperties" -> new FieldError(
                    property == null ? pointer : Pointers.child(pointer, property),
                    "unknown property" + allowedProperties(owner));
            case "propertyNames" -> new FieldError(
                    property == null ? pointer : Pointers.child(pointer, property),
                    "is not a valid key: " + patternMessage(resolve(keywordNode)));
            case "type" -> new FieldError(pointer, "must be " + typeNames(keywordNode));
            case "const" -> new FieldError(pointer, "must be '" + keywordNode.asString() + "'");
            case "enum" -> new FieldError(pointer, "must be one of " + joined(keywordNode));
            case "pattern" -> new FieldError(pointer, patternMessage(owner));
            case "minLength" -> new FieldError(pointer, keywordNode.asInt() <= 1
                    ? "must not be empty"
                    : "must be at least " + keywordNode.asInt() + " characters long");
            case "maxLength" -> new FieldError(pointer, "must be at most " + keywordNode.asInt() + " characters long");
            case "minimum" -> new FieldError(pointer, "must be at least " + number(keywordNode));
            case "maximum" -> new FieldError(pointer, "must be at most " + number(keywordNode));
            case "exclusiveMinimum" -> new FieldError(pointer, "must be more than " + number(keywordNode));
            case "exclusiveMaximum" -> new FieldError(pointer, "must be less than " + number(keywordNode));
            case "minItems" -> new FieldError(pointer, "must have at least " + keywordNode.asInt() + " entries");
            case "maxItems" -> new FieldError(pointer, "must have at most " + keywordNode.asInt() + " entries");
            case "uniqueItems" -> new FieldError(pointer, "must not list the same entry twice");
            case "minProperties" -> new FieldError(pointer, "must have at least " + keywordNode.asInt() + " entries");
            case "maxProperties" -> new FieldError(pointer, "must have at most " + keywordNode.asInt() + " entries");
            default -> new FieldError(pointer, "is not valid (" + keyword + ")");
        };
    }

    private static String pointerOf(NodePath path) {
        String pointer = Pointers.ROOT;
        if (path == null) {
            return pointer;
        }
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            String next = element instanceof Integer index
                    ? Pointers.index(pointer, index)
                    : Pointers.child(pointer, String.valueOf(element));
            if (next.equals(pointer)) {
                // a credential-looking key: stop at its parent
                return pointer;
            }
            pointer = next;
        }
        return pointer;
    }

    /** The schema node of the failing keyword, e.g. the value of {@code maximum}. */
    private JsonNode schemaNodeAt(com.networknt.schema.Error error) {
        JsonPointer fragment = fragmentOf(error);
        return fragment == null ? tools.jackson.databind.node.MissingNode.getInstance() : schemaTree.at(fragment);
    }

    /** The schema object that holds the failing keyword. */
    private JsonNode ownerOf(com.networknt.schema.Error error) {
        JsonPointer fragment = fragmentOf(error);
        if (fragment == null) {
            return tools.jackson.databind.node.MissingNode.getInstance();
        }
        JsonPointer head = fragment.head();
        return head == null ? schemaTree : schemaTree.at(head);
    }

    private static JsonPointer fragmentOf(com.networknt.schema.Error error) {
        if (error.getSchemaLocation() == null) {
            return null;
        }
        String location = error.getSchemaLocation().toString();
        int hash = location.indexOf('#');
        if (hash < 0) {
            return null;
        }
        try {
            return JsonPointer.compile(location.substring(hash + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Follows a local {@code $ref} (one level is all our schemas use). */
    private JsonNode resolve(JsonNode node) {
        JsonNode ref = node.path("$ref");
        if (ref.isString() && ref.stringValue().startsWith("#")) {
            try {
                return schemaTree.at(JsonPointer.compile(ref.stringValue().substring(1)));
            } catch (IllegalArgumentException e) {
                return node;
            }
        }
        return node;
    }

    private static String patternMessage(JsonNode owner) {
        JsonNode message = owner.path("patternErrorMessage");
        return message.isString() ? message.stringValue() : "has the wrong format";
    }

    private static String allowedProperties(JsonNode owner) {
        JsonNode properties = owner.path("properties");
        if (!properties.isObject() || properties.isEmpty()) {
            return "";
        }
        StringJoiner names = new StringJoiner(", ", "; allowed here: ", "");
        properties.propertyNames().stream().sorted().forEach(names::add);
        return names.toString();
    }

    private static String typeNames(JsonNode type) {
        List<String> names = new ArrayList<>();
        if (type.isArray()) {
            type.forEach(t -> names.add(typeName(t.asString())));
        } else {
            names.add(typeName(type.asString()));
        }
        if (names.size() == 1) {
            return names.get(0);
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    private static String typeName(String type) {
        return switch (type) {
            case "object" -> "an object";
            case "array" -> "a list";
            case "string" -> "a string";
            case "integer" -> "a whole number";
            case "number" -> "a number";
            case "boolean" -> "true or false";
            case "null" -> "null";
            default -> type;
        };
    }

    private static String joined(JsonNode values) {
        StringJoiner joiner = new StringJoiner(", ");
        values.forEach(v -> joiner.add(v.asString()));
        return joiner.toString();
    }

    private static String number(JsonNode node) {
        return node.isNumber() ? node.decimalValue().stripTrailingZeros().toPlainString() : node.asString();
    }
}
