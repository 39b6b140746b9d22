package dev.roost.store.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.secret.SecretValue;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.Database;
import dev.roost.store.Rows;
import dev.roost.store.Session;
import dev.roost.store.secrets.SecretStore.Change;
import dev.roost.store.secrets.SecretStore.Outcome;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SecretStore} must do, whatever keeps the values. A subclass supplies the
 * store and a database with the Roost schema (metadata always lives there).
 */
abstract class SecretStoreContract {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    /** Called before each test: a fresh, migrated database and a store on it. */
    protected abstract void prepare();

    protected abstract Database database();

    protected abstract SecretStore store();

    Workspace acme;
    Workspace globex;

    @BeforeEach
    void workspaces() {
        prepare();
        database().transaction(s -> s.plans().createIfMissing(dev.roost.core.workspace.Plan.builtIn().get(0)));
        acme = inTransaction(s -> s.workspaces().create("acme", "ACME", "starter", null, Workspace.DEFAULT_ENVIRONMENTS));
        globex = inTransaction(s -> s.workspaces().create("globex", "Globex", "starter", null, Workspace.DEFAULT_ENVIRONMENTS));
    }

    <T> T read(Function<Session, T> work) {
        return database().read(work::apply);
    }

    <T> T inTransaction(Function<Session, T> work) {
        return database().transaction(work::apply);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    Change put(Workspace w, String name, String value, String actor, Instant at) {
        return inTransaction(s -> store().put(s, w.id(), name, bytes(value), actor, at));
    }

    @Test
    void aPutCreatesVersionOneAndEachRealChangeAddsAVersion() {
        Change created = put(acme, "bot-token", "first-value", "olga", T0);
        assertThat(created.outcome()).isEqualTo(Outcome.CREATED);
        SecretMetadata v1 = created.metadata();
        assertThat(v1.name()).isEqualTo("bot-token");
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.size()).isEqualTo(11);
        assertThat(v1.createdBy()).isEqualTo("olga");
        assertThat(v1.createdAt()).isEqualTo(T0);
        assertThat(v1.updatedBy()).isEqualTo("olga");
        assertThat(v1.fingerprint()).matches("[0-9a-f]{64}");

        Change same = put(acme, "bot-token", "first-value", "pat", T0.plusSeconds(60));
        assertThat(same.outcome()).isEqualTo(Outcome.UNCHANGED);
        assertThat(same.metadata()).isEqualTo(v1);

        Change updated = put(acme, "bot-token", "second, longer value", "pat", T0.plusSeconds(120));
        assertThat(updated.outcome()).isEqualTo(Outcome.UPDATED);
        SecretMetadata v2 = updated.metadata();
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.size()).isEqualTo(20);
        assertThat(v2.createdBy()).isEqualTo("olga");
        assertThat(v2.createdAt()).isEqualTo(T0);
        assertThat(v2.updatedBy()).isEqualTo("pat");
        assertThat(v2.updatedAt()).isEqualTo(T0.plusSeconds(120));
        assertThat(v2.fingerprint()).isNotEqualTo(v1.fingerprint());

