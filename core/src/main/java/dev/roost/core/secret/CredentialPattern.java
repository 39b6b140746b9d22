package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shapes of well-known credentials. Used to refuse manifests that carry a credential in
 * plain text, and to redact parser messages that might quote one. Every pattern is linear
 * in the length of the text (a fixed prefix, bounded classes, no nested repetition).
 *
 * <p>{@link #description()} names the kind of credential and is safe to show; the matched
 * text never is.
 */
public enum CredentialPattern {
    PRIVATE_KEY("a PEM private key", "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    ROOST_VIRTUAL_KEY("a Roost gateway virtual key", "(?<![A-Za-z0-9_-])roost_vk_[A-Za-z0-9_-]{20,}"),
    ANTHROPIC_API_KEY("an Anthropic API key", "(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}"),
    OPENAI_API_KEY("an OpenAI-style API key", "(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}"),
    GITHUB_TOKEN("a GitHub token", "(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}"),
    GITHUB_FINE_GRAINED_TOKEN("a GitHub fine-grained token", "(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,}"),
    GITLAB_TOKEN("a GitLab token", "(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}"),
    SLACK_TOKEN("a Slack token", "(?<![A-Za-z0-9_-])xox[abposr]-[A-Za-z0-9-]{10,}"),
    SLACK_APP_TOKEN("a Slack app token", "(?<![A-Za-z0-9_-])xapp-[A-Za-z0-9-]{10,}"),
    AWS_ACCESS_KEY("an AWS access key", "(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    GOOGLE_API_KEY("a Google API key", "(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}"),
    TELEGRAM_BOT_TOKEN("a Telegram bot token", "(?<![0-9])[0-9]{8,10}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"),
    STRIPE_KEY("a Stripe secret key", "(?<![A-Za-z0-9_])(?:sk|rk)_live_[0-9A-Za-z]{20,}"),
    HUGGING_FACE_TOKEN("a Hugging Face token", "(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30,}"),
    JWT("a JSON Web Token", "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*"),
    URL_WITH_PASSWORD("a URL with a password", "[A-Za-z][A-Za-z0-9+.-]{0,30}://[^/\\s:@]{1,256}:[^/\\s@]{1,256}@");

    private static final String REDACTED = "[redacted]";

    private final String description;
    private final Pattern pattern;

    CredentialPattern(String description, String regex) {
        this.description = requireNonNull(description, "description is null");
        this.pattern = Pattern.compile(regex);
    }

    /** What kind of credential this is, e.g. "a GitHub token". Safe to show to users. */
    public String description() {
        return description;
    }

    /** The first kind of credential found anywhere in {@code text}, if any. */
    public static Optional<CredentialPattern> find(String text) {
        if (text == null || text.length() < 8) {
            return Optional.empty();
        }
        for (CredentialPattern candidate : values()) {
            if (candidate.pattern.matcher(text).find()) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public static boolean containsAny(String text) {
        return find(text).isPresent();
    }

    /** {@code text} with every match of this one pattern replaced by {@code replacement}. */
    public String replaceIn(String text, String replacement) {
        return text == null ? null : pattern.matcher(text).replaceAll(Matcher.quoteReplacement(replacement));
    }

    /** {@code text} with every credential-looking part replaced by {@code [redacted]}. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (CredentialPattern candidate : values()) {
            Matcher matcher = candidate.pattern.matcher(result);
            if (matcher.find()) {
                result = matcher.replaceAll(REDACTED);
            }
        }
        return result;
    }
}
