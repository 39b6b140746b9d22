package dev.roost.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbeddedDatabaseTest {
    @Test
    void theDurableEmbeddedServerSyncsToDisk() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "test-postgres")), "durable-");
        try (EmbeddedDatabase embedded = EmbeddedDatabase.start(dir, true);
                Database db = Database.connect(embedded.connectionSettings(2))) {
            for (String setting : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
                String value = db.read(s -> s.handle().createQuery("SHOW " + setting).mapTo(String.class).one());
                assertThat(value).as(setting).isEqualTo("on");
            }
        }
    }

    @Test
    void wrongCredentialsFailAtOnceWithAReadableMessage() {
        ConnectionSettings good = dev.roost.store.testing.TestPostgres.get().newEmptyDatabase();
        ConnectionSettings bad = new ConnectionSettings(good.jdbcUrl().replaceAll("/roost_empty_[0-9_]+", "/no_such_database"),
                good.username(), null, 2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Database.connect(bad))
                .isInstanceOf(DatabaseUnavailableException.class)
                // the direct check answered, not the pool after its retry period
                .hasMessageContaining("Check the user, password and database name");
    }
}
