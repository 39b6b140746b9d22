package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A reference to a secret in a workspace's secret store, written {@code secret:NAME} in
 * manifests. The manifest holds only the name; Roost injects the value at start.
 */
public record SecretReference(String name) {
    public static final String PREFIX = "secret:";

    /** 1 to 63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit. */
    public static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$");

    public SecretReference {
        requireNonNull(name, "name is null");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("not a valid secret name");
        }
    }

    public static boolean isValidName(String name) {
        return name != null && name.length() <= 63 && NAME.matcher(name).matches();
    }

    /** Whether the text is meant as a reference, i.e. starts with {@code secret:} (valid or not). */
    public static boolean looksLikeReference(String text) {
        return text != null && text.startsWith(PREFIX);
    }

    /** The reference in {@code text} if it is exactly {@code secret:NAME} with a valid name. */
    public static Optional<SecretReference> parse(String text) {
        if (!looksLikeReference(text)) {
            return Optional.empty();
        }
        String name = text.substring(PREFIX.length());
        return isValidName(name) ? Optional.of(new SecretReference(name)) : Optional.empty();
    }

    @Override
    public String toString() {
        return PREFIX + name;
    }
}
