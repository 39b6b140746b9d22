package dev.roost.runtime;

/** Which log lines to read: the last {@code tail} lines (0 for none), then new ones while {@code follow}. */
public record LogRequest(int tail, boolean follow) {
    public LogRequest {
        if (tail < 0) {
            throw new IllegalArgumentException("tail must not be negative");
        }
    }
}
