package dev.roost.server.secrets;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.secret.SecretReference;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Reply;
import dev.roost.store.Session;
import dev.roost.store.secrets.SecretMetadata;
import dev.roost.store.secrets.SecretStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.JsonNode;

/**
 * A workspace's secrets: set (JSON or raw body), list and read metadata, delete, and confirm a
 * known value. No answer, log line or audit entry ever carries a value: the audit records the
 * name, the new version and the value's keyed fingerprint.
 */
public final class SecretRoutes {
    private static final String BASE = "/api/v1/workspaces/{ws}/secrets";
    private static final String RAW_TYPES = "application/octet-stream or text/plain";

    private final SecretStore store;

    public SecretRoutes(SecretStore store) {
        this.store = requireNonNull(store, "store is null");
    }

    /** The JSON form of a value; with {@value #RAW_TYPES} the body is the value itself. */
    public record ValueRequest(String value) {
        @Override
        public String toString() {
            return "ValueRequest[hidden]";
        }
    }

    /** A secret as the API shows it: metadata only, and the live instances whose current manifest uses it. */
    public record SecretView(String name, int version, int size, Instant createdAt, String createdBy, Instant updatedAt,
            String updatedBy, List<String> usedBy) {
        static SecretView of(SecretMetadata m, List<String> usedBy) {
            return new SecretView(m.name(), m.version(), m.size(), m.createdAt(), m.createdBy(), m.updatedAt(), m.updatedBy(),
                    usedBy);
        }
    }

    /** {@code CREATED}, {@code UPDATED}, or {@code UNCHANGED} when the value was already the stored one. */
    public record PutResponse(String outcome, SecretView secret) {
    }

    public record VerifyResponse(String name, int version, boolean matches) {
    }

