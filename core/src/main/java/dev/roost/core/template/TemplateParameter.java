package dev.roost.core.template;

import static java.util.Objects.requireNonNull;

import dev.roost.core.manifest.WireValue;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One parameter of a {@link Template}. Values are given as text; {@link #problem} says
 * whether a value fits the type and pattern.
 */
public record TemplateParameter(
        String name,
        String description,
        Type type,
        boolean required,
        Optional<String> defaultValue,
        Optional<String> pattern) {

    public static final int MAX_VALUE_LENGTH = 4096;
    static final Pattern NAME = Pattern.compile("^[A-Za-z][A-Za-z0-9_]{0,62}$");
    private static final Pattern INTEGER = Pattern.compile("^-?[0-9]{1,18}$");

    public TemplateParameter {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        requireNonNull(type, "type is null");
        requireNonNull(defaultValue, "defaultValue is null");
        requireNonNull(pattern, "pattern is null");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("parameter name must start with a letter and hold only letters, digits and '_'");
        }
        pattern.ifPresent(TemplateParameter::compile);
    }

    /** Why {@code value} is not acceptable for this parameter, or empty when it is. Never quotes the value. */
    public Optional<String> problem(String value) {
        if (value.length() > MAX_VALUE_LENGTH) {
            return Optional.of("must be at most " + MAX_VALUE_LENGTH + " characters long");
        }
        if (value.indexOf('\u0000') >= 0) {
            return Optional.of("must not contain a NUL character");
        }
        switch (type) {
            case INTEGER -> {
                if (!INTEGER.matcher(value).matches()) {
                    return Optional.of("must be a whole number");
                }
            }
            case BOOLEAN -> {
                if (!value.equals("true") && !value.equals("false")) {
                    return Optional.of("must be true or false");
                }
            }
            case STRING -> {
            }
        }
        if (pattern.isPresent() && !compile(pattern.get()).matcher(value).matches()) {
            return Optional.of("must match the pattern " + pattern.get());
        }
        return Optional.empty();
    }

    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a valid regular expression: " + e.getDescription());
        }
    }

    /** The type a whole-value placeholder takes in the rendered manifest. */
    public enum Type implements WireValue {
        STRING("string"),
        INTEGER("integer"),
        BOOLEAN("boolean");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }
    }
}
