package dev.roost.core.error;

import static java.util.Objects.requireNonNull;

/**
 * One problem with one field of a request, located by a JSON pointer (RFC 6901) into the
 * request body, e.g. {@code /spec/runtime/image}. The root is the empty string.
 */
public record FieldError(String pointer, String message) {
    public FieldError {
        requireNonNull(pointer, "pointer is null");
        requireNonNull(message, "message is null");
    }
}
