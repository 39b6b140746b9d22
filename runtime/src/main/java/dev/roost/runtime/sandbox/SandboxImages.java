package dev.roost.runtime.sandbox;

import static java.util.Objects.requireNonNull;

import dev.roost.core.manifest.ManifestFormats;
import dev.roost.runtime.RuntimeFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Images of the sandbox runtime: plain directories, no registry. Image {@code NAME:TAG} is
 * {@code ROOT/NAME/TAG/} holding {@code image.json} and the root file system {@code rootfs/}.
 * {@code image.json} has {@code entrypoint} and {@code cmd} (lists of strings), {@code env} (an
 * object of strings) and {@code workdir}; each is optional.
 */
final class SandboxImages {
    /** Name segments like an OCI repository (a registry host with a port allowed first), and a tag. */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    /** One image: its root file system and how it starts. */
    record Image(String reference, Path rootfs, List<String> entrypoint, List<String> cmd, Map<String, String> env, String workdir) {
    }

    private final Path root;

    SandboxImages(Path root) {
        this.root = requireNonNull(root, "root is null");
    }

    Path root() {
        return root;
    }

    /** The image, or IMAGE_NOT_FOUND saying where it was looked for. */
    Image resolve(String reference) {
        Path dir = directory(reference);
        Path json = dir.resolve("image.json");
        Path rootfs = dir.resolve("rootfs");
        if (!Files.isRegularFile(json, LinkOption.NOFOLLOW_LINKS) || !Files.isDirectory(rootfs, LinkOption.NOFOLLOW_LINKS)) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + reference + " not found: the sandbox runtime"
                    + " has no " + dir + "/image.json with rootfs/ next to it (sandbox images are directories, nothing is pulled;"
                    + " ROOST_SANDBOX_IMAGES=" + root + ")");
        }
        try {
            JsonNode node = ManifestFormats.json().readTree(Files.readString(json));
            Map<String, String> env = new LinkedHashMap<>();
            for (var e : node.path("env").properties()) {
                env.put(e.getKey(), e.getValue().asString());
            }
            String workdir = node.path("workdir").isMissingNode() ? "/" : node.path("workdir").asString();
            if (!workdir.startsWith("/")) {
                throw new IllegalArgumentException("workdir must be absolute");
            }
            return new Image(reference, rootfs, strings(node.path("entrypoint")), strings(node.path("cmd")), env, workdir);
        } catch (IOException | RuntimeException e) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + reference + " is unusable: " + json
                    + " cannot be read (" + e.getMessage() + ")");
        }
    }

    private Path directory(String reference) {
        int at = reference.indexOf('@');
        int slash = reference.lastIndexOf('/');
        int colon = reference.lastIndexOf(':');
        if (at >= 0 || colon <= slash) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + reference + " not found: the sandbox runtime"
                    + " finds images by NAME:TAG (no digests, no implicit tag)");
        }
        String name = reference.substring(0, colon);
        String tag = reference.substring(colon + 1);
        Path dir = root;
        for (String segment : name.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.equals(".")) {
                throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + reference + " not found: not a valid name");
            }
            dir = dir.resolve(segment);
        }
        if (!TAG.matcher(tag).matches()) {
            throw new RuntimeFailure(RuntimeFailure.Kind.IMAGE_NOT_FOUND, "image " + reference + " not found: not a valid tag");
        }
        return dir.resolve(tag);
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode item : node) {
                out.add(item.asString());
            }
        }
        return List.copyOf(out);
    }
}
