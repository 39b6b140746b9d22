package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * Replaces every occurrence of known secret values in a line of text with {@link #MASK}, before
 * the line leaves the server (container logs). Besides the value itself it masks the forms a
 * program commonly prints it in: base64 (standard and URL alphabets, at any of the three byte
 * alignments, so a value encoded inside a longer string such as {@code user:password} in a Basic
 * auth header is caught too), hex in either case, percent-encoding and JSON escaping, and each
 * line of a multi-line value (a PEM key printed line by line).
 *
 * <p>Works on single lines: a value split across two log lines is masked only through its
 * per-line pieces. Holds the patterns as character arrays and overwrites them on
 * {@link #close()}; build one per request from freshly resolved values and close it when the
 * response ends. Not thread-safe: owned by the thread that writes the response.
 */
public final class SecretMasker implements AutoCloseable {
    public static final String MASK = "****";

    /**
     * Values shorter than this are not masked. Masking "abc" everywhere would shred ordinary
     * output, and worse, would turn the log into an oracle: anyone reading it could watch which
     * short strings become {@code ****} and so learn the value. A secret this short offers no
     * protection to begin with; the secret store's users are told to use long random values.
     */
    public static final int MIN_VALUE_BYTES = 4;

    /** Derived forms (an encoding's stable middle, one line of a multi-line value) shorter than this are skipped. */
    static final int MIN_DERIVED_CHARS = 8;

    /** A masker that changes nothing, for instances that reference no secrets. */
    public static SecretMasker none() {
        return new SecretMasker(List.of());
    }

    private final List<char[]> patterns;
    private boolean closed;

    private SecretMasker(List<char[]> patterns) {
        this.patterns = patterns;
    }

    /**
     * A masker for {@code values}. Reads the values' bytes once; the caller still owns and closes
     * them (they may be closed as soon as this returns).
     */
    public static SecretMasker of(Collection<SecretValue> values) {
        requireNonNull(values, "values is null");
        List<char[]> patterns = new ArrayList<>();
        for (SecretValue value : values) {
            byte[] bytes = value.bytes();
            if (bytes.length < MIN_VALUE_BYTES) {
                continue;
            }
            if (value.isText()) {
                char[] text = value.chars();
                addTextForms(patterns, text);
                add(patterns, text, 1); // long enough in bytes, whatever its length in characters
            }
            addEncodedForms(patterns, bytes);
        }
        return new SecretMasker(patterns);
    }

    private static void addTextForms(List<char[]> patterns, char[] text) {
        // These forms need String operations; the transient Strings cannot be cleared and are left to the collector.
        String asString = new String(text);
        byte[] utf8 = asString.getBytes(StandardCharsets.UTF_8);
        add(patterns, percentEncoded(utf8, true).toCharArray(), MIN_VALUE_BYTES);
        add(patterns, percentEncoded(utf8, false).toCharArray(), MIN_VALUE_BYTES);
        Arrays.fill(utf8, (byte) 0);
        add(patterns, jsonEscaped(asString).toCharArray(), MIN_VALUE_BYTES);
        for (String line : asString.split("\r?\n|\r")) {
            String trimmed = line.strip();
            if (!trimmed.equals(asString)) {
                add(patterns, trimmed.toCharArray(), MIN_DERIVED_CHARS);
            }
        }
    }

    private static void addEncodedForms(List<char[]> patterns, byte[] bytes) {
        HexFormat hex = HexFormat.of();
        add(patterns, hex.formatHex(bytes).toCharArray(), MIN_DERIVED_CHARS);
        add(patterns, hex.withUpperCase().formatHex(bytes).toCharArray(), MIN_DERIVED_CHARS);
        for (int shift = 0; shift < 3; shift++) {
            byte[] shifted = new byte[shift + bytes.length];
            System.arraycopy(bytes, 0, shifted, shift, bytes.length);
            // Characters fully determined by the value's own bits: skip those that mix in the
            // leading filler bytes or the trailing padding bits.
            int from = (shift * 8 + 5) / 6;
            int to = (shifted.length * 8) / 6;
            for (Base64.Encoder encoder : List.of(Base64.getEncoder().withoutPadding(), Base64.getUrlEncoder().withoutPadding())) {
                byte[] encoded = encoder.encode(shifted);
                char[] middle = new char[Math.max(0, to - from)];
                for (int i = 0; i < middle.length; i++) {
                    middle[i] = (char) encoded[from + i];
                }
                Arrays.fill(encoded, (byte) 0);
                add(patterns, middle, MIN_DERIVED_CHARS);
            }
            Arrays.fill(shifted, (byte) 0);
        }
    }

    private static void add(List<char[]> patterns, char[] pattern, int minimum) {
        if (pattern.length < minimum) {
            Arrays.fill(pattern, '\0');
            return;
        }
        for (char[] existing : patterns) {
            if (Arrays.equals(existing, pattern)) {
                Arrays.fill(pattern, '\0');
                return;
            }
        }
        patterns.add(pattern);
    }

    /** Percent-encoding as in a URL query ({@code spaceAsPlus}: form encoding) or a path: unreserved characters stay. */
    private static String percentEncoded(byte[] utf8, boolean spaceAsPlus) {
        StringBuilder out = new StringBuilder(utf8.length * 3);
        for (byte b : utf8) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '*' && spaceAsPlus || c == '~' && !spaceAsPlus) {
                out.append((char) c);
            } else if (c == ' ' && spaceAsPlus) {
                out.append('+');
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String jsonEscaped(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** How many patterns are searched for (the values and their encodings), for tests and metrics. */
    public int patternCount() {
        return patterns.size();
    }

    /** {@code line} with every occurrence of every pattern replaced by {@link #MASK}; overlapping matches merge into one mask. */
    public String mask(String line) {
        if (closed) {
            throw new IllegalStateException("the masker was closed");
        }
        if (patterns.isEmpty() || line.isEmpty()) {
            return line;
        }
        boolean[] covered = null;
        for (char[] pattern : patterns) {
            int limit = line.length() - pattern.length;
            char first = pattern[0];
            for (int i = 0; i <= limit; i++) {
                if (line.charAt(i) != first || !matchesAt(line, i, pattern)) {
                    continue;
                }
                if (covered == null) {
                    covered = new boolean[line.length()];
                }
                Arrays.fill(covered, i, i + pattern.length, true);
            }
        }
        if (covered == null) {
            return line;
        }
        StringBuilder out = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            if (!covered[i]) {
                out.append(line.charAt(i));
            } else if (i == 0 || !covered[i - 1]) {
                out.append(MASK);
            }
        }
        return out.toString();
    }

    private static boolean matchesAt(String line, int at, char[] pattern) {
        for (int j = 1; j < pattern.length; j++) {
            if (line.charAt(at + j) != pattern[j]) {
                return false;
            }
        }
        return true;
    }

    /** Overwrites every pattern; the masker cannot be used afterwards. */
    @Override
    public void close() {
        for (char[] pattern : patterns) {
            Arrays.fill(pattern, '\0');
        }
        closed = true;
    }

    @Override
    public String toString() {
        return "SecretMasker[" + patterns.size() + " patterns, hidden]";
    }
}
