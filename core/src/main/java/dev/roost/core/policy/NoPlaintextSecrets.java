package dev.roost.core.policy;

import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.CanonicalForm;
import dev.roost.core.manifest.Pointers;
import dev.roost.core.secret.CredentialPattern;
import dev.roost.core.secret.SecretReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * {@code no-plaintext-secrets}: secrets live in the secret store, never in a manifest.
 * Refuses environment variables whose name says "secret" but whose value is plain text,
 * and any text anywhere in the manifest (values or keys) shaped like a known credential.
 * Messages say where the problem is, never what the value is.
 *
 * <p>The rule is overridable for secret-looking names (the name heuristic can be wrong), but
 * a credential-shaped value is refused even when the rule is overridden: manifest versions
 * are kept forever, so an accepted credential could never be removed from history.
 */
public final class NoPlaintextSecrets implements PolicyRule {
    public static final String NAME = "no-plaintext-secrets";

    /** Words that make a variable name secret-looking on their own, or at the end of a word (BOTTOKEN). */
    private static final Set<String> SECRET_WORDS = Set.of(
            "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS", "APIKEY", "PRIVATEKEY");
    /** Words that, followed by KEY, name a key (API_KEY, PRIVATE_KEY, ACCESS_KEY, ...). */
    private static final Set<String> KEY_QUALIFIERS = Set.of(
            "API", "PRIVATE", "ACCESS", "SECRET", "SIGNING", "ENCRYPTION", "SSH", "MASTER", "CLIENT", "LICENSE");
    /** A last word that says the variable holds where a secret is, not the secret (TOKEN_FILE, SECRET_URL). */
    private static final Set<String> LOCATION_WORDS = Set.of("FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Secrets must be secret:NAME references, never values in the manifest. Refuses environment variables named "
                + "like secrets (*TOKEN*, *SECRET*, *PASSWORD*, *API_KEY*, ...) with plain values, and any text shaped like a "
                + "known credential (OpenAI/Anthropic, GitHub, GitLab, Slack, AWS, Google, Telegram, Stripe, Hugging Face keys, "
                + "PEM private keys, JWTs, URLs with passwords). Overriding covers only the variable-name check; credential-shaped "
                + "text is always refused.";
    }

    @Override
    public boolean overridable() {
        return true;
    }

    @Override
    public List<PolicyViolation> check(AgentManifest manifest, PolicyContext context) {
        List<PolicyViolation> violations = new ArrayList<>();
        for (Map.Entry<String, String> entry : manifest.spec().runtime().env().entrySet()) {
            String value = entry.getValue();
            if (looksLikeSecretName(entry.getKey()) && !SecretReference.looksLikeReference(value) && !isHarmless(value)
                    && CredentialPattern.find(value).isEmpty()) {
                violations.add(new PolicyViolation(NAME, Pointers.child("/spec/runtime/env", entry.getKey()),
                        "this variable's name says it holds a secret, but its value is plain text; store the value with "
                                + "'roost secret set NAME' and set the variable to secret:NAME"));
            }
        }
        scan(CanonicalForm.tree(manifest), Pointers.ROOT, violations);
        return violations;
    }

    private static void scan(JsonNode node, String pointer, List<PolicyViolation> violations) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                Optional<CredentialPattern> inKey = CredentialPattern.find(entry.getKey());
                if (inKey.isPresent()) {
                    violations.add(new PolicyViolation(NAME, pointer,
                            "a key of this object looks like " + inKey.get().description()
                                    + "; remove it, revoke the credential, and keep credentials in the secret store", false));
                }
                scan(entry.getValue(), Pointers.child(pointer, entry.getKey()), violations);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                scan(node.get(i), Pointers.index(pointer, i), violations);
            }
        } else if (node.isString() && SecretReference.parse(node.stringValue()).isEmpty()) {
            CredentialPattern.find(node.stringValue()).ifPresent(kind -> violations.add(new PolicyViolation(NAME, pointer,
                    "this value looks like " + kind.description() + "; store it with 'roost secret set NAME', reference "
                            + "it as secret:NAME, and revoke the exposed credential", false)));
        }
    }

    /** Whether an environment variable name suggests its value is a secret. */
    static boolean looksLikeSecretName(String name) {
        List<String> words = words(name);
        if (words.isEmpty() || LOCATION_WORDS.contains(words.get(words.size() - 1))) {
            return false;
        }
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            if (SECRET_WORDS.contains(word)) {
                return true;
            }
            for (String secretWord : SECRET_WORDS) {
                if (word.length() > secretWord.length() && word.endsWith(secretWord)) {
                    return true;
                }
            }
            if (word.equals("KEY") && i > 0 && KEY_QUALIFIERS.contains(words.get(i - 1))) {
                return true;
            }
        }
        return false;
    }

    /** Splits on non-alphanumerics and lower-to-upper camel-case boundaries, upper-cased. */
    private static List<String> words(String name) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean boundary = !Character.isLetterOrDigit(c)
                    || (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(name.charAt(i - 1)));
            if (boundary && !current.isEmpty()) {
                words.add(current.toString().toUpperCase(Locale.ROOT));
                current.setLength(0);
            }
            if (Character.isLetterOrDigit(c)) {
                current.append(c);
            }
        }
        if (!current.isEmpty()) {
            words.add(current.toString().toUpperCase(Locale.ROOT));
        }
        return words;
    }

    private static boolean isHarmless(String value) {
        return value.isEmpty() || value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false");
    }
}
