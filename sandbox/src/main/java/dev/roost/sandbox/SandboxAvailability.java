package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a sandbox found when it looked at this machine: whether it can run jobs, the tool
 * versions and cgroup controllers it uses, and, when it cannot, every problem with what to do.
 *
 * @param kind               the sandbox's name, e.g. {@code bubblewrap}
 * @param version            the jail tool's version, e.g. {@code bubblewrap 0.8.0}, when found
 * @param cgroupVersion      which cgroup hierarchy limits go through
 * @param cgroupControllers  the controllers jobs are limited by ({@code memory}, {@code pids}, {@code cpu})
 * @param problems           why jobs cannot run; empty when they can
 * @param notes              what works but is weaker than it could be (e.g. no CPU controller)
 */
public record SandboxAvailability(String kind, Optional<String> version, CgroupVersion cgroupVersion,
                                  Set<String> cgroupControllers, List<String> problems, List<String> notes) {
    /** Which cgroup hierarchy the host offers for limits. */
    public enum CgroupVersion {
        V1,
        V2,
        NONE
    }

    public SandboxAvailability {
        requireNonNull(kind, "kind is null");
        requireNonNull(version, "version is null");
        requireNonNull(cgroupVersion, "cgroupVersion is null");
        cgroupControllers = Set.copyOf(cgroupControllers);
        problems = List.copyOf(problems);
        notes = List.copyOf(notes);
    }

    public boolean usable() {
        return problems.isEmpty();
    }

    /** One line for logs and node capabilities. */
    public String summary() {
        if (usable()) {
            return kind + " usable: " + version.orElse("unknown version") + ", cgroup " + cgroupVersion.name().toLowerCase()
                    + " " + cgroupControllers.stream().sorted().toList()
                    + (notes.isEmpty() ? "" : "; " + String.join("; ", notes));
        }
        return kind + " not usable: " + String.join("; ", problems);
    }
}
