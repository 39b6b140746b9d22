package dev.roost.server.tasks;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.workspace.Role;
import dev.roost.server.config.TaskSettings;
import dev.roost.server.gateway.InferenceReadiness;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Json;
import dev.roost.server.http.Reply;
import dev.roost.server.tasks.TaskDocuments.ArtifactPage;
import dev.roost.server.tasks.TaskDocuments.ArtifactView;
import dev.roost.server.tasks.TaskDocuments.AttachmentInput;
import dev.roost.server.tasks.TaskDocuments.OutputChunkView;
import dev.roost.server.tasks.TaskDocuments.OutputPage;
import dev.roost.server.tasks.TaskDocuments.TaskPage;
import dev.roost.server.tasks.TaskDocuments.TaskRequest;
import dev.roost.server.tasks.TaskDocuments.TaskResultView;
import dev.roost.server.tasks.TaskDocuments.TaskView;
import dev.roost.store.Database;
import dev.roost.store.jobs.Job;
import dev.roost.store.jobs.JobRequest;
import dev.roost.store.jobs.Requirements;
import dev.roost.store.jobs.Submission;
import dev.roost.store.tasks.TaskRepository;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks: a user hands Roost commands or a script; it is queued as a job of kind {@code task},
 * a node claims it and runs it in its sandbox, streams the output and reports the result. A
 * prompt is queued as a job of kind {@code prompt} that the server's {@link PromptRunner} sends
 * to the workspace's default model; prompt text is never run as a command. While the workspace
 * has no usable default model a prompt is refused at once with INFERENCE_UNAVAILABLE.
 *
 * <p>VIEWERs see that tasks exist and how they ended (list, get); reading output and results
 * needs OPERATOR, as for instance logs (output routinely carries user data); submitting and
 * cancelling need OPERATOR.
 */
public final class TaskRoutes {
    private static final Logger log = LoggerFactory.getLogger(TaskRoutes.class);
    private static final String BASE = "/api/v1/workspaces/{ws}/tasks";
    private static final String EVENT_STREAM = "text/event-stream";

    static final int MAX_COMMANDS = 16;
    static final int MAX_ARGS = 256;
    static final int MAX_ARG_CHARS = 8 * 1024;
    static final int MAX_SCRIPT_CHARS = 128 * 1024;
    static final int MAX_ATTACHMENTS = 20;
    static final int MAX_ATTACHMENT_BYTES = 512 * 1024;
    static final int MAX_ATTACHMENTS_BYTES = 512 * 1024;
    static final int MAX_TIMEOUT_SECONDS = 24 * 3600;
    static final int MAX_LABELS = 16;
    /** Text of each stream the result returns; the rest is counted and flagged {@code truncated}. */
    static final int RESULT_STREAM_BYTES = 1024 * 1024;
    private static final Pattern LABEL_KEY = Pattern.compile("^[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,62}[a-zA-Z0-9])?$");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("^[\\x21-\\x7e]{1,200}$");

    static final int MAX_PROMPT_CHARS = 128 * 1024;
    /** The job kinds the task API shows: sandboxed tasks and prompts. */
    static final List<String> KINDS = List.of(TaskRepository.KIND, PromptRunner.KIND);

    private final Database database;
    private final WorkSignal signal;
    private final TaskSettings settings;
    private final Duration streamHeartbeat;
    private final InferenceReadiness inference;

