package dev.roost.cli;

import dev.roost.core.manifest.ManifestFormats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads the documents {@code -f} names: files, {@code -} for standard input, or directories
 * (their {@code .yaml}, {@code .yml} and {@code .json} files, in name order). A YAML file may
 * hold several documents separated by {@code ---} lines; each is sent to the server as written.
 */
final class ManifestFiles {
    private static final Pattern SEPARATOR = Pattern.compile("^---(\\s.*)?$");
    private static final Pattern END = Pattern.compile("^\\.\\.\\.\\s*$");

    /** One document: where it came from, its text and media type, and its parsed tree. */
    record Document(String source, int index, int line, boolean onlyOne, String text, String contentType, JsonNode tree) {
        /** "FILE" for a file's only document, else "FILE, document N (line L)". */
        String where() {
            return onlyOne ? source : source + ", document " + index + " (line " + line + ")";
        }

        String name() {
            return tree.path("metadata").path("name").asString(null);
        }

        String workspace() {
            return tree.path("metadata").path("workspace").asString(null);
        }
    }

    private ManifestFiles() {
    }

    static List<Document> read(List<String> sources, InputStream stdin) {
        List<Document> documents = new ArrayList<>();
        for (String source : sources) {
            if (source.equals("-")) {
                documents.addAll(split("standard input", text(stdin)));
                continue;
            }
            Path path = Path.of(source);
            if (Files.isDirectory(path)) {
                for (Path file : filesIn(path)) {
                    documents.addAll(split(file.toString(), text(file)));
                }
            } else {
                documents.addAll(split(source, text(path)));
            }
        }
        return documents;
    }

    /** The whole text of a file, or of standard input for {@code -}. */
    static String text(String source, InputStream stdin) {
        return source.equals("-") ? text(stdin) : text(Path.of(source));
    }

    static List<Document> split(String source, String text) {
        String trimmed = text.stripLeading();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            return List.of(document(source, 1, 1, true, text, "application/json"));
        }
        List<String[]> chunks = new ArrayList<>(); // {text, first line}
        StringBuilder current = new StringBuilder();
        int start = 1;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (SEPARATOR.matcher(line).matches() || END.matcher(line).matches()) {
                chunks.add(new String[] {current.toString(), String.valueOf(start)});
                current.setLength(0);
                String rest = line.substring(3).strip();
                if (line.startsWith("---") && !rest.isEmpty() && !rest.startsWith("#")) {
                    current.append(rest).append('\n'); // "--- {...}": the document starts on the marker's line
                    start = i + 1;
                } else {
                    start = i + 2;
                }
                continue;
            }
            current.append(line).append('\n');
        }
        chunks.add(new String[] {current.toString(), String.valueOf(start)});
        List<String[]> real = chunks.stream().filter(c -> !blank(c[0])).toList();
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < real.size(); i++) {
            documents.add(document(source, i + 1, Integer.parseInt(real.get(i)[1]), real.size() == 1, real.get(i)[0],
                    "application/yaml"));
        }
        if (documents.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, source + " holds no manifest.");
        }
        return documents;
    }

    private static Document document(String source, int index, int line, boolean onlyOne, String text, String type) {
        JsonNode tree;
        try {
            tree = (type.equals("application/json") ? ManifestFormats.json() : ManifestFormats.yaml()).readTree(text);
        } catch (JacksonException e) {
            String where = onlyOne ? source : source + ", document " + index + " (line " + line + ")";
            throw new CliException(ExitCodes.FAILED, where + " is not valid " + (type.endsWith("json") ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage() + location(e));
        }
        if (tree == null || !tree.isObject()) {
            String where = onlyOne ? source : source + ", document " + index + " (line " + line + ")";
            throw new CliException(ExitCodes.FAILED, where + " is not a manifest (a mapping with apiVersion, kind, metadata, spec).");
        }
        return new Document(source, index, line, onlyOne, text, type, tree);
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null || e.getLocation().getLineNr() < 1 ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static boolean blank(String chunk) {
        return chunk.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"));
    }

    private static List<Path> filesIn(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json");
            }).sorted().toList();
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read directory " + dir + ": " + e.getMessage());
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCodes.USAGE, "There is no file " + file + ".");
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String text(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(ExitCodes.FAILED, "cannot read standard input: " + e.getMessage());
        }
    }
}