    public List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        Access operator = Access.workspace(Role.OPERATOR);
        Access admin = Access.workspace(Role.ADMIN);
        return List.of(
                ApiRoute.get(BASE, viewer, "List secrets (metadata only, never values)", this::list)
                        .returnsListOf(SecretView.class),
                ApiRoute.get(BASE + "/{name}", viewer, "A secret's metadata (never its value)", this::get)
                        .returns(SecretView.class),
                ApiRoute.put(BASE + "/{name}", operator, "Create or change a secret: JSON {\"value\": …}, or the raw value as "
                        + RAW_TYPES + "; at most 64 KiB", this::put)
                        .accepts(ValueRequest.class).returns(PutResponse.class),
                ApiRoute.delete(BASE + "/{name}", admin, "Delete a secret no live instance uses", this::delete)
                        .returns(SecretView.class),
                ApiRoute.post(BASE + "/{name}/verify", operator, "Check whether a value is the secret's current value",
                        this::verify)
                        .accepts(ValueRequest.class).returns(VerifyResponse.class).carryingSecret());
    }

    private Object list(Call call) {
        Session session = call.session();
        SecretUsage usage = SecretUsage.of(session, call.workspace().id());
        return store.list(session, call.workspace().id()).stream().map(m -> SecretView.of(m, usage.of(m.name()))).toList();
    }

    private Object get(Call call) {
        Session session = call.session();
        SecretMetadata metadata = store.find(session, call.workspace().id(), call.path("name")).orElseThrow(() -> missing(call));
        return SecretView.of(metadata, SecretUsage.of(session, call.workspace().id()).of(metadata.name()));
    }

    private Object put(Call call) {
        String name = call.path("name");
        if (!SecretReference.isValidName(name)) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "A secret name is 1 to 63 lower-case letters, digits, '-', '_' "
                    + "or '.', starting and ending with a letter or digit.", List.of(new FieldError("/path/name",
                    "is not a valid secret name")));
        }
        byte[] value = value(call);
        try {
            SecretStore.Change change = store.put(call.session(), call.workspace().id(), name, value, call.principal().actor(),
                    call.now());
            SecretMetadata m = change.metadata();
            if (change.outcome() != SecretStore.Outcome.UNCHANGED) {
                call.audit(change.outcome() == SecretStore.Outcome.CREATED ? "secret.create" : "secret.update", "secret", name,
                        details(m));
            }
            PutResponse body = new PutResponse(change.outcome().name(),
                    SecretView.of(m, SecretUsage.of(call.session(), call.workspace().id()).of(name)));
            if (change.outcome() == SecretStore.Outcome.CREATED) {
                return Reply.created(body).withHeader("Location", "/api/v1/workspaces/" + call.workspace().name() + "/secrets/"
                        + name);
            }
            return body;
        } finally {
            Arrays.fill(value, (byte) 0);
        }
    }

    private Object delete(Call call) {
        Session session = call.session();
        String name = call.path("name");
        // The lock every manifest apply takes: no instance can start referencing the secret while it goes.
        session.lock("roost.workspace-instances:" + call.workspace().id());
        SecretMetadata current = store.find(session, call.workspace().id(), name).orElseThrow(() -> missing(call));
        List<String> usedBy = SecretUsage.of(session, call.workspace().id()).of(name);
        if (!usedBy.isEmpty()) {
            throw new RoostException(ErrorCode.CONFLICT, "Secret " + name + " is used by " + (usedBy.size() == 1
                    ? "instance " : "instances ") + String.join(", ", usedBy) + ". Remove it from their manifests, or delete "
                    + (usedBy.size() == 1 ? "that instance" : "those instances") + ", first.",
                    List.of(), Map.of("usedBy", usedBy));
        }
        SecretMetadata deleted = store.delete(session, call.workspace().id(), name).orElse(current);
        call.audit("secret.delete", "secret", name, details(deleted));
        return SecretView.of(deleted, List.of());
    }

    private Object verify(Call call) {
        byte[] candidate = value(call);
        try {
            SecretStore.Verification result = store.verify(call.session(), call.workspace().id(), call.path("name"), candidate)
                    .orElseThrow(() -> missing(call));
            SecretMetadata m = result.metadata();
            // Confirming a guess is worth knowing about: recorded, with the outcome but never the candidate.
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("name", m.name());
            details.put("version", m.version());
            details.put("matches", result.matches());
            call.audit("secret.verify", "secret", m.name(), details);
            return new VerifyResponse(m.name(), m.version(), result.matches());
        } finally {
            Arrays.fill(candidate, (byte) 0);
        }
    }

    private static Map<String, Object> details(SecretMetadata m) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", m.name());
        details.put("version", m.version());
        details.put("fingerprint", m.fingerprint());
        return details;
    }

    private static RoostException missing(Call call) {
        return RoostException.notFound("Secret " + Json.abbreviate(call.path("name")) + " in workspace " + call.workspace().name());
    }

    /**
     * The value a request carries: {@code {"value": "…"}} as JSON, or the body itself as
     * {@value #RAW_TYPES} (any bytes, binary included, taken exactly as sent). No error quotes
     * any part of the body.
     */
    private static byte[] value(Call call) {
        String type = call.contentType() == null ? "" : call.contentType().split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        byte[] body = call.bodyBytes();
        byte[] value;
        String pointer;
        switch (type) {
            case "application/json" -> {
                value = fromJson(body);
                pointer = "/value";
            }
            case "application/octet-stream", "text/plain" -> {
                value = body.clone();
                pointer = "";
            }
            default -> throw new RoostException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the value as JSON {\"value\": \"…\"} "
                    + "with Content-Type: application/json, or as the raw body with Content-Type: " + RAW_TYPES
                    + (type.isEmpty() ? "." : " (got " + Json.abbreviate(type) + ")."));
        }
        if (value.length == 0) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "A secret value must not be empty.",
                    List.of(new FieldError(pointer, "must not be empty")));
        }
        if (value.length > SecretStore.MAX_VALUE_BYTES) {
            int size = value.length;
            Arrays.fill(value, (byte) 0);
            throw new RoostException(ErrorCode.BODY_TOO_LARGE, "A secret value may be at most 64 KiB (" + SecretStore.MAX_VALUE_BYTES
                    + " bytes); this one is " + size + " bytes.", List.of(new FieldError(pointer, "is larger than 64 KiB")));
        }
        return value;
    }

    private static byte[] fromJson(byte[] body) {
        if (body.length == 0) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "The request needs a JSON body: {\"value\": \"…\"}.",
                    List.of(new FieldError("", "a JSON body is required")));
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            // Jackson's own message may quote the body, which is a secret: say only where it broke.
            TokenStreamLocation at = e instanceof StreamReadException r ? r.getLocation() : null;
            throw new RoostException(ErrorCode.MALFORMED_BODY, "The body is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                    + ". Send {\"value\": \"…\"}, or the raw value with Content-Type: " + RAW_TYPES + ".");
        }
        if (tree == null || !tree.isObject()) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "The body must be a JSON object: {\"value\": \"…\"}.",
                    List.of(new FieldError("", "must be an object")));
        }
        for (String field : tree.propertyNames()) {
            if (!field.equals("value")) {
                // The field's name is not repeated: a value pasted in the wrong place may be a secret.
                throw new RoostException(ErrorCode.VALIDATION_FAILED, "The body holds one field, \"value\"; it has another.",
                        List.of(new FieldError("", "unknown field; the only field is \"value\"")));
            }
        }
        JsonNode value = tree.get("value");
        if (value == null || value.isNull()) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "Field /value is required.",
                    List.of(new FieldError("/value", "is required")));
        }
        if (!value.isString()) {
            throw new RoostException(ErrorCode.VALIDATION_FAILED, "Field /value must be a string; send binary values raw with "
                    + "Content-Type: application/octet-stream.", List.of(new FieldError("/value", "must be a string")));
        }
        return value.stringValue().getBytes(StandardCharsets.UTF_8);
    }
}
