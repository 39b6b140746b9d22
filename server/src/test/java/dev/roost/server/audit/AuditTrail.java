package dev.roost.server.audit;

import dev.roost.core.audit.AuditRecord;
import dev.roost.server.testing.TestRoost;
import dev.roost.store.audit.AuditLog;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reads the audit log straight from a test server's database, to check what a request recorded. */
public final class AuditTrail {
    private final TestRoost roost;
    private long mark;

    private AuditTrail(TestRoost roost) {
        this.roost = roost;
        this.mark = headSeq();
    }

    /** Starts watching: {@link #newEntries()} returns what was appended after this call. */
    public static AuditTrail watch(TestRoost roost) {
        return new AuditTrail(roost);
    }

    public long headSeq() {
        return roost.server().database().read(s -> s.audit().head().map(AuditRecord::seq).orElse(0L));
    }

    /** Entries appended since the watch started (or since the last {@link #reset()}), oldest first. */
    public List<AuditRecord> newEntries() {
        List<AuditRecord> newestFirst = roost.server().database().read(s -> s.audit()
                .query(new AuditLog.Filter(null, null, null, null, null, null, null, null, 10_000)));
        List<AuditRecord> result = new ArrayList<>(newestFirst.stream().filter(r -> r.seq() > mark).toList());
        Collections.reverse(result);
        return result;
    }

    /** The single entry appended since the watch started; fails when there is none or more than one. */
    public AuditRecord onlyNewEntry() {
        List<AuditRecord> entries = newEntries();
        if (entries.size() != 1) {
            throw new AssertionError("expected exactly one new audit entry, found " + entries.size() + ": "
                    + entries.stream().map(AuditRecord::action).toList());
        }
        return entries.get(0);
    }

    public void reset() {
        mark = headSeq();
    }
}
