package dev.roost.core.manifest;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.secret.CredentialPattern;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLParser;

/**
 * Parses a request body holding one document, JSON or YAML, into a tree, defensively:
 * at most {@value #MAX_BODY_BYTES} bytes of UTF-8, at most {@value #MAX_NODES} values
 * (counting each expansion of a YAML alias, so alias bombs stop early), nesting at most
 * {@value ManifestFormats#MAX_PARSE_DEPTH} deep, no duplicate keys, exactly one document.
 *
 * <p>Errors are {@link RoostException}s: {@link ErrorCode#BODY_TOO_LARGE} for an oversized
 * body, {@link ErrorCode#MALFORMED_BODY} for everything else, with line and column. Error
 * messages never quote the body beyond a short parser phrase, and credential-looking text
 * in them is redacted.
 */
public final class ManifestReader {
    public static final int MAX_BODY_BYTES = 1024 * 1024;
    public static final int MAX_NODES = 100_000;

    /** The syntax of a body. */
    public enum Format {
        JSON,
        YAML;

        /**
         * The format a content type names: {@code application/json} and {@code *+json} are JSON;
         * {@code application/yaml}, {@code text/yaml} and their {@code x-} forms are YAML;
         * anything else (or none) is detected from the first character of the body.
         */
        static Format of(String contentType, String text) {
            if (contentType != null) {
                String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
                if (type.equals("application/json") || type.endsWith("+json") || type.equals("text/json")) {
                    return JSON;
                }
                if (type.equals("application/yaml") || type.equals("application/x-yaml") || type.equals("text/yaml")
                        || type.equals("text/x-yaml") || type.endsWith("+yaml")) {
                    return YAML;
                }
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (!Character.isWhitespace(c)) {
                    return c == '{' || c == '[' ? JSON : YAML;
                }
            }
            return YAML;
        }
    }

    private ManifestReader() {
    }

    /** Parses a body received with the given content type (which may be null). */
    public static JsonNode read(byte[] body, String contentType) {
        if (body == null) {
            throw malformed("The body is empty. Send one manifest as JSON or YAML.");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new RoostException(ErrorCode.BODY_TOO_LARGE,
                    "The body has " + body.length + " bytes; a manifest may have at most " + MAX_BODY_BYTES + ".");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed("The body is not valid UTF-8. Send the manifest as UTF-8 text.");
        }
        return readText(text, contentType);
    }

    /** Parses a body already decoded to text. */
    public static JsonNode read(String text, String contentType) {
        if (text == null) {
            throw malformed("The body is empty. Send one manifest as JSON or YAML.");
        }
        if (text.length() > MAX_BODY_BYTES || text.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
            throw new RoostException(ErrorCode.BODY_TOO_LARGE,
                    "The body is larger than " + MAX_BODY_BYTES + " bytes, the most a manifest may have.");
        }
        return readText(text, contentType);
    }

