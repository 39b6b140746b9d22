package dev.roost.core.manifest;

import dev.roost.core.secret.CredentialPattern;

/**
 * Builds RFC 6901 JSON pointers for error reports. A property name that itself looks like
 * a credential is never written into a pointer: the pointer stops at the parent object, so
 * an error report cannot leak the credential it is complaining about.
 */
public final class Pointers {
    public static final String ROOT = "";

    private Pointers() {
    }

    /** The pointer to property {@code name} of the object at {@code parent}. */
    public static String child(String parent, String name) {
        if (CredentialPattern.containsAny(name)) {
            return parent;
        }
        return parent + "/" + escape(name);
    }

    /** The pointer to element {@code index} of the array at {@code parent}. */
    public static String index(String parent, int index) {
        return parent + "/" + index;
    }

    /** Builds a pointer from plain segments, e.g. {@code of("spec", "runtime", "cpu")}. */
    public static String of(String... segments) {
        String pointer = ROOT;
        for (String segment : segments) {
            pointer = child(pointer, segment);
        }
        return pointer;
    }

    static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
