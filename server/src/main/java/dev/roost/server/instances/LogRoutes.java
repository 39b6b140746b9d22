package dev.roost.server.instances;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.FieldError;
import dev.roost.core.error.RoostException;
import dev.roost.core.instance.Instance;
import dev.roost.core.secret.CredentialPattern;
import dev.roost.core.secret.SecretMasker;
import dev.roost.core.secret.SecretValue;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.LogRequest;
import dev.roost.runtime.LogStream;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.Json;
import dev.roost.server.http.Reply;
import dev.roost.server.gateway.ManagedKeys;
import dev.roost.store.secrets.SecretMetadata;
import dev.roost.store.secrets.SecretStore;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instance's container output: the last lines as JSON, or followed live as server-sent
 * events. Every line passes a {@link SecretMasker} built from the values of the secrets the
 * instance references, so a value the agent prints never leaves the server.
 *
 * <p>Reading logs needs OPERATOR: container output routinely carries user data (chat messages,
 * prompts, documents), which VIEWERs, who see only configuration and status, are not meant to read.
 */
public final class LogRoutes {
    private static final Logger log = LoggerFactory.getLogger(LogRoutes.class);
    static final int DEFAULT_TAIL = 100;
    static final int MAX_TAIL = 10_000;
    /** Longer lines are cut (after masking, so a cut never exposes part of a value). */
    static final int MAX_LINE_CHARS = 16 * 1024;
    private static final Duration READ_DEADLINE = Duration.ofSeconds(10);
    private static final String EVENT_STREAM = "text/event-stream";

    private final Optional<Runtime> runtime;
    private final SecretStore secrets;
    private final ManagedKeys managedKeys;
    private static final String VIRTUAL_KEY_MARK = "roost_vk_";
    private final Duration heartbeat;

    /**
     * @param heartbeat how long a followed stream may stay silent before a comment line keeps it
     *                  (and proxies on the way) from timing out; also how soon a gone client is noticed
     */
    public LogRoutes(Optional<Runtime> runtime, SecretStore secrets, ManagedKeys managedKeys, Duration heartbeat) {
        this.managedKeys = requireNonNull(managedKeys, "managedKeys is null");
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.heartbeat = requireNonNull(heartbeat, "heartbeat is null");
    }

    /** One line as the API returns it. */
    public record LogLineView(Instant time, String stream, int replica, String text) {
    }

