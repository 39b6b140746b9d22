package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * One connection a job asked the egress proxy for, and what became of it. Holds no URL path,
 * query or header: only where the job wanted to go.
 *
 * @param startedAt     when the job's request reached the proxy
 * @param kind          plain HTTP (absolute URI) or a {@code CONNECT} tunnel (TLS)
 * @param host          the host name the job asked for, lower-cased; {@code ?} when the request was not readable
 * @param port          the port it asked for; 0 when unknown
 * @param decision      what the proxy did
 * @param reason        why, as a stable code
 * @param bytesSent     bytes from the job to the upstream (request line and headers of a plain request included)
 * @param bytesReceived bytes from the upstream to the job
 * @param duration      from the request to the end of the connection
 */
public record EgressConnection(Instant startedAt, Kind kind, String host, int port, Decision decision, Reason reason,
                               long bytesSent, long bytesReceived, Duration duration) {

    /** How the job asked. */
    public enum Kind {
        HTTP,
        CONNECT
    }

    /** What the proxy did with a connection. */
    public enum Decision {
        /** Connected to the upstream. */
        ALLOWED,
        /** Refused by policy; the job got a 403 (or 400 for an unreadable request). */
        DENIED,
        /** Allowed by policy, but the name did not resolve or the upstream did not answer; the job got a 502. */
        FAILED
    }

    /** Why, as a stable code ({@link #code()}) that the proxy also sends in its {@code X-Roost-Egress} answer header. */
    public enum Reason {
        /** The host matches the job's {@code egressAllow}. */
        ALLOWLISTED(Decision.ALLOWED),
        /** The node's model gateway, allowed for every job that has egress. */
        GATEWAY(Decision.ALLOWED),
        /** The host is not in the job's {@code egressAllow}. */
        NOT_ALLOWLISTED(Decision.DENIED),
        /** The name resolved to a private, loopback, link-local, multicast or other special-purpose address. */
        SPECIAL_ADDRESS(Decision.DENIED),
        /** Not a request the proxy serves (malformed, oversized, not an absolute {@code http://} URI or {@code CONNECT}). */
        BAD_REQUEST(Decision.DENIED),
        /** The job has as many connections open as it may. */
        TOO_MANY_CONNECTIONS(Decision.DENIED),
        /** The allowed name did not resolve (in time). */
        UNRESOLVABLE(Decision.FAILED),
        /** No address of the allowed name accepted a connection in time. */
        UPSTREAM_UNREACHABLE(Decision.FAILED);

        private final Decision decision;

        Reason(Decision decision) {
            this.decision = decision;
        }

        public Decision decision() {
            return decision;
        }

        /** The code in logs and in the proxy's answer header: {@code not-allowlisted}. */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public EgressConnection {
        requireNonNull(startedAt, "startedAt is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(host, "host is null");
        requireNonNull(decision, "decision is null");
        requireNonNull(reason, "reason is null");
        requireNonNull(duration, "duration is null");
        if (reason.decision() != decision) {
            throw new IllegalArgumentException("reason " + reason + " goes with " + reason.decision() + ", not " + decision);
        }
    }
}
