package dev.roost.cli.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Builds a query string; parameters with a null value are left out. */
public final class Query {
    private final StringBuilder text = new StringBuilder();

    public Query add(String name, Object value) {
        if (value != null) {
            text.append(text.isEmpty() ? '?' : '&').append(encode(name)).append('=').append(encode(String.valueOf(value)));
        }
        return this;
    }

    @Override
    public String toString() {
        return text.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
