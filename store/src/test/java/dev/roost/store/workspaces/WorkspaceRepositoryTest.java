package dev.roost.store.workspaces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.audit.AuditEvent;
import dev.roost.core.identity.User;
import dev.roost.core.workspace.Role;
import dev.roost.core.workspace.Workspace;
import dev.roost.core.secret.MasterKey;
import dev.roost.store.Database;
import dev.roost.store.Rows;
import dev.roost.store.Session;
import dev.roost.store.secrets.DatabaseSecretStore;
import dev.roost.store.testing.TestPostgres;
import dev.roost.store.workspaces.WorkspaceRepository.PurgeOutcome;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WorkspaceRepositoryTest {
    private static final long GIB = 1L << 30;
    private Database db;

    @BeforeEach
    void setUp() {
        db = TestPostgres.get().newDatabase();
        db.transaction(s -> s.plans().createIfMissing(dev.roost.core.workspace.Plan.builtIn().get(0)));
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private <T> T read(Function<Session, T> work) {
        return db.read(work::apply);
    }

    private <T> T inTransaction(Function<Session, T> work) {
        return db.transaction(work::apply);
    }

    private Workspace workspace(String name) {
        return inTransaction(s -> s.workspaces().create(name, name, "starter", null, Workspace.DEFAULT_ENVIRONMENTS));
    }

    /** Inserts an instance with {@code versions} manifest versions and a tag on the last; the instances area owns the real code. */
    private UUID instance(Workspace w, String name, String environment, long cpuMillis, long memoryBytes, int replicas,
            boolean deleted, int versions) {
        UUID id = UUID.randomUUID();
        db.transaction(s -> {
            s.handle().createUpdate("""
                            INSERT INTO instances (id, workspace_id, name, environment, image, cpu_millis, memory_bytes,
                                replicas, current_version, desired_state, status, created_by, deleted_at)
                            VALUES (:id, :w, :name, :env, 'example/bot:1.0', :cpu, :mem, :replicas, :versions,
                                :desired, :status, 'test', CASE WHEN :deleted THEN now() END)""")
                    .bind("id", id).bind("w", w.id()).bind("name", name).bind("env", environment)
                    .bind("cpu", cpuMillis).bind("mem", memoryBytes).bind("replicas", replicas).bind("versions", versions)
                    .bind("desired", deleted ? "DELETED" : "RUNNING").bind("status", deleted ? "STOPPED" : "RUNNING")
                    .bind("deleted", deleted).execute();
            for (int v = 1; v <= versions; v++) {
                s.handle().createUpdate("""
                                INSERT INTO manifest_versions (instance_id, version, manifest, sha256, source, created_by)
                                VALUES (:id, :v, '{}'::jsonb, 'x', 'api', 'test')""")
                        .bind("id", id).bind("v", v).execute();
            }
            s.handle().createUpdate("INSERT INTO manifest_tags (instance_id, tag, version, created_by) VALUES (:id, 'stable', :v, 't')")
                    .bind("id", id).bind("v", versions).execute();
            return null;
        });
        return id;
    }

    private long count(String sql, UUID id) {
        return read(s -> s.handle().createQuery(sql).bind("id", id).mapTo(Long.class).one());
    }

    @Test
    void usageCountsLiveInstancesTimesTheirReplicas() {
        Workspace acme = workspace("acme");
        Workspace other = workspace("other");
        var empty = read(s -> s.workspaces().usage(acme.id()));
        assertThat(empty).isEqualTo(new WorkspaceRepository.Usage(0, 0, 0));
        instance(acme, "a", "dev", 500, GIB, 2, false, 1);
        instance(acme, "b", "prod", 250, GIB / 2, 1, false, 1);
        instance(acme, "gone", "staging", 4000, 8 * GIB, 3, true, 1);
        instance(other, "c", "dev", 1000, GIB, 1, false, 1);

        var used = read(s -> s.workspaces().usage(acme.id()));
        assertThat(used)
                .isEqualTo(new WorkspaceRepository.Usage(2, 1250, 2 * GIB + GIB / 2));
        var environments = read(s -> s.workspaces().environmentsInUse(acme.id()));
        assertThat(environments).containsExactly("dev", "prod");
    }

    @Test
    void purgeRemovesTheWorkspaceWithItsDeletedInstancesAndTheirHistory() {
        Workspace acme = workspace("acme");
        Workspace keep = workspace("keep");
        UUID gone = instance(acme, "gone", "dev", 500, GIB, 1, true, 3);
        UUID kept = instance(keep, "kept", "dev", 500, GIB, 1, true, 2);
        User alice = inTransaction(s -> s.users().create("alice", "Alice", "x", false));
        db.transaction(s -> s.memberships().put(acme.id(), alice.id(), Role.OWNER));
        db.transaction(s -> s.audit().append(new AuditEvent("alice", "instance.apply", "instance", "gone", "acme", "r",
                Map.of(), List.of())));
        DatabaseSecretStore secrets = new DatabaseSecretStore(MasterKey.of(new byte[MasterKey.LENGTH]));
        db.transaction(s -> {
            secrets.put(s, acme.id(), "token", new byte[] {1}, "alice", Rows.now());
            secrets.put(s, acme.id(), "other-token", new byte[] {2}, "alice", Rows.now());
            return secrets.put(s, keep.id(), "token", new byte[] {1}, "alice", Rows.now());
        });

        PurgeOutcome outcome = inTransaction(s -> s.workspaces().purge(acme.id()));

        assertThat(outcome).isEqualTo(new PurgeOutcome.Purged(1, 3, 1, 1, 2));
        assertThat(count("SELECT count(*) FROM secrets WHERE workspace_id = :id", acme.id())).isZero();
        assertThat(count("SELECT count(*) FROM secrets WHERE workspace_id = :id", keep.id()))
                .as("another workspace's secrets stay").isEqualTo(1);
        var acmeAfter = read(s -> s.workspaces().findByName("acme"));
        assertThat(acmeAfter).isEmpty();
        assertThat(count("SELECT count(*) FROM manifest_versions WHERE instance_id = :id", gone)).isZero();
        assertThat(count("SELECT count(*) FROM instances WHERE id = :id", gone)).isZero();
        assertThat(count("SELECT count(*) FROM manifest_versions WHERE instance_id = :id", kept))
                .as("another workspace's history stays").isEqualTo(2);
        var aliceAfter = read(s -> s.users().findByUsername("alice"));
        assertThat(aliceAfter).as("users are not workspace data").isPresent();
        var auditEntries = read(s -> s.audit().verify().entriesChecked());
        assertThat(auditEntries).as("the audit log keeps its history").isEqualTo(1);
        var again = inTransaction(s -> s.workspaces().purge(acme.id()));
        assertThat(again).isEqualTo(new PurgeOutcome.Missing());
    }

    @Test
    void purgeRefusesWhileInstancesLiveAndRemovesNothing() {
        Workspace acme = workspace("acme");
        instance(acme, "live", "dev", 500, GIB, 1, false, 1);
        UUID gone = instance(acme, "gone", "dev", 500, GIB, 1, true, 2);

        var outcome = inTransaction(s -> s.workspaces().purge(acme.id()));
        assertThat(outcome).isEqualTo(new PurgeOutcome.HasLiveInstances(1));
        var acmeAfter = read(s -> s.workspaces().findByName("acme"));
        assertThat(acmeAfter).isPresent();
        assertThat(count("SELECT count(*) FROM manifest_versions WHERE instance_id = :id", gone)).isEqualTo(2);
    }

    @Test
    void manifestVersionsStayAppendOnlyOutsideAPurge() {
        Workspace acme = workspace("acme");
        UUID id = instance(acme, "bot", "dev", 500, GIB, 1, true, 1);
        db.transaction(s -> s.handle().execute("DELETE FROM manifest_tags"));

        assertThatThrownBy(() -> db.transaction(s -> s.handle().execute("DELETE FROM manifest_versions")))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.transaction(s -> {
            s.handle().execute("SET LOCAL roost.purge = 'on'");
            return s.handle().execute("UPDATE manifest_versions SET source = 'forged'");
        })).as("UPDATE is refused even during a purge").hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.transaction(s -> {
            s.handle().execute("SET LOCAL roost.purge = 'on'");
            return s.handle().execute("TRUNCATE manifest_versions CASCADE");
        })).hasMessageContaining("append-only");
        // SET LOCAL ends with its transaction: the next one is guarded again.
        db.transaction(s -> s.handle().execute("SET LOCAL roost.purge = 'on'"));
        assertThatThrownBy(() -> db.transaction(s -> s.handle().execute("DELETE FROM manifest_versions")))
                .hasMessageContaining("append-only");
        assertThat(count("SELECT count(*) FROM manifest_versions WHERE instance_id = :id", id)).isEqualTo(1);
    }

    @Test
    void thePurgeSwitchNeverOpensTheAuditLog() {
        db.transaction(s -> s.audit().append(new AuditEvent("a", "x", "t", "i", null, "r", Map.of(), List.of())));
        assertThatThrownBy(() -> db.transaction(s -> {
            s.handle().execute("SET LOCAL roost.purge = 'on'");
            return s.handle().execute("DELETE FROM audit_log");
        })).hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.transaction(s -> {
            s.handle().execute("SET LOCAL roost.purge = 'on'");
            return s.handle().execute("UPDATE audit_log SET actor = 'mallory'");
        })).hasMessageContaining("append-only");
        var intact = read(s -> s.audit().verify().intact());
        assertThat(intact).isTrue();
    }

    @Test
    void thePurgeSwitchIsOffAgainAfterThePurgeWithinTheSameTransaction() {
        Workspace acme = workspace("acme");
        Workspace other = workspace("other");
        instance(other, "bot", "dev", 500, GIB, 1, true, 1);
        assertThatThrownBy(() -> db.transaction(s -> {
            s.workspaces().purge(acme.id());
            return s.handle().execute("DELETE FROM manifest_versions");
        })).hasMessageContaining("append-only");
        var acmeAfter = read(s -> s.workspaces().findByName("acme"));
        assertThat(acmeAfter).as("rolled back as a whole").isPresent();
    }

    @Test
    void purgeOutsideATransactionIsABug() {
        Workspace acme = workspace("acme");
        assertThatThrownBy(() -> db.read(s -> s.workspaces().purge(acme.id()))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void soleOwnershipIsReportedPerWorkspace() {
        Workspace a = workspace("a-team");
        Workspace b = workspace("b-team");
        Workspace c = workspace("c-team");
        User alice = inTransaction(s -> s.users().create("alice", "Alice", "x", false));
        User bob = inTransaction(s -> s.users().create("bob", "Bob", "x", false));
        db.transaction(s -> {
            s.memberships().put(a.id(), alice.id(), Role.OWNER);
            s.memberships().put(b.id(), alice.id(), Role.OWNER);
            s.memberships().put(b.id(), bob.id(), Role.OWNER);
            s.memberships().put(c.id(), alice.id(), Role.ADMIN);
            return s.memberships().put(c.id(), bob.id(), Role.OWNER);
        });
        var soleOfAlice = read(s -> s.memberships().workspacesSolelyOwnedBy(alice.id()));
        assertThat(soleOfAlice).containsExactly("a-team");
        var soleOfBob = read(s -> s.memberships().workspacesSolelyOwnedBy(bob.id()));
        assertThat(soleOfBob).containsExactly("c-team");
        var aliceInC = read(s -> s.memberships().find(c.id(), alice.id()));
        assertThat(aliceInC.orElseThrow().role()).isEqualTo(Role.ADMIN);
        var bobInA = read(s -> s.memberships().find(a.id(), bob.id()));
        assertThat(bobInA).isEmpty();
    }

    @Test
    void plansListTheWorkspacesOnThem() {
        workspace("zeta");
        workspace("alpha");
        var onStarter = read(s -> s.plans().workspaceNamesOn("starter", 10));
        assertThat(onStarter).containsExactly("alpha", "zeta");
        var firstOnStarter = read(s -> s.plans().workspaceNamesOn("starter", 1));
        assertThat(firstOnStarter).containsExactly("alpha");
        var starter = inTransaction(s -> s.plans().findForUpdate("starter"));
        assertThat(starter).isPresent();
        var missing = inTransaction(s -> s.plans().findForUpdate("nope"));
        assertThat(missing).isEmpty();
        inTransaction(s -> {
            s.plans().create(new dev.roost.core.workspace.Plan("custom", "", dev.roost.core.workspace.Plan.builtIn().get(0).quota()),
                    false);
            return null;
        });
        assertThat(read(s -> s.plans().isBuiltIn("starter")).booleanValue()).isTrue();
        assertThat(read(s -> s.plans().isBuiltIn("custom")).booleanValue()).isFalse();
        assertThat(read(s -> s.plans().isBuiltIn("nope")).booleanValue()).isFalse();
    }
}
