package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.identity.User;
import dev.roost.core.workspace.ResourceName;
import dev.roost.server.auth.AuthRoutes;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The web console's routes, all under {@code /console}: sign-in and sign-out, the static files
 * (htmx from its webjar, the console's own script and style), and the pages. Every page route
 * declares the same kind of access rule as an API route and is checked by the same pipeline.
 */
public final class ConsoleRoutes {
    private static final String HTMX = "/META-INF/resources/webjars/htmx.org/2.0.4/dist/htmx.min.js";
    private static final Map<String, Asset> ASSETS = Map.of(
            "htmx.min.js", new Asset(HTMX, "text/javascript; charset=utf-8"),
            "console.js", new Asset("/console/console.js", "text/javascript; charset=utf-8"),
            "console.css", new Asset("/console/console.css", "text/css; charset=utf-8"));

    private final Console console;
    private final ConsoleFront front;
    private final AuthRoutes auth;
    private final Map<String, byte[]> assets;

    /** {@code api}: the API's routes by key ("METHOD /path"); console pages forward to them. */
    public ConsoleRoutes(Map<String, ApiRoute> api, ConsoleFront front, Pages pages, AuthRoutes auth) {
        this.console = new Console(api, pages);
        this.front = requireNonNull(front, "front is null");
        this.auth = requireNonNull(auth, "auth is null");
        this.assets = loadAssets();
    }

    private record Asset(String resource, String contentType) {
    }

    private static Map<String, byte[]> loadAssets() {
        Map<String, byte[]> loaded = new java.util.HashMap<>();
        ASSETS.forEach((name, asset) -> {
            try (InputStream in = ConsoleRoutes.class.getResourceAsStream(asset.resource())) {
                if (in == null) {
                    throw new IllegalStateException("console asset missing from the classpath: " + asset.resource());
                }
                loaded.put(name, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return Map.copyOf(loaded);
    }

    public List<ApiRoute> routes() {
        List<ApiRoute> routes = new ArrayList<>();
        routes.add(ApiRoute.get("/console", Access.AUTHENTICATED, "Console: home (goes to a workspace)", this::home));
        routes.add(ApiRoute.get("/console/login", Access.PUBLIC, "Console: the sign-in page", this::loginPage));
        routes.add(ApiRoute.post("/console/login", Access.PUBLIC, "Console: sign in (starts a session cookie)", this::login));
        routes.add(ApiRoute.post("/console/logout", Access.AUTHENTICATED, "Console: sign out", this::logout));
        routes.add(ApiRoute.get("/console/switch", Access.AUTHENTICATED, "Console: go to another workspace", this::switchWorkspace));
        routes.add(ApiRoute.get("/console/static/{file}", Access.PUBLIC, "Console: script and style files", this::asset));
        routes.addAll(new InstancePages(console).routes());
        routes.addAll(new WizardPages(console).routes());
        routes.addAll(new WorkspacePages(console).routes());
        routes.addAll(new TaskPages(console).routes());
        routes.addAll(new GatewayPages(console).routes());
        routes.addAll(new NodePages(console).routes());
        return routes;
    }

    private Object home(Call call) {
        Pages.Frame frame = console.frame(call, null);
        if (!frame.workspaces().isEmpty()) {
            return Console.redirect("/console/w/" + Html.url(frame.workspaces().get(0)) + "/instances");
        }
        Html body = call.principal().serverAdmin()
                ? Html.raw("""
                        <div class="empty"><h1>No workspaces yet</h1>
                        <p>A workspace holds one tenant's instances, secrets and members. Create the first one with the CLI:</p>
                        <pre class="code">roost workspace create acme --owner admin --plan team</pre>
                        <p>then reload this page.</p></div>""")
                : Html.raw("""
                        <div class="empty"><h1>You are not in a workspace yet</h1>
                        <p>Ask an admin of your team's workspace to add you as a member; it will show here.</p></div>""");
        return console.page(call, null, "Roost", body);
    }

    private Object loginPage(Call call) {
        String next = safeNext(call.query("next").orElse("/console"));
        if (call.optionalPrincipal().isPresent()) {
            return Console.redirect(next);
        }
        return Console.html(200, console.pages().login(front.newLoginToken(call.context()), next, null, null));
    }

    private Object login(Call call) {
        String username = Console.form(call, "username");
        String password = Console.form(call, "password");
        String next = safeNext(Console.form(call, "next"));
        User user;
        try {
            user = auth.checkPassword(call, username, password);
        } catch (RoostException e) {
            if (e.code() == ErrorCode.INVALID_CREDENTIALS || e.code() == ErrorCode.VALIDATION_FAILED
                    || e.code() == ErrorCode.RATE_LIMITED) {
                String message = e.code() == ErrorCode.VALIDATION_FAILED ? "Enter your username and password." : e.getMessage();
                return Console.html(e.code().httpStatus(), console.pages().login(front.newLoginToken(call.context()), next,
                        username.length() > 128 ? "" : username, message));
            }
            throw e;
        }
        front.startSession(call.context(), call.session(), user);
        call.audit("auth.login", "user", user.username(), Map.of("method", "console"));
        return Console.redirect(next);
    }

    /** Only a path inside the console: never send a signed-in user to another site. */
    static String safeNext(String next) {
        if (next == null || !next.startsWith("/console") || next.startsWith("//") || next.contains("\\")
                || next.startsWith("/console/login") || next.startsWith("/console/logout") || next.length() > 500) {
            return "/console";
        }
        return next;
    }

    private Object logout(Call call) {
        front.endSession(call.context(), call.session());
        call.audit("auth.logout", "user", call.principal().username(), Map.of("method", "console"));
        return Console.redirect("/console/login");
    }

    private Object switchWorkspace(Call call) {
        String name = call.query("ws").orElse("");
        if (!ResourceName.isValid(name)) {
            return Console.redirect("/console");
        }
        return Console.redirect("/console/w/" + Html.url(name) + "/instances");
    }

    private Object asset(Call call) {
        String file = call.path("file");
        Asset asset = ASSETS.get(file);
        if (asset == null) {
            throw RoostException.notFound("File " + dev.roost.server.http.Json.abbreviate(file));
        }
        return new Reply(200, null, asset.contentType(), assets.get(file), Map.of("Cache-Control", "public, max-age=3600"));
    }
}
