package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/** Log level and an optional Prometheus metrics endpoint. */
public record Observability(LogLevel logLevel, Optional<Metrics> metrics) {
    public static final Observability DEFAULT = new Observability(LogLevel.INFO, Optional.empty());

    public Observability {
        requireNonNull(logLevel, "logLevel is null");
        requireNonNull(metrics, "metrics is null");
    }

    public record Metrics(PortRef port, String path) {
        public static final String DEFAULT_PATH = "/metrics";

        public Metrics {
            requireNonNull(port, "port is null");
            requireNonNull(path, "path is null");
        }
    }

    public enum LogLevel implements WireValue {
        TRACE("trace"),
        DEBUG("debug"),
        INFO("info"),
        WARN("warn"),
        ERROR("error");

        private final String wire;

        LogLevel(String wire) {
            this.wire = wire;
        }

        @Override
        public String wire() {
            return wire;
        }
    }
}
