package dev.roost.server.http;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes errors as RFC 9457 {@code application/problem+json} documents. */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";

    private Problems() {
    }

    public static Map<String, Object> document(RoostException e, String instance, String requestId) {
        ErrorCode code = e.code();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", "urn:roost:error:" + code.name());
        doc.put("title", code.title());
        doc.put("status", code.httpStatus());
        doc.put("detail", e.getMessage());
        doc.put("instance", instance);
        doc.put("code", code.name());
        doc.put("requestId", requestId);
        List<FieldError> errors = e.fieldErrors();
        if (!errors.isEmpty()) {
            doc.put("errors", errors.stream().map(f -> Map.of("pointer", f.pointer(), "detail", f.message())).toList());
        }
        e.extensions().forEach(doc::putIfAbsent);
        return doc;
    }

    public static void write(Context ctx, RoostException e, String requestId) {
        ctx.status(e.code().httpStatus());
        Object retryAfter = e.extensions().get("retryAfterSeconds");
        if (retryAfter != null) {
            ctx.header("Retry-After", String.valueOf(retryAfter));
        }
        if (e.code() == ErrorCode.UNAUTHENTICATED || e.code() == ErrorCode.TOKEN_INVALID || e.code() == ErrorCode.TOKEN_EXPIRED) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"roost\"");
        }
        ctx.contentType(CONTENT_TYPE);
        ctx.result(Json.encode(document(e, ctx.path(), requestId)));
    }
}
