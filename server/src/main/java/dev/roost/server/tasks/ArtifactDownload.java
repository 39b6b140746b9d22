package dev.roost.server.tasks;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * How an artifact is served. Its bytes are whatever a task wrote, so a browser must never
 * render them as a page of Roost's origin: each is a download ({@code Content-Disposition:
 * attachment}, and the API sends {@code nosniff}), typed only when the type is harmless to
 * show (plain text, JSON, a few images), and {@code application/octet-stream} otherwise: an
 * HTML or SVG file a task left stays a file, not a script in the console's origin.
 */
final class ArtifactDownload {
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("log", "text/plain; charset=utf-8"),
            Map.entry("md", "text/plain; charset=utf-8"), Map.entry("csv", "text/csv; charset=utf-8"),
            Map.entry("json", "application/json"), Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"), Map.entry("gif", "image/gif"), Map.entry("pdf", "application/pdf"),
            Map.entry("gz", "application/gzip"), Map.entry("tgz", "application/gzip"), Map.entry("zip", "application/zip"),
            Map.entry("tar", "application/x-tar"));

    private ArtifactDownload() {
    }

    static String contentType(String path) {
        String name = fileName(path);
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return TYPES.getOrDefault(ext, "application/octet-stream");
    }

    /** {@code attachment} with the file's name: plain ASCII in {@code filename}, the exact name in {@code filename*} (RFC 6266). */
    static String disposition(String path) {
        String name = fileName(path);
        StringBuilder ascii = new StringBuilder();
        for (char c : name.toCharArray()) {
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''"
                + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String fileName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