    private static JsonNode readText(String original, String contentType) {
        String text = original.startsWith("\uFEFF") ? original.substring(1) : original;
        if (text.isBlank()) {
            throw malformed("The body is empty. Send one manifest as JSON or YAML.");
        }
        Format format = Format.of(contentType, text);
        try (JsonParser parser = format == Format.JSON
                ? ManifestFormats.json().createParser(text)
                : ManifestFormats.yaml().createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw malformed("The body holds no document. Send one manifest as " + format + ".");
            }
            TreeBuilder builder = new TreeBuilder(parser, format);
            JsonNode root = builder.value(first, 0);
            JsonToken next = parser.nextToken();
            if (next != null) {
                throw malformed(format == Format.YAML
                        ? "The body holds more than one YAML document (a second one starts at " + where(parser.currentTokenLocation())
                                + "). Send one manifest per request."
                        : "Unexpected content after the JSON document at " + where(parser.currentTokenLocation())
                                + ". Send one manifest per request.");
            }
            return root;
        } catch (StreamConstraintsException e) {
            throw malformed("The " + format + " document is too large or too deeply nested at "
                    + where(e.getLocation()) + ": " + problem(e));
        } catch (JacksonException e) {
            throw malformed("The body is not valid " + format + " at " + where(e.getLocation()) + ": " + problem(e));
        } catch (RoostException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // a parser surprise is still the client's malformed body, never a server error
            throw malformed("The body could not be parsed as " + format + ".");
        }
    }

    private static RoostException malformed(String detail) {
        return new RoostException(ErrorCode.MALFORMED_BODY, detail);
    }

    private static String where(TokenStreamLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "an unknown position";
        }
        return "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /**
     * The parser's own phrase for the problem, without the echoed source lines YAML errors
     * carry (they are indented) or the location suffix, shortened, credentials redacted.
     */
    private static String problem(JacksonException e) {
        String message = e.getOriginalMessage();
        if (message == null || message.isBlank()) {
            return "syntax error";
        }
        StringBuilder out = new StringBuilder();
        for (String line : message.split("\n")) {
            if (line.isBlank() || Character.isWhitespace(line.charAt(0)) || line.startsWith("at [Source")) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append("; ");
            }
            out.append(line.strip());
        }
        String result = CredentialPattern.redact(out.toString());
        if (result.length() > 200) {
            result = result.substring(0, 200) + "...";
        }
        return result.isEmpty() ? "syntax error" : result;
    }

    /**
     * Builds a tree from the parser's tokens so that duplicate keys, aliases and the node
     * budget are under our control. Confined to one parse.
     */
    private static final class TreeBuilder {
        private final JsonParser parser;
        private final Format format;
        private final Map<String, Anchored> anchors = new HashMap<>();
        private long nodes;

        private record Anchored(JsonNode node, long size) {
        }

        TreeBuilder(JsonParser parser, Format format) {
            this.parser = parser;
            this.format = format;
        }

        JsonNode value(JsonToken token, int depth) {
            if (depth > ManifestFormats.MAX_PARSE_DEPTH) {
                throw malformed("The document nests deeper than " + ManifestFormats.MAX_PARSE_DEPTH + " levels at "
                        + where(parser.currentTokenLocation()) + ".");
            }
            String anchor = anchorOf();
            long before = nodes;
            JsonNode node = switch (token) {
                case START_OBJECT -> object(depth);
                case START_ARRAY -> array(depth);
                case VALUE_STRING -> isAlias() ? alias() : scalar(JsonNodeFactory.instance.stringNode(parser.getString()));
                case VALUE_NUMBER_INT -> scalar(switch (parser.getNumberType()) {
                    case INT -> JsonNodeFactory.instance.numberNode(parser.getIntValue());
                    case LONG -> JsonNodeFactory.instance.numberNode(parser.getLongValue());
                    default -> JsonNodeFactory.instance.numberNode(parser.getBigIntegerValue());
                });
                case VALUE_NUMBER_FLOAT -> scalar(JsonNodeFactory.instance.numberNode(parser.getDoubleValue()));
                case VALUE_TRUE -> scalar(JsonNodeFactory.instance.booleanNode(true));
                case VALUE_FALSE -> scalar(JsonNodeFactory.instance.booleanNode(false));
                case VALUE_NULL -> scalar(JsonNodeFactory.instance.nullNode());
                default -> throw malformed("Unexpected " + token + " at " + where(parser.currentTokenLocation()) + ".");
            };
            if (anchor != null) {
                anchors.put(anchor, new Anchored(node, nodes - before));
            }
            return node;
        }

        private ObjectNode object(int depth) {
            count(1);
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_OBJECT) {
                if (token != JsonToken.PROPERTY_NAME) {
                    throw malformed("Expected a key at " + where(parser.currentTokenLocation()) + ".");
                }
                String name = parser.currentName();
                TokenStreamLocation at = parser.currentTokenLocation();
                if (node.has(name)) {
                    throw malformed("Duplicate key " + quoted(name) + " at " + where(at)
                            + ". Each key may appear only once in an object.");
                }
                node.set(name, value(parser.nextToken(), depth + 1));
            }
            return node;
        }

        private ArrayNode array(int depth) {
            count(1);
            ArrayNode node = JsonNodeFactory.instance.arrayNode();
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                node.add(value(token, depth + 1));
            }
            return node;
        }

        private JsonNode scalar(JsonNode node) {
            count(1);
            return node;
        }

        private JsonNode alias() {
            String name = parser.getString();
            Anchored anchored = anchors.get(name);
            if (anchored == null) {
                throw malformed("The YAML alias at " + where(parser.currentTokenLocation())
                        + " refers to an anchor that is not defined before it. (Anchors work on maps and lists,"
                        + " not on single values.)");
            }
            count(anchored.size());
            return anchored.node().deepCopy();
        }

        private void count(long more) {
            nodes += more;
            if (nodes > MAX_NODES) {
                throw malformed("The document has more than " + MAX_NODES + " values (after expanding YAML aliases) at "
                        + where(parser.currentTokenLocation()) + ".");
            }
        }

        private boolean isAlias() {
            return format == Format.YAML && parser instanceof YAMLParser yaml && yaml.isCurrentAlias();
        }

        private String anchorOf() {
            if (format == Format.YAML && parser instanceof YAMLParser yaml) {
                return yaml.getObjectId();
            }
            return null;
        }

        private static String quoted(String name) {
            if (CredentialPattern.containsAny(name)) {
                return "[redacted]";
            }
            String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
            return "'" + shown + "'";
        }
    }
}