    /** The answer without {@code follow}: which container was read, and its last lines, oldest first. */
    public record LogPage(String instance, int replica, int version, String containerId, String state, List<LogLineView> lines) {
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.get("/api/v1/workspaces/{ws}/instances/{name}/logs", Access.workspace(Role.OPERATOR),
                        "Container output, secret values masked; ?follow=true (or Accept: text/event-stream) streams it as "
                                + "server-sent events", this::logs)
                .query("tail", "how many of the last lines to return, 0 to " + MAX_TAIL + " (default " + DEFAULT_TAIL + ")")
                .query("follow", "true: keep the connection open and send new lines as server-sent events")
                .query("replica", "which replica to read (default: the lowest-numbered running one)")
                .returns(LogPage.class));
    }

    private Object logs(Call call) {
        int tail = call.queryInt("tail", DEFAULT_TAIL, 0, MAX_TAIL);
        OptionalInt replica = call.query("replica").isPresent() ? OptionalInt.of(call.queryInt("replica", 0, 0, 999))
                : OptionalInt.empty();
        boolean follow = follow(call);
        Instance instance = call.session().instances().find(call.workspace().id(), call.path("name"))
                .orElseThrow(() -> RoostException.notFound("Instance " + Json.abbreviate(call.path("name"))));
        Runtime rt = runtime.orElseThrow(() -> new RoostException(ErrorCode.RUNTIME_UNAVAILABLE,
                "This Roost server runs no runtime (setting runtime=none, or no Docker daemon was found), so instance "
                        + instance.name() + " has no logs. Start the server with a runtime, e.g. roost up --runtime docker."));
        ObservedContainer container = choose(instance, observe(rt, instance), replica);
        SecretMasker masker = masker(call, instance, container);
        LogStream stream = null;
        boolean handedOver = false;
        try {
            stream = rt.logs(container.containerId(), new LogRequest(tail, follow));
            if (!follow) {
                return new LogPage(instance.name(), container.replica(), container.version(), container.containerId(),
                        container.state().name(), read(stream, masker, container.replica(), tail));
            }
            LogStream owned = stream;
            Reply reply = Reply.streamed(EVENT_STREAM, ctx -> stream(ctx, owned, masker, instance.name(), container))
                    .withHeader("X-Accel-Buffering", "no");
            handedOver = true; // the streamed body closes both when it ends
            return reply;
        } catch (RuntimeFailure e) {
            throw translate(e, instance);
        } finally {
            if (!handedOver) {
                masker.close();
                if (stream != null) {
                    stream.close();
                }
            }
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

    private static List<ObservedContainer> observe(Runtime rt, Instance instance) {
        try {
            return rt.observe(instance.id());
        } catch (RuntimeFailure e) {
            throw translate(e, instance);
        }
    }

    /**
     * The container to read: of the given replica, or any; running before stopped, newer
     * versions before older, lower replica numbers first. A stopped container is still read,
     * so the last words of a crashed agent can be seen.
     */
    static ObservedContainer choose(Instance instance, List<ObservedContainer> containers, OptionalInt replica) {
        if (containers.isEmpty()) {
            throw new RoostException(ErrorCode.INSTANCE_NOT_RUNNING, "Instance " + instance.name()
                    + " has no container yet, so there is nothing to read. Start it (roost start " + instance.name()
                    + ") and see its status with roost describe " + instance.name() + ".");
        }
        List<ObservedContainer> candidates = containers.stream()
                .filter(c -> replica.isEmpty() || c.replica() == replica.getAsInt()).toList();
        if (candidates.isEmpty()) {
            String existing = containers.stream().map(c -> Integer.toString(c.replica())).distinct().sorted()
                    .collect(Collectors.joining(", "));
            throw new RoostException(ErrorCode.NOT_FOUND, "Instance " + instance.name() + " has no replica "
                    + replica.getAsInt() + "; its replicas are " + existing + ".",
                    List.of(new FieldError("/query/replica", "no such replica")));
        }
        return candidates.stream().min(Comparator.comparing((ObservedContainer c) -> !c.running())
                .thenComparing(ObservedContainer::version, Comparator.reverseOrder())
                .thenComparingInt(ObservedContainer::replica)
                .thenComparing(c -> c.startedAt().orElse(Instant.EPOCH), Comparator.reverseOrder())).orElseThrow();
    }

    /**
     * A masker for every secret the instance's current manifest and the container's version
     * reference, among those that still exist. Values are resolved once and closed at once.
     */
    private SecretMasker masker(Call call, Instance instance, ObservedContainer container) {
        Set<String> names = new TreeSet<>();
        for (int version : new TreeSet<>(List.of(instance.currentVersion(), container.version()))) {
            StoredManifests.find(call.session(), instance.id(), version).ifPresent(m -> names.addAll(m.secretReferences()));
        }
        List<SecretValue> values = new ArrayList<>();
        try {
            // The instance's gateway key, in every encoding the masker knows (the pattern in view() catches it plain).
            ManagedKeys.instanceKey(call.session(), instance.id())
                    .flatMap(key -> managedKeys.open(call.session(), call.workspace().id(), key.keyId())).ifPresent(values::add);
            if (!names.isEmpty()) {
                Set<String> existing = secrets.list(call.session(), call.workspace().id()).stream().map(SecretMetadata::name)
                        .collect(Collectors.toSet());
                names.retainAll(existing);
                values.addAll(secrets.resolve(call.session(), call.workspace().id(), names).values());
            }
            return values.isEmpty() ? SecretMasker.none() : SecretMasker.of(values);
        } finally {
            values.forEach(SecretValue::close);
        }
    }

    private static List<LogLineView> read(LogStream stream, SecretMasker masker, int replica, int tail) {
        List<LogLineView> lines = new ArrayList<>(Math.min(tail, 1024));
        long deadline = System.nanoTime() + READ_DEADLINE.toNanos();
        while (lines.size() < tail && System.nanoTime() < deadline) {
            Optional<LogLine> line = stream.next(Duration.ofMillis(200));
            if (line.isPresent()) {
                lines.add(view(line.get(), masker, replica));
            } else if (stream.isFinished()) {
                break;
            }
        }
        return lines;
    }

    private static LogLineView view(LogLine line, SecretMasker masker, int replica) {
        String text = masker.mask(line.text());
        if (text.contains(VIRTUAL_KEY_MARK)) {
            // Any Roost virtual key, the instance's own included (also one replaced since the line was written).
            text = CredentialPattern.ROOST_VIRTUAL_KEY.replaceIn(text, SecretMasker.MASK);
        }
        if (text.length() > MAX_LINE_CHARS) {
            text = text.substring(0, MAX_LINE_CHARS) + " [line cut at " + MAX_LINE_CHARS + " characters]";
        }
        return new LogLineView(line.time(), line.stream().name().toLowerCase(java.util.Locale.ROOT), replica, text);
    }

    /**
     * Writes server-sent events: {@code open} with the container read, one {@code line} event per
     * line (JSON data), a comment as heartbeat after each quiet {@link #heartbeat}, and {@code end}
     * when the container's output ends. A client that goes away ends it at the next write.
     */
    private void stream(Context ctx, LogStream stream, SecretMasker masker, String instance, ObservedContainer container) {
        try (stream; masker) {
            OutputStream out = ctx.res().getOutputStream();
            event(out, "open", Map.of("instance", instance, "replica", container.replica(), "version", container.version(),
                    "containerId", container.containerId(), "state", container.state().name()));
            while (true) {
                Optional<LogLine> line = stream.next(heartbeat);
                if (line.isPresent()) {
                    event(out, "line", view(line.get(), masker, container.replica()));
                } else if (stream.isFinished()) {
                    event(out, "end", Map.of("reason", "the container's output ended"));
                    return;
                } else {
                    out.write(": heartbeat\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (IOException e) {
            log.debug("Log stream of {} ended: the client went away", instance);
        }
    }

    private static void event(OutputStream out, String name, Object data) throws IOException {
        out.write(("event: " + name + "\ndata: " + Json.encodeToString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static RoostException translate(RuntimeFailure e, Instance instance) {
        return switch (e.kind()) {
            case UNAVAILABLE -> new RoostException(ErrorCode.RUNTIME_UNAVAILABLE, "The runtime cannot be reached right now ("
                    + e.getMessage() + "); try again shortly.");
            case NOT_FOUND -> new RoostException(ErrorCode.INSTANCE_NOT_RUNNING, "The container of instance " + instance.name()
                    + " went away while it was being read; try again.");
            default -> new RoostException(ErrorCode.RUNTIME_UNAVAILABLE, "The runtime could not read the logs of instance "
                    + instance.name() + ": " + e.getMessage());
        };
    }
}
