package dev.roost.server.http;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.ResourceName;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem with a request before answering, so a caller fixes all fields in
 * one go. Pointers are RFC 6901 paths into the body; query parameters use {@code /query/NAME}.
 */
public final class Checks {
    private final List<FieldError> errors = new ArrayList<>();

    public Checks required(String pointer, Object value) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            errors.add(new FieldError(pointer, "is required"));
        }
        return this;
    }

    public Checks name(String pointer, String value, String what) {
        if (value == null) {
            errors.add(new FieldError(pointer, "is required"));
        } else if (!ResourceName.isValid(value)) {
            errors.add(new FieldError(pointer, ResourceName.explain(what)));
        }
        return this;
    }

    public Checks maxLength(String pointer, String value, int max) {
        if (value != null && value.length() > max) {
            errors.add(new FieldError(pointer, "must be at most " + max + " characters"));
        }
        return this;
    }

    public Checks that(boolean ok, String pointer, String message) {
        if (!ok) {
            errors.add(new FieldError(pointer, message));
        }
        return this;
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    public void throwIfAny() {
        if (!errors.isEmpty()) {
            String summary = errors.size() == 1
                    ? describe(errors.get(0))
                    : errors.size() + " fields are not valid; see errors.";
            throw new RoostException(ErrorCode.VALIDATION_FAILED, summary, errors);
        }
    }

    private static String describe(FieldError e) {
        return (e.pointer().isEmpty() ? "The body" : "Field " + e.pointer()) + " " + e.message() + ".";
    }
}
