package dev.roost.server.webhooks;

import static java.util.Objects.requireNonNull;

import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.core.instance.Instance;
import dev.roost.core.manifest.AgentManifest;
import dev.roost.core.manifest.Channels;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.PortRef;
import dev.roost.core.manifest.ValidatedManifest;
import dev.roost.core.secret.SecretValue;
import dev.roost.core.workspace.Workspace;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.server.config.WebhookSettings;
import dev.roost.server.http.Access;
import dev.roost.server.http.ApiRoute;
import dev.roost.server.http.Call;
import dev.roost.server.http.HttpApi;
import dev.roost.server.http.Json;
import dev.roost.server.http.Reply;
import dev.roost.server.instances.StoredManifests;
import dev.roost.store.Database;
import dev.roost.store.secrets.SecretStore;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inbound webhooks: {@code POST /hooks/{ws}/{instance}/<path>} receives a call for an instance
 * whose manifest has {@code spec.network.inbound: WEBHOOK} and a channel on that path, checks the
 * sender's signature ({@link WebhookSignatures}), and relays it to the instance's container over
 * the runtime's private network ({@link Runtime#endpoint}); no container port is ever published
 * on the host. The container's answer goes back to the sender.
 *
 * <p>Paths: the generic webhook channel's {@code path}; {@code /slack/events} for a Slack app on
 * the Events API; {@code /telegram} for a Telegram bot in WEBHOOK mode. Unsigned or badly signed
 * calls are answered 401 and never forwarded; they are logged without body or signature.
 *
 * <p>No transaction is held while the container answers: the route is not a mutation (it
 * changes nothing in Roost) and reads the database in its own short session.
 */
public final class WebhookRoutes {
    private static final Logger log = LoggerFactory.getLogger(WebhookRoutes.class);
    public static final String PATH = "/hooks/{ws}/{instance}/<path>";
    static final String SLACK_PATH = "/slack/events";
    static final String TELEGRAM_PATH = "/telegram";
    private static final int MAX_TRACKED_BUCKETS = 50_000;
    private static final List<String> FORWARDED_HEADERS = List.of("Content-Type", WebhookSignatures.ROOST_TIMESTAMP,
            WebhookSignatures.ROOST_SIGNATURE, WebhookSignatures.SLACK_TIMESTAMP, WebhookSignatures.SLACK_SIGNATURE,
            "X-Slack-Retry-Num", "X-Slack-Retry-Reason", WebhookSignatures.TELEGRAM_TOKEN);

    private final Database database;
    private final SecretStore secrets;
    private final Optional<Runtime> runtime;
    private final WebhookSettings settings;
    private final MeterRegistry meters;
    private final Clock clock;
    private final HttpClient http;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public WebhookRoutes(Database database, SecretStore secrets, Optional<Runtime> runtime, WebhookSettings settings,
            MeterRegistry meters, Clock clock) {
        this.database = requireNonNull(database, "database is null");
        this.secrets = requireNonNull(secrets, "secrets is null");
        this.runtime = requireNonNull(runtime, "runtime is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.meters = requireNonNull(meters, "meters is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout().compareTo(Duration.ofSeconds(5)) < 0 ? settings.timeout() : Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Which channel a call came in on, and so how it is signed. */
    enum Channel {
        WEBHOOK, SLACK, TELEGRAM;

        String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What a call is delivered to, found from the URL and the instance's current manifest. */
    private record Target(Workspace workspace, Instance instance, AgentManifest manifest, Channel channel, String path,
            Optional<PortRef> port, byte[] key) {
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.post(PATH, Access.SENDER_SIGNATURE,
                "Receive a signed webhook call for an instance and relay it to the instance (see docs/webhooks.md)",
                this::receive));
    }

    private Object receive(Call call) {
        String ws = call.path("ws");
        String name = call.path("instance");
        String path = "/" + call.path("path");
        limitRate(ws, name);
        String declaredLength = call.header("Content-Length");
        if (declaredLength != null && declaredLength.matches("\\d{1,18}") && Long.parseLong(declaredLength) > settings.maxBodyBytes()) {
            throw reject(null, "too_large", tooLarge());
        }
        byte[] body = call.bodyBytes();
        if (body.length > settings.maxBodyBytes()) {
            throw reject(null, "too_large", tooLarge());
        }
        Target target = database.read(session -> find(session, ws, name, path));
        try {
            Function<String, String> headers = call::header;
            Optional<String> refused = switch (target.channel()) {
                case WEBHOOK -> WebhookSignatures.checkRoost(target.key(), headers, body, clock.instant());
                case SLACK -> WebhookSignatures.checkSlack(target.key(), headers, body, clock.instant());
                case TELEGRAM -> WebhookSignatures.checkTelegram(target.key(), target.workspace().name(),
                        target.instance().name(), headers);
            };
            if (refused.isPresent()) {
                throw reject(target, "signature", new RoostException(ErrorCode.WEBHOOK_SIGNATURE_INVALID,
                        "The call was not forwarded: " + refused.get() + ". See docs/webhooks.md for how to sign calls."));
            }
        } finally {
            Arrays.fill(target.key(), (byte) 0);
        }
        Reply reply = forward(call, target, body);
        count(target.channel(), "accepted", "forwarded");
        return reply;
    }

    private void limitRate(String ws, String name) {
        if (buckets.size() > MAX_TRACKED_BUCKETS) {
            buckets.clear(); // forgets limits, never adds any
        }
        Bucket bucket = buckets.computeIfAbsent(ws + "/" + name, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(settings.burst())
                        .refillGreedy(settings.ratePerSecond(), Duration.ofSeconds(1)).build())
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds() + 1);
            count(null, "rejected", "rate_limited");
            throw new RoostException(ErrorCode.RATE_LIMITED, "Too many webhook calls for this instance (at most "
                    + settings.ratePerSecond() + " per second). Retry after " + seconds + " seconds.", List.of(),
                    Map.of("retryAfterSeconds", seconds));
        }
    }

