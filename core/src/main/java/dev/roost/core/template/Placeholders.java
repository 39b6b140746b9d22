package dev.roost.core.template;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ${name}} placeholder syntax of templates. {@code $${} stands for a literal
 * {@code ${}. Anything else, including {@code ${} without a valid name and closing brace,
 * is literal text.
 */
final class Placeholders {
    private static final Pattern TOKEN = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z][A-Za-z0-9_]{0,62})\\}");
    private static final Pattern WHOLE = Pattern.compile("^\\$\\{([A-Za-z][A-Za-z0-9_]{0,62})\\}$");

    private Placeholders() {
    }

    /** The parameter a string consists of entirely, e.g. {@code image} for {@code "${image}"}. */
    static Optional<String> whole(String text) {
        Matcher matcher = WHOLE.matcher(text);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** Every parameter referenced in {@code text}, in order of first use. */
    static Set<String> names(String text) {
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = TOKEN.matcher(text);
        while (matcher.find()) {
            if (matcher.group(1) != null) {
                names.add(matcher.group(1));
            }
        }
        return names;
    }

    /** {@code text} with every placeholder replaced by {@code values.apply(name)} and {@code $${} by {@code ${}. */
    static String substitute(String text, Function<String, String> values) {
        Matcher matcher = TOKEN.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement = matcher.group(1) == null ? "${" : values.apply(matcher.group(1));
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }
}