    public TaskRoutes(Database database, WorkSignal signal, TaskSettings settings, Duration streamHeartbeat,
            InferenceReadiness inference) {
        this.inference = requireNonNull(inference, "inference is null");
        this.database = requireNonNull(database, "database is null");
        this.signal = requireNonNull(signal, "signal is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.streamHeartbeat = requireNonNull(streamHeartbeat, "streamHeartbeat is null");
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post(BASE, Access.workspace(Role.OPERATOR),
                                "Submit a task: commands (argv lists, no shell) or a script, run in a sandbox on a node, or "
                                        + "a prompt for the workspace's default model (503 INFERENCE_UNAVAILABLE while it has none "
                                        + "that can answer)", this::submit)
                        .accepts(TaskRequest.class).returns(TaskView.class),
                ApiRoute.get(BASE, Access.workspace(Role.VIEWER), "List tasks, newest first", this::list)
                        .query("limit", "1 to 200 (default 50)").query("before", "the cursor 'next' of the previous page")
                        .returns(TaskPage.class),
                ApiRoute.get(BASE + "/{id}", Access.workspace(Role.VIEWER), "A task: state, attempts, node, timings",
                        this::get).returns(TaskView.class),
                ApiRoute.get(BASE + "/{id}/result", Access.workspace(Role.OPERATOR),
                        "A finished task's result: exit code, signal, OOM, duration, capped output, artifacts, egress; "
                                + "409 TASK_NOT_FINISHED while it runs", this::result).returns(TaskResultView.class),
                ApiRoute.get(BASE + "/{id}/artifacts", Access.workspace(Role.OPERATOR),
                        "The files a finished task left in out/ (of the attempt that counted): path, size, SHA-256; "
                                + "409 TASK_NOT_FINISHED while it runs", this::artifacts).returns(ArtifactPage.class),
                ApiRoute.get(BASE + "/{id}/artifacts/<path>", Access.workspace(Role.OPERATOR),
                        "Download one artifact byte for byte, as a file (Content-Disposition: attachment), with its "
                                + "SHA-256 in Repr-Digest", this::artifact),
                ApiRoute.get(BASE + "/{id}/output", Access.workspace(Role.OPERATOR),
                                "A task's output chunks; ?follow=true (or Accept: text/event-stream) streams them live as "
                                        + "server-sent events until the task ends", this::output)
                        .query("follow", "true: server-sent events until the task ends")
                        .query("after", "the cursor 'next' of the previous page").returns(OutputPage.class),
                ApiRoute.post(BASE + "/{id}/cancel", Access.workspace(Role.OPERATOR),
                        "Cancel a task: a queued one at once; a running one is killed in its sandbox", this::cancel)
                        .returns(TaskView.class));
    }

    // ---- submit

