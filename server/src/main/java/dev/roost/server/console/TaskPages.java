package dev.roost.server.console;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Role;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Reply;
import dev.roost.server.tasks.TaskDocuments.ArtifactView;
import dev.roost.server.tasks.TaskDocuments.StreamView;
import dev.roost.server.tasks.TaskDocuments.TaskPage;
import dev.roost.server.tasks.TaskDocuments.TaskResultView;
import dev.roost.server.tasks.TaskDocuments.TaskView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Console pages for tasks: the list (refreshed live), the submit form (commands, a script or a
 * prompt), and a task's page with its live output (the API's own server-sent event stream), its
 * result (exit code, OOM, time-out, duration, truncated streams), attempts, node and artifacts.
 * Everything goes through the task API's handlers, so its checks, limits and audit apply.
 */
final class TaskPages {
    static final String API = "/api/v1/workspaces/{ws}/tasks";
    private static final String ARTIFACT = "GET " + API + "/{id}/artifacts/<path>";
    private static final String WS = "/console/w/{ws}";
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private static final List<String> MODES = List.of("commands", "script", "prompt");

    private final Console console;

    TaskPages(Console console) {
        this.console = requireNonNull(console, "console is null");
    }

    List<ApiRoute> routes() {
        Access viewer = Access.workspace(Role.VIEWER);
        Access operator = Access.workspace(Role.OPERATOR);
        String one = WS + "/tasks/{id}";
        return List.of(
                ApiRoute.get(WS + "/tasks", viewer, "Console: tasks, newest first", this::list),
                ApiRoute.get(WS + "/tasks-table", viewer, "Console: the tasks table (refreshed live)", this::tableFragment),
                ApiRoute.get(WS + "/tasks/new", operator, "Console: the form to submit a task", this::newForm),
                ApiRoute.post(WS + "/tasks", operator, "Console: submit a task (commands, a script or a prompt)", this::submit),
                ApiRoute.get(one, viewer, "Console: a task with its live output and result", this::detail),
                ApiRoute.get(one + "/summary", viewer, "Console: a task's state and result (refreshed live)", this::summaryFragment),
                ApiRoute.get(one + "/output/stream", operator, "Console: a task's output as server-sent events", this::outputStream),
                ApiRoute.get(one + "/artifacts/<path>", operator, "Console: download one of a task's artifacts (as a file)",
                        this::artifact),
                ApiRoute.post(one + "/cancel", operator, "Console: cancel a task", this::cancel));
    }

    // ---- list -------------------------------------------------------------------------------

    private Object list(Call call) throws Exception {
        String base = Console.base(call);
        Html body = Html.of("""
                <div class="title-row"><h1>Tasks</h1>{}</div>
                <p class="hint">A task runs commands or a script once, in a sandbox on a worker node, and keeps its output and result.</p>
                {}""",
                console.may(call, "POST " + API) ? Html.of("<a class=\"button\" href=\"{}/tasks/new\">New task</a>", Html.raw(base))
                        : Html.EMPTY,
                table(call));
        return console.page(call, "tasks", "Tasks", body);
    }

    private Object tableFragment(Call call) throws Exception {
        return Console.fragment(table(call));
    }

