package dev.roost.store.audit;

import static java.util.Objects.requireNonNull;

import dev.roost.core.audit.AuditChain;
import dev.roost.core.audit.AuditEvent;
import dev.roost.core.audit.AuditRecord;
import dev.roost.store.Rows;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The append-only, hash-chained audit log. Appends are serialised by a transaction-scoped
 * advisory lock, so the chain follows commit order and the sequence has no gaps. The table
 * itself refuses UPDATE, DELETE and TRUNCATE.
 */
public final class AuditLog {
    private static final String LOCK = "roost.audit-chain";
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private final Handle handle;

    public AuditLog(Handle handle) {
        this.handle = requireNonNull(handle, "handle is null");
    }

    /** Filters for {@link #query}; null fields do not filter. Results are newest first. */
    public record Filter(
            String workspace, String actor, String resourceType, String resourceId, String action, Instant from,
            Instant to, Long beforeSeq, int limit) {
    }

    /** The outcome of a chain check: ok, or the first broken link and why. */
    public record Verification(boolean intact, long entriesChecked, long headSeq, String headHash, Long firstBrokenSeq,
            String reason) {
    }

    /** Appends one entry in the caller's transaction and returns it with its hash. */
    public AuditRecord append(AuditEvent event) {
        handle.createUpdate("SELECT pg_advisory_xact_lock(hashtextextended(:n, 0))").bind("n", LOCK).execute();
        Optional<AuditRecord> head = handle.createQuery("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1")
                .map((rs, ctx) -> map(rs)).findOne();
        long seq = head.map(h -> h.seq() + 1).orElse(1L);
        String prevHash = head.map(AuditRecord::hash).orElse(AuditChain.GENESIS);
        Instant at = Rows.now();
        if (head.isPresent() && !at.isAfter(head.get().at())) {
            at = head.get().at().plusNanos(1_000); // keep time monotonic along the chain
        }
        String details = JSON.writeValueAsString(event.details());
        String warnings = JSON.writeValueAsString(event.warnings());
        String hash = AuditChain.hash(prevHash, seq, at, event.actor(), event.action(), event.resourceType(),
                event.resourceId(), event.workspace(), event.requestId(), details, warnings);
        AuditRecord record = new AuditRecord(seq, at, event.actor(), event.action(), event.resourceType(),
                event.resourceId(), event.workspace(), event.requestId(), details, warnings, prevHash, hash);
        handle.createUpdate("""
                        INSERT INTO audit_log (seq, at, actor, action, resource_type, resource_id, workspace,
                            request_id, details, warnings, prev_hash, hash)
                        VALUES (:seq, :at, :actor, :action, :resourceType, :resourceId, :workspace,
                            :requestId, :details, :warnings, :prevHash, :hash)""")
                .bindMethods(record)
                .bind("at", Rows.timestamp(at))
                .execute();
        return record;
    }

    public List<AuditRecord> query(Filter filter) {
        StringBuilder sql = new StringBuilder("SELECT * FROM audit_log WHERE true");
        if (filter.workspace() != null) {
            sql.append(" AND workspace = :workspace");
        }
        if (filter.actor() != null) {
            sql.append(" AND actor = :actor");
        }
        if (filter.resourceType() != null) {
            sql.append(" AND resource_type = :resourceType");
        }
        if (filter.resourceId() != null) {
            sql.append(" AND resource_id = :resourceId");
        }
        if (filter.action() != null) {
            sql.append(" AND action LIKE :action");
        }
        if (filter.from() != null) {
            sql.append(" AND at >= :from");
        }
        if (filter.to() != null) {
            sql.append(" AND at < :to");
        }
        if (filter.beforeSeq() != null) {
            sql.append(" AND seq < :beforeSeq");
        }
        sql.append(" ORDER BY seq DESC LIMIT :limit");
        Query query = handle.createQuery(sql.toString())
                .bind("workspace", filter.workspace())
                .bind("actor", filter.actor())
                .bind("resourceType", filter.resourceType())
                .bind("resourceId", filter.resourceId())
                .bind("action", filter.action() == null ? null : likePrefix(filter.action()))
                .bind("from", Rows.timestamp(filter.from()))
                .bind("to", Rows.timestamp(filter.to()))
                .bind("beforeSeq", filter.beforeSeq())
                .bind("limit", filter.limit());
        return query.map((rs, ctx) -> map(rs)).list();
    }

    /** The newest entry, if there is any. */
    public Optional<AuditRecord> head() {
        return handle.createQuery("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1").map((rs, ctx) -> map(rs)).findOne();
    }

    /** The sequence number of the newest entry of {@code action} recorded for {@code workspace}, if any. */
    public Optional<Long> latestSeq(String workspace, String action) {
        return handle.createQuery("SELECT max(seq) FROM audit_log WHERE workspace = :w AND action = :a")
                .bind("w", workspace).bind("a", action).mapTo(Long.class).findOne();
    }

    /** A LIKE pattern matching text that starts with {@code prefix} literally (no wildcards of its own). */
    static String likePrefix(String prefix) {
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }

    /** Walks the whole chain in order and reports the first broken link, if any. */
    public Verification verify() {
        long checked = 0;
        Optional<AuditRecord> previous = Optional.empty();
        long after = 0;
        while (true) {
            List<AuditRecord> batch = handle.createQuery("SELECT * FROM audit_log WHERE seq > :after ORDER BY seq LIMIT 2000")
                    .bind("after", after).map((rs, ctx) -> map(rs)).list();
            if (batch.isEmpty()) {
                break;
            }
            for (AuditRecord record : batch) {
                Optional<String> broken = AuditChain.brokenLink(previous, record);
                if (broken.isPresent()) {
                    return new Verification(false, checked, record.seq(), record.hash(),
                            previous.map(p -> p.seq() + 1).orElse(1L), broken.get());
                }
                previous = Optional.of(record);
                checked++;
            }
            after = batch.get(batch.size() - 1).seq();
        }
        return new Verification(true, checked, previous.map(AuditRecord::seq).orElse(0L),
                previous.map(AuditRecord::hash).orElse(AuditChain.GENESIS), null, null);
    }

    /** Renders a details map the way {@link #append} stores it (sorted keys), e.g. for tests. */
    public static String detailsJson(Object details) {
        return JSON.writeValueAsString(details);
    }

    private static AuditRecord map(ResultSet rs) throws SQLException {
        return new AuditRecord(
                rs.getLong("seq"), Rows.instant(rs, "at"), rs.getString("actor"), rs.getString("action"),
                rs.getString("resource_type"), rs.getString("resource_id"), rs.getString("workspace"),
                rs.getString("request_id"), rs.getString("details"), rs.getString("warnings"),
                rs.getString("prev_hash"), rs.getString("hash"));
    }

}
