package dev.roost.core.manifest;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** How Roost checks that the agent is healthy. */
public record Health(Probe probe, int initialDelaySeconds, int periodSeconds, int timeoutSeconds, int failureThreshold) {
    public static final int DEFAULT_INITIAL_DELAY_SECONDS = 0;
    public static final int DEFAULT_PERIOD_SECONDS = 10;
    public static final int DEFAULT_TIMEOUT_SECONDS = 3;
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;

    public Health {
        requireNonNull(probe, "probe is null");
    }

    public sealed interface Probe permits Http, Command {
    }

    /** An HTTP GET that must answer 2xx or 3xx. */
    public record Http(String path, PortRef port) implements Probe {
        public Http {
            requireNonNull(path, "path is null");
            requireNonNull(port, "port is null");
        }
    }

    /** A command run in the agent that must exit 0. */
    public record Command(List<String> command) implements Probe {
        public Command {
            command = List.copyOf(requireNonNull(command, "command is null"));
        }
    }
}
