package dev.roost.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.sun.net.httpserver.HttpServer;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.core.deploy.RuntimeAction;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Network;
import dev.roost.core.manifest.RuntimeSpec;
import dev.roost.core.manifest.Volume;
import dev.roost.core.secret.SecretValue;
import dev.roost.runtime.RuntimeFailure;
import dev.roost.runtime.SecretSource;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.fail;

/**
 * What Docker containers made by Roost cannot do: write their image, hold capabilities, run as
 * root, reach the network they were not given, read another instance's secrets, outgrow their
 * limits. Checked from inside real containers.
 */
class DockerIsolationTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static HttpServer gateway;
    private static HttpServer otherService;
    private static DockerRuntime runtime;
    private static DockerClient client;
    private final List<UUID> instances = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        // A stand-in for Roost's gateway, and another service on the host no container may reach.
        gateway = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 10);
        gateway.createContext("/", exchange -> {
            byte[] body = "gateway ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        gateway.start();
        otherService = HttpServer.create(new InetSocketAddress("0.0.0.0", 0), 10);
        otherService.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        otherService.start();
        runtime = DockerRuntime.connect(DockerTestSupport.settings().withGatewayPort(gateway.getAddress().getPort()));
        client = DockerTestSupport.client();
    }

    @BeforeEach
    void dockerAnswers() {
        DockerTestSupport.requireDocker();
    }

    @AfterEach
    void cleanUp() {
        if (DockerTestSupport.usable()) {
            DockerTestSupport.cleanUp(client, instances);
        }
        instances.clear();
    }

    @AfterAll
    static void stop() throws IOException {
        if (gateway != null) {
            gateway.stop(0);
            otherService.stop(0);
        }
        if (client != null) {
            if (DockerTestSupport.usable()) {
                DockerTestSupport.cleanUpRun(client);
            }
            client.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    private WorkloadSpec spec(Network network, OptionalLong memory, long pids, List<String> command,
                              Map<String, String> secretEnv, Map<String, String> secretFiles) {
        UUID id = UUID.randomUUID();
        instances.add(id);
        return new WorkloadSpec(id, "acme", "bot", 1, DockerTestSupport.IMAGE, RuntimeSpec.PullPolicy.NEVER, command,
                new TreeMap<>(), new TreeMap<>(secretEnv), new TreeMap<>(secretFiles), OptionalLong.of(500), memory, pids, 1,
                List.of(new Volume("data", "/data", Volume.DEFAULT_SIZE_BYTES)), network, Optional.empty());
    }

    private WorkloadSpec spec(Network.Inbound inbound, Network.Egress egress) {
        return spec(new Network(inbound, egress, List.of(), List.of()), OptionalLong.of(64L << 20), WorkloadSpec.DEFAULT_PIDS_LIMIT,
                List.of(), Map.of(), Map.of());
    }

    private String create(WorkloadSpec spec, SecretSource secrets) {
        return runtime.apply(new RuntimeAction.CreateContainer(spec, 0, "test"), secrets).orElseThrow();
    }

    private DockerTestSupport.ExecOutput sh(String containerId, String script) {
        return DockerTestSupport.exec(client, containerId, "sh", "-c", script);
    }

    private static SecretSource secrets(Map<String, String> values) {
        return names -> {
            Map<String, SecretValue> resolved = new HashMap<>();
            for (String name : names) {
                resolved.put(name, SecretValue.wrap(values.get(name).getBytes(StandardCharsets.UTF_8)));
            }
            return resolved;
        };
    }

    private static void requireFirewall() {
        if (!runtime.firewallActive()) {
            String why = "Roost's host firewall is not active here (it needs iptables and root); the network isolation tests need it";
            if ("1".equals(System.getenv("ROOST_REQUIRE_DOCKER"))) {
                fail(why);
            }
            Assumptions.abort(why);
        }
    }

    // ---- the container itself -----------------------------------------------------------

    @Test
    void the_root_filesystem_is_read_only_and_tmp_and_volumes_are_writable() {
        String id = create(spec(Network.Inbound.NONE, Network.Egress.NONE), SecretSource.NONE);

        DockerTestSupport.ExecOutput root = sh(id, "echo x > /bin/planted");
        assertThat(root.exitCode()).isNotZero();
        assertThat(root.output()).containsIgnoringCase("read-only");
        assertThat(sh(id, "echo x > /tmp/ok && cat /tmp/ok").output().strip()).isEqualTo("x");
        assertThat(sh(id, "df -k /tmp | tail -1").output()).contains(Long.toString((64L << 20) / 1024));
        assertThat(sh(id, "echo kept > /data/file && cat /data/file").output().strip()).as("the volume is writable").isEqualTo("kept");
    }

    @Test
    void the_process_has_no_capabilities_and_is_not_root() {
        String id = create(spec(Network.Inbound.NONE, Network.Egress.NONE), SecretSource.NONE);

        String status = sh(id, "cat /proc/self/status").output();
        assertThat(status).containsPattern("CapEff:\\s+0000000000000000").containsPattern("CapPrm:\\s+0000000000000000")
                .containsPattern("CapBnd:\\s+0000000000000000").containsPattern("NoNewPrivs:\\s+1");
        assertThat(sh(id, "id -u; id -g").output().lines().toList()).containsExactly("65534", "65534");
        assertThat(sh(id, "cat /proc/1/status | grep '^Uid'").output()).doesNotContainPattern("Uid:\\s+0\\s");
    }

    @Test
    void memory_is_limited_without_swap_and_an_oom_kill_is_observed() {
        WorkloadSpec spec = spec(new Network(Network.Inbound.NONE, Network.Egress.NONE, List.of(), List.of()),
                OptionalLong.of(16L << 20), WorkloadSpec.DEFAULT_PIDS_LIMIT, List.of("sh", "-c", "tail /dev/zero"), Map.of(), Map.of());

        String id = create(spec, SecretSource.NONE);

        InspectContainerResponse inspect = client.inspectContainerCmd(id).exec();
        assertThat(inspect.getHostConfig().getMemory()).isEqualTo(16L << 20);
        assertThat(inspect.getHostConfig().getMemorySwap()).isEqualTo(16L << 20);
        await().atMost(WAIT).untilAsserted(() -> {
            ObservedContainer c = runtime.observe(spec.instanceId()).getFirst();
            assertThat(c.state()).isEqualTo(ObservedContainer.State.EXITED);
            assertThat(c.oomKilled()).isTrue();
            assertThat(c.exitCode()).contains(137);
        });
    }

    @Test
    void the_pid_limit_stops_a_fork_bomb() {
        WorkloadSpec spec = spec(new Network(Network.Inbound.NONE, Network.Egress.NONE, List.of(), List.of()),
                OptionalLong.of(64L << 20), 16, List.of(), Map.of(), Map.of());
        String id = create(spec, SecretSource.NONE);

        DockerTestSupport.ExecOutput bomb = sh(id, "i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo spawned all");

        assertThat(bomb.output()).contains("can't fork").doesNotContain("spawned all");
        assertThat(client.inspectContainerCmd(id).exec().getHostConfig().getPidsLimit()).isEqualTo(16L);
    }

    // ---- network ------------------------------------------------------------------------

    @Test
    void without_egress_the_container_sees_only_loopback_and_reaches_nothing() throws IOException {
        String id = create(spec(Network.Inbound.NONE, Network.Egress.NONE), SecretSource.NONE);
        String host = hostAddress();

        assertThat(sh(id, "ls /sys/class/net").output().strip()).isEqualTo("lo");
        DockerTestSupport.ExecOutput reach = sh(id, "timeout 3 wget -q -O - http://" + host + ":" + gateway.getAddress().getPort() + "/");
        assertThat(reach.exitCode()).isNotZero();
        assertThat(reach.output()).doesNotContain("gateway ok");
        assertThat(DockerTestSupport.environmentOf(client, id, DockerRuntime.GATEWAY_URL_ENV)).isEmpty();
        assertThat(runtime.endpoint(id, 8080)).isEmpty();
    }

    @Test
    void with_gateway_egress_the_container_reaches_the_gateway_and_nothing_else() {
        String id = create(spec(Network.Inbound.NONE, Network.Egress.GATEWAY_ONLY), SecretSource.NONE);
        String other = create(spec(Network.Inbound.NONE, Network.Egress.GATEWAY_ONLY), SecretSource.NONE);
        requireFirewall();
        String gatewayAddress = sh(id, "grep " + DockerRuntime.GATEWAY_HOST + " /etc/hosts | cut -f1").output().strip();
        String otherAddress = runtime.endpoint(other, 8080).orElseThrow().getHostString();

        assertThat(sh(id, "wget -q -O - \"$" + DockerRuntime.GATEWAY_URL_ENV + "/\"").output()).isEqualTo("gateway ok");
        assertThat(sh(id, "timeout 1 wget -q -O - http://" + gatewayAddress + ":" + otherService.getAddress().getPort() + "/")
                .exitCode()).as("another port of the host").isNotZero();
        assertThat(sh(id, "timeout 1 wget -q -O - http://" + otherAddress + ":8080/healthz").exitCode())
                .as("a container of another instance").isNotZero();
        assertThat(sh(other, "wget -q -O - http://127.0.0.1:8080/healthz").output().strip()).as("the other one is up").isEqualTo("ok");
    }

    @Test
    void webhook_without_egress_can_be_reached_but_cannot_reach_out() throws Exception {
        String id = create(spec(Network.Inbound.WEBHOOK, Network.Egress.NONE), SecretSource.NONE);
        requireFirewall();
        InetSocketAddress endpoint = runtime.endpoint(id, 8080).orElseThrow();
        String bridgeAddress = client.inspectNetworkCmd().withNetworkId("roost-" + instances.getLast() + "-in").exec()
                .getIpam().getConfig().getFirst().getGateway();

        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + endpoint.getHostString() + ":8080/healthz")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.body().strip()).isEqualTo("ok");
        assertThat(DockerTestSupport.environmentOf(client, id, DockerRuntime.GATEWAY_URL_ENV)).isEmpty();
        assertThat(sh(id, "timeout 1 wget -q -O - http://" + bridgeAddress + ":" + gateway.getAddress().getPort() + "/").exitCode())
                .as("not even the gateway").isNotZero();
    }

    @Test
    void network_changes_behind_the_back_are_drift() {
        WorkloadSpec spec = spec(Network.Inbound.NONE, Network.Egress.GATEWAY_ONLY);
        String id = create(spec, SecretSource.NONE);

        client.disconnectFromNetworkCmd().withContainerId(id).withNetworkId("roost-" + spec.instanceId() + "-gw").withForce(true).exec();
        client.updateContainerCmd(id).withMemory(128L << 20).withMemorySwap(128L << 20).exec();

        assertThat(runtime.observe(spec.instanceId()).getFirst().drift()).contains(
                "memory limit is 128 MiB, manifest says 64 MiB",
                "disconnected from its network roost-" + spec.instanceId() + "-gw");
    }

    // ---- secrets ------------------------------------------------------------------------

    @Test
    void one_instance_cannot_read_another_instances_secrets() {
        String canary = "canary-" + UUID.randomUUID();
        WorkloadSpec owner = spec(new Network(Network.Inbound.NONE, Network.Egress.GATEWAY_ONLY, List.of(), List.of()),
                OptionalLong.of(64L << 20), WorkloadSpec.DEFAULT_PIDS_LIMIT, List.of(),
                Map.of("API_TOKEN", "token"), Map.of("/run/secrets/token", "token"));
        String ownerId = create(owner, secrets(Map.of("token", canary)));
        String otherId = create(spec(Network.Inbound.NONE, Network.Egress.GATEWAY_ONLY), SecretSource.NONE);

        assertThat(sh(ownerId, "cat /run/secrets/token").output()).isEqualTo(canary);
        assertThat(sh(ownerId, "stat -c '%a %u' /run/secrets/token").output().strip()).isEqualTo("400 65534");
        assertThat(sh(ownerId, "echo changed > /run/secrets/token").exitCode()).isNotZero();
        assertThat(DockerTestSupport.environmentOf(client, ownerId, "API_TOKEN")).contains(canary);

        assertThat(sh(otherId, "env; cat /run/secrets/token; ls -R /dev/shm /run 2>&1; cat /proc/*/environ 2>/dev/null").output())
                .doesNotContain(canary);
    }

    @Test
    void a_secret_value_appears_in_no_label_name_or_observation_and_its_file_goes_with_the_container() throws IOException {
        String canary = "canary-" + UUID.randomUUID();
        WorkloadSpec spec = spec(new Network(Network.Inbound.WEBHOOK, Network.Egress.GATEWAY_ONLY, List.of(), List.of()),
                OptionalLong.of(64L << 20), WorkloadSpec.DEFAULT_PIDS_LIMIT, List.of(),
                Map.of("API_TOKEN", "token"), Map.of("/run/secrets/token", "token"));
        String id = create(spec, secrets(Map.of("token", canary)));

        InspectContainerResponse inspect = client.inspectContainerCmd(id).exec();
        assertThat(inspect.getName()).doesNotContain(canary);
        assertThat(inspect.getConfig().getLabels().toString()).doesNotContain(canary);
        assertThat(runtime.observe().toString()).doesNotContain(canary);
        assertThat(client.listNetworksCmd().exec().toString()).doesNotContain(canary);
        assertThat(client.listVolumesCmd().exec().toString()).doesNotContain(canary);
        Path secretDir = runtime.settings().secretDirectory().resolve(inspect.getName().substring(1));
        assertThat(secretDir).isDirectory();

        runtime.apply(new RuntimeAction.RemoveContainer(spec.instanceId(), id, "test"), SecretSource.NONE);

        assertThat(Files.exists(secretDir)).as("secret files are removed with the container").isFalse();
        assertThat(client.listNetworksCmd().withNameFilter("roost-" + spec.instanceId()).exec())
                .as("the instance's network goes with its last container").isEmpty();
    }

    @Test
    void a_secret_file_needs_a_local_daemon_and_a_binary_secret_fits_a_file() {
        WorkloadSpec spec = spec(new Network(Network.Inbound.NONE, Network.Egress.NONE, List.of(), List.of()),
                OptionalLong.of(64L << 20), WorkloadSpec.DEFAULT_PIDS_LIMIT, List.of(), Map.of(), Map.of("/run/secrets/key", "key"));
        byte[] binary = {0, (byte) 0xff, 1, (byte) 0xfe};
        String id = create(spec, names -> Map.of("key", SecretValue.wrap(binary.clone())));

        assertThat(sh(id, "od -An -tx1 /run/secrets/key").output().replaceAll("\\s+", "")).isEqualTo("00ff01fe");
    }

    @Test
    void egress_none_with_webhook_is_refused_without_the_firewall() {
        try (DockerRuntime unguarded = DockerRuntime.connect(DockerTestSupport.settings()
                .withFirewall(DockerSettings.Firewall.OFF))) {
            WorkloadSpec spec = spec(Network.Inbound.WEBHOOK, Network.Egress.NONE);
            try {
                unguarded.apply(new RuntimeAction.CreateContainer(spec, 0, "test"), SecretSource.NONE);
                fail("expected INVALID_SPEC");
            } catch (RuntimeFailure e) {
                assertThat(e.kind()).isEqualTo(RuntimeFailure.Kind.INVALID_SPEC);
                assertThat(e.getMessage()).contains("firewall");
            }
            assertThat(unguarded.observe(spec.instanceId())).isEmpty();
        }
    }

    /** A non-loopback IPv4 address of this host, as a container would have to use to reach it. */
    private static String hostAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback() || nic.getName().startsWith(HostFirewall.BRIDGE_PREFIX)) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address) {
                    return address.getHostAddress();
                }
            }
        }
        return "127.0.0.1";
    }
}
