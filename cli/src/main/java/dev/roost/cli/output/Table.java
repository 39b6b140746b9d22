package dev.roost.cli.output;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Rows under upper-case headers, in columns aligned with spaces, without borders. Empty cells print as "-". */
public final class Table {
    private static final String GAP = "   ";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    private Table(List<String> headers) {
        this.headers = headers;
    }

    public static Table of(String... headers) {
        return new Table(Arrays.stream(headers).map(String::toUpperCase).toList());
    }

    public Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("expected " + headers.size() + " cells, got " + cells.length);
        }
        rows.add(Arrays.stream(cells).map(Table::cell).toList());
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public String render() {
        return render("");
    }

    /** The table with every line indented by {@code indent}. */
    public String render(String indent) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, indent, headers, widths);
        for (List<String> row : rows) {
            line(out, indent, row, widths);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String indent, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder(indent);
        for (int i = 0; i < cells.size(); i++) {
            line.append(cells.get(i));
            if (i < cells.size() - 1) {
                line.append(" ".repeat(widths[i] - cells.get(i).length())).append(GAP);
            }
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    /** At most {@code max} characters of {@code text}, marked with "..." when cut. */
    public static String shorten(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max - 3).stripTrailing() + "...";
    }

    private static String cell(Object value) {
        if (value == null) {
            return "-";
        }
        String text = value.toString().replace('\n', ' ').replace('\t', ' ');
        return text.isBlank() ? "-" : text;
    }
}
