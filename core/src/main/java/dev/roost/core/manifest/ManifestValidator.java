package dev.roost.core.manifest;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Validates an {@code AgentInstance} manifest: first against the JSON Schema
 * ({@link AgentInstanceSchema}), then against the rules the schema cannot express. All
 * problems are collected and reported together.
 *
 * <p>For any input whatsoever, {@link #validate} either returns a {@link ValidatedManifest}
 * or throws a {@link RoostException} with {@link ErrorCode#MANIFEST_INVALID} whose field
 * errors point (RFC 6901) into the input. It throws nothing else.
 */
public final class ManifestValidator {
    private ManifestValidator() {
    }

    public static ValidatedManifest validate(JsonNode body) {
        if (body == null || body.isMissingNode()) {
            throw invalid(List.of(new FieldError(Pointers.ROOT, "the manifest is empty")));
        }
        try {
            List<FieldError> schemaErrors = AgentInstanceSchema.check().errors(body);
            if (!schemaErrors.isEmpty()) {
                throw invalid(schemaErrors);
            }
            List<FieldError> errors = new ArrayList<>();
            AgentManifest manifest = ManifestBinder.bind(body, errors);
            ManifestSemantics.check(manifest, body, errors);
            if (!errors.isEmpty()) {
                throw invalid(errors);
            }
            String canonical = CanonicalForm.json(manifest);
            return new ValidatedManifest(manifest, canonical, CanonicalForm.sha256(canonical));
        } catch (RoostException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // Defence in depth: the checks above are written not to fail, but a surprise in
            // a library must still answer as a client error, never as a 500.
            throw invalid(List.of(new FieldError(Pointers.ROOT, "the manifest could not be checked; simplify it")));
        }
    }

    private static RoostException invalid(List<FieldError> errors) {
        List<FieldError> sorted = new ArrayList<>(new LinkedHashSet<>(errors));
        sorted.sort(Comparator.comparing(FieldError::pointer));
        StringBuilder detail = new StringBuilder("The manifest is not valid: ");
        detail.append(sorted.size() == 1 ? "1 problem" : sorted.size() + " problems");
        detail.append(". First: ").append(describe(sorted.get(0))).append('.');
        if (sorted.size() > 1) {
            detail.append(" See the field errors for the rest.");
        }
        return new RoostException(ErrorCode.MANIFEST_INVALID, detail.toString(), sorted);
    }

    private static String describe(FieldError error) {
        return (error.pointer().isEmpty() ? "(document)" : error.pointer()) + " " + error.message();
    }
}
