package dev.roost.core.policy;

import dev.roost.core.manifest.AgentManifest;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code pinned-image}: the image must name a version. A digest ({@code @sha256:...})
 * always passes; otherwise there must be a tag, and not a moving one such as
 * {@code latest} or {@code main}.
 */
public final class PinnedImage implements PolicyRule {
    public static final String NAME = "pinned-image";

    static final Set<String> MOVING_TAGS = Set.of("latest", "main", "master", "edge", "nightly", "canary", "head");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "The image must be pinned: a digest (@sha256:...) or a version tag. No tag, latest, and other moving tags "
                + "(main, master, edge, nightly, canary, head) are refused, because a restart could silently run other code.";
    }

    @Override
    public boolean overridable() {
        return true;
    }

    @Override
    public List<PolicyViolation> check(AgentManifest manifest, PolicyContext context) {
        String image = manifest.spec().runtime().image();
        if (image.contains("@sha256:")) {
            return List.of();
        }
        String tag = tagOf(image);
        if (tag == null) {
            return List.of(new PolicyViolation(NAME, "/spec/runtime/image",
                    "the image has no tag, so it means whatever latest is at pull time; add a version tag (e.g. :1.4.2) "
                            + "or a digest (@sha256:...)"));
        }
        if (MOVING_TAGS.contains(tag.toLowerCase(Locale.ROOT))) {
            return List.of(new PolicyViolation(NAME, "/spec/runtime/image",
                    "the image tag '" + tag.toLowerCase(Locale.ROOT) + "' moves over time; use a version tag (e.g. :1.4.2) "
                            + "or a digest (@sha256:...)"));
        }
        return List.of();
    }

    /** The tag of an image reference without digest, or null when it has none. */
    static String tagOf(String image) {
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        return colon > slash ? image.substring(colon + 1) : null;
    }
}
