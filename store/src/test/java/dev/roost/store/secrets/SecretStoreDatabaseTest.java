package dev.roost.store.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.secret.MasterKey;
import dev.roost.core.secret.SealedValueException;
import dev.roost.store.Database;
import dev.roost.store.secrets.SecretStore.Outcome;
import dev.roost.store.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The contract on the built-in store, plus what only an encrypted database store promises. */
class SecretStoreDatabaseTest extends SecretStoreContract {
    private static final String CANARY = "canary-secret-value-5b1e77";

    private Database db;
    private MasterKey key;
    private DatabaseSecretStore store;

    @Override
    protected void prepare() {
        db = TestPostgres.get().newDatabase();
        key = randomKey();
        store = new DatabaseSecretStore(key);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Override
    protected Database database() {
        return db;
    }

    @Override
    protected SecretStore store() {
        return store;
    }

    private static MasterKey randomKey() {
        byte[] bytes = new byte[MasterKey.LENGTH];
        new SecureRandom().nextBytes(bytes);
        return MasterKey.of(bytes);
    }

    private String sql(String query) {
        return db.read(s -> String.join("\n", s.handle().createQuery(query).mapTo(String.class).list()));
    }

    @Test
    void rowsHoldOnlyCiphertextNonceKeyIdAndFingerprint() {
        put(acme, "bot-token", CANARY, "olga", T0);

        String row = sql("SELECT t::text FROM secrets t");
        byte[] ciphertext = db.read(s -> s.handle().createQuery("SELECT ciphertext FROM secrets").mapTo(byte[].class).one());
        byte[] nonce = db.read(s -> s.handle().createQuery("SELECT nonce FROM secrets").mapTo(byte[].class).one());

        assertThat(row).doesNotContain(CANARY)
                .doesNotContain(HexFormat.of().formatHex(CANARY.getBytes(StandardCharsets.UTF_8)))
                .contains(key.id());
        assertThat(new String(ciphertext, StandardCharsets.ISO_8859_1)).doesNotContain(CANARY);
        assertThat(ciphertext).hasSize(CANARY.length() + 16);
        assertThat(nonce).hasSize(12);
        assertThat(sql("SELECT fingerprint FROM secrets")).matches("[0-9a-f]{64}");
        assertThat(DatabaseSecretStore.keyIdsInUse(db.open())).containsExactly(Map.entry(key.id(), 1L));
    }

    @Test
    void aChangedCiphertextIsAClearErrorNeverGarbage() {
        put(acme, "bot-token", CANARY, "olga", T0);
        db.transaction(s -> s.handle().execute(
                "UPDATE secrets SET ciphertext = set_byte(ciphertext, 3, get_byte(ciphertext, 3) # 1)"));

        assertThatThrownBy(() -> db.read(s -> store.resolve(s, acme.id(), List.of("bot-token"))))
                .isInstanceOf(SealedValueException.class)
                .hasMessage("Secret bot-token failed its integrity check: the stored ciphertext was changed, "
                        + "or it was copied from another secret or workspace.");
    }

    @Test
    void aCiphertextCopiedToAnotherRowOrWorkspaceDoesNotOpen() {
        put(acme, "admin-token", CANARY, "olga", T0);
        put(acme, "bot-token", "harmless", "olga", T0);
        put(globex, "admin-token", "globex-value", "gus", T0);
        db.transaction(s -> s.handle().execute("""
                UPDATE secrets t SET ciphertext = f.ciphertext, nonce = f.nonce, fingerprint = f.fingerprint, size = f.size
                FROM secrets f WHERE f.workspace_id = t.workspace_id AND f.name = 'admin-token' AND t.name = 'bot-token'"""));
        db.transaction(s -> s.handle().createUpdate("""
                UPDATE secrets t SET ciphertext = f.ciphertext, nonce = f.nonce
                FROM secrets f WHERE f.workspace_id = :acme AND f.name = 'admin-token'
                  AND t.workspace_id = :globex AND t.name = 'admin-token'""")
                .bind("acme", acme.id()).bind("globex", globex.id()).execute());

        assertThatThrownBy(() -> db.read(s -> store.resolve(s, acme.id(), List.of("bot-token"))))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("copied from another secret or workspace");
        assertThatThrownBy(() -> db.read(s -> store.resolve(s, globex.id(), List.of("admin-token"))))
                .isInstanceOf(SealedValueException.class).hasMessageContaining("copied from another secret or workspace");
        var untouched = db.read(s -> store.resolve(s, acme.id(), List.of("admin-token")));
        assertThat(new String(untouched.get("admin-token").bytes(), StandardCharsets.UTF_8)).isEqualTo(CANARY);
    }

    @Test
    void anotherMasterKeyNamesBothKeysAndOpensNothing() {
        put(acme, "bot-token", CANARY, "olga", T0);
        DatabaseSecretStore other = new DatabaseSecretStore(randomKey());

        assertThatThrownBy(() -> db.read(s -> other.resolve(s, acme.id(), List.of("bot-token"))))
                .isInstanceOf(SealedValueException.class)
                .hasMessageContaining("was sealed with master key " + key.id())
                .hasMessageContaining("but the server runs with master key mk-");
        var verified = db.read(s -> other.verify(s, acme.id(), "bot-token", CANARY.getBytes(StandardCharsets.UTF_8)));
        assertThat(verified.orElseThrow().matches()).as("another key cannot confirm the value either").isFalse();
    }

    @Test
    void twoFirstPutsOfOneNameAtOnceEndAsTwoVersions() throws Exception {
        CountDownLatch firstInserted = new CountDownLatch(1);
        CountDownLatch secondWaiting = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CompletableFuture<SecretStore.Change> first = CompletableFuture.supplyAsync(() -> db.transaction(s -> {
            SecretStore.Change change = store.put(s, acme.id(), "token", "first".getBytes(StandardCharsets.UTF_8), "a", T0);
            firstInserted.countDown();
            await(secondWaiting);
            return change;
        }), threads);
        assertThat(firstInserted.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<SecretStore.Change> second = CompletableFuture.supplyAsync(() -> db.transaction(s ->
                store.put(s, acme.id(), "token", "second".getBytes(StandardCharsets.UTF_8), "b", T0)), threads);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
                .equals("0")) {
            assertThat(System.nanoTime()).as("the second put waits for the first").isLessThan(deadline);
            Thread.sleep(10);
        }
        secondWaiting.countDown();

        assertThat(first.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.CREATED);
        SecretStore.Change later = second.get(30, TimeUnit.SECONDS);
        assertThat(later.outcome()).isEqualTo(Outcome.UPDATED);
        assertThat(later.metadata().version()).isEqualTo(2);
        threads.shutdown();
        var value = db.read(s -> store.resolve(s, acme.id(), List.of("token")));
        assertThat(new String(value.get("token").bytes(), StandardCharsets.UTF_8)).isEqualTo("second");
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
