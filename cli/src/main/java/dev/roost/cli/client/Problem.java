package dev.roost.cli.client;

import dev.roost.cli.ExitCodes;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * An error answer from the server: an RFC 9457 problem document, or, when something in between
 * (a proxy) answered with anything else, what can be said from the status alone.
 */
public record Problem(int status, String code, String detail, List<FieldProblem> errors, String requestId) {

    /** One field the server pointed at. */
    public record FieldProblem(String pointer, String detail) {
    }

    public Problem {
        errors = List.copyOf(errors);
    }

    public static Problem from(int status, byte[] body, String requestIdHeader) {
        JsonNode doc = null;
        try {
            doc = body.length == 0 ? null : ApiJson.MAPPER.readTree(body);
        } catch (RuntimeException e) {
            // not JSON: a proxy's or load balancer's page
        }
        if (doc == null || !doc.isObject() || !doc.has("status")) {
            return new Problem(status, null, "The server answered HTTP " + status + " without an explanation.", List.of(),
                    requestIdHeader);
        }
        List<FieldProblem> errors = new ArrayList<>();
        for (JsonNode e : doc.path("errors")) {
            errors.add(new FieldProblem(e.path("pointer").asString(""), e.path("detail").asString("")));
        }
        String detail = doc.path("detail").asString(null);
        if (detail == null || detail.isBlank()) {
            detail = doc.path("title").asString("HTTP " + status);
        }
        String requestId = doc.path("requestId").asString(requestIdHeader);
        return new Problem(status, doc.path("code").asString(null), detail, errors, requestId);
    }

    /** The exit code scripts see for this problem (see {@link ExitCodes}). */
    public int exitCode() {
        if (code != null) {
            switch (code) {
                case "UNAUTHENTICATED", "TOKEN_INVALID", "TOKEN_EXPIRED", "INVALID_CREDENTIALS", "REFRESH_TOKEN_REUSED" -> {
                    return ExitCodes.AUTH;
                }
                case "NOT_FOUND" -> {
                    return ExitCodes.NOT_FOUND;
                }
                case "ALREADY_EXISTS", "CONFLICT", "IDEMPOTENCY_KEY_REUSED" -> {
                    return ExitCodes.CONFLICT;
                }
                case "POLICY_VIOLATION", "QUOTA_EXCEEDED", "UNSAFE_OVERRIDE_FORBIDDEN" -> {
                    return ExitCodes.POLICY;
                }
                case "UNAVAILABLE" -> {
                    return ExitCodes.UNREACHABLE;
                }
                default -> {
                }
            }
        }
        return switch (status) {
            case 401 -> ExitCodes.AUTH;
            case 404 -> ExitCodes.NOT_FOUND;
            case 409 -> ExitCodes.CONFLICT;
            case 502, 503, 504 -> ExitCodes.UNREACHABLE;
            default -> ExitCodes.FAILED;
        };
    }

    /** The lines printed for it: the detail, one line per field, then the request id. */
    public String describe() {
        StringBuilder text = new StringBuilder(detail);
        for (FieldProblem e : errors) {
            text.append('\n').append("  ").append(e.pointer().isEmpty() ? "/" : e.pointer()).append(": ").append(e.detail());
        }
        if (requestId != null) {
            text.append('\n').append("(request id ").append(requestId).append(')');
        }
        return text.toString();
    }
}
