package dev.roost.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerSettingsTest {

    @Test
    void defaults_work_on_one_machine() {
        DockerSettings d = DockerSettings.fromEnvironment(Map.of());

        assertThat(d).isEqualTo(DockerSettings.defaults());
        assertThat(d.host()).isEqualTo("unix:///var/run/docker.sock");
        assertThat(d.user()).isEqualTo("65534:65534");
        assertThat(d.localDaemon()).isTrue();
        assertThat(d.firewall()).isEqualTo(DockerSettings.Firewall.AUTO);
    }

    @Test
    void every_variable_is_read() {
        DockerSettings s = DockerSettings.fromEnvironment(Map.ofEntries(
                Map.entry("DOCKER_HOST", "tcp://docker.internal:2376"),
                Map.entry("ROOST_DOCKER_USER", "1000:1000"),
                Map.entry("ROOST_DOCKER_SECRET_DIR", "/run/roost-secrets"),
                Map.entry("ROOST_GATEWAY_PORT", "9090"),
                Map.entry("ROOST_DOCKER_STOP_GRACE", "30s"),
                Map.entry("ROOST_DOCKER_PULL_TIMEOUT", "2m"),
                Map.entry("ROOST_DOCKER_TMP_SIZE", "128m"),
                Map.entry("ROOST_DOCKER_SUBNET_POOL", "100.72.0.0/16"),
                Map.entry("ROOST_DOCKER_SUBNET_PREFIX", "27"),
                Map.entry("ROOST_DOCKER_FIREWALL", "required")));

        assertThat(s.host()).isEqualTo("tcp://docker.internal:2376");
        assertThat(s.localDaemon()).isFalse();
        assertThat(s.user()).isEqualTo("1000:1000");
        assertThat(s.secretDirectory()).isEqualTo(Path.of("/run/roost-secrets"));
        assertThat(s.gatewayPort()).isEqualTo(9090);
        assertThat(s.stopGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.pullTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.tmpSizeBytes()).isEqualTo(128L << 20);
        assertThat(s.subnetPool()).isEqualTo("100.72.0.0/16");
        assertThat(s.subnetPrefix()).isEqualTo(27);
        assertThat(s.firewall()).isEqualTo(DockerSettings.Firewall.REQUIRED);
    }

    @Test
    void malformed_values_name_their_variable() {
        assertThatThrownBy(() -> DockerSettings.fromEnvironment(Map.of("ROOST_DOCKER_USER", "0:0")))
                .hasMessageContaining("other than 0");
        assertThatThrownBy(() -> DockerSettings.fromEnvironment(Map.of("ROOST_DOCKER_USER", "nobody")))
                .hasMessageContaining("UID:GID");
        assertThatThrownBy(() -> DockerSettings.fromEnvironment(Map.of("ROOST_DOCKER_STOP_GRACE", "ten")))
                .hasMessageContaining("ROOST_DOCKER_STOP_GRACE");
        assertThatThrownBy(() -> DockerSettings.fromEnvironment(Map.of("ROOST_GATEWAY_PORT", "x")))
                .hasMessageContaining("ROOST_GATEWAY_PORT");
        assertThatThrownBy(() -> DockerSettings.fromEnvironment(Map.of("DOCKER_HOST", "/var/run/docker.sock")))
                .hasMessageContaining("unix://");
        assertThatThrownBy(() -> DockerSettings.fromEnvironment(Map.of("ROOST_DOCKER_FIREWALL", "maybe")))
                .hasMessageContaining("Docker runtime settings");
        assertThatThrownBy(() -> DockerSettings.defaults().withLabels(Map.of("roost.managed", "false")))
                .hasMessageContaining("must not start with roost.");
    }
}
