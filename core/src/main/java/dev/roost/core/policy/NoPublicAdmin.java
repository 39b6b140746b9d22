package dev.roost.core.policy;

import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.Observability;
import dev.roost.core.manifest.PortRef;
import dev.roost.core.manifest.Pointers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code no-public-admin}: administrative surfaces are never reachable by anyone on the
 * internet. Refuses PUBLIC ports marked {@code admin: true}, PUBLIC ports named like an
 * admin surface (admin, dashboard, console, control, manage, debug, pprof), and a
 * metrics endpoint on a PUBLIC port.
 */
public final class NoPublicAdmin implements PolicyRule {
    public static final String NAME = "no-public-admin";

    static final List<String> ADMIN_WORDS = List.of("admin", "dashboard", "console", "control", "manage", "debug", "pprof");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Administrative surfaces must not be PUBLIC: ports with admin: true, ports named like admin, dashboard, console, "
                + "control, manage, debug or pprof, and the metrics endpoint. Use WORKSPACE exposure so only members reach them.";
    }

    @Override
    public boolean overridable() {
        return true;
    }

    @Override
    public List<PolicyViolation> check(AgentManifest manifest, PolicyContext context) {
        List<PolicyViolation> violations = new ArrayList<>();
        List<Network.Port> ports = manifest.spec().network().ports();
        for (int i = 0; i < ports.size(); i++) {
            Network.Port port = ports.get(i);
            if (port.exposure() != Network.Exposure.PUBLIC) {
                continue;
            }
            String pointer = Pointers.index("/spec/network/ports", i) + "/exposure";
            if (port.admin()) {
                violations.add(new PolicyViolation(NAME, pointer,
                        "this port is marked admin and must not be PUBLIC; use WORKSPACE (members only) or PRIVATE"));
            } else if (soundsAdministrative(port.name())) {
                violations.add(new PolicyViolation(NAME, pointer,
                        "this port's name says it is an administrative surface, which must not be PUBLIC; use WORKSPACE or "
                                + "PRIVATE, or rename the port if it is not administrative"));
            }
        }
        manifest.spec().observability().metrics().ifPresent(metrics -> {
            if (isPublic(metrics, ports)) {
                violations.add(new PolicyViolation(NAME, "/spec/observability/metrics/port",
                        "the metrics endpoint is on a PUBLIC port; serve metrics on a PRIVATE port, Roost scrapes it directly"));
            }
        });
        return violations;
    }

    private static boolean soundsAdministrative(String portName) {
        String name = portName.toLowerCase(Locale.ROOT);
        return ADMIN_WORDS.stream().anyMatch(name::contains);
    }

    private static boolean isPublic(Observability.Metrics metrics, List<Network.Port> ports) {
        return ports.stream()
                .filter(port -> port.exposure() == Network.Exposure.PUBLIC)
                .anyMatch(port -> switch (metrics.port()) {
                    case PortRef.ByNumber number -> number.port() == port.port();
                    case PortRef.ByName name -> name.name().equals(port.name());
                });
    }
}
