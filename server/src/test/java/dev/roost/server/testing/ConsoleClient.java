package dev.roost.server.testing;

import dev.roost.server.auth.OpaqueTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A browser-like client of the web console for HTTP-level tests: keeps cookies, follows no
 * redirects, and sends the session's CSRF token with every form unless told not to.
 */
public final class ConsoleClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final Pattern CSRF_INPUT = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    private final String baseUrl;
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private String csrf;

    public ConsoleClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public record Response(int status, Map<String, List<String>> headers, String body) {
        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).flatMap(e -> e.getValue().stream())
                    .findFirst();
        }

        public String errorCode() {
            return header("Roost-Error-Code").orElse(null);
        }
    }

    /** Signs in through the sign-in form, as a browser does. */
    public static ConsoleClient signIn(TestRoost roost, String username, String password) {
        ConsoleClient client = new ConsoleClient(roost.url());
        Response page = client.get("/console/login");
        String token = client.csrfIn(page.body()).orElseThrow();
        Response r = client.send("POST", "/console/login", form(Map.of("csrf", token, "username", username, "password", password,
                "next", "/console")), Map.of());
        if (r.status() != 303) {
            throw new IllegalStateException("console sign-in as " + username + " failed: " + r.status() + " " + r.body());
        }
        Response home = client.get("/console");
        String location = home.header("Location").orElse("/console");
        Response landing = client.get(location);
        client.csrf = client.csrfIn(landing.body()).orElseThrow(() -> new IllegalStateException("no CSRF token on " + location));
        return client;
    }

    /** A session made directly in the database (fixture), for tests of many callers. */
    public static ConsoleClient withSession(TestRoost roost, String username) {
        ConsoleClient client = new ConsoleClient(roost.url());
        String token = OpaqueTokens.generate("roost_cs_");
        String csrf = OpaqueTokens.generate("");
        roost.server().database().transaction(s -> {
            UUID user = s.users().findByUsername(username).orElseThrow().id();
            s.consoleSessions().insert(UUID.randomUUID(), user, OpaqueTokens.hash(token), csrf, Instant.now(),
                    Instant.now().plus(Duration.ofHours(1)));
            return null;
        });
        client.cookies.put("roost_console", token);
        client.csrf = csrf;
        return client;
    }

    public String csrf() {
        return csrf;
    }

    public Optional<String> csrfIn(String html) {
        Matcher m = CSRF_INPUT.matcher(html);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The Cookie header this client sends, for requests made with another HTTP client (streams). */
    public String cookieHeader() {
        return cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; "));
    }

    public void setCookie(String name, String value) {
        cookies.put(name, value);
    }

    public Response get(String path) {
        return send("GET", path, null, Map.of());
    }

    /** Posts a form with the session's CSRF token added. */
    public Response post(String path, Map<String, String> fields) {
        Map<String, String> all = new LinkedHashMap<>(fields);
        if (csrf != null) {
            all.putIfAbsent("csrf", csrf);
        }
        return send("POST", path, form(all), Map.of());
    }

    /** Posts a form exactly as given: no token added (forgery tests). */
    public Response postRaw(String path, Map<String, String> fields, Map<String, String> headers) {
        return send("POST", path, form(fields), headers);
    }

    public static String form(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    public Response send(String method, String path, String formBody, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (!cookies.isEmpty()) {
            b.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
        }
        if (formBody != null) {
            b.header("Content-Type", "application/x-www-form-urlencoded");
        }
        headers.forEach(b::header);
        b.method(method, formBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(formBody));
        try {
            HttpResponse<java.io.InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            for (String setCookie : r.headers().allValues("Set-Cookie")) {
                String pair = setCookie.split(";", 2)[0];
                int eq = pair.indexOf('=');
                String name = pair.substring(0, eq).trim();
                String value = pair.substring(eq + 1).trim();
                if (value.isEmpty() || setCookie.toLowerCase(java.util.Locale.ROOT).contains("max-age=0")) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
            String body;
            try (java.io.InputStream in = r.body()) {
                // An event stream never ends by itself: take its status and headers, not its body.
                body = r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream") ? ""
                        : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return new Response(r.statusCode(), r.headers().map(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
