package dev.roost.server.console;

import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.Principal;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The page shell every console page shares (head, navigation with the workspace switcher, the
 * sign-out form) and the pages that need no data: sign-in and errors. Scripts and styles come
 * from the Roost server itself ({@code /console/static/}); no page has inline script or style.
 */
public final class Pages {
    static final String STATIC = ConsoleFront.PREFIX + "/static/";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /** What the shell shows around a page: who is signed in, where they are, what they may switch to. */
    public record Frame(Principal principal, String csrf, List<String> workspaces, String workspace, Role role, String section) {
        public boolean may(Role minimum) {
            return role != null && role.atLeast(minimum);
        }
    }

    public Html page(Frame frame, String title, Html body) {
        return document(title, Html.join(header(frame), Html.of("<main id=\"main\" tabindex=\"-1\">{}</main>", body)));
    }

    private static Html document(String title, Html body) {
        return Html.of("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}'>
                <title>{} · Roost</title>
                <link rel="stylesheet" href="{}console.css">
                <script src="{}htmx.min.js" defer></script>
                <script src="{}console.js" defer></script>
                </head><body>
                <a class="skip" href="#main">Skip to content</a>
                {}
                </body></html>
                """, title, Html.raw(STATIC), Html.raw(STATIC), Html.raw(STATIC), body);
    }

    private Html header(Frame frame) {
        Html switcher = Html.EMPTY;
        if (!frame.workspaces().isEmpty()) {
            switcher = Html.of("""
                    <form class="switcher" method="get" action="/console/switch">
                    <label for="ws-switch">Workspace</label>
                    <select id="ws-switch" name="ws" data-autosubmit>{}</select>
                    <button type="submit" class="secondary">Go</button></form>""",
                    Html.each(frame.workspaces(), w -> Html.of("<option value=\"{}\"{}>{}</option>", w,
                            Html.raw(w.equals(frame.workspace()) ? " selected" : ""), w)));
        }
        Html nav = Html.EMPTY;
        if (frame.workspace() != null) {
            String base = "/console/w/" + Html.url(frame.workspace());
            nav = Html.of("<nav aria-label=\"Workspace\">{}{}{}{}{}{}</nav>",
                    navLink(base + "/instances", "Instances", "instances".equals(frame.section())),
                    navLink(base + "/tasks", "Tasks", "tasks".equals(frame.section())),
                    navLink(base + "/gateway/keys", "Gateway", "gateway".equals(frame.section())),
                    navLink(base + "/audit", "Audit", "audit".equals(frame.section())),
                    navLink(base + "/settings", "Settings", "settings".equals(frame.section())),
                    nodesLink(frame));
        } else if (frame.principal().serverAdmin()) {
            nav = Html.of("<nav aria-label=\"Server\">{}</nav>", nodesLink(frame));
        }
        Html who = Html.of("""
                <form class="signout" method="post" action="/console/logout">
                <input type="hidden" name="csrf" value="{}">
                <span class="who">{}{}</span> <button type="submit" class="secondary">Sign out</button></form>""",
                frame.csrf(), frame.principal().username(),
                frame.role() == null ? Html.EMPTY : Html.of(" <span class=\"role\">{}</span>", frame.role().name()));
        return Html.of("<header class=\"top\"><a class=\"brand\" href=\"/console\">Roost</a>{}{}{}</header>", switcher, nav, who);
    }

    /** Nodes serve every workspace: only a server admin manages them. */
    private static Html nodesLink(Frame frame) {
        return frame.principal().serverAdmin() ? navLink("/console/nodes", "Nodes", "nodes".equals(frame.section())) : Html.EMPTY;
    }

    private static Html navLink(String href, String label, boolean current) {
        return Html.of("<a href=\"{}\"{}>{}</a>", href, Html.raw(current ? " aria-current=\"page\"" : ""), label);
    }

    /** The sign-in page; {@code error} and {@code username} re-fill it after a failed attempt. */
    public Html login(String loginToken, String next, String username, String error) {
        return document("Sign in", Html.of("""
                <main id="main" class="narrow">
                <h1>Sign in to Roost</h1>
                {}
                <form method="post" action="/console/login" class="stack">
                <input type="hidden" name="csrf" value="{}">
                <input type="hidden" name="next" value="{}">
                <label for="username">Username</label>
                <input id="username" name="username" autocomplete="username" required autofocus value="{}">
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required>
                <button type="submit">Sign in</button>
                </form>
                <p class="hint">Use the same username and password as for <code>roost login</code>.
                The first admin's password is in <code>~/.roost/initial-admin-password</code>.</p>
                </main>""", error == null ? Html.EMPTY : Html.of("<p class=\"error\" role=\"alert\">{}</p>", error), loginToken,
                next, username == null ? "" : username));
    }

    /** An error page: what went wrong in words, the stable code, field errors, the request id. */
    public Html error(Context ctx, Principal principal, RoostException error, String requestId) {
        Html fields = error.fieldErrors().isEmpty() ? Html.EMPTY : Html.of("<ul class=\"errors\">{}</ul>",
                Html.each(error.fieldErrors(), (FieldError f) -> Html.of("<li><code>{}</code> {}</li>", f.pointer(), f.message())));
        Html body = Html.of("""
                <main id="main" class="narrow">
                <h1>{}</h1>
                <p class="error" role="alert">{}</p>
                {}
                <p class="hint">Code <code class="code">{}</code> · request id <code>{}</code></p>
                <p><a href="/console">Back to the console</a></p>
                </main>""", error.code().title(), error.getMessage(), fields, error.code().name(), requestId);
        return document(error.code().title(), Html.join(Html.raw("<header class=\"top\"><a class=\"brand\" href=\"/console\">Roost</a></header>"),
                body));
    }

    public static String time(Instant at) {
        return at == null ? "—" : TIME.format(at);
    }

    /** A status as a coloured pill with its name in words (colour is never the only signal). */
    public static Html pill(String status) {
        return Html.of("<span class=\"pill pill-{}\">{}</span>", status.toLowerCase(java.util.Locale.ROOT), status);
    }
}
