package dev.roost.server.jails;

import static java.util.Objects.requireNonNull;

import dev.roost.core.error.RoostException;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Checks;
import dev.roost.server.http.Json;
import dev.roost.server.http.Reply;
import dev.roost.server.jails.JailDocuments.Answered;
import dev.roost.server.jails.JailDocuments.Assignment;
import dev.roost.server.jails.JailDocuments.CallAnswer;
import dev.roost.server.jails.JailDocuments.CallSpec;
import dev.roost.server.jails.JailDocuments.JailReport;
import dev.roost.server.jails.JailDocuments.JailSpec;
import dev.roost.server.jails.JailDocuments.LogBatch;
import dev.roost.server.jails.JailDocuments.LogLineDoc;
import dev.roost.server.jails.JailDocuments.SyncAnswer;
import dev.roost.server.jails.JailDocuments.SyncBody;
import dev.roost.store.nodes.NodeJailRepository;
import dev.roost.store.nodes.NodeJailRepository.Jail;
import dev.roost.store.nodes.NodeJailRepository.LogRow;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The node's side of sandboxed instances, under {@code /api/v1/nodes/self/jails}, for the node
 * JWT only. {@code sync} takes the node's report (usable jails and images, each jail's state and
 * refusals, new output) and answers, after waiting for a change up to {@code waitMillis}, with
 * the jails the node should hold and the calls it should answer; {@code calls/{id}} takes an
 * answer. A node only ever reads and reports its own jails and calls.
 */
public final class JailRoutes {
    private static final String SELF = "/api/v1/nodes/self/jails";
    static final int MAX_WAIT_MILLIS = 20_000;
    static final int MAX_JAILS = 1000;
    static final int MAX_IMAGES = 1000;
    static final int MAX_LINES_PER_SYNC = 5000;
    static final int MAX_LINE_CHARS = 16 * 1024;

    private final NodeRuntime runtime;

