package dev.roost.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.roost.core.deploy.WorkloadSpec;
import dev.roost.core.manifest.Network;
import dev.roost.runtime.LogLine;
import dev.roost.runtime.ProbeResult;
import dev.roost.runtime.Runtime;
import dev.roost.runtime.RuntimeContract;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Docker runtime against a real daemon: the shared contract, plus what only Docker has (endpoints, exec probes). */
class DockerRuntimeContractTest extends RuntimeContract {
    private static DockerRuntime runtime;
    private static DockerClient client;

    @BeforeAll
    static void connect() {
        // Nothing here contacts the daemon: each test checks for it, so a skip is counted and explained per test.
        runtime = DockerRuntime.connect(DockerTestSupport.settings());
        client = DockerTestSupport.client();
    }

    @BeforeEach
    void dockerAnswers() {
        DockerTestSupport.requireDocker();
    }

    @AfterAll
    static void disconnect() throws IOException {
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

    @Override
    protected Runtime runtime() {
        return runtime;
    }

    @Override
    protected String image() {
        return DockerTestSupport.IMAGE;
    }

    @Override
    protected String unhealthyImage() {
        return DockerTestSupport.UNHEALTHY_IMAGE;
    }

    @Override
    protected String missingImage() {
        return DockerTestSupport.MISSING_IMAGE;
    }

    @Override
    protected void exitBehindBack(String containerId, int exitCode) {
        // The test image's main process exits with the code written to /tmp/exit.
        DockerTestSupport.exec(client, containerId, "sh", "-c", "echo " + exitCode + " > /tmp/exit");
    }

    @Override
    protected void killBehindBack(String containerId) {
        client.killContainerCmd(containerId).exec();
    }

    @Override
    protected void removeBehindBack(String containerId) {
        client.removeContainerCmd(containerId).withForce(true).exec();
    }

    @Override
    protected void changeMemoryBehindBack(String containerId, long bytes) {
        client.updateContainerCmd(containerId).withMemory(bytes).withMemorySwap(bytes).exec();
    }

    @Override
    protected void writeLog(String containerId, LogLine.Stream stream, String text) {
        int fd = stream == LogLine.Stream.STDERR ? 2 : 1;
        DockerTestSupport.exec(client, containerId, "sh", "-c", "echo \"$0\" > /proc/1/fd/" + fd, text);
    }

    @Override
    protected Optional<String> environmentOf(String containerId, String name) {
        return DockerTestSupport.environmentOf(client, containerId, name);
    }

    @Override
    protected boolean hasVolumes(UUID instanceId) {
        var volumes = client.listVolumesCmd().withFilter("label", List.of(ContainerLabels.INSTANCE_ID + "=" + instanceId))
                .exec().getVolumes();
        return volumes != null && !volumes.isEmpty();
    }

    @Override
    protected Runtime unavailableRuntime() {
        return DockerRuntime.connect(DockerTestSupport.settings().withHost("unix:///nonexistent/roost-test-docker.sock"));
    }

    @Override
    protected void cleanUp(Collection<UUID> instanceIds) {
        if (client != null && DockerTestSupport.usable()) {
            DockerTestSupport.cleanUp(client, instanceIds);
        }
    }

    // ---- Docker only --------------------------------------------------------------------

    @Test
    void http_probe_without_a_network_runs_inside_the_container() {
        String healthy = create(workload().network(Network.Inbound.NONE, Network.Egress.NONE).spec());
        String unhealthy = create(workload().network(Network.Inbound.NONE, Network.Egress.NONE).image(unhealthyImage()).spec());

        assertThat(runtime.endpoint(healthy, HTTP_PORT)).isEmpty();
        assertThat(runtime.probe(healthy, HEALTHY_HTTP, HTTP_PORT, PROBE_TIMEOUT)).isEqualTo(ProbeResult.healthy("HTTP 2xx"));
        assertThat(runtime.probe(unhealthy, HEALTHY_HTTP, HTTP_PORT, PROBE_TIMEOUT)).isEqualTo(ProbeResult.unhealthy("HTTP 503"));
    }

    @Test
    void a_webhook_reaches_the_container_through_its_endpoint() throws Exception {
        WorkloadSpec spec = workload().network(Network.Inbound.WEBHOOK, Network.Egress.GATEWAY_ONLY).spec();
        String id = create(spec);

        InetSocketAddress endpoint = runtime.endpoint(id, HTTP_PORT).orElseThrow();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://" + endpoint.getHostString() + ":" + endpoint.getPort() + "/cgi-bin/webhook"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"update_id\": 1}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"update_id\": 1}");
    }

    @Test
    void containers_carry_roost_labels_and_the_gateway_address() {
        WorkloadSpec spec = workload().spec();
        String id = create(spec);

        var inspect = client.inspectContainerCmd(id).exec();
        assertThat(inspect.getName()).isEqualTo("/roost-" + spec.instanceId() + "-v1-r0");
        assertThat(inspect.getConfig().getLabels())
                .containsEntry(ContainerLabels.MANAGED, "true")
                .containsEntry(ContainerLabels.INSTANCE_ID, spec.instanceId().toString())
                .containsEntry(ContainerLabels.SPEC_HASH, spec.specHash())
                .containsEntry(ContainerLabels.VERSION, "1")
                .containsEntry(ContainerLabels.REPLICA, "0");
        assertThat(environmentOf(id, DockerRuntime.GATEWAY_URL_ENV))
                .contains("http://" + DockerRuntime.GATEWAY_HOST + ":" + runtime.settings().gatewayPort());
        assertThat(inspect.getHostConfig().getExtraHosts()).singleElement().asString().startsWith(DockerRuntime.GATEWAY_HOST + ":");
        assertThat(inspect.getHostConfig().getRestartPolicy().getName()).isIn("no", "");
        assertThat(inspect.getHostConfig().getPortBindings() == null ? java.util.Map.of()
                : inspect.getHostConfig().getPortBindings().getBindings()).isEmpty();
        assertThat(inspect.getHostConfig().getPublishAllPorts()).isNotEqualTo(Boolean.TRUE);
    }
}
