package dev.roost.core.manifest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Differences between two manifests: structural ({@link #between}) for APIs and audit,
 * and a unified text diff of canonical YAML ({@link #unified}) for people.
 */
public final class ManifestDiff {
    /** Pointers listed per kind in {@link #summary}; the rest are only counted. */
    static final int SUMMARY_POINTERS_PER_KIND = 50;

    /** Beyond this many line pairs the text diff stops looking for common lines. */
    private static final long MAX_LCS_CELLS = 16_000_000L;

    private ManifestDiff() {
    }

    /**
     * The changes that turn {@code older} into {@code newer}, deepest first where they
     * differ, in document order (object keys sorted, list elements by index). Lists are
     * compared index by index. Equal trees give an empty list. A null or missing
     * {@code older} gives one ADDED change at the root.
     */
    public static List<ManifestChange> between(JsonNode older, JsonNode newer) {
        List<ManifestChange> changes = new ArrayList<>();
        boolean olderAbsent = older == null || older.isMissingNode();
        boolean newerAbsent = newer == null || newer.isMissingNode();
        if (olderAbsent && newerAbsent) {
            return List.of();
        }
        if (olderAbsent) {
            return List.of(new ManifestChange(Pointers.ROOT, ManifestChange.Kind.ADDED, null, newer));
        }
        if (newerAbsent) {
            return List.of(new ManifestChange(Pointers.ROOT, ManifestChange.Kind.REMOVED, older, null));
        }
        compare(Pointers.ROOT, older, newer, changes);
        return List.copyOf(changes);
    }

    /** The changes between the canonical forms of two validated manifests. */
    public static List<ManifestChange> between(ValidatedManifest older, ValidatedManifest newer) {
        return between(older == null ? null : older.canonicalTree(), newer == null ? null : newer.canonicalTree());
    }

    private static void compare(String pointer, JsonNode before, JsonNode after, List<ManifestChange> changes) {
        if (before.equals(after)) {
            return;
        }
        if (before.isObject() && after.isObject()) {
            TreeSet<String> keys = new TreeSet<>(before.propertyNames());
            keys.addAll(after.propertyNames());
            for (String key : keys) {
                String child = Pointers.child(pointer, key);
                JsonNode b = before.get(key);
                JsonNode a = after.get(key);
                if (b == null) {
                    changes.add(new ManifestChange(child, ManifestChange.Kind.ADDED, null, a));
                } else if (a == null) {
                    changes.add(new ManifestChange(child, ManifestChange.Kind.REMOVED, b, null));
                } else {
                    compare(child, b, a, changes);
                }
            }
            return;
        }
        if (before.isArray() && after.isArray()) {
            int common = Math.min(before.size(), after.size());
            for (int i = 0; i < common; i++) {
                compare(Pointers.index(pointer, i), before.get(i), after.get(i), changes);
            }
            for (int i = common; i < before.size(); i++) {
                changes.add(new ManifestChange(Pointers.index(pointer, i), ManifestChange.Kind.REMOVED, before.get(i), null));
            }
            for (int i = common; i < after.size(); i++) {
                changes.add(new ManifestChange(Pointers.index(pointer, i), ManifestChange.Kind.ADDED, null, after.get(i)));
            }
            return;
        }
        changes.add(new ManifestChange(pointer, ManifestChange.Kind.CHANGED, before, after));
    }

    /**
     * A compact description of changes for an audit entry: counts and the pointers per kind
     * (at most {@value #SUMMARY_POINTERS_PER_KIND} each), never the values. Keys:
     * {@code changes} (total), {@code added}, {@code removed}, {@code changed} (lists of
     * pointers, present only when not empty) and {@code truncated} (true when a list was cut).
     */
    public static Map<String, Object> summary(List<ManifestChange> changes) {
        Map<ManifestChange.Kind, List<String>> byKind = new LinkedHashMap<>();
        for (ManifestChange.Kind kind : ManifestChange.Kind.values()) {
            byKind.put(kind, new ArrayList<>());
        }
        boolean truncated = false;
        for (ManifestChange change : changes) {
            List<String> pointers = byKind.get(change.kind());
            if (pointers.size() < SUMMARY_POINTERS_PER_KIND) {
                pointers.add(change.pointer());
            } else {
                truncated = true;
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("changes", changes.size());
        byKind.forEach((kind, pointers) -> {
            if (!pointers.isEmpty()) {
                summary.put(kind.name().toLowerCase(Locale.ROOT), List.copyOf(pointers));
            }
        });
        if (truncated) {
            summary.put("truncated", true);
        }
        return Collections.unmodifiableMap(summary);
    }

    /**
     * A unified diff (as {@code diff -u} prints it, three lines of context) of two texts,
     * typically canonical YAML. Empty when the texts are equal.
     */
    public static String unified(String olderText, String newerText, String labelA, String labelB) {
        List<String> a = lines(olderText);
        List<String> b = lines(newerText);
        if (a.equals(b)) {
            return "";
        }
        List<Edit> edits = edits(a, b);
        StringBuilder out = new StringBuilder();
        out.append("--- ").append(labelA).append('\n');
        out.append("+++ ").append(labelB).append('\n');
        int context = 3;
        int i = 0;
        while (i < edits.size()) {
            // find the next change
            int start = i;
            while (start < edits.size() && edits.get(start).op == ' ') {
                start++;
            }
            if (start == edits.size()) {
                break;
            }
            int hunkStart = Math.max(i, start - context);
            // extend the hunk while changes are within 2*context of each other
            int end = start;
            int lastChange = start;
            while (end < edits.size()) {
                if (edits.get(end).op != ' ') {
                    lastChange = end;
                } else if (end - lastChange > 2 * context) {
                    break;
                }
                end++;
            }
            int hunkEnd = Math.min(edits.size(), lastChange + context + 1);
            appendHunk(out, edits.subList(hunkStart, hunkEnd));
            i = hunkEnd;
        }
        return out.toString();
    }

    private record Edit(char op, String line, int lineA, int lineB) {
    }

    private static void appendHunk(StringBuilder out, List<Edit> hunk) {
        int startA = -1;
        int startB = -1;
        int countA = 0;
        int countB = 0;
        for (Edit edit : hunk) {
            if (edit.op != '+') {
                if (startA < 0) {
                    startA = edit.lineA;
                }
                countA++;
            }
            if (edit.op != '-') {
                if (startB < 0) {
                    startB = edit.lineB;
                }
                countB++;
            }
        }
        // diff -u convention: an empty range is written as the line before it
        if (startA < 0) {
            startA = hunk.get(0).lineA - 1;
        }
        if (startB < 0) {
            startB = hunk.get(0).lineB - 1;
        }
        out.append("@@ -").append(range(startA, countA)).append(" +").append(range(startB, countB)).append(" @@\n");
        for (Edit edit : hunk) {
            out.append(edit.op).append(edit.line).append('\n');
        }
    }

    private static String range(int start, int count) {
        return count == 1 ? Integer.toString(start) : start + "," + count;
    }

    /**
     * Edit script from a longest common subsequence of lines, after trimming the common
     * prefix and suffix. Each edit carries the 1-based line numbers it is at in a and b.
     */
    private static List<Edit> edits(List<String> a, List<String> b) {
        int prefix = 0;
        while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < a.size() - prefix && suffix < b.size() - prefix
                && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
            suffix++;
        }
        List<String> midA = a.subList(prefix, a.size() - suffix);
        List<String> midB = b.subList(prefix, b.size() - suffix);
        List<Edit> edits = new ArrayList<>();
        for (int k = 0; k < prefix; k++) {
            edits.add(new Edit(' ', a.get(k), k + 1, k + 1));
        }
        int n = midA.size();
        int m = midB.size();
        if ((long) n * m > MAX_LCS_CELLS) {
            for (int k = 0; k < n; k++) {
                edits.add(new Edit('-', midA.get(k), prefix + k + 1, prefix + 1));
            }
            for (int k = 0; k < m; k++) {
                edits.add(new Edit('+', midB.get(k), prefix + n + 1, prefix + k + 1));
            }
        } else {
            int[][] lcs = new int[n + 1][m + 1];
            for (int x = n - 1; x >= 0; x--) {
                for (int y = m - 1; y >= 0; y--) {
                    lcs[x][y] = midA.get(x).equals(midB.get(y)) ? lcs[x + 1][y + 1] + 1 : Math.max(lcs[x + 1][y], lcs[x][y + 1]);
                }
            }
            int x = 0;
            int y = 0;
            while (x < n || y < m) {
                if (x < n && y < m && midA.get(x).equals(midB.get(y))) {
                    edits.add(new Edit(' ', midA.get(x), prefix + x + 1, prefix + y + 1));
                    x++;
                    y++;
                } else if (x < n && (y == m || lcs[x + 1][y] >= lcs[x][y + 1])) {
                    edits.add(new Edit('-', midA.get(x), prefix + x + 1, prefix + y + 1));
                    x++;
                } else {
                    edits.add(new Edit('+', midB.get(y), prefix + x + 1, prefix + y + 1));
                    y++;
                }
            }
        }
        for (int k = 0; k < suffix; k++) {
            int ia = a.size() - suffix + k;
            int ib = b.size() - suffix + k;
            edits.add(new Edit(' ', a.get(ia), ia + 1, ib + 1));
        }
        return edits;
    }

    private static List<String> lines(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return List.of(body.split("\n", -1));
    }
}
