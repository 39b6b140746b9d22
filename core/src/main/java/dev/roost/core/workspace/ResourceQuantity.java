package dev.roost.core.workspace;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and prints CPU and memory amounts in the notation platform engineers know from
 * Kubernetes: CPU as cores ({@code "0.5"}, {@code "2"}) or millicores ({@code "500m"});
 * memory as bytes with a binary ({@code Ki Mi Gi Ti}) or decimal ({@code k M G T}) suffix.
 */
public final class ResourceQuantity {
    private static final Pattern CPU = Pattern.compile("^([0-9]+(?:\\.[0-9]{1,3})?)(m?)$");
    private static final Pattern MEMORY = Pattern.compile("^([0-9]+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$");

    private ResourceQuantity() {
    }

    /** Millicores of a CPU amount, or throws {@link IllegalArgumentException} with a readable reason. */
    public static long parseCpuMillis(String text) {
        Matcher m = CPU.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("CPU must look like \"500m\" or \"0.5\" or \"2\", got \"" + text + "\"");
        }
        BigDecimal value = new BigDecimal(m.group(1));
        boolean millis = !m.group(2).isEmpty();
        if (millis && value.scale() > 0) {
            throw new IllegalArgumentException("millicores are whole numbers, got \"" + text + "\"");
        }
        BigDecimal result = millis ? value : value.multiply(BigDecimal.valueOf(1000));
        if (result.compareTo(BigDecimal.valueOf(1_000_000_000L)) > 0) {
            throw new IllegalArgumentException("CPU amount is too large: \"" + text + "\"");
        }
        return result.longValueExact();
    }

    /** Bytes of a memory amount, or throws {@link IllegalArgumentException} with a readable reason. */
    public static long parseMemoryBytes(String text) {
        Matcher m = MEMORY.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("memory must look like \"256Mi\" or \"1Gi\" or \"512M\", got \"" + text + "\"");
        }
        String digits = m.group(1);
        if (digits.length() > 15) {
            throw new IllegalArgumentException("memory amount is too large: \"" + text + "\"");
        }
        long value = Long.parseLong(digits);
        long unit = switch (m.group(2) == null ? "" : m.group(2)) {
            case "" -> 1L;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "k", "K" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            case "T" -> 1_000_000_000_000L;
            default -> throw new IllegalStateException("unreachable");
        };
        try {
            return Math.multiplyExact(value, unit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("memory amount is too large: \"" + text + "\"");
        }
    }

    public static String formatCpu(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : millis + "m";
    }

    public static String formatMemory(long bytes) {
        String[] units = {"Ti", "Gi", "Mi", "Ki"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes >= unit && bytes % unit == 0) {
                return (bytes / unit) + units[i];
            }
        }
        return Long.toString(bytes);
    }

    /** A compact description used in quota messages, e.g. {@code "1.5 cores"}. */
    public static String describeCpu(long millis) {
        return String.format(Locale.ROOT, "%s core%s", BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString(),
                millis == 1000 ? "" : "s");
    }
}
