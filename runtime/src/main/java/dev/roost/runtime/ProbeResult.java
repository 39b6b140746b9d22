package dev.roost.runtime;

import static java.util.Objects.requireNonNull;

/** The answer of one health probe: healthy or not, with a short detail such as {@code HTTP 503} or {@code exit 1}. */
public record ProbeResult(boolean healthy, String detail) {
    public ProbeResult {
        requireNonNull(detail, "detail is null");
    }

    public static ProbeResult healthy(String detail) {
        return new ProbeResult(true, detail);
    }

    public static ProbeResult unhealthy(String detail) {
        return new ProbeResult(false, detail);
    }
}
