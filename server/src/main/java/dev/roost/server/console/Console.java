package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Principal;
import dev.roost.server.http.Reply;
import dev.roost.store.workspaces.WorkspaceRepository;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What every console page handler needs: the API routes it forwards to (so the console runs the
 * same rules, checks and audit as the API), the page shell, and small helpers for answers.
 */
final class Console {
    static final String HTML = "text/html; charset=utf-8";

    private final Map<String, ApiRoute> api;
    private final Pages pages;

    Console(Map<String, ApiRoute> api, Pages pages) {
        this.api = Map.copyOf(requireNonNull(api, "api is null"));
        this.pages = requireNonNull(pages, "pages is null");
    }

    Pages pages() {
        return pages;
    }

    /** Calls the API route {@code key} ("METHOD /path") with this request's caller and transaction. */
    Object call(Call call, String key, Map<String, String> path, Map<String, String> query, Object jsonBody) throws Exception {
        ApiRoute route = api.get(key);
        if (route == null) {
            throw new IllegalStateException("no API route " + key);
        }
        byte[] body = jsonBody == null ? null : jsonBody instanceof byte[] raw ? raw : Json.encode(jsonBody);
        return call.forward(route, path, query, body, "application/json");
    }

    Object callWithBody(Call call, String key, Map<String, String> path, Map<String, String> query, byte[] body, String type)
            throws Exception {
        ApiRoute route = api.get(key);
        if (route == null) {
            throw new IllegalStateException("no API route " + key);
        }
        return call.forward(route, path, query, body, type);
    }

    /** Whether the caller may use API route {@code key}: decides which buttons a page shows. */
    boolean may(Call call, String key) {
        ApiRoute route = api.get(key);
        return route != null && call.allows(route.access());
    }

    /**
     * Runs {@code work} so that a refusal leaves nothing behind: on a {@link RoostException} the
     * request's transaction goes back to where it was, and the error is returned for the page.
     */
    static <T> Attempt<T> attempt(Call call, Work<T> work) throws Exception {
        var handle = call.session().handle();
        String savepoint = "console_form";
        handle.savepoint(savepoint);
        try {
            T value = work.run();
            handle.releaseSavepoint(savepoint);
            return new Attempt<>(value, null);
        } catch (RoostException e) {
            handle.rollbackToSavepoint(savepoint);
            return new Attempt<>(null, e);
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T run() throws Exception;
    }

    record Attempt<T>(T value, RoostException error) {
        boolean ok() {
            return error == null;
        }
    }

    Pages.Frame frame(Call call, String section) {
        Principal p = call.principal();
        List<String> names;
        if (p.serverAdmin()) {
            names = call.session().workspaces().list().stream().map(w -> w.name()).toList();
        } else {
            names = call.session().workspaces().listForMember(p.userId()).stream()
                    .map(WorkspaceRepository.Visible::workspace).map(w -> w.name()).toList();
        }
        String workspace = null;
        Role role = null;
        try {
            workspace = call.workspace().name();
            role = call.role();
        } catch (IllegalStateException notScoped) {
            // pages outside a workspace
        }
        return new Pages.Frame(p, ConsoleFront.csrfToken(call.context()), names, workspace, role, section);
    }

    Reply page(Call call, String section, String title, Html body) {
        return html(200, pages.page(frame(call, section), title, body));
    }

    Reply page(Call call, int status, String section, String title, Html body) {
        return html(status, pages.page(frame(call, section), title, body));
    }

    static Reply html(int status, Html html) {
        return new Reply(status, null, HTML, html.toString().getBytes(StandardCharsets.UTF_8), Map.of());
    }

    static Reply fragment(Html html) {
        return html(200, html);
    }

    /** See other: after a form, the browser loads the result with GET (no repost on reload). */
    static Reply redirect(String location) {
        return new Reply(303, null, HTML, new byte[0], Map.of("Location", location));
    }

    static String form(Call call, String name) {
        String value = call.context().formParam(name);
        return value == null ? "" : value;
    }

    static Optional<String> query(Call call, String name) {
        return call.query(name);
    }

    static String base(Call call) {
        return "/console/w/" + Html.url(call.workspace().name());
    }

    static RoostException notFound(String what) {
        return new RoostException(ErrorCode.NOT_FOUND, what + " was not found.");
    }

    static <T> T orDefault(Supplier<T> s, T fallback) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return fallback;
        }
    }
}
