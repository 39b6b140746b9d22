package dev.roost.cli.client;

import static java.util.Objects.requireNonNull;

/** What a request is authenticated with. */
public sealed interface Credentials permits Credentials.Anonymous, Credentials.ApiToken, SavedSession {

    Credentials NONE = new Anonymous();

    /** No Authorization header: sign-in, refresh, health and readiness. */
    record Anonymous() implements Credentials {
    }

    /** A fixed bearer token from {@code ROOST_TOKEN}: an API token, never refreshed or saved. */
    record ApiToken(String token) implements Credentials {
        public ApiToken {
            requireNonNull(token, "token is null");
        }

        @Override
        public String toString() {
            return "ApiToken[redacted]";
        }
    }
}
