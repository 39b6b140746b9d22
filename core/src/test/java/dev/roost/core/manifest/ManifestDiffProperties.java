package dev.roost.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A diff is empty exactly when nothing changed, and names exactly the places that did. */
class ManifestDiffProperties {

    @Provide
    Arbitrary<JsonNode> trees() {
        return JsonArbitraries.trees(4);
    }

    @Property(tries = 300)
    void aTreeDoesNotDifferFromACopyOfItself(@ForAll("trees") JsonNode tree) {
        assertThat(ManifestDiff.between(tree, tree.deepCopy())).isEmpty();
    }

    @Property(tries = 300)
    void changingLeavesAndAddingKeysIsReportedExactlyThere(
            @ForAll("canonicalTrees") JsonNode before,
            @ForAll("selectors") List<Integer> leafSelectors,
            @ForAll("selectors") List<Integer> objectSelectors) {
        JsonNode after = before.deepCopy();
        List<String> leaves = JsonArbitraries.pointers(before).stream().filter(p -> before.at(p).isValueNode()).toList();
        List<String> objects = JsonArbitraries.pointers(before).stream().filter(p -> before.at(p).isObject()).toList();
        Set<String> expectedChanged = new TreeSet<>();
        Set<String> expectedAdded = new TreeSet<>();
        for (int selector : leafSelectors) {
            String pointer = leaves.get(Math.floorMod(selector, leaves.size()));
            if (expectedChanged.add(pointer)) {
                Trees.set(after, pointer, "changed " + pointer);
            }
        }
        for (int selector : objectSelectors) {
            String pointer = objects.get(Math.floorMod(selector, objects.size()));
            if (expectedAdded.add(pointer + "/zz-new")) {
                ((ObjectNode) after.at(JsonPointer.compile(pointer))).put("zz-new", selector);
            }
        }
        List<ManifestChange> changes = ManifestDiff.between(before, after);
        List<String> changed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (ManifestChange change : changes) {
            switch (change.kind()) {
                case CHANGED -> changed.add(change.pointer());
                case ADDED -> added.add(change.pointer());
                case REMOVED -> throw new AssertionError("nothing was removed, yet " + change.pointer() + " is reported removed");
            }
            assertThat(change.after()).isEqualTo(after.at(change.pointer()));
        }
        assertThat(changed).containsExactlyInAnyOrderElementsOf(expectedChanged);
        assertThat(added).containsExactlyInAnyOrderElementsOf(expectedAdded);
        assertThat(ManifestDiff.between(after, before)).hasSize(changes.size());
    }

    @Provide
    Arbitrary<JsonNode> canonicalTrees() {
        return Arbitraries.of("full.yaml", "minimal.yaml").map(name -> ManifestValidator.validate(ManifestFixtures.tree(name)).canonicalTree());
    }

    @Provide
    Arbitrary<List<Integer>> selectors() {
        return Arbitraries.integers().between(0, 1000).list().ofMaxSize(6);
    }

    @Property(tries = 200)
    void theTextDiffOfEqualTextsIsEmptyAndOfDifferentTextsIsNot(@ForAll("lines") List<String> a, @ForAll("lines") List<String> b) {
        String textA = String.join("\n", a);
        String textB = String.join("\n", b);
        String diff = ManifestDiff.unified(textA, textB, "a", "b");
        if (textA.equals(textB)) {
            assertThat(diff).isEmpty();
        } else if (!a.equals(b)) {
            assertThat(diff).startsWith("--- a\n+++ b\n@@ ");
            // applying the diff's '-' and '+' lines in order reproduces b from a
            assertThat(apply(a, diff)).isEqualTo(b);
        }
    }

    @Provide
    Arbitrary<List<String>> lines() {
        return Arbitraries.of("a", "b", "c", "d", "spec:", "  x: 1").list().ofMaxSize(25);
    }

    /** Applies a unified diff produced by ManifestDiff to the lines it was made from. */
    private static List<String> apply(List<String> original, String diff) {
        List<String> result = new ArrayList<>();
        int next = 0;
        String[] lines = diff.split("\n", -1);
        for (int i = 2; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("@@")) {
                String range = line.substring(4, line.indexOf(' ', 4));
                int start = Integer.parseInt(range.split(",")[0]);
                int count = range.contains(",") ? Integer.parseInt(range.split(",")[1]) : 1;
                int from = count == 0 ? start : start - 1;
                while (next < from) {
                    result.add(original.get(next++));
                }
            } else if (line.startsWith("-")) {
                next++;
            } else if (line.startsWith("+")) {
                result.add(line.substring(1));
            } else if (line.startsWith(" ")) {
                result.add(original.get(next++));
            }
        }
        while (next < original.size()) {
            result.add(original.get(next++));
        }
        return result;
    }
}
