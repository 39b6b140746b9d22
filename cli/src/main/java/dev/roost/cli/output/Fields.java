package dev.roost.cli.output;

import java.util.ArrayList;
import java.util.List;

/** One resource as "Label:  value" lines with the values aligned. Empty values print as "-". */
public final class Fields {
    private final List<String[]> lines = new ArrayList<>();

    public Fields add(String label, Object value) {
        String text = value == null ? "" : value.toString();
        lines.add(new String[] {label + ":", text.isBlank() ? "-" : text});
        return this;
    }

    public String render() {
        int width = lines.stream().mapToInt(l -> l[0].length()).max().orElse(0);
        StringBuilder out = new StringBuilder();
        for (String[] line : lines) {
            out.append(line[0]).append(" ".repeat(width - line[0].length() + 2)).append(line[1]).append('\n');
        }
        return out.toString();
    }
}