    private Object submit(Call call) {
        TaskRequest request = call.body(TaskRequest.class);
        new Checks().required("/mode", request.mode()).throwIfAny();
        switch (request.mode()) {
            case "prompt" -> {
                return submitPrompt(call, request);
            }
            case "commands", "script" -> {
            }
            default -> throw new RoostException(ErrorCode.VALIDATION_FAILED, "mode must be commands, script or prompt.",
                    List.of(new FieldError("/mode", "must be commands, script or prompt")));
        }
        Checks checks = new Checks();
        boolean commands = request.mode().equals("commands");
        checks.that(request.prompt() == null, "/prompt", "only for mode prompt");
        if (commands) {
            checks.that(request.script() == null, "/script", "only for mode script")
                    .required("/commands", request.commands());
            if (request.commands() != null) {
                checks.that(!request.commands().isEmpty() && request.commands().size() <= MAX_COMMANDS, "/commands",
                        "must hold 1 to " + MAX_COMMANDS + " commands");
                for (int i = 0; i < request.commands().size(); i++) {
                    List<String> argv = request.commands().get(i);
                    String at = "/commands/" + i;
                    checks.that(argv != null && !argv.isEmpty() && argv.size() <= MAX_ARGS, at,
                            "must be a list of 1 to " + MAX_ARGS + " arguments, the program first");
                    if (argv != null) {
                        for (int j = 0; j < argv.size(); j++) {
                            String arg = argv.get(j);
                            checks.that(arg != null && arg.length() <= MAX_ARG_CHARS && arg.indexOf('\0') < 0, at + "/" + j,
                                    "must be a string of at most " + MAX_ARG_CHARS + " characters without NUL");
                        }
                        checks.that(argv.isEmpty() || argv.get(0) == null || !argv.get(0).isEmpty(), at + "/0",
                                "the program must not be empty");
                    }
                }
            }
        } else {
            checks.that(request.commands() == null, "/commands", "only for mode commands")
                    .required("/script", request.script());
            if (request.script() != null) {
                checks.that(!request.script().isBlank() && request.script().length() <= MAX_SCRIPT_CHARS, "/script",
                        "must be a non-empty script of at most " + MAX_SCRIPT_CHARS / 1024 + " KiB");
            }
        }
        checks.that(request.timeoutSeconds() == null || request.timeoutSeconds() >= 1
                        && request.timeoutSeconds() <= MAX_TIMEOUT_SECONDS, "/timeoutSeconds",
                        "must be between 1 and " + MAX_TIMEOUT_SECONDS)
                .that(request.cpuMillis() == null || request.cpuMillis() >= 10 && request.cpuMillis() <= 1_000_000, "/cpuMillis",
                        "must be between 10 and 1000000 (thousandths of a core)")
                .that(request.memoryBytes() == null || request.memoryBytes() >= 8L << 20 && request.memoryBytes() <= 1L << 40,
                        "/memoryBytes", "must be between 8 MiB and 1 TiB")
                .that(request.maxAttempts() == null || request.maxAttempts() >= 1 && request.maxAttempts() <= 10,
                        "/maxAttempts", "must be between 1 and 10")
                .that(request.nodeLabels() == null || request.nodeLabels().size() <= MAX_LABELS, "/nodeLabels",
                        "must hold at most " + MAX_LABELS + " labels")
                .that(request.egressAllow() == null || request.egressAllow().size() <= 64, "/egressAllow",
                        "must list at most 64 host names (use *.domain wildcards)")
                .that(request.attachments() == null || request.attachments().size() <= MAX_ATTACHMENTS, "/attachments",
                        "must hold at most " + MAX_ATTACHMENTS + " files");
        if (request.nodeLabels() != null) {
            request.nodeLabels().forEach((key, value) -> checks
                    .that(LABEL_KEY.matcher(key).matches(), "/nodeLabels/" + key, "label keys are letters, digits, . _ / -")
                    .that(value != null && value.length() <= 128, "/nodeLabels/" + key, "must be at most 128 characters"));
        }
        List<String> egress = new ArrayList<>();
        if (request.egressAllow() != null) {
            for (int i = 0; i < request.egressAllow().size(); i++) {
                String entry = request.egressAllow().get(i);
                try {
                    String host = dev.roost.sandbox.SandboxJob.checkEgressName(entry);
                    if (!egress.contains(host)) {
                        egress.add(host);
                    }
                } catch (IllegalArgumentException | NullPointerException e) {
                    checks.that(false, "/egressAllow/" + i, entry == null ? "must not be null" : Json.abbreviate(e.getMessage()));
                }
            }
        }
        Map<String, byte[]> files = attachments(request.attachments(), checks);
        String key = request.idempotencyKey() != null ? request.idempotencyKey() : call.header("Idempotency-Key");
        checks.that(key == null || IDEMPOTENCY_KEY.matcher(key).matches(), "/idempotencyKey",
                "must be 1 to 200 visible ASCII characters");
        checks.throwIfAny();

        List<TaskSpec.AttachmentEntry> listed = files.entrySet().stream()
                .map(f -> new TaskSpec.AttachmentEntry(f.getKey(), f.getValue().length, TaskRepository.sha256(f.getValue())))
                .toList();
        TaskSpec spec = new TaskSpec(request.mode(), commands ? request.commands() : null, commands ? null : request.script(),
                request.timeoutSeconds(), request.cpuMillis(), request.memoryBytes(), egress, listed, call.principal().actor(), null);
        // The submitter is part of the payload, so the same key from someone else is a different request;
        // the payload of the first submission is what counts.
        JobRequest job = new JobRequest(call.workspace().id(), TaskRepository.KIND, Json.encodeToString(spec), 0,
                request.maxAttempts() != null ? request.maxAttempts() : settings.maxAttempts(),
                new Requirements(request.nodeLabels() == null ? Map.of() : request.nodeLabels(),
                        request.cpuMillis() == null ? 0 : request.cpuMillis(),
                        request.memoryBytes() == null ? 0 : request.memoryBytes()), key);
        Submission submission = call.session().jobs().submit(List.of(job), call.now()).get(0);
        Job stored = submission.job();
        if (!submission.created()) {
            return TaskViews.view(call.session(), call.workspace().name(), stored);
        }
        call.session().tasks().insertAttachments(stored.id(), files);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mode", spec.mode());
        details.put("attachments", listed.size());
        details.put("egressAllow", egress);
        if (spec.timeoutSeconds() != null) {
            details.put("timeoutSeconds", spec.timeoutSeconds());
        }
        call.audit("task.submit", "task", stored.id().toString(), details);
        log.info("Task {} submitted in workspace {} ({})", stored.id(), call.workspace().name(), spec.mode());
        TaskView view = TaskViews.view(call.session(), call.workspace().name(), stored);
        if (call.header("Idempotency-Key") != null) {
            // The HTTP layer keeps this answer for replays, which a streamed one cannot give; the
            // database's notice wakes the waiting claims.
            return Reply.created(view);
        }
        // Waiting claims on this server wake once the task is committed, without waiting for the
        // database's notice (which still reaches the other servers).
        return new Reply(201, null, "application/json", null, Map.of(), ctx -> {
            signal.signal();
            ctx.result(Json.encode(view));
        });
    }

