package dev.roost.cli.output;

import static java.util.Objects.requireNonNull;

import dev.roost.cli.client.ApiJson;
import dev.roost.core.manifest.ManifestFormats;
import java.io.PrintStream;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/** Writes results to standard output in the format asked for. */
public final class Printer {
    private final PrintStream out;
    private final PrintStream err;

    public Printer(PrintStream out, PrintStream err) {
        this.out = requireNonNull(out, "out is null");
        this.err = requireNonNull(err, "err is null");
    }

    /** The API's JSON as JSON or YAML, or, for {@link OutputFormat#TABLE}, the text {@code table} renders. */
    public void print(OutputFormat format, JsonNode value, Supplier<String> table) {
        switch (format) {
            case JSON -> json(value);
            case YAML -> yaml(value);
            case TABLE -> text(table.get());
        }
    }

    /**
     * A list: as {@link #print}, except that an empty table prints {@code empty} on standard
     * error instead of a lone header line, so a script reading standard output sees nothing.
     */
    public void list(OutputFormat format, JsonNode value, Table table, String empty) {
        if (format == OutputFormat.TABLE && table.isEmpty()) {
            err.println(empty);
            err.flush();
            return;
        }
        print(format, value, table::render);
    }

    public void json(JsonNode value) {
        text(ApiJson.pretty(value));
    }

    public void yaml(JsonNode value) {
        text(ManifestFormats.toYaml(value));
    }

    /** Prints text as it is, ending it with a newline when it lacks one. */
    public void text(String text) {
        out.print(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            out.println();
        }
        out.flush();
    }

    public void line(String line) {
        out.println(line);
        out.flush();
    }
}