    private Html table(Call call) throws Exception {
        String base = Console.base(call);
        Map<String, String> query = new LinkedHashMap<>();
        query.put("limit", "50");
        String before = call.query("before").filter(b -> b.length() <= 200).orElse(null);
        if (before != null) {
            query.put("before", before);
        }
        TaskPage page = (TaskPage) console.call(call, "GET " + API, Map.of(), query, null);
        Html content;
        if (page.items().isEmpty() && before == null) {
            content = console.may(call, "POST " + API)
                    ? Html.of("""
                            <div class="empty"><h2>No tasks yet</h2>
                            <p>Run a command or a script in a sandbox: Roost queues it, a worker node runs it with limits and no
                            network beyond what you allow, and you watch its output here.</p>
                            <p><a class="button" href="{}/tasks/new">Run your first task</a></p></div>""", Html.raw(base))
                    : Html.raw("""
                            <div class="empty"><h2>No tasks yet</h2>
                            <p>No one has run a task in this workspace. Operators and admins can submit one; it will show here.</p></div>""");
        } else {
            content = Html.of("""
                    <div class="table-wrap"><table class="tasks">
                    <caption class="visually-hidden">Tasks, newest first</caption>
                    <thead><tr><th scope="col">Task</th><th scope="col">State</th><th scope="col">Mode</th><th scope="col">By</th>
                    <th scope="col">Attempts</th><th scope="col">Node</th><th scope="col">Exit</th><th scope="col">Submitted</th>
                    <th scope="col">Took</th></tr></thead>
                    <tbody>{}</tbody></table></div>
                    <p class="hint">updated {}</p>{}""",
                    Html.each(page.items(), t -> Html.of("""
                            <tr><td><a href="{}/tasks/{}"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{}</td><td>{} of {}</td>
                            <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>""", Html.raw(base), t.id().toString(), shortId(t.id()),
                            Pages.pill(t.state()), t.mode(), t.submittedBy(), t.attempts(), t.maxAttempts(),
                            t.nodeName() == null ? "—" : t.nodeName(), t.exitCode() == null ? "—" : t.exitCode(),
                            Pages.time(t.createdAt()), took(t))),
                    Pages.time(call.now()),
                    page.next() == null ? Html.EMPTY : Html.of("<nav class=\"pager\" aria-label=\"Pages\"><a href=\"{}/tasks?before={}\">Older tasks</a></nav>",
                            Html.raw(base), Html.url(page.next())));
        }
        // Only the first page refreshes itself: an older page does not change under the reader.
        return before == null
                ? Html.of("<div id=\"tasks\" hx-get=\"{}/tasks-table\" hx-trigger=\"every 3s\" hx-swap=\"outerHTML\">{}</div>",
                        Html.raw(base), content)
                : Html.of("<div id=\"tasks\">{}</div>", content);
    }

    static String shortId(UUID id) {
        return id.toString().substring(0, 8);
    }

    private static String took(TaskView t) {
        if (t.startedAt() == null) {
            return "—";
        }
        if (t.finishedAt() == null) {
            return "running";
        }
        return duration(Duration.between(t.startedAt(), t.finishedAt()).toMillis());
    }

    static String duration(Long millis) {
        if (millis == null) {
            return "—";
        }
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        long seconds = millis / 1000;
        return seconds / 60 + " min " + seconds % 60 + " s";
    }

    // ---- submit -----------------------------------------------------------------------------

    /** What the submit form holds, as typed (re-shown after a refusal). */
    record Form(String mode, String commands, String script, String prompt, String timeout, String memory, String cpu,
            String attempts, String egress, String idempotencyKey) {
        static Form blank() {
            return new Form("commands", "", "", "", "", "", "", "", "", UUID.randomUUID().toString());
        }

        static Form of(Call call) {
            String mode = Console.form(call, "mode");
            String key = Console.form(call, "idempotencyKey");
            return new Form(MODES.contains(mode) ? mode : "commands", Console.form(call, "commands"), Console.form(call, "script"),
                    Console.form(call, "prompt"), Console.form(call, "timeoutSeconds").trim(), Console.form(call, "memoryMiB").trim(),
                    Console.form(call, "cpuMillis").trim(), Console.form(call, "maxAttempts").trim(), Console.form(call, "egressAllow"),
                    key.matches("[0-9a-f-]{36}") ? key : UUID.randomUUID().toString());
        }
    }

    private Object newForm(Call call) {
        return formPage(call, 200, Form.blank(), null, List.of());
    }

