package dev.roost.sandbox.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EgressSettingsTest {

    @Test
    void defaults_work_and_the_environment_overrides_them() {
        EgressSettings d = EgressSettings.fromEnvironment(Map.of());
        assertThat(d).isEqualTo(EgressSettings.defaults());
        assertThat(d.gateway()).isEmpty();
        assertThat(d.bridge()).isEqualTo(EgressSettings.Bridge.AUTO);

        EgressSettings s = EgressSettings.fromEnvironment(Map.of("ROOST_EGRESS_GATEWAY", "http://127.0.0.1:7070/v1",
                "ROOST_EGRESS_SOCKET_DIR", "/run/roost", "ROOST_EGRESS_BRIDGE", "java", "ROOST_EGRESS_IDLE_TIMEOUT_SECONDS", "30",
                "ROOST_EGRESS_MAX_CONNECTIONS_PER_JOB", "8"));
        assertThat(s.gateway()).contains(new EgressSettings.HostPort("127.0.0.1", 7070));
        assertThat(s.socketDirectory()).isEqualTo(Path.of("/run/roost"));
        assertThat(s.bridge()).isEqualTo(EgressSettings.Bridge.JAVA);
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxConnectionsPerJob()).isEqualTo(8);
    }

    @Test
    void gateway_addresses() {
        assertThat(EgressSettings.HostPort.parse("gateway.internal:8080")).isEqualTo(new EgressSettings.HostPort("gateway.internal", 8080));
        assertThat(EgressSettings.HostPort.parse("[::1]:7070")).isEqualTo(new EgressSettings.HostPort("::1", 7070));
        assertThat(EgressSettings.HostPort.parse("http://10.0.0.2")).isEqualTo(new EgressSettings.HostPort("10.0.0.2", 80));
        assertThat(EgressSettings.HostPort.parse("http://[::1]:7070/")).isEqualTo(new EgressSettings.HostPort("::1", 7070));
        assertThat(EgressSettings.HostPort.parse("[::1]:7070").toString()).isEqualTo("[::1]:7070");
        for (String bad : new String[] {"https://gw:443", "gw", "gw:", ":80", "gw:0", "gw:x", "http://", "http://u@gw:80"}) {
            assertThatThrownBy(() -> EgressSettings.HostPort.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