    private RoostException tooLarge() {
        return new RoostException(ErrorCode.BODY_TOO_LARGE, "Webhook bodies may be at most " + settings.maxBodyBytes()
                + " bytes.");
    }

    /** The instance and channel the call is for, with the key to check it; 404 for anything that does not take it. */
    private Target find(dev.roost.store.Session session, String ws, String name, String path) {
        RoostException notFound = new RoostException(ErrorCode.NOT_FOUND, "No instance takes webhook calls at "
                + Json.abbreviate("/hooks/" + ws + "/" + name + path) + ".");
        Workspace workspace = session.workspaces().findByName(ws).orElseThrow(() -> reject(null, "not_found", notFound));
        Instance instance = session.instances().find(workspace.id(), name).orElseThrow(() -> reject(null, "not_found", notFound));
        ValidatedManifest validated = StoredManifests.find(session, instance.id(), instance.currentVersion())
                .orElseThrow(() -> reject(null, "not_found", notFound));
        AgentManifest manifest = validated.manifest();
        if (manifest.spec().network().inbound() != Network.Inbound.WEBHOOK) {
            throw reject(null, "not_found", notFound);
        }
        Channels channels = manifest.spec().channels();
        String secretName;
        Channel channel;
        Optional<PortRef> port = Optional.empty();
        Optional<Channels.Webhook> webhook = channels.webhook().filter(w -> w.path().equals(path));
        if (webhook.isPresent()) {
            channel = Channel.WEBHOOK;
            secretName = webhook.get().signingSecret().name();
            port = webhook.get().port();
        } else if (path.equals(SLACK_PATH) && channels.slack().filter(Channels.Slack::receivesEvents)
                .flatMap(Channels.Slack::signingSecret).isPresent()) {
            channel = Channel.SLACK;
            secretName = channels.slack().orElseThrow().signingSecret().orElseThrow().name();
        } else if (path.equals(TELEGRAM_PATH) && channels.telegram()
                .filter(t -> t.mode() == Channels.Telegram.Mode.WEBHOOK).isPresent()) {
            channel = Channel.TELEGRAM;
            secretName = channels.telegram().orElseThrow().botToken().name();
        } else {
            throw reject(null, "not_found", notFound);
        }
        Map<String, SecretValue> values;
        try {
            values = secrets.resolve(session, workspace.id(), List.of(secretName));
        } catch (RoostException e) {
            throw reject(null, "no_secret", new RoostException(ErrorCode.WEBHOOK_TARGET_UNAVAILABLE, "Instance " + name
                    + " cannot check webhook signatures: its signing secret " + secretName + " does not exist."));
        }
        try (SecretValue value = values.get(secretName)) {
            return new Target(workspace, instance, manifest, channel, path, port, value.bytes().clone());
        }
    }