    /**
     * A prompt: plain text for the workspace's default model, queued for the server's prompt
     * runner. Sandbox options do not apply to it and are refused; it is refused at once (nothing
     * queued) while the workspace has no default model that can answer.
     */
    private Object submitPrompt(Call call, TaskRequest request) {
        Checks checks = new Checks().required("/prompt", request.prompt());
        checks.that(request.prompt() == null || !request.prompt().isBlank() && request.prompt().length() <= MAX_PROMPT_CHARS
                                && request.prompt().indexOf('\0') < 0, "/prompt",
                        "must be non-empty text of at most " + MAX_PROMPT_CHARS / 1024 + " KiB, without NUL")
                .that(request.commands() == null, "/commands", "only for mode commands")
                .that(request.script() == null, "/script", "only for mode script")
                .that(request.cpuMillis() == null, "/cpuMillis", "only for commands and scripts (a prompt runs in no sandbox)")
                .that(request.memoryBytes() == null, "/memoryBytes", "only for commands and scripts (a prompt runs in no sandbox)")
                .that(request.nodeLabels() == null || request.nodeLabels().isEmpty(), "/nodeLabels",
                        "only for commands and scripts (a prompt runs on the server, through the model gateway)")
                .that(request.attachments() == null || request.attachments().isEmpty(), "/attachments",
                        "only for commands and scripts; put the text into the prompt")
                .that(request.egressAllow() == null || request.egressAllow().isEmpty(), "/egressAllow",
                        "only for commands and scripts")
                .that(request.timeoutSeconds() == null || request.timeoutSeconds() >= 1
                        && request.timeoutSeconds() <= MAX_TIMEOUT_SECONDS, "/timeoutSeconds", "must be between 1 and "
                        + MAX_TIMEOUT_SECONDS)
                .that(request.maxAttempts() == null || request.maxAttempts() >= 1 && request.maxAttempts() <= 10,
                        "/maxAttempts", "must be between 1 and 10");
        String key = request.idempotencyKey() != null ? request.idempotencyKey() : call.header("Idempotency-Key");
        checks.that(key == null || IDEMPOTENCY_KEY.matcher(key).matches(), "/idempotencyKey",
                "must be 1 to 200 visible ASCII characters");
        checks.throwIfAny();
        InferenceReadiness.Status status = inference.forWorkspace(call.workspace().id());
        if (!status.available()) {
            throw new RoostException(ErrorCode.INFERENCE_UNAVAILABLE, status.reason() + " The prompt was not queued "
                    + "(prompt text is never executed as a command).");
        }
        TaskSpec spec = new TaskSpec("prompt", null, null, request.timeoutSeconds(), null, null, null, List.of(),
                call.principal().actor(), request.prompt());
        JobRequest job = new JobRequest(call.workspace().id(), PromptRunner.KIND, Json.encodeToString(spec), 0,
                request.maxAttempts() != null ? request.maxAttempts() : settings.maxAttempts(), Requirements.NONE, key);
        Submission submission = call.session().jobs().submit(List.of(job), call.now()).get(0);
        Job stored = submission.job();
        if (!submission.created()) {
            return TaskViews.view(call.session(), call.workspace().name(), stored);
        }
        // The prompt's length only: its text may be anyone's data and stays out of the audit log.
        call.audit("task.submit", "task", stored.id().toString(), Map.of("mode", "prompt", "promptChars",
                request.prompt().length(), "model", InferenceReadiness.DEFAULT_ALIAS));
        log.info("Task {} submitted in workspace {} (prompt)", stored.id(), call.workspace().name());
        return Reply.created(TaskViews.view(call.session(), call.workspace().name(), stored));
    }

