package dev.roost.cli.output;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/** How resources are printed: aligned columns for people, or the API's JSON (as JSON or YAML) for programs. */
public enum OutputFormat {
    TABLE,
    JSON,
    YAML;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Accepts table, json and yaml in any case. */
    public static final class Converter implements CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            try {
                return OutputFormat.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an output format; use table, json or yaml");
            }
        }
    }

    /** The names shell completion offers. */
    public static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("table", "json", "yaml").iterator();
        }
    }
}
