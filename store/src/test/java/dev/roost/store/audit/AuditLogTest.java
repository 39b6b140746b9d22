package dev.roost.store.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.audit.AuditChain;
import dev.roost.core.audit.AuditEvent;
import dev.roost.core.audit.AuditRecord;
import dev.roost.store.Database;
import dev.roost.store.testing.TestPostgres;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AuditLogTest {
    private Database db;

    @BeforeEach
    void setUp() {
        db = TestPostgres.get().newDatabase();
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private static AuditEvent event(String action, String workspace) {
        return new AuditEvent("alice", action, "instance", "bot-" + action, workspace, "req-1",
                Map.of("changed", List.of("/spec/runtime/image")), List.of());
    }

    private List<AuditRecord> query(AuditLog.Filter filter) {
        return db.read(s -> s.audit().query(filter));
    }

    @Test
    void entriesFormAnIntactChainInCommitOrder() {
        for (int i = 0; i < 5; i++) {
            int n = i;
            db.transaction(s -> s.audit().append(event("instance.apply." + n, "acme")));
        }
        List<AuditRecord> newestFirst = db.read(s -> s.audit().query(new AuditLog.Filter(null, null, null, null, null, null, null, null, 100)));
        assertThat(newestFirst).extracting(AuditRecord::seq).containsExactly(5L, 4L, 3L, 2L, 1L);
        assertThat(newestFirst.get(4).prevHash()).isEqualTo(AuditChain.GENESIS);
        assertThat(newestFirst.get(0).prevHash()).isEqualTo(newestFirst.get(1).hash());

        AuditLog.Verification v = db.read(s -> s.audit().verify());
        assertThat(v.intact()).isTrue();
        assertThat(v.entriesChecked()).isEqualTo(5);
        assertThat(v.headSeq()).isEqualTo(5);
    }

    @Test
    void aRolledBackMutationLeavesNoEntryAndNoGap() {
        db.transaction(s -> s.audit().append(event("one", "acme")));
        assertThatThrownBy(() -> db.transaction(s -> {
            s.audit().append(event("two", "acme"));
            throw new IllegalStateException("the mutation failed");
        })).isInstanceOf(IllegalStateException.class);
        db.transaction(s -> s.audit().append(event("three", "acme")));

        List<AuditRecord> all = db.read(s -> s.audit().query(new AuditLog.Filter(null, null, null, null, null, null, null, null, 100)));
        assertThat(all).extracting(AuditRecord::action).containsExactly("three", "one");
        assertThat(all).extracting(AuditRecord::seq).containsExactly(2L, 1L);
        assertThat(db.read(s -> s.audit().verify()).intact()).isTrue();
    }

    @Test
    void concurrentAppendsKeepTheChainIntact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<AuditRecord>> work = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                work.add(() -> db.transaction(s -> s.audit().append(event("a" + n, n % 2 == 0 ? "acme" : "globex"))));
            }
            List<Long> seqs = new ArrayList<>();
            for (Future<AuditRecord> f : pool.invokeAll(work)) {
                seqs.add(f.get().seq());
            }
            Collections.sort(seqs);
            assertThat(seqs).first().isEqualTo(1L);
            assertThat(seqs).last().isEqualTo(200L);
            assertThat(seqs).doesNotHaveDuplicates();
        } finally {
            pool.shutdownNow();
        }
        AuditLog.Verification v = db.read(s -> s.audit().verify());
        assertThat(v.intact()).isTrue();
        assertThat(v.entriesChecked()).isEqualTo(200);
    }

    @Test
    void theDatabaseRefusesUpdateDeleteAndTruncate() {
        db.transaction(s -> s.audit().append(event("one", "acme")));
        assertThatThrownBy(() -> db.transaction(s -> s.handle().execute("UPDATE audit_log SET actor = 'mallory'")))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.transaction(s -> s.handle().execute("DELETE FROM audit_log")))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.transaction(s -> s.handle().execute("TRUNCATE audit_log")))
                .hasMessageContaining("append-only");
        assertThat(db.read(s -> s.audit().verify()).entriesChecked()).isEqualTo(1);
    }

    @Test
    void verifyReportsTheFirstTamperedEntry() {
        for (int i = 1; i <= 4; i++) {
            int n = i;
            db.transaction(s -> s.audit().append(event("e" + n, "acme")));
        }
        // Someone with superuser rights switches the guard off and rewrites history.
        db.transaction(s -> {
            s.handle().execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
            s.handle().execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3");
            s.handle().execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only");
            return null;
        });
        AuditLog.Verification v = db.read(s -> s.audit().verify());
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBrokenSeq()).isEqualTo(3L);
        assertThat(v.reason()).contains("entry 3 was changed");
        assertThat(v.entriesChecked()).isEqualTo(2);
    }

    @Test
    void verifyReportsARemovedEntry() {
        for (int i = 1; i <= 3; i++) {
            int n = i;
            db.transaction(s -> s.audit().append(event("e" + n, "acme")));
        }
        db.transaction(s -> {
            s.handle().execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
            s.handle().execute("DELETE FROM audit_log WHERE seq = 2");
            s.handle().execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only");
            return null;
        });
        AuditLog.Verification v = db.read(s -> s.audit().verify());
        assertThat(v.intact()).isFalse();
        assertThat(v.firstBrokenSeq()).isEqualTo(2L);
        assertThat(v.reason()).contains("entry 2 is missing");
    }

    @Test
    void filtersByWorkspaceActorResourceAndAction() {
        db.transaction(s -> s.audit().append(event("instance.apply", "acme")));
        db.transaction(s -> s.audit().append(event("instance.delete", "globex")));
        db.transaction(s -> s.audit().append(new AuditEvent("bob", "workspace.create", "workspace", "acme", null, "r",
                Map.of(), List.of())));
        assertThat(query(new AuditLog.Filter("acme", null, null, null, null, null, null, null, 10)))
                .extracting(AuditRecord::action).containsExactly("instance.apply");
        assertThat(query(new AuditLog.Filter(null, "bob", null, null, null, null, null, null, 10)))
                .extracting(AuditRecord::action).containsExactly("workspace.create");
        assertThat(query(new AuditLog.Filter(null, null, "instance", null, "instance.", null, null, null, 10)))
                .extracting(AuditRecord::action).containsExactly("instance.delete", "instance.apply");
        assertThat(query(new AuditLog.Filter(null, null, null, null, null, null, null, 3L, 10)))
                .extracting(AuditRecord::seq).containsExactly(2L, 1L);
    }

    @Test
    void anActionPrefixMatchesLiterallyNotAsAPattern() {
        db.transaction(s -> s.audit().append(event("user.create", null)));
        db.transaction(s -> s.audit().append(event("userXcreate", null)));
        assertThat(query(new AuditLog.Filter(null, null, null, null, "user_", null, null, null, 10))).isEmpty();
        assertThat(query(new AuditLog.Filter(null, null, null, null, "user.", null, null, null, 10)))
                .extracting(AuditRecord::action).containsExactly("user.create");
        assertThat(query(new AuditLog.Filter(null, null, null, null, "%", null, null, null, 10))).isEmpty();
    }

    @Test
    void headAndLatestSeqOfAnActionInAWorkspace() {
        assertThat(db.read(s -> s.audit().head()).isEmpty()).isTrue();
        assertThat(db.read(s -> s.audit().latestSeq("acme", "workspace.delete")).isEmpty()).isTrue();
        db.transaction(s -> s.audit().append(event("workspace.delete", "acme")));
        db.transaction(s -> s.audit().append(event("workspace.delete", "globex")));
        db.transaction(s -> s.audit().append(event("workspace.create", "acme")));
        assertThat(db.read(s -> s.audit().latestSeq("acme", "workspace.delete")).orElseThrow()).isEqualTo(1L);
        AuditRecord head = db.read(s -> s.audit().head()).orElseThrow();
        assertThat(head.seq()).isEqualTo(3L);
        assertThat(head.hash()).isEqualTo(db.read(s -> s.audit().verify()).headHash());
    }
}
