package dev.roost.store.instances;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.instance.Instance;
import dev.roost.core.instance.ManifestVersion;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.Database;
import dev.roost.store.Rows;
import dev.roost.store.testing.TestPostgres;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InstanceRepositoryTest {
    private Database db;
    private Workspace acme;

    @BeforeEach
    void setUp() {
        db = TestPostgres.get().newDatabase();
        db.transaction(s -> {
            s.plans().create(dev.roost.core.workspace.Plan.builtIn().get(1), true);
            return null;
        });
        acme = db.transaction(s -> s.workspaces().create("acme", "Acme", "team", null, Workspace.DEFAULT_ENVIRONMENTS));
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private static InstanceRepository.Summary summary(String env, Map<String, String> labels) {
        return new InstanceRepository.Summary(env, labels, "registry.example/bot:1.0", 500, 256L << 20, 2, null);
    }

    private Instance create(String name, String env, Map<String, String> labels) {
        return db.transaction(s -> {
            Instance i = s.instances().create(acme.id(), name, summary(env, labels), "alice");
            s.manifests().append(new ManifestVersion(i.id(), 1, "{\"name\":\"" + name + "\"}", "h1", "apply", List.of(), "alice",
                    Rows.now()));
            return i;
        });
    }

    @Test
    void listsLiveInstancesByNameWithFiltersAndKeysetPages() {
        for (int i = 0; i < 7; i++) {
            create("bot-" + i, i % 2 == 0 ? "prod" : "dev", Map.of("team", i < 3 ? "a" : "b"));
        }
        List<Instance> page1 = db.read(s -> s.instances().list(acme.id(), null, null, null, 3));
        assertThat(page1).extracting(Instance::name).containsExactly("bot-0", "bot-1", "bot-2");
        List<Instance> page2 = db.read(s -> s.instances().list(acme.id(), null, null, "bot-2", 3));
        assertThat(page2).extracting(Instance::name).containsExactly("bot-3", "bot-4", "bot-5");
        List<Instance> filtered = db.read(s -> s.instances().list(acme.id(), "prod", Map.of("team", "b"), null, 10));
        assertThat(filtered).extracting(Instance::name).containsExactly("bot-4", "bot-6");
        assertThat(page1.get(0).labels()).containsEntry("team", "a");
        assertThat(page1.get(0).workspace()).isEqualTo("acme");
    }

    @Test
    void usageCountsLiveInstancesTimesReplicasAndCanExcludeOne() {
        Instance a = create("a", "prod", Map.of());
        create("b", "prod", Map.of());
        InstanceRepository.Usage all = db.read(s -> s.instances().usage(acme.id(), null));
        assertThat(all).isEqualTo(new InstanceRepository.Usage(2, 2 * 2 * 500, 2 * 2 * (256L << 20)));
        assertThat(db.read(s -> s.instances().usage(acme.id(), a.id())).instances()).isEqualTo(1);
    }

    @Test
    void namesAreUniqueAmongLiveInstancesAndDeletionFreesTheName() {
        Instance first = create("bot", "prod", Map.of());
        assertThatThrownBy(() -> create("bot", "prod", Map.of()))
                .isInstanceOfSatisfying(RoostException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
        db.transaction(s -> {
            s.instances().markDeleted(first.id(), Rows.now());
            return null;
        });
        Instance second = create("bot", "prod", Map.of());
        assertThat(second.id()).isNotEqualTo(first.id());
        // The deleted instance keeps its history.
        List<ManifestVersion> history = db.read(s -> s.manifests().list(first.id()));
        assertThat(history).hasSize(1);
    }

    @Test
    void manifestVersionsCannotBeChangedOrRemoved() {
        Instance bot = create("bot", "prod", Map.of());
        assertThatThrownBy(() -> db.transaction(s -> s.handle().execute("UPDATE manifest_versions SET sha256 = 'x'")))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.transaction(s -> s.handle().execute("DELETE FROM manifest_versions")))
                .hasMessageContaining("append-only");
        assertThat(db.read(s -> s.manifests().find(bot.id(), 1)).orElseThrow().manifestJson()).contains("bot");
    }

    @Test
    void tagsNameVersionsAndCanMove() {
        Instance bot = create("bot", "prod", Map.of());
        db.transaction(s -> {
            s.manifests().append(new ManifestVersion(bot.id(), 2, "{}", "h2", "apply", List.of("w"), "bob", Rows.now()));
            return null;
        });
        Optional<Integer> before = db.transaction(s -> s.manifests().putTag(bot.id(), "stable", 1, "alice"));
        assertThat(before).isEmpty();
        Optional<Integer> moved = db.transaction(s -> s.manifests().putTag(bot.id(), "stable", 2, "alice"));
        assertThat(moved).contains(1);
        Optional<Integer> resolved = db.read(s -> s.manifests().resolveTag(bot.id(), "stable"));
        assertThat(resolved).contains(2);
        Map<String, Integer> tags = db.read(s -> s.manifests().tags(bot.id()));
        assertThat(tags).containsEntry("stable", 2);
        assertThatThrownBy(() -> db.transaction(s -> s.manifests().putTag(bot.id(), "broken", 9, "alice")))
                .as("a tag must name an existing version").isNotNull();
        boolean deleted = db.transaction(s -> s.manifests().deleteTag(bot.id(), "stable"));
        assertThat(deleted).isTrue();
        List<ManifestVersion> versions = db.read(s -> s.manifests().list(bot.id()));
        assertThat(versions).extracting(ManifestVersion::version).containsExactly(1, 2);
    }

    @Test
    void findForUpdateSeesOnlyLiveInstances() {
        Instance bot = create("bot", "prod", Map.of());
        Optional<Instance> locked = db.transaction(s -> s.instances().findForUpdate(acme.id(), "bot"));
        assertThat(locked).isPresent();
        db.transaction(s -> {
            s.instances().markDeleted(bot.id(), Rows.now());
            return null;
        });
        Optional<Instance> gone = db.transaction(s -> s.instances().findForUpdate(acme.id(), "bot"));
        assertThat(gone).isEmpty();
        assertThat(db.read(s -> s.instances().findById(bot.id())).orElseThrow().status().name()).isEqualTo("DELETING");
    }
}
