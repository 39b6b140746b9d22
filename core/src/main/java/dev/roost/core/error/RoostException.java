package dev.roost.core.error;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * An error a user can cause or must know about. The HTTP layer answers it as RFC 9457
 * {@code application/problem+json} with {@link #code()}, {@link #getMessage()} as the
 * detail (a sentence that says what to do), and the field errors. Never carries a secret.
 */
public class RoostException extends RuntimeException {
    private final ErrorCode code;
    private final List<FieldError> fieldErrors;
    private final Map<String, Object> extensions;

    public RoostException(ErrorCode code, String detail) {
        this(code, detail, List.of(), Map.of());
    }

    public RoostException(ErrorCode code, String detail, List<FieldError> fieldErrors) {
        this(code, detail, fieldErrors, Map.of());
    }

    public RoostException(ErrorCode code, String detail, List<FieldError> fieldErrors, Map<String, Object> extensions) {
        super(requireNonNull(detail, "detail is null"), null, false, false);
        this.code = requireNonNull(code, "code is null");
        this.fieldErrors = List.copyOf(fieldErrors);
        this.extensions = Map.copyOf(extensions);
    }

    public ErrorCode code() {
        return code;
    }

    public List<FieldError> fieldErrors() {
        return fieldErrors;
    }

    /** Extra members for the problem document, e.g. {@code retryAfterSeconds}. */
    public Map<String, Object> extensions() {
        return extensions;
    }

    public static RoostException notFound(String what) {
        return new RoostException(ErrorCode.NOT_FOUND, what + " does not exist or you cannot see it.");
    }

    public static RoostException forbidden(String detail) {
        return new RoostException(ErrorCode.FORBIDDEN, detail);
    }

    public static RoostException invalid(String pointer, String message) {
        return new RoostException(ErrorCode.VALIDATION_FAILED, message, List.of(new FieldError(pointer, message)));
    }
}
