package dev.roost.gateway;

import java.time.Instant;
import java.util.UUID;

/** One metered gateway request, as written to {@code gateway_usage}. */
public record UsageRecord(Instant at, UUID workspaceId, UUID keyId, String instanceName, String endpoint, String model,
        String provider, String upstreamModel, TokenCounts tokens, long costMicros, int latencyMs, double gatewayMs,
        int status, boolean streamed, int attempts, String errorCode) {
}
