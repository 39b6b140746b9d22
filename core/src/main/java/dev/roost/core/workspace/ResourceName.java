package dev.roost.core.workspace;

import java.util.regex.Pattern;

/**
 * The rule for names of workspaces, instances, templates and plans: a DNS label (lower-case
 * letters, digits and dashes, 1 to 63 characters, starting and ending with a letter or digit),
 * so a name can become a container name, a host label or a Kubernetes object name unchanged.
 */
public final class ResourceName {
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

    private ResourceName() {
    }

    public static boolean isValid(String name) {
        return name != null && DNS_LABEL.matcher(name).matches();
    }

    public static String explain(String what) {
        return what + " must be 1 to 63 lower-case letters, digits or dashes, starting and ending with a letter or digit";
    }
}