    private Reply forward(Call call, Target target, byte[] body) {
        Runtime rt = runtime.orElseThrow(() -> unavailable(target, "this server runs no runtime"));
        List<ObservedContainer> running;
        try {
            running = rt.observe(target.instance().id()).stream().filter(ObservedContainer::running).toList();
        } catch (RuntimeFailure e) {
            throw unavailable(target, "the runtime cannot be reached");
        }
        int newest = running.stream().mapToInt(ObservedContainer::version).max()
                .orElseThrow(() -> unavailable(target, "it has no running container"));
        List<ObservedContainer> current = running.stream().filter(c -> c.version() == newest)
                .sorted(Comparator.comparingInt(ObservedContainer::replica)).toList();
        ObservedContainer container = current.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(current.size()));
        WorkloadSpec spec = WorkloadSpec.of(target.instance().id(), target.instance().currentVersion(), target.manifest());
        Optional<Integer> port = target.port().isPresent() ? spec.resolvePort(target.port().get())
                : target.manifest().spec().network().ports().stream().map(Network.Port::port).findFirst();
        if (port.isEmpty()) {
            throw unavailable(target, "its manifest declares no port to deliver to");
        }
        InetSocketAddress address;
        try {
            address = rt.endpoint(container.containerId(), port.get())
                    .orElseThrow(() -> unavailable(target, "the runtime offers no address for its port " + port.get()));
        } catch (RuntimeFailure e) {
            throw unavailable(target, "the runtime cannot be reached");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(address, target.path()))
                .timeout(settings.timeout())
                .header("User-Agent", "roost-webhook")
                .header(HttpApi.REQUEST_ID_HEADER, call.requestId())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (String header : FORWARDED_HEADERS) {
            String value = call.header(header);
            if (value != null) {
                request.header(header, value);
            }
        }
        try {
            HttpResponse<InputStream> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] answerBody;
            try (InputStream in = answer.body()) {
                answerBody = in.readNBytes(settings.maxBodyBytes() + 1);
            }
            if (answerBody.length > settings.maxBodyBytes()) {
                throw failed(target, "too_large_answer", new RoostException(ErrorCode.WEBHOOK_TARGET_FAILED, "Instance "
                        + target.instance().name() + " answered with more than " + settings.maxBodyBytes() + " bytes."));
            }
            String type = answer.headers().firstValue("Content-Type").orElse("application/octet-stream");
            return new Reply(answer.statusCode(), null, type, answerBody, Map.of());
        } catch (HttpTimeoutException e) {
            throw failed(target, "timeout", new RoostException(ErrorCode.WEBHOOK_TARGET_TIMEOUT, "Instance "
                    + target.instance().name() + " did not answer within " + settings.timeout().toSeconds() + " seconds."));
        } catch (ConnectException e) {
            throw unavailable(target, "nothing listens on its port " + port.get() + " yet");
        } catch (IOException e) {
            throw failed(target, "io", new RoostException(ErrorCode.WEBHOOK_TARGET_FAILED, "The connection to instance "
                    + target.instance().name() + " broke before it answered."));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(target, "interrupted", new RoostException(ErrorCode.WEBHOOK_TARGET_FAILED, "The server is stopping."));
        }
    }

    private static URI uri(InetSocketAddress address, String path) {
        String host = address.getHostString();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort() + path);
    }

    private RoostException unavailable(Target target, String why) {
        return failed(target, "unavailable", new RoostException(ErrorCode.WEBHOOK_TARGET_UNAVAILABLE, "Instance "
                + target.instance().name() + " cannot take webhook calls right now: " + why + ". Try again later."));
    }

    private RoostException failed(Target target, String reason, RoostException error) {
        count(target.channel(), "failed", reason);
        log.warn("Webhook call for {}/{} not delivered: {}", target.workspace().name(), target.instance().name(), error.getMessage());
        return error;
    }

    /** Counts and logs a refused call; never logs the body or any signature header. */
    private RoostException reject(Target target, String reason, RoostException error) {
        count(target == null ? null : target.channel(), "rejected", reason);
        if (target != null) {
            log.info("Webhook call for {}/{} ({}) rejected: {}", target.workspace().name(), target.instance().name(),
                    target.channel().tag(), error.getMessage());
        }
        return error;
    }

    private void count(Channel channel, String outcome, String reason) {
        meters.counter("roost.webhooks", "channel", channel == null ? "unknown" : channel.tag(), "outcome", outcome,
                "reason", reason).increment();
    }
}
