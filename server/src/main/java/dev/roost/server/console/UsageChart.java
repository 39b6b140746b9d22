package dev.roost.server.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A stacked bar chart drawn on the server as inline SVG: one bar per day, one colour per series
 * (the largest series by total, the rest as "other"). No script, no style attribute (colours come
 * from the style sheet's {@code .series-N} classes), a {@code <title>} on each bar part for the
 * exact figure, and a legend in words; the page shows the same figures as a table too.
 */
final class UsageChart {
    static final int MAX_SERIES = 6;
    private static final int WIDTH = 720;
    private static final int HEIGHT = 220;
    private static final int LEFT = 56;
    private static final int BOTTOM = 24;
    private static final int TOP = 10;

    private UsageChart() {
    }

    /** One figure: a series (a model, a key …), a day (yyyy-MM-dd) and its value. */
    record Point(String series, String day, long value) {
    }

    /**
     * {@code days}: every day of the range in order (days without points get no bar). {@code id}
     * names the chart for its accessible label; {@code unit} follows every figure ("tokens").
     */
    static Html of(String id, String label, List<String> days, List<Point> points, String unit) {
        Map<String, Long> totals = new LinkedHashMap<>();
        for (Point p : points) {
            totals.merge(p.series(), p.value(), Long::sum);
        }
        List<String> ranked = totals.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).toList();
        List<String> series = new ArrayList<>(ranked.subList(0, Math.min(ranked.size(), ranked.size() > MAX_SERIES ? MAX_SERIES - 1
                : MAX_SERIES)));
        boolean other = ranked.size() > series.size();
        if (other) {
            series.add("other");
        }
        Map<String, long[]> byDay = new LinkedHashMap<>();
        for (String day : days) {
            byDay.put(day, new long[series.size()]);
        }
        for (Point p : points) {
            long[] row = byDay.get(p.day());
            if (row == null) {
                continue;
            }
            int index = series.indexOf(p.series());
            if (index < 0 && !other) {
                continue; // a series without any value
            }
            row[index < 0 ? series.size() - 1 : index] += p.value();
        }
        long max = byDay.values().stream().mapToLong(r -> java.util.Arrays.stream(r).sum()).max().orElse(0);
        if (max == 0) {
            return Html.of("<p class=\"muted\" id=\"{}\">No {} in this period.</p>", id, unit);
        }
        long scale = niceCeiling(max);
        double plotHeight = HEIGHT - TOP - BOTTOM;
        double slot = (WIDTH - LEFT - 8) / (double) Math.max(1, days.size());
        double barWidth = Math.max(2, slot * 0.7);
        StringBuilder bars = new StringBuilder();
        int labelEvery = Math.max(1, (int) Math.ceil(days.size() / 8.0));
        int i = 0;
        for (var entry : byDay.entrySet()) {
            double x = LEFT + i * slot + (slot - barWidth) / 2;
            double y = HEIGHT - BOTTOM;
            long[] values = entry.getValue();
            for (int s = 0; s < values.length; s++) {
                if (values[s] == 0) {
                    continue;
                }
                double h = values[s] / (double) scale * plotHeight;
                y -= h;
                bars.append(Html.of("<rect class=\"series-{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} · {}: {} {}</title></rect>",
                        s, fmt(x), fmt(y), fmt(barWidth), fmt(Math.max(h, 0.5)), entry.getKey(), series.get(s), group(values[s]), unit));
            }
            if (i % labelEvery == 0) {
                bars.append(Html.of("<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", fmt(x + barWidth / 2),
                        HEIGHT - 6, entry.getKey().length() >= 10 ? entry.getKey().substring(5) : entry.getKey()));
            }
            i++;
        }
        StringBuilder grid = new StringBuilder();
        for (int g = 0; g <= 4; g++) {
            double y = HEIGHT - BOTTOM - g * plotHeight / 4;
            grid.append(Html.of("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"></line>", LEFT, WIDTH - 4, fmt(y), fmt(y)));
            grid.append(Html.of("<text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", LEFT - 6, fmt(y + 4),
                    compact(scale * g / 4)));
        }
        Html legend = Html.each(indexes(series.size()), s -> Html.of(
                "<li><span class=\"swatch series-{}\" aria-hidden=\"true\"></span>{} <span class=\"muted\">{} {}</span></li>", s,
                series.get(s), group(series.get(s).equals("other") && other ? totals.entrySet().stream()
                        .filter(e -> !series.subList(0, series.size() - 1).contains(e.getKey())).mapToLong(Map.Entry::getValue).sum()
                        : totals.get(series.get(s))), unit));
        return Html.of("""
                <figure class="chart" id="{}">
                <svg viewBox="0 0 {} {}" role="img" aria-labelledby="{}-caption" preserveAspectRatio="xMinYMin meet">{}{}</svg>
                <figcaption id="{}-caption">{}: {} per day, stacked</figcaption>
                <ul class="legend">{}</ul></figure>""", id, WIDTH, HEIGHT, id, Html.raw(grid.toString()), Html.raw(bars.toString()), id,
                label, unit, legend);
    }

    private static List<Integer> indexes(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code value}. */
    static long niceCeiling(long value) {
        long power = 1;
        while (power * 10 <= value && power < Long.MAX_VALUE / 100) {
            power *= 10;
        }
        for (long step : new long[] {1, 2, 5, 10}) {
            if (step * power >= value) {
                return step * power;
            }
        }
        return 10 * power;
    }

    static String compact(long value) {
        if (value >= 1_000_000_000) {
            return trim(value / 1e9) + "G";
        }
        if (value >= 1_000_000) {
            return trim(value / 1e6) + "M";
        }
        if (value >= 1_000) {
            return trim(value / 1e3) + "k";
        }
        return Long.toString(value);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    static String group(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
