package dev.roost.cli.output;

import picocli.CommandLine.Option;

/** The {@code -o/--output} option of every command that prints resources. */
public final class OutputOption {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", converter = OutputFormat.Converter.class,
            completionCandidates = OutputFormat.Names.class,
            description = "Output format: ${COMPLETION-CANDIDATES}.")
    OutputFormat format;

    /** The format asked for, or the command's own default. */
    public OutputFormat or(OutputFormat fallback) {
        return format == null ? fallback : format;
    }

    public OutputFormat format() {
        return or(OutputFormat.TABLE);
    }
}
