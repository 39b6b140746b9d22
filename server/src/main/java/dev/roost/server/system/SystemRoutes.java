package dev.roost.server.system;

import static java.util.Objects.requireNonNull;

import dev.roost.server.gateway.InferenceReadiness;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Reply;
import dev.roost.store.Database;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Health and readiness probes, Prometheus metrics and the OpenAPI document. */
public final class SystemRoutes {
    private final Database database;
    private final PrometheusMeterRegistry prometheus;
    private final Readiness readiness;
    private final Supplier<Map<String, Object>> openApi;
    private final String version;

    private final InferenceReadiness inference;

    public SystemRoutes(Database database, PrometheusMeterRegistry prometheus, Readiness readiness,
            Supplier<Map<String, Object>> openApi, String version, InferenceReadiness inference) {
        this.inference = requireNonNull(inference, "inference is null");
        this.database = requireNonNull(database, "database is null");
        this.prometheus = requireNonNull(prometheus, "prometheus is null");
        this.readiness = requireNonNull(readiness, "readiness is null");
        this.openApi = requireNonNull(openApi, "openApi is null");
        this.version = requireNonNull(version, "version is null");
    }

    public record Health(String status, String version) {
    }

    /**
     * {@code status} and {@code checks} are the control plane's: 200 while it can serve requests.
     * {@code inference} says whether prompts can be answered with the server-wide default model;
     * it never makes the answer 503 (a workspace may have a default model of its own).
     */
    public record Ready(String status, Map<String, String> checks, Inference inference) {
    }

    /** {@code status}: available or unavailable; {@code promptTasks}: whether prompt tasks are answered with it. */
    public record Inference(String status, boolean promptTasks, String scope, String defaultModel, String reason) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/healthz", Access.PUBLIC, "Liveness: the process answers", call -> new Health("alive", version))
                        .returns(Health.class),
                ApiRoute.get("/readyz", Access.PUBLIC, "Readiness: the server can serve requests (200/503); "
                                + "'inference' says whether prompts can be answered with the server-wide default model", this::ready)
                        .returns(Ready.class),
                ApiRoute.get("/metrics", Access.METRICS, "Prometheus metrics", call ->
                        Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape())),
                ApiRoute.get("/api/openapi.json", Access.AUTHENTICATED, "This API's OpenAPI 3.1 document",
                        call -> openApi.get()));
    }

    private Object ready(Call call) {
        Map<String, String> checks = new LinkedHashMap<>();
        boolean started = readiness.started();
        checks.put("server", started ? "ok" : "starting");
        boolean db = database.ping();
        checks.put("database", db ? "ok" : "unreachable");
        boolean ok = started && db;
        Inference inference = null;
        if (db) {
            try {
                InferenceReadiness.Status status = this.inference.serverWide();
                // Anyone may read /readyz: it names no provider, host or model, only what to configure.
                String reason = status.available() ? null : status.defaultModel() == null ? status.reason()
                        : "The server-wide default model '" + status.defaultModel() + "' has no reachable target. "
                                + "'roost status' (signed in, with a workspace) says which and why.";
                inference = new Inference(status.status(), status.available(), "server", status.defaultModel(), reason);
                checks.put("inference", status.available() ? "ok" : "unavailable");
            } catch (RuntimeException e) {
                checks.put("inference", "unknown");
            }
        }
        return Reply.json(ok ? 200 : 503, new Ready(ok ? "ready" : "not ready", checks, inference));
    }
}