    private Object submit(Call call) throws Exception {
        Form form = Form.of(call);
        List<FieldError> problems = new ArrayList<>();
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("mode", Console.form(call, "mode"));
        switch (form.mode()) {
            case "commands" -> {
                List<List<String>> commands = new ArrayList<>();
                String[] lines = form.commands().split("\r?\n");
                for (String line : lines) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        commands.add(Argv.split(line));
                    } catch (IllegalArgumentException e) {
                        problems.add(new FieldError("/commands/" + commands.size(), e.getMessage()));
                        commands.add(List.of());
                    }
                }
                request.put("commands", commands);
            }
            case "script" -> request.put("script", form.script());
            default -> request.put("prompt", form.prompt());
        }
        number(form.timeout(), "/timeoutSeconds", 1, problems).ifPresent(v -> request.put("timeoutSeconds", v));
        number(form.memory(), "/memoryBytes", 1, problems).ifPresent(v -> request.put("memoryBytes", v * 1024 * 1024));
        number(form.cpu(), "/cpuMillis", 1, problems).ifPresent(v -> request.put("cpuMillis", v));
        number(form.attempts(), "/maxAttempts", 1, problems).ifPresent(v -> request.put("maxAttempts", v));
        List<String> egress = java.util.Arrays.stream(form.egress().split("[,\\s]+")).filter(s -> !s.isBlank()).toList();
        if (!egress.isEmpty()) {
            request.put("egressAllow", egress);
        }
        request.put("idempotencyKey", "console-" + form.idempotencyKey());
        if (!problems.isEmpty()) {
            return formPage(call, 400, form, new RoostException(ErrorCode.VALIDATION_FAILED, "Some fields need another look.", problems),
                    problems);
        }
        Console.Attempt<Object> submitted = Console.attempt(call, () -> console.call(call, "POST " + API, Map.of(), Map.of(), request));
        if (!submitted.ok()) {
            RoostException error = submitted.error();
            return formPage(call, error.code().httpStatus(), form, error, error.fieldErrors());
        }
        Object answer = submitted.value();
        if (answer instanceof Reply r && r.body() == null && r.stream() != null) {
            // A new task: the API answers once the task is committed, and its answer wakes this server's
            // waiting claims. The console's answer does the same, as a redirect to the task's page.
            UUID id = call.session().jobs().findByIdempotencyKey(call.workspace().id(), (String) request.get("idempotencyKey"))
                    .orElseThrow().id();
            String location = Console.base(call) + "/tasks/" + id + "?notice=submitted";
            return new Reply(303, null, Console.HTML, null, Map.of("Location", location), ctx -> {
                r.stream().writeTo(ctx);
                ctx.result(new byte[0]);
            });
        }
        TaskView task = (TaskView) (answer instanceof Reply r ? r.body() : answer);
        return Console.redirect(Console.base(call) + "/tasks/" + task.id() + "?notice=submitted");
    }

    private static java.util.Optional<Long> number(String text, String pointer, long min, List<FieldError> problems) {
        if (text.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            long value = Long.parseLong(text);
            if (value < min || value > 1L << 40) {
                problems.add(new FieldError(pointer, "must be a whole number of at least " + min));
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(value);
        } catch (NumberFormatException e) {
            problems.add(new FieldError(pointer, "must be a whole number"));
            return java.util.Optional.empty();
        }
    }

    /** Splits one command line into its arguments, as a shell would for plain words and quotes; nothing else is interpreted. */
    static final class Argv {
        private Argv() {
        }

        static List<String> split(String line) {
            List<String> args = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            boolean inWord = false;
            char quote = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quote == '\'') {
                    if (c == '\'') {
                        quote = 0;
                    } else {
                        current.append(c);
                    }
                } else if (quote == '"') {
                    if (c == '"') {
                        quote = 0;
                    } else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                        current.append(line.charAt(++i));
                    } else {
                        current.append(c);
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                    inWord = true;
                } else if (c == '\\' && i + 1 < line.length()) {
                    current.append(line.charAt(++i));
                    inWord = true;
                } else if (Character.isWhitespace(c)) {
                    if (inWord) {
                        args.add(current.toString());
                        current.setLength(0);
                        inWord = false;
                    }
                } else {
                    current.append(c);
                    inWord = true;
                }
            }
            if (quote != 0) {
                throw new IllegalArgumentException("has an unclosed " + (quote == '"' ? "double" : "single") + " quote");
            }
            if (inWord) {
                args.add(current.toString());
            }
            return args;
        }
    }

    private Reply formPage(Call call, int status, Form form, RoostException error, List<FieldError> fields) {
        String base = Console.base(call);
        Html errors = Html.EMPTY;
        if (error != null) {
            errors = Html.of("<div class=\"error\" role=\"alert\" id=\"task-errors\"><p><strong>{}</strong> (<code>{}</code>)</p>{}</div>",
                    error.getMessage(), error.code().name(), fields.isEmpty() ? Html.EMPTY : Html.of("<ul>{}</ul>",
                            Html.each(fields, f -> Html.of("<li><code>{}</code> {}</li>", f.pointer(), f.message()))));
        }
        Html body = Html.of("""
                <p class="crumbs"><a href="{}/tasks">Tasks</a> /</p>
                <h1>New task</h1>
                <p class="hint">The task runs once in a sandbox on a worker node: no network except the hosts you allow, limited
                CPU, memory and time. Commands run without a shell; a script runs with <code>/bin/sh</code>. A prompt is text for a
                model and is never run as a command.</p>
                {}
                <form method="post" action="{}/tasks" class="stack">
                <input type="hidden" name="csrf" value="{}">
                <input type="hidden" name="idempotencyKey" value="{}">
                <fieldset><legend>What to run</legend>
                <div class="choices">{}</div>
                <label for="commands">Commands, one per line (arguments split at spaces; quote with ' or ")</label>
                <textarea id="commands" name="commands" rows="4" spellcheck="false"{}>{}</textarea>
                {}
                <label for="script">Script (for /bin/sh)</label>
                <textarea id="script" name="script" rows="8" spellcheck="false"{}>{}</textarea>
                {}
                <label for="prompt">Prompt</label>
                {}
                <textarea id="prompt" name="prompt" rows="4"{}>{}</textarea>
                {}
                </fieldset>
                <fieldset><legend>Limits (empty: the node's defaults)</legend>
                <div class="grid2">
                <label for="timeoutSeconds">Time limit (seconds)</label><input id="timeoutSeconds" name="timeoutSeconds" inputmode="numeric" value="{}"{}>
                <label for="memoryMiB">Memory (MiB)</label><input id="memoryMiB" name="memoryMiB" inputmode="numeric" value="{}"{}>
                <label for="cpuMillis">CPU (thousandths of a core)</label><input id="cpuMillis" name="cpuMillis" inputmode="numeric" value="{}"{}>
                <label for="maxAttempts">Attempts at most</label><input id="maxAttempts" name="maxAttempts" inputmode="numeric" value="{}"{}>
                <label for="egressAllow">Hosts it may reach</label><input id="egressAllow" name="egressAllow" value="{}" placeholder="api.example.com, *.pypi.org"{}>
                </div></fieldset>
                <div class="actions"><button type="submit">Run task</button> <a class="button secondary" href="{}/tasks">Cancel</a></div>
                </form>""",
                Html.raw(base), errors, Html.raw(base), ConsoleFront.csrfToken(call.context()), form.idempotencyKey(),
                Html.each(MODES, m -> Html.of("<label class=\"choice\"><input type=\"radio\" name=\"mode\" value=\"{}\"{}> {}</label>", m,
                        Html.raw(m.equals(form.mode()) ? " checked" : ""), switch (m) {
                            case "commands" -> "Commands";
                            case "script" -> "Script";
                            default -> "Prompt";
                        })),
                invalid(fields, "/commands"), form.commands(), fieldError(fields, "/commands"),
                invalid(fields, "/script"), form.script(), fieldError(fields, "/script"),
                inference(call), invalid(fields, "/prompt"), form.prompt(), fieldError(fields, "/prompt"),
                form.timeout(), invalid(fields, "/timeoutSeconds"), form.memory(), invalid(fields, "/memoryBytes"),
                form.cpu(), invalid(fields, "/cpuMillis"), form.attempts(), invalid(fields, "/maxAttempts"),
                form.egress(), invalid(fields, "/egressAllow"), Html.raw(base));
        return console.page(call, status, "tasks", "New task", body);
    }

    /** Whether a prompt would be answered now, as the inference API says; nothing when this server has no such route. */
    private Html inference(Call call) {
        String route = "GET /api/v1/workspaces/{ws}/inference";
        if (!console.may(call, route)) {
            return Html.EMPTY;
        }
        try {
            var status = (dev.roost.server.gateway.InferenceReadiness.Status) console.call(call, route, Map.of(), Map.of(), null);
            if (status.available()) {
                return Html.of("<p class=\"hint\" id=\"inference\">Prompts are answered by the workspace's default model <code>{}</code>"
                        + " through the model gateway.</p>", status.defaultModel());
            }
            return Html.of("<p class=\"hint\" id=\"inference\"><span class=\"warning-inline\">Prompts cannot be answered now.</span> {}</p>",
                    status.reason() == null ? "" : status.reason());
        } catch (Exception e) {
            return Html.EMPTY; // the form works without it: the submit answers the same question
        }
    }

    private static Html invalid(List<FieldError> fields, String pointer) {
        return fields.stream().anyMatch(f -> f.pointer().equals(pointer) || f.pointer().startsWith(pointer + "/"))
                ? Html.raw(" aria-invalid=\"true\" aria-describedby=\"task-errors\"") : Html.EMPTY;
    }

    private static Html fieldError(List<FieldError> fields, String pointer) {
        return Html.each(fields.stream().filter(f -> f.pointer().equals(pointer) || f.pointer().startsWith(pointer + "/")).toList(),
                f -> Html.of("<p class=\"field-error\">{}{}</p>", f.pointer().equals(pointer) ? "" : lineOf(pointer, f.pointer()),
                        f.message()));
    }

    private static String lineOf(String prefix, String pointer) {
        String[] rest = pointer.substring(prefix.length() + 1).split("/");
        try {
            String where = "Line " + (Integer.parseInt(rest[0]) + 1);
            return rest.length > 1 ? where + ", argument " + (Integer.parseInt(rest[1]) + 1) + ": " : where + ": ";
        } catch (NumberFormatException e) {
            return pointer + ": ";
        }
    }

    // ---- one task ---------------------------------------------------------------------------

    private TaskView task(Call call) throws Exception {
        return (TaskView) console.call(call, "GET " + API + "/{id}", Map.of("id", call.path("id")), Map.of(), null);
    }

    private Object detail(Call call) throws Exception {
        TaskView task = task(call);
        String base = Console.base(call);
        String self = base + "/tasks/" + task.id();
        boolean operator = console.may(call, "GET " + API + "/{id}/output");
        Html notice = "submitted".equals(call.query("notice").orElse(""))
                ? Html.raw("<p class=\"notice\" role=\"status\">Task submitted. It waits for a worker node; its output appears below as it runs.</p>")
                : "cancelled".equals(call.query("notice").orElse(""))
                ? Html.raw("<p class=\"notice\" role=\"status\">Cancel requested.</p>") : Html.EMPTY;
        Html output;
        if (!operator) {
            output = Html.raw("<p class=\"muted\">Output and results are shown to operators and admins of the workspace.</p>");
        } else if (FINAL.contains(task.state())) {
            output = finishedOutput(call, task);
        } else {
            output = Html.of("""
                    <p id="output-state" class="muted" role="status">Connecting…</p>
                    <pre id="task-output" class="log" data-task-stream="{}/output/stream" tabindex="0" aria-label="Task output" aria-live="polite"></pre>""",
                    Html.raw(self));
        }
        Html body = Html.of("""
                <p class="crumbs"><a href="{}/tasks">Tasks</a> /</p>
                <div class="title-row"><h1>Task <code>{}</code></h1></div>
                {}
                <section aria-labelledby="task-overview"><h2 id="task-overview">State and result</h2>{}</section>
                <section aria-labelledby="task-output-title"><h2 id="task-output-title">Output</h2>{}</section>""",
                Html.raw(base), shortId(task.id()), notice, summary(call, task), output);
        return console.page(call, "tasks", "Task " + shortId(task.id()), body);
    }

    private Object summaryFragment(Call call) throws Exception {
        return Console.fragment(summary(call, task(call)));
    }

    /** The task's facts, and once it has ended its result; refreshes itself until then. */
    private Html summary(Call call, TaskView t) throws Exception {
        String self = Console.base(call) + "/tasks/" + t.id();
        boolean ended = FINAL.contains(t.state());
        Html result = Html.EMPTY;
        if (ended && console.may(call, "GET " + API + "/{id}/result")) {
            TaskResultView r = (TaskResultView) console.call(call, "GET " + API + "/{id}/result", Map.of("id", t.id().toString()),
                    Map.of(), null);
            List<String> flags = new ArrayList<>();
            if (r.oomKilled()) {
                flags.add("killed: out of memory");
            }
            if (r.timedOut()) {
                flags.add("killed: time limit");
            }
            if (r.cancelled()) {
                flags.add("cancelled");
            }
            result = Html.of("""
                    <dt>Exit code</dt><dd id="task-exit">{}{}</dd>
                    <dt>Ended as</dt><dd>{}</dd>
                    <dt>Duration</dt><dd>{}</dd>
                    <dt>Standard output</dt><dd>{}</dd>
                    <dt>Standard error</dt><dd>{}</dd>
                    <dt>Counted attempt</dt><dd>{}</dd>
                    <dt>Artifacts</dt><dd>{}</dd>
                    <dt>Network</dt><dd>{}</dd>""",
                    r.exitCode() == null ? "—" : r.exitCode(), r.signal() == null ? "" : " (signal " + r.signal() + ")",
                    flags.isEmpty() ? (r.failureReason() == null ? "ran to the end" : r.failureReason()) : String.join(", ", flags)
                            + (r.failureReason() == null ? "" : "; " + r.failureReason()),
                    duration(r.durationMs()), stream(r.stdout()), stream(r.stderr()), r.attempt() == null ? "—" : r.attempt(),
                    artifacts(self, r.artifacts(), r.artifactsTruncated(), console.may(call, ARTIFACT)),
                    r.egress() == null || !r.egress().enabled() ? Html.raw("none (no host was allowed)")
                            : Html.of("{} allowed, {} denied connections; {} bytes sent, {} received", r.egress().allowed(),
                                    r.egress().denied(), r.egress().bytesSent(), r.egress().bytesReceived()));
        }
        Html facts = Html.of("""
                <dl class="facts">
                <dt>State</dt><dd id="task-state">{}{}</dd>
                <dt>Mode</dt><dd>{}</dd>
                <dt>Submitted</dt><dd>{} by {}</dd>
                <dt>Started</dt><dd>{}</dd>
                <dt>Finished</dt><dd>{}</dd>
                <dt>Attempts</dt><dd>{} of at most {}</dd>
                <dt>Node</dt><dd>{}</dd>
                <dt>Time limit</dt><dd>{}</dd>
                <dt>Hosts allowed</dt><dd>{}</dd>
                <dt>Attached files</dt><dd>{}</dd>
                {}</dl>""",
                Pages.pill(t.state()), t.cancelRequested() && !ended ? " (cancel requested)" : "", t.mode(), Pages.time(t.createdAt()),
                t.submittedBy(), Pages.time(t.startedAt()), Pages.time(t.finishedAt()), t.attempts(), t.maxAttempts(),
                "prompt".equals(t.mode()) && t.nodeId() == null ? "none: a Roost server asks the model gateway"
                        : t.nodeName() == null ? (t.nodeId() == null ? "not yet on a node" : t.nodeId().toString()) : t.nodeName(),
                t.timeoutSeconds() == null ? "the node's default" : t.timeoutSeconds() + " s",
                t.egressAllow() == null || t.egressAllow().isEmpty() ? "none" : String.join(", ", t.egressAllow()),
                t.attachments() == null || t.attachments().isEmpty() ? "none" : String.join(", ", t.attachments()), result);
        Html reason = t.failureReason() == null || !ended ? Html.EMPTY
                : Html.of("<p class=\"error\">{}</p>", t.failureReason());
        // The cancel button lives in the refreshed part, so it goes away by itself when the task ends.
        Html cancel = ended || t.cancelRequested() || !console.may(call, "POST " + API + "/{id}/cancel") ? Html.EMPTY
                : Html.of("<div class=\"actions\">{}</div>", InstancePages.confirm(self + "/cancel", ConsoleFront.csrfToken(call.context()),
                        "Cancel task", "Cancel this task? A queued task never starts; a running one is killed in its sandbox.",
                        "Cancel task " + shortId(t.id()), true));
        return ended
                ? Html.of("<div id=\"task-summary\">{}{}</div>", facts, reason)
                : Html.of("<div id=\"task-summary\" hx-get=\"{}/summary\" hx-trigger=\"every 2s\" hx-swap=\"outerHTML\">{}{}</div>",
                        Html.raw(self), cancel, facts);
    }

    private static Html stream(StreamView s) {
        if (s == null) {
            return Html.raw("—");
        }
        return Html.of("{} bytes{}", s.bytes(), s.truncated() ? Html.raw(" <span class=\"warning-inline\">truncated: only the first part is kept</span>")
                : Html.EMPTY);
    }

    private static Html artifacts(String self, List<ArtifactView> artifacts, boolean truncated, boolean download) {
        if (artifacts.isEmpty()) {
            return Html.raw("none");
        }
        return Html.of("<ul class=\"plain\" id=\"task-artifacts\">{}</ul>{}", Html.each(artifacts, a -> Html.of(
                        "<li>{} · {} bytes · <span class=\"muted\">sha256 {}</span></li>",
                        download ? Html.of("<a href=\"{}/artifacts/{}\" download><code>{}</code></a>", Html.raw(self), artifactUrl(a.path()),
                                a.path()) : Html.of("<code>{}</code>", a.path()), a.size(),
                        a.sha256().length() > 16 ? a.sha256().substring(0, 16) + "…" : a.sha256())),
                truncated ? Html.raw("<p class=\"warning-inline\">More artifacts were written than are kept.</p>") : Html.EMPTY);
    }

    /** A finished task's output, rendered on the server from its result (no stream needed). */
    private Html finishedOutput(Call call, TaskView t) throws Exception {
        TaskResultView r = (TaskResultView) console.call(call, "GET " + API + "/{id}/result", Map.of("id", t.id().toString()),
                Map.of(), null);
        String out = r.stdout() == null ? "" : r.stdout().text();
        String err = r.stderr() == null ? "" : r.stderr().text();
        if (out.isEmpty() && err.isEmpty()) {
            return Html.raw("<p class=\"muted\" id=\"output-state\">The task wrote no output.</p>");
        }
        return Html.of("""
                <p id="output-state" class="muted">The task has ended: its whole output{}.</p>
                <pre id="task-output" class="log" tabindex="0" aria-label="Task output">{}{}</pre>""",
                r.stdout().truncated() || r.stderr().truncated() ? " up to the kept size" : "", out,
                err.isEmpty() ? Html.EMPTY : Html.of("<span class=\"line stderr\">{}</span>", err));
    }

    /** Each segment of a relative artifact path, encoded for a URL; the slashes stay. */
    private static String artifactUrl(String path) {
        return String.join("/", java.util.Arrays.stream(path.split("/", -1)).map(Html::url).toList());
    }

    /** The API's download, byte for byte: an attachment, never shown as a page of the console's origin. */
    private Object artifact(Call call) throws Exception {
        return console.call(call, ARTIFACT, Map.of("id", call.path("id"), "path", call.path("path")), Map.of(), null);
    }

    private Object outputStream(Call call) throws Exception {
        return console.call(call, "GET " + API + "/{id}/output", Map.of("id", call.path("id")), Map.of("follow", "true"), null);
    }

    private Object cancel(Call call) throws Exception {
        TaskView after = (TaskView) console.call(call, "POST " + API + "/{id}/cancel", Map.of("id", call.path("id")), Map.of(), null);
        return Console.redirect(Console.base(call) + "/tasks/" + after.id() + "?notice=cancelled");
    }
}