        assertThat(put(acme, "bot-token", "first-value", "pat", T0.plusSeconds(180)).metadata().version())
                .as("going back to an earlier value is a change too").isEqualTo(3);
    }

    @Test
    void listsAndFindsOnlyTheWorkspacesOwnSecrets() {
        put(acme, "zeta", "z", "olga", T0);
        put(acme, "alpha", "a", "olga", T0);
        put(globex, "alpha", "other tenant", "gus", T0);

        List<SecretMetadata> listed = read(s -> store().list(s, acme.id()));
        assertThat(listed).extracting(SecretMetadata::name).containsExactly("alpha", "zeta");
        assertThat(listed.get(0).size()).isEqualTo(1);
        Optional<SecretMetadata> found = read(s -> store().find(s, globex.id(), "alpha"));
        assertThat(found.orElseThrow().size()).isEqualTo(12);
        Optional<SecretMetadata> notThere = read(s -> store().find(s, globex.id(), "zeta"));
        assertThat(notThere).isEmpty();
        List<SecretMetadata> noWorkspace = read(s -> store().list(s, java.util.UUID.randomUUID()));
        assertThat(noWorkspace).isEmpty();
    }

    @Test
    void verifyConfirmsOnlyTheCurrentValue() {
        put(acme, "db-password", "old", "olga", T0);
        put(acme, "db-password", "correct horse battery staple", "olga", T0);

        var right = read(s -> store().verify(s, acme.id(), "db-password", bytes("correct horse battery staple")));
        assertThat(right.orElseThrow().matches()).isTrue();
        assertThat(right.orElseThrow().metadata().version()).isEqualTo(2);
        var old = read(s -> store().verify(s, acme.id(), "db-password", bytes("old")));
        assertThat(old.orElseThrow().matches()).isFalse();
        var elsewhere = read(s -> store().verify(s, globex.id(), "db-password", bytes("old")));
        assertThat(elsewhere).isEmpty();
        var badName = read(s -> store().verify(s, acme.id(), "Not A Name", bytes("x")));
        assertThat(badName).isEmpty();
    }

    @Test
    void resolveReturnsTheValuesAndNamesEveryMissingOne() {
        byte[] binary = {0, 1, 2, (byte) 0xff, 0, 'x'};
        inTransaction(s -> store().put(s, acme.id(), "binary", binary.clone(), "olga", T0));
        put(acme, "text", "héllo wörld", "olga", T0);

        Map<String, SecretValue> values = read(s -> store().resolve(s, acme.id(), List.of("text", "binary")));
        assertThat(values).containsOnlyKeys("binary", "text");
        assertThat(values.get("binary").bytes()).isEqualTo(binary);
        assertThat(new String(values.get("text").chars())).isEqualTo("héllo wörld");
        values.values().forEach(SecretValue::close);
        Map<String, SecretValue> none = read(s -> store().resolve(s, acme.id(), List.of()));
        assertThat(none).isEmpty();

        assertThatThrownBy(() -> read(s -> store().resolve(s, acme.id(), List.of("text", "nope", "gone"))))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessage("Secrets gone, nope do not exist in this workspace.");
        assertThatThrownBy(() -> read(s -> store().resolve(s, globex.id(), List.of("text"))))
                .hasMessage("Secret text does not exist in this workspace.");
    }

    @Test
    void deleteRemovesAndARecreatedSecretStartsAgain() {
        put(acme, "token", "one", "olga", T0);
        put(acme, "token", "two", "olga", T0);
        put(globex, "token", "theirs", "gus", T0);

        Optional<SecretMetadata> deleted = inTransaction(s -> store().delete(s, acme.id(), "token"));
        assertThat(deleted.orElseThrow().version()).isEqualTo(2);
        Optional<SecretMetadata> gone = read(s -> store().find(s, acme.id(), "token"));
        assertThat(gone).isEmpty();
        Optional<SecretMetadata> again = inTransaction(s -> store().delete(s, acme.id(), "token"));
        assertThat(again).isEmpty();
        Optional<SecretMetadata> theirs = read(s -> store().find(s, globex.id(), "token"));
        assertThat(theirs).isPresent();

        Change recreated = put(acme, "token", "three", "olga", T0);
        assertThat(recreated.outcome()).isEqualTo(Outcome.CREATED);
        assertThat(recreated.metadata().version()).isEqualTo(1);
    }

    @Test
    void valuesAreOneByteTo64KiB() {
        byte[] largest = new byte[SecretStore.MAX_VALUE_BYTES];
        java.util.Arrays.fill(largest, (byte) 'a');
        assertThat(inTransaction(s -> store().put(s, acme.id(), "big", largest, "olga", T0)).metadata().size())
                .isEqualTo(65536);
        assertThatThrownBy(() -> inTransaction(s -> store().put(s, acme.id(), "bigger",
                new byte[SecretStore.MAX_VALUE_BYTES + 1], "olga", T0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inTransaction(s -> store().put(s, acme.id(), "empty", new byte[0], "olga", T0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> inTransaction(s -> store().put(s, acme.id(), "Bad Name", new byte[1], "olga", T0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRolledBackPutLeavesNothing() {
        assertThatThrownBy(() -> inTransaction(s -> {
            store().put(s, acme.id(), "token", bytes("value"), "olga", T0);
            throw new IllegalStateException("the request failed later");
        })).hasMessage("the request failed later");
        List<SecretMetadata> left = read(s -> store().list(s, acme.id()));
        assertThat(left).isEmpty();
    }

    @Test
    void timesKeepTheirPrecision() {
        Instant now = Rows.now();
        SecretMetadata m = put(acme, "token", "v", "olga", now).metadata();
        assertThat(m.createdAt()).isEqualTo(now.truncatedTo(ChronoUnit.MICROS));
    }
}
