package dev.roost.server.http;

import dev.roost.store.Database;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Row counts of every table and the audit head, to prove a refused request wrote nothing. */
final class StateSnapshot {
    private static final List<String> TABLES = List.of("users", "refresh_tokens", "api_tokens", "plans", "workspaces",
            "memberships", "templates", "instances", "manifest_versions", "manifest_tags", "audit_log", "idempotency_keys",
            "secrets", "deployment_events", "jobs", "task_attachments", "gateway_keys", "gateway_providers", "gateway_model_aliases",
            "node_join_tokens", "nodes");

    private StateSnapshot() {
    }

    static Map<String, Long> take(Database database) {
        return database.read(s -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String table : TABLES) {
                counts.put(table, s.handle().createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
            }
            counts.put("audit head", s.handle().createQuery("SELECT coalesce(max(seq), 0) FROM audit_log").mapTo(Long.class).one());
            counts.put("instance versions", s.handle().createQuery("SELECT coalesce(sum(current_version), 0) FROM instances")
                    .mapTo(Long.class).one());
            counts.put("secret versions", s.handle().createQuery("SELECT coalesce(sum(version), 0) FROM secrets")
                    .mapTo(Long.class).one());
            counts.put("restarts", s.handle().createQuery("SELECT coalesce(sum(restart_count), 0) FROM instances")
                    .mapTo(Long.class).one());
            return counts;
        });
    }
}
