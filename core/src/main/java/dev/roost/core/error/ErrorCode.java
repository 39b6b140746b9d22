package dev.roost.core.error;

/**
 * Stable error codes. A code never changes meaning once released; clients and scripts
 * match on it. Each code carries the HTTP status it is answered with and a short title.
 */
public enum ErrorCode {
    // Request shape
    MALFORMED_BODY(400, "The request body could not be parsed"),
    VALIDATION_FAILED(400, "The request is not valid"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported content type"),
    BODY_TOO_LARGE(413, "The request body is too large"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),

    // Manifests and policy
    MANIFEST_INVALID(422, "The manifest is not valid"),
    POLICY_VIOLATION(422, "The manifest breaks a policy rule"),
    UNSAFE_OVERRIDE_FORBIDDEN(403, "Your role may not override policy rules"),
    QUOTA_EXCEEDED(422, "The workspace plan does not allow this"),
    TEMPLATE_PARAMETER_INVALID(422, "A template parameter is missing or not valid"),

    // Authentication and authorisation
    UNAUTHENTICATED(401, "Authentication required"),
    INVALID_CREDENTIALS(401, "Wrong username or password"),
    TOKEN_INVALID(401, "The token is not valid"),
    TOKEN_EXPIRED(401, "The token has expired"),
    REFRESH_TOKEN_REUSED(401, "The refresh token was already used; its session is revoked"),
    /** A node's join token is unknown, expired, used up or revoked. */
    JOIN_TOKEN_INVALID(401, "The join token is not valid"),
    FORBIDDEN(403, "You are not allowed to do this"),
    RATE_LIMITED(429, "Too many requests"),

    // Resources
    NOT_FOUND(404, "Not found"),
    ALREADY_EXISTS(409, "Already exists"),
    CONFLICT(409, "The resource changed or is in a state that does not allow this"),
    IDEMPOTENCY_KEY_REUSED(422, "The idempotency key was used for a different request"),

    // Instances at run time: logs and webhooks
    /** The server has no runtime (runtime=none), or its runtime does not answer. */
    RUNTIME_UNAVAILABLE(503, "No runtime is available to run instances"),
    /** A stored secret cannot be opened: sealed under another master key, or changed in the database. */
    SECRET_UNREADABLE(409, "A stored secret cannot be opened by this server"),
    INSTANCE_NOT_RUNNING(409, "The instance has no container to read from"),
    WEBHOOK_SIGNATURE_INVALID(401, "The webhook call is not signed correctly"),
    WEBHOOK_TARGET_UNAVAILABLE(503, "The instance cannot take webhook calls right now"),
    WEBHOOK_TARGET_TIMEOUT(504, "The instance did not answer the webhook call in time"),
    WEBHOOK_TARGET_FAILED(502, "The instance's answer to the webhook call could not be relayed"),
    /** A state-changing console request came without the CSRF token of its session (or with a wrong one). */
    CSRF_TOKEN_INVALID(403, "The form's security token is missing or does not match your session"),

    // Tasks on nodes
    /** The lease a node reports for is no longer its own: the job was taken back or its outcome is recorded. */
    LEASE_LOST(409, "The lease on this job is no longer held"),
    /** A task's result was asked for while it is still queued or running. */
    TASK_NOT_FINISHED(409, "The task has not finished yet"),
    /** A prompt task cannot be answered: no default model, or none of its providers answers. Prompts are never executed as commands. */
    INFERENCE_UNAVAILABLE(503, "No model can answer prompt tasks"),
    /** A node cannot jail jobs (no usable bubblewrap or cgroups), so it runs none. */
    SANDBOX_UNAVAILABLE(409, "No usable sandbox on this node"),
    // Model gateway (answered in the wire format of the endpoint called)
    /** No virtual key was sent, or it is not one Roost issued. */
    GATEWAY_KEY_INVALID(401, "The virtual key is not valid"),
    GATEWAY_KEY_REVOKED(401, "The virtual key was revoked"),
    GATEWAY_KEY_EXPIRED(401, "The virtual key has expired"),
    MODEL_NOT_ALLOWED(403, "The virtual key may not use this model"),
    BUDGET_EXCEEDED(402, "The virtual key's budget is spent"),
    /** No provider this workspace can use serves the model in the format the client speaks. */
    MODEL_NOT_ROUTABLE(404, "No provider serves this model"),
    UPSTREAM_UNAVAILABLE(502, "No provider could answer"),
    UPSTREAM_TIMEOUT(504, "The provider did not answer in time"),
    /** The gateway already relays as many requests as it is set to hold at once. */
    GATEWAY_OVERLOADED(503, "The model gateway is at capacity"),
    /** The request uses something (an image kind, audio, a server tool, n > 1, …) the provider's wire format cannot be given. */
    TRANSLATION_UNSUPPORTED(400, "The request cannot be translated to the provider's format"),

    // Server side
    UNAVAILABLE(503, "The service is not ready"),
    INTERNAL(500, "Internal error");

    private final int httpStatus;
    private final String title;

    ErrorCode(int httpStatus, String title) {
        this.httpStatus = httpStatus;
        this.title = title;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String title() {
        return title;
    }
}
