package dev.roost.runtime;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One line a container wrote, without its line ending. */
public record LogLine(Instant time, Stream stream, String text) {
    public LogLine {
        requireNonNull(time, "time is null");
        requireNonNull(stream, "stream is null");
        requireNonNull(text, "text is null");
    }

    public enum Stream {
        STDOUT,
        STDERR
    }
}
