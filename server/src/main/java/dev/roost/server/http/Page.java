package dev.roost.server.http;

import java.util.List;

/** One page of a list. {@code next} is the cursor for the following page, absent on the last. */
public record Page<T>(List<T> items, String next) {
    public Page {
        items = List.copyOf(items);
    }
}