    private static Map<String, byte[]> attachments(List<AttachmentInput> inputs, Checks checks) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (inputs == null) {
            return files;
        }
        long total = 0;
        for (int i = 0; i < inputs.size(); i++) {
            AttachmentInput input = inputs.get(i);
            String at = "/attachments/" + i;
            if (input == null) {
                checks.that(false, at, "must be an object with name and content");
                continue;
            }
            String problem = TaskViews.relativePathProblem(input.name());
            checks.that(problem == null, at + "/name", problem == null ? "" : problem)
                    .required(at + "/content", input.content());
            String encoding = input.encoding() == null ? "base64" : input.encoding();
            checks.that(encoding.equals("base64") || encoding.equals("utf-8"), at + "/encoding", "must be base64 or utf-8");
            if (problem != null || input.content() == null) {
                continue;
            }
            byte[] content;
            try {
                content = encoding.equals("utf-8") ? input.content().getBytes(StandardCharsets.UTF_8)
                        : Base64.getMimeDecoder().decode(input.content());
            } catch (IllegalArgumentException e) {
                checks.that(false, at + "/content", "is not valid base64");
                continue;
            }
            checks.that(content.length <= MAX_ATTACHMENT_BYTES, at + "/content",
                    "must be at most " + MAX_ATTACHMENT_BYTES / 1024 + " KiB");
            checks.that(!files.containsKey(input.name()), at + "/name", "names another attachment already");
            total += content.length;
            files.put(input.name(), content);
        }
        checks.that(total <= MAX_ATTACHMENTS_BYTES, "/attachments", "must hold at most " + MAX_ATTACHMENTS_BYTES / 1024
                + " KiB together");
        return files;
    }

    // ---- read

    private Object list(Call call) {
        int limit = call.queryInt("limit", 50, 1, 200);
        Instant before = null;
        UUID beforeId = null;
        Optional<String> cursor = call.query("before");
        if (cursor.isPresent()) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(cursor.get()), StandardCharsets.UTF_8).split("_", 2);
                before = Instant.parse(parts[0]);
                beforeId = UUID.fromString(parts[1]);
            } catch (RuntimeException e) {
                throw Call.badQuery("before", "must be the 'next' cursor of a previous page");
            }
        }
        List<Job> jobs = call.session().jobs().listByKinds(call.workspace().id(), KINDS, limit + 1, before, beforeId);
        String next = null;
        if (jobs.size() > limit) {
            jobs = jobs.subList(0, limit);
            Job last = jobs.get(limit - 1);
            next = Base64.getUrlEncoder().withoutPadding().encodeToString((last.createdAt() + "_" + last.id())
                    .getBytes(StandardCharsets.UTF_8));
        }
        List<TaskView> views = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            views.add(TaskViews.view(call.session(), call.workspace().name(), job));
        }
        return new TaskPage(views, next);
    }

    private Object get(Call call) {
        return TaskViews.view(call.session(), call.workspace().name(), task(call));
    }

    private Object result(Call call) {
        Job job = task(call);
        if (!job.state().isFinal()) {
            throw new RoostException(ErrorCode.TASK_NOT_FINISHED, "Task " + job.id() + " is " + TaskViews.state(call.session(), job)
                    + "; its result exists once it has ended. Follow it with GET …/tasks/" + job.id() + "/output?follow=true.");
        }
        return TaskViews.result(call.session(), job, RESULT_STREAM_BYTES);
    }

    private Object artifacts(Call call) {
        Job job = finished(call);
        return new ArtifactPage(job.id(), call.session().tasks().artifacts(job.id(), countedAttempt(call, job)).stream()
                .map(a -> new ArtifactView(a.path(), a.size(), a.sha256())).toList());
    }

    private Object artifact(Call call) {
        Job job = finished(call);
        String path = call.path("path");
        String problem = TaskViews.relativePathProblem(path);
        int attempt = countedAttempt(call, job);
        TaskRepository.ArtifactInfo info = problem != null ? null : call.session().tasks().artifacts(job.id(), attempt).stream()
                .filter(a -> a.path().equals(path)).findFirst().orElse(null);
        byte[] content = info == null ? null : call.session().tasks().artifactContent(job.id(), attempt, path).orElse(null);
        if (content == null) {
            throw RoostException.notFound("Artifact " + Json.abbreviate(path) + " of task " + job.id()
                    + " (list them with GET …/tasks/" + job.id() + "/artifacts)");
        }
        return new Reply(200, null, ArtifactDownload.contentType(path), content, Map.of(
                "Content-Disposition", ArtifactDownload.disposition(path),
                "Content-Length", Integer.toString(content.length),
                "Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(info.sha256())) + ":",
                "Cache-Control", "private, no-store"));
    }

    /** A task that has ended; else 409 TASK_NOT_FINISHED (artifacts are uploaded as an attempt ends). */
    private static Job finished(Call call) {
        Job job = task(call);
        if (!job.state().isFinal()) {
            throw new RoostException(ErrorCode.TASK_NOT_FINISHED, "Task " + job.id() + " is " + TaskViews.state(call.session(), job)
                    + "; its artifacts are there once it has ended.");
        }
        return job;
    }

    /** The attempt whose result counts; without one (failed or cancelled before a result), the last. */
    private static int countedAttempt(Call call, Job job) {
        return call.session().tasks().result(job.id()).map(TaskRepository.StoredResult::attempt).orElse(Math.max(1, job.attempts()));
    }

    private Object cancel(Call call) {
        Job before = task(call);
        Job after = call.session().jobs().cancel(call.workspace().id(), before.id(), call.now()).orElseThrow();
        if (after.state() != before.state() || after.cancelRequested() != before.cancelRequested()) {
            call.audit("task.cancel", "task", after.id().toString(), Map.of("from", before.state().name(),
                    "to", after.state() == before.state() ? "cancel requested" : after.state().name()));
        }
        return TaskViews.view(call.session(), call.workspace().name(), after);
    }

    private static Job task(Call call) {
        UUID id = TaskViews.parseId(call.path("id"));
        return call.session().jobs().find(call.workspace().id(), id).filter(j -> KINDS.contains(j.kind()))
                .orElseThrow(() -> RoostException.notFound("Task " + Json.abbreviate(call.path("id"))));
    }

    // ---- output

    private Object output(Call call) {
        Job job = task(call);
        int[] cursor = parseCursor(call.query("after"));
        boolean follow = follow(call);
        if (!follow) {
            List<TaskRepository.OutputChunk> chunks = call.session().tasks().output(job.id(), cursor[0], cursor[1], 500);
            String next = chunks.isEmpty() ? null : cursorOf(chunks.get(chunks.size() - 1));
            return new OutputPage(job.id(), TaskViews.state(call.session(), job),
                    chunks.stream().map(TaskRoutes::chunkView).toList(), next);
        }
        UUID id = job.id();
        return Reply.streamed(EVENT_STREAM, ctx -> stream(ctx, id, cursor)).withHeader("X-Accel-Buffering", "no");
    }

    /**
     * Server-sent events: {@code output} per chunk (JSON: attempt, seq, stream, text), a comment
     * after each quiet heartbeat, and {@code end} with the final state once the task has ended and
     * every chunk was sent. Waits on the work signal between reads; output uploads bump it.
     */
    private void stream(Context ctx, UUID jobId, int[] cursor) {
        try {
            OutputStream out = ctx.res().getOutputStream();
            out.write(": following task output\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            long quietSince = System.nanoTime();
            while (true) {
                long generation = signal.generation();
                int afterAttempt = cursor[0];
                int afterSeq = cursor[1];
                List<TaskRepository.OutputChunk> chunks = database.read(s -> s.tasks().output(jobId, afterAttempt, afterSeq, 200));
                for (TaskRepository.OutputChunk chunk : chunks) {
                    event(out, "output", chunkView(chunk));
                    cursor[0] = chunk.attempt();
                    cursor[1] = chunk.seq();
                }
                if (!chunks.isEmpty()) {
                    quietSince = System.nanoTime();
                    continue;
                }
                Job job = database.read(s -> s.jobs().findById(jobId)).orElse(null);
                if (job == null || job.state().isFinal()) {
                    // Read once more: output stored just before the final report must not be missed.
                    List<TaskRepository.OutputChunk> rest = database.read(s -> s.tasks().output(jobId, cursor[0], cursor[1], 10_000));
                    for (TaskRepository.OutputChunk chunk : rest) {
                        event(out, "output", chunkView(chunk));
                    }
                    String state = job == null ? "GONE" : database.read(s -> TaskViews.state(s, job));
                    event(out, "end", Map.of("state", state));
                    return;
                }
                if (System.nanoTime() - quietSince > streamHeartbeat.toNanos()) {
                    out.write(": heartbeat\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    quietSince = System.nanoTime();
                }
                signal.awaitAfter(generation, Duration.ofMillis(500));
            }
        } catch (IOException e) {
            log.debug("Output stream of task {} ended: the client went away", jobId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void event(OutputStream out, String name, Object data) throws IOException {
        out.write(("event: " + name + "\ndata: " + Json.encodeToString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static OutputChunkView chunkView(TaskRepository.OutputChunk c) {
        return new OutputChunkView(c.attempt(), c.seq(), c.stream(), new String(c.data(), StandardCharsets.UTF_8), c.receivedAt(),
                Utf8.valid(c.data()) ? null : Base64.getEncoder().encodeToString(c.data()));
    }

    private static String cursorOf(TaskRepository.OutputChunk c) {
        return c.attempt() + "." + c.seq();
    }

    private static int[] parseCursor(Optional<String> after) {
        if (after.isEmpty()) {
            return new int[] {0, -1};
        }
        String[] parts = after.get().split("\\.", 2);
        try {
            int attempt = Integer.parseInt(parts[0]);
            int seq = Integer.parseInt(parts[1]);
            if (attempt < 0 || seq < -1) {
                throw new NumberFormatException();
            }
            return new int[] {attempt, seq};
        } catch (RuntimeException e) {
            throw Call.badQuery("after", "must be the 'next' cursor of a previous page, such as 1.42");
        }
    }

    private static boolean follow(Call call) {
        Optional<String> given = call.query("follow");
        if (given.isPresent()) {
            return switch (given.get()) {
                case "true", "1" -> true;
                case "false", "0" -> false;
                default -> throw Call.badQuery("follow", "must be true or false");
            };
        }
        String accept = call.header("Accept");
        return accept != null && accept.contains(EVENT_STREAM);
    }
}
