package dev.roost.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's JSON: strict on input (unknown fields, wrong types, trailing data and scalar
 * coercion are errors with a JSON pointer to the field), ISO-8601 timestamps and no nulls
 * on output.
 */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private Json() {
    }

    public static byte[] encode(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    public static String encodeToString(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** Reads a request body as {@code type}; every problem becomes a 4xx {@link RoostException}. */
    public static <T> T decode(byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "The request needs a JSON body.",
                    List.of(new FieldError("", "a JSON body is required")));
        }
        rejectNul(body);
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new RoostException(ErrorCode.VALIDATION_FAILED, "The request body must be a JSON object, not null.",
                        List.of(new FieldError("", "must be an object")));
            }
            return value;
        } catch (JacksonException e) {
            throw translate(e);
        }
    }

    public static JsonNode tree(byte[] body) {
        rejectNul(body);
        try {
            return MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw translate(e);
        }
    }

    /**
     * PostgreSQL cannot store NUL in text, and no Roost field needs it: refuse it up front, as a
     * raw byte or as a JSON escape, rather than failing later in the database.
     */
    static void rejectNul(byte[] body) {
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0 || (body[i] == '\\' && i + 5 < body.length && body[i + 1] == 'u' && body[i + 2] == '0'
                    && body[i + 3] == '0' && body[i + 4] == '0' && body[i + 5] == '0' && !escapedBackslash(body, i))) {
                throw new RoostException(ErrorCode.VALIDATION_FAILED, "Text values must not contain NUL (\\u0000) characters.");
            }
        }
    }

    private static boolean escapedBackslash(byte[] body, int index) {
        int backslashes = 0;
        for (int j = index - 1; j >= 0 && body[j] == '\\'; j--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** Turns a Jackson failure into a problem that points at the field and never echoes large input. */
    public static RoostException translate(JacksonException e) {
        String pointer = pointer(e.getPath());
        if (e instanceof UnrecognizedPropertyException u) {
            String field = u.getPropertyName();
            return invalid(pointer, "unknown field \"" + abbreviate(field) + "\"; known fields: " + u.getKnownPropertyIds());
        }
        if (e instanceof InvalidFormatException f) {
            return invalid(pointer, "expected " + describe(f.getTargetType()));
        }
        if (e instanceof ValueInstantiationException v) {
            Throwable cause = v.getCause() != null ? v.getCause() : v;
            return invalid(pointer, cause.getMessage() == null ? "not valid" : cause.getMessage());
        }
        if (e instanceof MismatchedInputException m) {
            Class<?> target = m.getTargetType();
            String message = target != null ? "expected " + describe(target) : "wrong type of value";
            if (m.getOriginalMessage() != null && m.getOriginalMessage().contains("trailing token")) {
                return new RoostException(ErrorCode.MALFORMED_BODY, "The body has data after the JSON value.");
            }
            return invalid(pointer, message);
        }
        if (e instanceof StreamReadException r) {
            TokenStreamLocation location = r.getLocation();
            String where = location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
            // The parser's own message quotes the offending text, which may be a password: never echo it.
            return new RoostException(ErrorCode.MALFORMED_BODY, "The body is not valid JSON" + where + ".");
        }
        return new RoostException(ErrorCode.MALFORMED_BODY, "The body could not be read as JSON.");
    }

    private static RoostException invalid(String pointer, String message) {
        return new RoostException(ErrorCode.VALIDATION_FAILED, "Field " + (pointer.isEmpty() ? "(root)" : pointer) + ": " + message,
                List.of(new FieldError(pointer, message)));
    }

    /** An RFC 6901 pointer for a Jackson path. */
    static String pointer(List<JacksonException.Reference> path) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : path) {
            sb.append('/');
            if (ref.getPropertyName() != null) {
                sb.append(ref.getPropertyName().replace("~", "~0").replace("/", "~1"));
            } else if (ref.getIndex() >= 0) {
                sb.append(ref.getIndex());
            } else {
                sb.append('-');
            }
        }
        return sb.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        if (List.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        return "a " + type.getSimpleName();
    }

    /** Shortens user-supplied text quoted in an error message. */
    public static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