    public JailRoutes(NodeRuntime runtime) {
        this.runtime = requireNonNull(runtime, "runtime is null");
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.post(SELF + "/sync", Access.NODE,
                                "Report this node's jails and their output; answers (long-poll) with the jails it should hold and calls to answer",
                                this::sync)
                        .accepts(SyncBody.class).returns(SyncAnswer.class).carryingSecret(),
                ApiRoute.post(SELF + "/calls/{id}", Access.NODE, "Answer a call (a probe of a jail, a removal of volumes)", this::answer)
                        .accepts(CallAnswer.class).returns(Answered.class),
                ApiRoute.get("/api/v1/nodes/{id}/instances", Access.SERVER_ADMIN,
                                "The sandboxed instances placed on a node, with what the node last reported", this::instances)
                        .returnsListOf(JailDocuments.NodeInstance.class));
    }

    private Object sync(Call call) {
        SyncBody body = call.bodyOr(SyncBody.class, new SyncBody(null, null, null, null, null, null));
        List<JailReport> reports = body.jails() == null ? List.of() : body.jails();
        List<LogBatch> logs = body.logs() == null ? List.of() : body.logs();
        List<String> images = body.images() == null ? List.of() : body.images();
        Checks checks = new Checks()
                .that(body.waitMillis() == null || body.waitMillis() >= 0 && body.waitMillis() <= MAX_WAIT_MILLIS, "/waitMillis",
                        "must be between 0 and " + MAX_WAIT_MILLIS)
                .that(reports.size() <= MAX_JAILS, "/jails", "must hold at most " + MAX_JAILS)
                .that(images.size() <= MAX_IMAGES, "/images", "must hold at most " + MAX_IMAGES)
                .that(logs.stream().mapToInt(b -> b == null || b.lines() == null ? 0 : b.lines().size()).sum() <= MAX_LINES_PER_SYNC,
                        "/logs", "must hold at most " + MAX_LINES_PER_SYNC + " lines");
        for (int i = 0; i < reports.size(); i++) {
            JailReport r = reports.get(i);
            checks.that(r != null && r.containerId() != null, "/jails/" + i, "needs containerId");
            if (r != null && r.observed() != null) {
                checks.that(r.observed().state() != null && isState(r.observed().state()), "/jails/" + i + "/observed/state",
                        "must be a container state such as RUNNING or EXITED");
            }
        }
        for (int i = 0; i < logs.size(); i++) {
            LogBatch b = logs.get(i);
            checks.that(b != null && b.containerId() != null && b.lines() != null, "/logs/" + i, "needs containerId and lines");
            if (b != null && b.lines() != null) {
                for (int k = 0; k < b.lines().size(); k++) {
                    LogLineDoc l = b.lines().get(k);
                    checks.that(l != null && l.time() != null && l.text() != null, "/logs/" + i + "/lines/" + k, "needs time and text");
                }
            }
        }
        checks.throwIfAny();
        UUID node = call.principal().nodeId();
        Instant now = call.now();
        NodeJailRepository jails = call.session().nodeJails();
        jails.reportHost(node, Boolean.TRUE.equals(body.usable()), body.detail() == null ? "" : Json.abbreviate(body.detail()),
                Json.encodeToString(images), now);
        Map<String, Jail> mine = new HashMap<>();
        jails.ofNode(node).forEach(j -> mine.put(j.containerId(), j));
        for (JailReport r : reports) {
            if (!mine.containsKey(r.containerId())) {
                continue; // not this node's (any more): the node removes it, seeing it missing from the answer
            }
            String state = r.observed() == null ? NodeRuntime.MISSING : r.observed().state();
            jails.report(node, r.containerId(), r.appliedGeneration(), state,
                    r.observed() == null ? null : Json.encodeToString(r.observed()),
                    r.failure() == null ? null : Json.encodeToString(r.failure()), now);
        }
        for (LogBatch b : logs) {
            if (!mine.containsKey(b.containerId()) || b.lines().isEmpty()) {
                continue;
            }
            List<LogRow> rows = b.lines().stream().map(l -> new LogRow(0, l.time(), "STDERR".equals(l.stream()) ? "STDERR" : "STDOUT",
                    l.text().length() > MAX_LINE_CHARS ? l.text().substring(0, MAX_LINE_CHARS) : l.text())).toList();
            Instant through = rows.stream().map(LogRow::at).max(Instant::compareTo).orElse(now);
            jails.appendLogs(b.containerId(), rows, through, runtime.settings().logLinesKept());
        }
        jails.deleteConfirmedRemovals(node);
        if (!reports.isEmpty()) {
            runtime.changed(); // actions waiting for this node look again (after this transaction commits, within their poll)
        }
        Duration wait = Duration.ofMillis(body.waitMillis() == null ? 0 : body.waitMillis());
        // The wait happens after this request's transaction, so a waiting node holds no connection.
        return Reply.streamed("application/json", ctx -> answerSync(ctx, node, wait));
    }

    private static boolean isState(String s) {
        for (var v : dev.roost.core.deploy.ObservedContainer.State.values()) {
            if (v.name().equals(s)) {
                return true;
            }
        }
        return false;
    }

    private void answerSync(Context ctx, UUID node, Duration wait) throws Exception {
        // The request's transaction has committed by now: tell waiting actions again.
        runtime.changed();
        long deadline = System.nanoTime() + wait.toNanos();
        SyncAnswer answer;
        while (true) {
            long seen = runtime.changeCount();
            answer = assignment(node);
            boolean work = !answer.calls().isEmpty() || pendingChange(node);
            long left = deadline - System.nanoTime();
            if (work || left <= 0) {
                break;
            }
            try {
                runtime.awaitChange(seen, Duration.ofNanos(Math.min(left, Duration.ofMillis(500).toNanos())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        ctx.result(Json.encode(answer));
    }

    private boolean pendingChange(UUID node) {
        return runtime.read(s -> s.nodeJails().ofNode(node)).stream().anyMatch(j -> j.appliedGeneration() < j.generation()
                && (j.failureJson() == null || !failedAt(j)));
    }

    private static boolean failedAt(Jail j) {
        JailDocuments.Failure f = Json.decode(j.failureJson().getBytes(StandardCharsets.UTF_8), JailDocuments.Failure.class);
        return f.generation() >= j.generation();
    }

    private SyncAnswer assignment(UUID node) {
        List<Jail> rows = runtime.read(s -> s.nodeJails().ofNode(node));
        List<Assignment> jails = new ArrayList<>(rows.size());
        for (Jail j : rows) {
            JailSpec spec = Json.decode(j.specJson().getBytes(StandardCharsets.UTF_8), JailSpec.class);
            boolean acting = j.appliedGeneration() < j.generation() && NodeRuntime.RUNNING.equals(j.desired())
                    && (j.failureJson() == null || !failedAt(j));
            // Values go only to a node that has the jail to make (a start of an existing jail reuses what it holds).
            boolean making = j.observedState() == null || NodeRuntime.MISSING.equals(j.observedState());
            Map<String, String> secrets = acting && making ? runtime.secretsFor(j, spec) : null;
            jails.add(new Assignment(j.containerId(), NodeRuntime.localId(j.containerId()), j.generation(), j.desired(), j.replica(), spec,
                    secrets, j.logsThrough()));
        }
        List<CallSpec> calls = runtime.read(s -> s.nodeJails().pendingCalls(node, runtime.clock().instant())).stream()
                .map(c -> Json.decode(c.bodyJson().getBytes(StandardCharsets.UTF_8), CallSpec.class)).toList();
        return new SyncAnswer(jails, calls);
    }

    private Object instances(Call call) {
        UUID node;
        try {
            node = UUID.fromString(call.path("id"));
        } catch (IllegalArgumentException e) {
            throw RoostException.notFound("Node " + Json.abbreviate(call.path("id")));
        }
        call.session().nodes().find(node).orElseThrow(() -> RoostException.notFound("Node " + node));
        return call.session().nodeJails().ofNode(node).stream().filter(j -> !NodeRuntime.REMOVED.equals(j.desired())).map(j -> {
            JailSpec spec = Json.decode(j.specJson().getBytes(StandardCharsets.UTF_8), JailSpec.class);
            return new JailDocuments.NodeInstance(spec.workspace(), spec.instance(), spec.version(), j.replica(), j.containerId(),
                    j.desired(), j.observedState() == null ? "PENDING" : j.observedState());
        }).toList();
    }

    private Object answer(Call call) {
        UUID id;
        try {
            id = UUID.fromString(call.path("id"));
        } catch (IllegalArgumentException e) {
            throw RoostException.notFound("Call " + Json.abbreviate(call.path("id")));
        }
        CallAnswer body = call.body(CallAnswer.class);
        new Checks().that(body.detail() == null || body.detail().length() <= 4096, "/detail", "must be at most 4096 characters")
                .throwIfAny();
        UUID node = call.principal().nodeId();
        NodeJailRepository jails = call.session().nodeJails();
        var found = jails.findCall(id).filter(c -> c.nodeId().equals(node));
        if (found.isEmpty()) {
            throw RoostException.notFound("Call " + id);
        }
        boolean recorded = jails.answerCall(id, node, Json.encodeToString(body), call.now());
        if (recorded && "REMOVE_VOLUMES".equals(found.get().kind())) {
            CallSpec spec = Json.decode(found.get().bodyJson().getBytes(StandardCharsets.UTF_8), CallSpec.class);
            jails.removeVolumeHolder(spec.instanceId(), node);
        }
        runtime.changed();
        return new Answered(recorded);
    }
}
