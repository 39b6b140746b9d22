package dev.roost.core.manifest;

import static dev.roost.core.manifest.Trees.remove;
import static dev.roost.core.manifest.Trees.set;
import static dev.roost.core.manifest.Trees.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class ManifestDiffTest {

    @Test
    void aManifestDoesNotDifferFromItself() {
        ValidatedManifest v = ManifestValidator.validate(ManifestFixtures.full());
        assertThat(ManifestDiff.between(v, v)).isEmpty();
        assertThat(ManifestDiff.unified(v.canonicalYaml(), v.canonicalYaml(), "a", "b")).isEmpty();
    }

    @Test
    void changesAreListedByPointerInDocumentOrder() {
        ObjectNode before = ManifestFixtures.full();
        ObjectNode after = ManifestFixtures.full();
        set(after, "/spec/runtime/image", "ghcr.io/acme/bot:1.5.0");
        set(after, "/metadata/labels/tier", "gold");
        remove(after, "/metadata/annotations");
        set(after, "/spec/network/egressAllow/1", "api.example.com");
        List<ManifestChange> changes = ManifestDiff.between(before, after);
        assertThat(changes).extracting(ManifestChange::pointer, ManifestChange::kind).containsExactly(
                org.assertj.core.groups.Tuple.tuple("/metadata/annotations", ManifestChange.Kind.REMOVED),
                org.assertj.core.groups.Tuple.tuple("/metadata/labels/tier", ManifestChange.Kind.ADDED),
                org.assertj.core.groups.Tuple.tuple("/spec/network/egressAllow/1", ManifestChange.Kind.ADDED),
                org.assertj.core.groups.Tuple.tuple("/spec/runtime/image", ManifestChange.Kind.CHANGED));
        ManifestChange image = changes.get(3);
        assertThat(image.before().stringValue()).isEqualTo("ghcr.io/acme/bot:1.4.2");
        assertThat(image.after().stringValue()).isEqualTo("ghcr.io/acme/bot:1.5.0");
    }

    @Test
    void aChangeOfKindIsOneChangeAtThatPointer() {
        ObjectNode before = set(ManifestFixtures.minimal(), "/spec/runtime/cpu", "1");
        ObjectNode after = set(ManifestFixtures.minimal(), "/spec/runtime/cpu", yaml("{a: 1}"));
        assertThat(ManifestDiff.between(before, after)).singleElement()
                .satisfies(c -> assertThat(c.pointer()).isEqualTo("/spec/runtime/cpu"));
    }

    @Test
    void keysWithSlashesAreEscapedInPointers() {
        ObjectNode before = ManifestFixtures.full();
        ObjectNode after = set(ManifestFixtures.full(), "/metadata/labels/app.kubernetes.io~1name", "other");
        assertThat(ManifestDiff.between(before, after)).extracting(ManifestChange::pointer)
                .containsExactly("/metadata/labels/app.kubernetes.io~1name");
    }

    @Test
    void creatingIsOneAdditionAtTheRoot() {
        assertThat(ManifestDiff.between(null, ManifestFixtures.minimal())).singleElement()
                .satisfies(c -> {
                    assertThat(c.pointer()).isEmpty();
                    assertThat(c.kind()).isEqualTo(ManifestChange.Kind.ADDED);
                });
    }

    @Test
    void theSummaryHasPointersButNoValues() {
        ObjectNode before = ManifestFixtures.full();
        ObjectNode after = set(set(ManifestFixtures.full(), "/spec/runtime/image", "ghcr.io/acme/bot:9.9.9"), "/metadata/labels/x", "y");
        Map<String, Object> summary = ManifestDiff.summary(ManifestDiff.between(before, after));
        assertThat(summary).containsEntry("changes", 2)
                .containsEntry("added", List.of("/metadata/labels/x"))
                .containsEntry("changed", List.of("/spec/runtime/image"))
                .doesNotContainKey("removed")
                .doesNotContainKey("truncated");
        assertThat(summary.toString()).doesNotContain("9.9.9");
    }

    @Test
    void theSummaryIsCappedForHugeChanges() {
        ObjectNode before = ManifestFixtures.minimal();
        ObjectNode after = ManifestFixtures.minimal();
        for (int i = 0; i < 120; i++) {
            set(after, "/metadata/annotations/k" + i, "v");
        }
        Map<String, Object> summary = ManifestDiff.summary(ManifestDiff.between(before, after));
        assertThat(summary).containsEntry("changes", 1).containsKey("added");
        Map<String, Object> many = ManifestDiff.summary(ManifestDiff.between(set(ManifestFixtures.minimal(), "/metadata/annotations", yaml("{}")), after));
        assertThat(many.get("changes")).isEqualTo(120);
        assertThat((List<?>) many.get("added")).hasSize(ManifestDiff.SUMMARY_POINTERS_PER_KIND);
        assertThat(many).containsEntry("truncated", true);
    }

    @Test
    void unifiedDiffLooksLikeDiffU() {
        // expected outputs are what GNU diff -u prints for the same inputs
        assertThat(ManifestDiff.unified("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n", "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\nm\n",
                "v1", "v2")).isEqualTo("""
                --- v1
                +++ v2
                @@ -1,5 +1,5 @@
                 a
                -b
                +B
                 c
                 d
                 e
                @@ -9,5 +9,5 @@
                 i
                 j
                 k
                -l
                +L
                 m
                """);
    }

    @Test
    void changesCloseTogetherShareOneHunk() {
        assertThat(ManifestDiff.unified("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\nk\n", "v1", "v2"))
                .isEqualTo("""
                        --- v1
                        +++ v2
                        @@ -1,10 +1,11 @@
                         a
                         b
                         c
                        -d
                        +D
                         e
                         f
                         g
                         h
                         i
                         j
                        +k
                        """);
    }

    @Test
    void unifiedDiffOfCanonicalYamlShowsTheChangedLine() {
        ValidatedManifest before = ManifestValidator.validate(ManifestFixtures.full());
        ValidatedManifest after = ManifestValidator.validate(set(ManifestFixtures.full(), "/spec/runtime/replicas", 0));
        String diff = ManifestDiff.unified(before.canonicalYaml(), after.canonicalYaml(), "support-bot@3", "support-bot@4");
        assertThat(diff).startsWith("--- support-bot@3\n+++ support-bot@4\n@@ ");
        assertThat(diff).contains("\n-    replicas: 1\n+    replicas: 0\n");
    }

    @Test
    void unifiedDiffFromAndToNothing() {
        assertThat(ManifestDiff.unified("", "a\nb\n", "none", "new")).isEqualTo("--- none\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n");
        assertThat(ManifestDiff.unified("a\nb\n", "", "old", "none")).isEqualTo("--- old\n+++ none\n@@ -1,2 +0,0 @@\n-a\n-b\n");
    }
}
