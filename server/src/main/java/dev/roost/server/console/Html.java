package dev.roost.server.console;

import java.util.Collection;
import java.util.function.Function;

/**
 * HTML built from templates whose holes are escaped unless the value is already {@link Html}.
 * {@code Html.of("<p class=x>{}</p>", name)} escapes {@code name}; nested {@code Html} values go in
 * as they are. This makes escaping the default: the only way to put unescaped text into a page is
 * to write it as a template literal in Java source.
 */
public final class Html {
    public static final Html EMPTY = new Html("");

    private final String markup;

    private Html(String markup) {
        this.markup = markup;
    }

    /** Fills each {@code {}} of {@code template} with the next value, escaped unless it is {@link Html}. */
    public static Html of(String template, Object... values) {
        StringBuilder out = new StringBuilder(template.length() + 16 * values.length);
        int next = 0;
        int from = 0;
        while (true) {
            int hole = template.indexOf("{}", from);
            if (hole < 0) {
                break;
            }
            if (next >= values.length) {
                throw new IllegalArgumentException("template has more holes than values: " + template);
            }
            out.append(template, from, hole);
            append(out, values[next++]);
            from = hole + 2;
        }
        if (next != values.length) {
            throw new IllegalArgumentException("template has fewer holes (" + next + ") than values (" + values.length + ")");
        }
        out.append(template, from, template.length());
        return new Html(out.toString());
    }

    /** Markup written in Java source (no holes). */
    public static Html raw(String trustedLiteral) {
        return new Html(trustedLiteral);
    }

    public static Html text(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value);
        return new Html(out.toString());
    }

    public static <T> Html each(Collection<T> items, Function<T, Html> render) {
        StringBuilder out = new StringBuilder();
        for (T item : items) {
            out.append(render.apply(item).markup);
        }
        return new Html(out.toString());
    }

    public static Html join(Html... parts) {
        StringBuilder out = new StringBuilder();
        for (Html part : parts) {
            out.append(part.markup);
        }
        return new Html(out.toString());
    }

    public static Html when(boolean condition, Html html) {
        return condition ? html : EMPTY;
    }

    private static void append(StringBuilder out, Object value) {
        if (value instanceof Html html) {
            out.append(html.markup);
        } else if (value != null) {
            escape(out, value.toString());
        }
    }

    /** Escapes text for element content and quoted attribute values. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        escape(out, text);
        return out.toString();
    }

    private static void escape(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '`' -> out.append("&#96;");
                default -> out.append(c);
            }
        }
    }

    /** Escapes a value for a URL path segment or query value, then for HTML. */
    public static String url(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return markup;
    }
}
