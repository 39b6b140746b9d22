package dev.roost.core.policy;

import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.Pointers;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code no-wildcard-permissions}: permissions are listed, not pattern-matched. Refuses
 * {@code *} entries in the skill and model allowlists, and egress host patterns that
 * cover unrelated owners: {@code *}, {@code *.tld}, a wildcard over a shared public
 * suffix ({@code *.co.uk}) or over a domain where anyone can host content
 * ({@code *.amazonaws.com}, {@code *.github.io}, ...). A wildcard over one organisation's
 * domain ({@code *.example.com}) passes.
 */
public final class NoWildcardPermissions implements PolicyRule {
    public static final String NAME = "no-wildcard-permissions";

    /** Public suffixes with two labels, under which a wildcard covers many owners. */
    static final Set<String> SHARED_SUFFIXES = Set.of(
            "co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "co.nz", "co.za", "co.in",
            "com.br", "com.cn", "com.mx", "com.tr", "com.sg", "com.hk", "co.kr");
    /** Domains where anyone can publish content, so a wildcard over them allows exfiltration anywhere. */
    static final Set<String> SHARED_HOSTING = Set.of(
            "amazonaws.com", "cloudfront.net", "githubusercontent.com", "github.io", "gitlab.io", "herokuapp.com",
            "appspot.com", "azurewebsites.net", "blob.core.windows.net", "web.app", "firebaseapp.com", "vercel.app",
            "netlify.app", "pages.dev", "workers.dev", "ngrok.io", "ngrok-free.app", "googleusercontent.com",
            "storage.googleapis.com", "r2.dev", "fly.dev", "onrender.com", "repl.co", "glitch.me", "surge.sh");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Allowlists must name what they allow. Refuses * in spec.skills.allowlist and spec.model.allowedModels, and "
                + "egress patterns such as *, *.com, *.co.uk or *.amazonaws.com that cover hosts of unrelated owners.";
    }

    @Override
    public boolean overridable() {
        return true;
    }

    @Override
    public List<PolicyViolation> check(AgentManifest manifest, PolicyContext context) {
        List<PolicyViolation> violations = new ArrayList<>();
        List<String> skills = manifest.spec().skills().allowlist();
        for (int i = 0; i < skills.size(); i++) {
            if (skills.get(i).contains("*")) {
                violations.add(new PolicyViolation(NAME, Pointers.index("/spec/skills/allowlist", i),
                        "is a wildcard; list each skill the agent needs by name"));
            }
        }
        List<String> models = manifest.spec().model().allowedModels();
        for (int i = 0; i < models.size(); i++) {
            if (models.get(i).contains("*")) {
                violations.add(new PolicyViolation(NAME, Pointers.index("/spec/model/allowedModels", i),
                        "is a wildcard; list each model the agent may call by name"));
            }
        }
        List<String> hosts = manifest.spec().network().egressAllow();
        for (int i = 0; i < hosts.size(); i++) {
            String reason = tooBroad(hosts.get(i));
            if (reason != null) {
                violations.add(new PolicyViolation(NAME, Pointers.index("/spec/network/egressAllow", i),
                        reason + "; list the exact hosts the agent needs, or a wildcard under one organisation's domain"));
            }
        }
        return violations;
    }

    /** Why an egress host pattern is too broad, or null when it is acceptable. */
    static String tooBroad(String host) {
        if (host.equals("*") || host.contains("*") && !host.startsWith("*.")) {
            return "allows every host";
        }
        if (!host.startsWith("*.")) {
            return null;
        }
        String base = host.substring(2);
        if (base.contains("*")) {
            return "allows every host";
        }
        if (!base.contains(".")) {
            return "covers a whole top-level domain";
        }
        if (SHARED_SUFFIXES.contains(base)) {
            return "covers a public suffix shared by many owners";
        }
        for (String shared : SHARED_HOSTING) {
            if (base.equals(shared) || base.endsWith("." + shared)) {
                return "covers a hosting domain where anyone can publish";
            }
        }
        return null;
    }
}
