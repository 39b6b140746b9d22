package dev.roost.server.audit;

import dev.roost.core.audit.AuditRecord;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.store.audit.AuditLog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reading the audit log: all of it for a server admin, one workspace's part for its members,
 * newest first in pages; and checking the hash chain end to end.
 */
public final class AuditRoutes {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 500;

    /** One entry; {@code details} is the change summary the mutation recorded. */
    public record AuditEntry(long seq, Instant at, String actor, String action, String resourceType, String resourceId,
            String workspace, String requestId, Map<String, Object> details, List<String> warnings) {
        static AuditEntry of(AuditRecord r) {
            return new AuditEntry(r.seq(), r.at(), r.actor(), r.action(), r.resourceType(), r.resourceId(), r.workspace(),
                    r.requestId(), details(r.details()), warnings(r.warnings()));
        }

        /** Entries are written as JSON objects; one changed by hand must not hide the rest of the log. */
        @SuppressWarnings("unchecked")
        private static Map<String, Object> details(String text) {
            try {
                return Json.MAPPER.readValue(text, Map.class);
            } catch (RuntimeException e) {
                return Map.of("unreadable", text);
            }
        }

        @SuppressWarnings("unchecked")
        private static List<String> warnings(String text) {
            try {
                return Json.MAPPER.readValue(text, List.class);
            } catch (RuntimeException e) {
                return List.of(text);
            }
        }
    }

    /** A page of entries, newest first; pass {@code next} as {@code before} to get the following page. */
    public record AuditPage(List<AuditEntry> items, String next) {
        public AuditPage {
            items = List.copyOf(items);
        }
    }

    /** The result of walking the chain; {@code firstBrokenSeq} and {@code reason} only when it is broken. */
    public record AuditVerification(boolean intact, long entriesChecked, long headSeq, String headHash, Long firstBrokenSeq,
            String reason) {
    }

    public List<ApiRoute> routes() {
        return List.of(
                filters(ApiRoute.get("/api/v1/audit", Access.SERVER_ADMIN, "Read the audit log, newest first", this::all)
                        .query("workspace", "only entries of this workspace")).returns(AuditPage.class),
                ApiRoute.get("/api/v1/audit/verify", Access.SERVER_ADMIN,
                        "Check the audit log's hash chain from the first entry to the newest", this::verify)
                        .returns(AuditVerification.class),
                filters(ApiRoute.get("/api/v1/workspaces/{ws}/audit", Access.workspace(Role.VIEWER),
                        "Read this workspace's audit log, newest first", this::ofWorkspace)).returns(AuditPage.class));
    }

    private static ApiRoute filters(ApiRoute route) {
        return route.query("actor", "who did it")
                .query("resourceType", "e.g. instance, workspace, user")
                .query("resourceId", "the resource's name or id")
                .query("action", "action prefix, e.g. instance. or member.put")
                .query("from", "ISO-8601 time, inclusive")
                .query("to", "ISO-8601 time, exclusive")
                .query("before", "the 'next' cursor of the previous page (a sequence number)")
                .query("limit", "page size, 1 to 500 (default 100)");
    }

    private Object all(Call call) {
        return page(call, call.query("workspace").orElse(null), 0);
    }

    private Object ofWorkspace(Call call) {
        String name = call.workspace().name();
        Optional<String> asked = call.query("workspace");
        if (asked.isPresent() && !asked.get().equals(name)) {
            throw Call.badQuery("workspace", "must be this workspace (" + name + ") or left out");
        }
        // Audit entries name workspaces, and a name can be used again after a workspace was deleted:
        // members of the new workspace see nothing from before its creation.
        long since = call.session().audit().latestSeq(name, "workspace.delete").orElse(0L);
        return page(call, name, since);
    }

    /** One page of entries with seq greater than {@code afterSeq}. */
    private static AuditPage page(Call call, String workspace, long afterSeq) {
        int limit = call.queryInt("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        Long before = call.query("before").map(AuditRoutes::parseCursor).orElse(null);
        Optional<Instant> from = call.queryInstant("from");
        Optional<Instant> to = call.queryInstant("to");
        // One more than asked for tells whether there is a next page.
        List<AuditRecord> found = call.session().audit().query(new AuditLog.Filter(workspace,
                call.query("actor").orElse(null), call.query("resourceType").orElse(null),
                call.query("resourceId").orElse(null), call.query("action").orElse(null), from.orElse(null),
                to.orElse(null), before, limit + 1));
        List<AuditEntry> items = new ArrayList<>();
        boolean more = false;
        for (AuditRecord r : found) {
            if (r.seq() <= afterSeq) {
                break;
            }
            if (items.size() == limit) {
                more = true;
                break;
            }
            items.add(AuditEntry.of(r));
        }
        String next = more ? Long.toString(items.get(items.size() - 1).seq()) : null;
        return new AuditPage(items, next);
    }

    private Object verify(Call call) {
        AuditLog log = call.session().audit();
        AuditLog.Verification v = log.verify();
        if (v.intact()) {
            return new AuditVerification(true, v.entriesChecked(), v.headSeq(), v.headHash(), null, null);
        }
        // The verification stops at the first broken link; the head is still the newest entry.
        Optional<AuditRecord> head = log.head();
        return new AuditVerification(false, v.entriesChecked(), head.map(AuditRecord::seq).orElse(v.headSeq()),
                head.map(AuditRecord::hash).orElse(v.headHash()), v.firstBrokenSeq(), v.reason());
    }

    private static Long parseCursor(String raw) {
        try {
            long value = Long.parseLong(raw);
            if (value < 1) {
                throw Call.badQuery("before", "must be a positive sequence number (the 'next' of the previous page)");
            }
            return value;
        } catch (NumberFormatException e) {
            throw Call.badQuery("before", "must be a positive sequence number (the 'next' of the previous page)");
        }
    }
}
