package dev.roost.server.console;

import java.util.ArrayList;
import java.util.List;

/**
 * A side-by-side line diff of two texts (manifests as YAML): lines only on the left were
 * removed, lines only on the right were added, changed lines pair up on one row. Longest common
 * subsequence over lines; manifests are a few hundred lines at most.
 */
final class SideBySide {
    enum Kind { SAME, CHANGED, REMOVED, ADDED }

    /** One row; a side without a line has number 0 and null text. */
    record Row(Kind kind, int leftNumber, String left, int rightNumber, String right) {
    }

    private SideBySide() {
    }

    static List<Row> of(String before, String after) {
        String[] a = lines(before);
        String[] b = lines(after);
        int[][] common = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                common[i][j] = a[i].equals(b[j]) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<Row> rows = new ArrayList<>();
        List<Integer> removed = new ArrayList<>();
        List<Integer> added = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                flush(rows, removed, added, a, b);
                rows.add(new Row(Kind.SAME, i + 1, a[i], j + 1, b[j]));
                i++;
                j++;
            } else if (j < b.length && (i == a.length || common[i][j + 1] >= common[i + 1][j])) {
                added.add(j++);
            } else {
                removed.add(i++);
            }
        }
        flush(rows, removed, added, a, b);
        return rows;
    }

    /** Pairs a run of removed lines with the run of added lines that replaced them. */
    private static void flush(List<Row> rows, List<Integer> removed, List<Integer> added, String[] a, String[] b) {
        int n = Math.max(removed.size(), added.size());
        for (int k = 0; k < n; k++) {
            Integer l = k < removed.size() ? removed.get(k) : null;
            Integer r = k < added.size() ? added.get(k) : null;
            Kind kind = l != null && r != null ? Kind.CHANGED : l != null ? Kind.REMOVED : Kind.ADDED;
            rows.add(new Row(kind, l == null ? 0 : l + 1, l == null ? null : a[l], r == null ? 0 : r + 1, r == null ? null : b[r]));
        }
        removed.clear();
        added.clear();
    }

    private static String[] lines(String text) {
        if (text == null || text.isEmpty()) {
            return new String[0];
        }
        return text.split("\n", -1).length > 0 && text.endsWith("\n") ? text.substring(0, text.length() - 1).split("\n", -1)
                : text.split("\n", -1);
    }
}
