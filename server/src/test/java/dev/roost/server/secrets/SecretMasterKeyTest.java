package dev.roost.server.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.secret.MasterKey;
import dev.roost.core.secret.SecretValue;
import dev.roost.server.config.RoostConfig;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.TestRoost;
import dev.roost.store.testing.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The master key across restarts: generated once, kept private, and never swapped silently. */
class SecretMasterKeyTest {
    private static final String VALUE = "value-sealed-before-the-restart";
    private Path home;
    private String databaseUrl;

    @BeforeEach
    void freshHomeAndDatabase() throws IOException {
        home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-homes")), "master-key-");
        databaseUrl = TestPostgres.get().newDatabaseUrl();
    }

    private TestRoost start(UnaryOperator<RoostConfig> tweak) {
        return TestRoost.startOn(home, databaseUrl, tweak);
    }

    /** Starts, stores one secret, stops. */
    private void storeASecret(UnaryOperator<RoostConfig> tweak) {
        try (TestRoost roost = start(tweak)) {
            roost.createWorkspace("acme", "team");
            assertThat(roost.admin().put("/api/v1/workspaces/acme/secrets/token", Map.of("value", VALUE)).status()).isEqualTo(201);
        }
    }

    /** Whether the secret stored before the restart still opens, through the API and for the runtime. */
    private static boolean opens(TestRoost roost) {
        ApiClient admin = roost.admin();
        boolean confirmed = admin.post("/api/v1/workspaces/acme/secrets/token/verify", Map.of("value", VALUE)).json()
                .get("matches").asBoolean();
        Map<String, SecretValue> resolved = roost.server().database().read(s -> roost.server().secrets()
                .resolve(s, s.workspaces().findByName("acme").orElseThrow().id(), List.of("token")));
        try (SecretValue value = resolved.get("token")) {
            return confirmed && new String(value.chars()).equals(VALUE);
        }
    }

    private Path keyFile(String name, String content) throws IOException {
        Path file = home.resolveSibling(home.getFileName() + "-" + name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static byte[] randomKey() {
        byte[] key = new byte[MasterKey.LENGTH];
        new SecureRandom().nextBytes(key);
        return key;
    }

    private String homeKeyId() throws IOException {
        return MasterKey.of(Base64.getDecoder().decode(Files.readString(home.resolve("keys/master.key")).strip())).id();
    }

    @Test
    void theFirstStartGeneratesAKeyOnlyTheServerUserCanReadAndRestartsKeepUsingIt() throws IOException {
        storeASecret(c -> c);
        Path file = home.resolve("keys/master.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(Base64.getDecoder().decode(Files.readString(file).strip())).hasSize(32);
        String before = Files.readString(file);

        try (TestRoost again = start(c -> c)) {
            assertThat(opens(again)).isTrue();
        }
        assertThat(Files.readString(file)).as("a restart does not replace the key").isEqualTo(before);
    }

    @Test
    void aRestartWithAnotherKeyFailsNamingTheKeyTheSecretsNeed() throws IOException {
        storeASecret(c -> c);
        String expected = homeKeyId();
        byte[] other = randomKey();
        Path otherFile = keyFile("other.key", Base64.getEncoder().encodeToString(other));

        assertThatThrownBy(() -> start(c -> c.withMasterKeyFile(otherFile)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Stored secrets were sealed with master key " + expected + " (1 secret), but the key loaded from "
                        + otherFile.toAbsolutePath() + " is " + MasterKey.of(other).id() + ". Start Roost with master key "
                        + expected + ": restore " + otherFile.toAbsolutePath() + " from your backup, or set ROOST_MASTER_KEY_FILE "
                        + "to the file holding it. Changing the master key (rotation) is not supported yet.");

        // The same when the home's own key file was replaced.
        Path homeFile = home.resolve("keys/master.key");
        String original = Files.readString(homeFile);
        Files.writeString(homeFile, HexFormat.of().formatHex(other));
        assertThatThrownBy(() -> start(c -> c)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sealed with master key " + expected)
                .hasMessageNotContaining(HexFormat.of().formatHex(other));

        // Nothing was lost: with the right key back, everything opens.
        Files.writeString(homeFile, original);
        try (TestRoost restored = start(c -> c)) {
            assertThat(opens(restored)).isTrue();
        }
    }

    @Test
    void aLostKeyFileIsNotSilentlyReplacedByANewKey() throws IOException {
        storeASecret(c -> c);
        String expected = homeKeyId();
        Path file = home.resolve("keys/master.key");
        Files.delete(file);

        assertThatThrownBy(() -> start(c -> c)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("The master key file " + file.toAbsolutePath() + " is missing, but the database holds "
                        + "1 secret sealed with master key " + expected + ". Roost does not generate a new key now")
                .hasMessageContaining("from your backup");
        assertThat(file).doesNotExist();
    }

    @Test
    void anOperatorsKeyFileIsUsedInsteadOfTheHome() throws IOException {
        byte[] key = randomKey();
        Path file = keyFile("operator.key", HexFormat.of().formatHex(key) + "\n");
        storeASecret(c -> c.withMasterKeyFile(file));

        assertThat(home.resolve("keys/master.key")).doesNotExist();
        try (TestRoost again = start(c -> c.withMasterKeyFile(file))) {
            assertThat(opens(again)).isTrue();
            String stored = again.server().database().read(s -> s.handle().createQuery("SELECT key_id FROM secrets")
                    .mapTo(String.class).one());
            assertThat(stored).isEqualTo(MasterKey.of(key).id());
        }
        assertThat(RoostConfig.fromEnvironment(Map.of("ROOST_MASTER_KEY_FILE", "keys/m.key")).masterKeyFile())
                .isEqualTo(Path.of("keys/m.key").toAbsolutePath());
        assertThat(RoostConfig.fromEnvironment(Map.of()).masterKeyFile()).isNull();
    }

    @Test
    void aBadKeyFileStopsTheStartWithoutQuotingIt() throws IOException {
        Path garbage = keyFile("garbage.key", "not a key: canary-in-the-key-file");
        assertThatThrownBy(() -> start(c -> c.withMasterKeyFile(garbage)))
                .hasMessageContaining("does not hold a key")
                .hasMessageContaining("openssl rand -base64 32")
                .hasMessageNotContaining("canary-in-the-key-file");
        Path tooShort = keyFile("short.key", Base64.getEncoder().encodeToString(new byte[16]));
        assertThatThrownBy(() -> start(c -> c.withMasterKeyFile(tooShort))).hasMessageContaining("is 16 bytes long");
        Path missing = home.resolveSibling("no-such.key");
        assertThatThrownBy(() -> start(c -> c.withMasterKeyFile(missing)))
                .hasMessage("ROOST_MASTER_KEY_FILE names " + missing.toAbsolutePath() + ", which does not exist or cannot be read.");
        assertThat(home.resolve("keys/master.key")).as("no key is generated when the operator named one").doesNotExist();
    }
}
