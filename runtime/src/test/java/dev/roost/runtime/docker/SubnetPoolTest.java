package dev.roost.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SubnetPoolTest {

    @Test
    void the_first_subnet_of_an_empty_pool_and_its_gateway() {
        SubnetPool pool = SubnetPool.parse("10.213.0.0/16", 28);

        assertThat(pool.firstFree(List.of())).contains(new SubnetPool.Subnet("10.213.0.0/28", "10.213.0.1"));
    }

    @Test
    void subnets_overlapping_existing_networks_are_skipped() {
        SubnetPool pool = SubnetPool.parse("10.213.0.0/16", 28);

        assertThat(pool.firstFree(List.of("10.213.0.0/28", "10.213.0.16/28", "172.17.0.0/16")).map(SubnetPool.Subnet::cidr))
                .contains("10.213.0.32/28");
        // A wider network covering the start of the pool pushes past its end.
        assertThat(pool.firstFree(List.of("10.213.0.0/24")).map(SubnetPool.Subnet::cidr)).contains("10.213.1.0/28");
        assertThat(pool.firstFree(List.of("not a cidr", "fd00::/64")).map(SubnetPool.Subnet::cidr)).contains("10.213.0.0/28");
    }

    @Test
    void a_full_pool_has_no_free_subnet() {
        SubnetPool pool = SubnetPool.parse("10.213.0.0/27", 28);
        List<String> used = new ArrayList<>(List.of("10.213.0.0/28"));

        Optional<SubnetPool.Subnet> second = pool.firstFree(used);
        assertThat(second.map(SubnetPool.Subnet::cidr)).contains("10.213.0.16/28");
        used.add(second.orElseThrow().cidr());
        assertThat(pool.firstFree(used)).isEmpty();
        assertThat(pool.firstFree(List.of("10.0.0.0/8"))).isEmpty();
    }

    @Test
    void malformed_pools_are_refused_with_the_reason() {
        assertThatThrownBy(() -> SubnetPool.parse("10.213.0.0", 28)).hasMessageContaining("IPv4 range");
        assertThatThrownBy(() -> SubnetPool.parse("10.213.0.1/16", 28)).hasMessageContaining("host bits");
        assertThatThrownBy(() -> SubnetPool.parse("10.213.0.0/16", 12)).hasMessageContaining("prefix");
        assertThatThrownBy(() -> SubnetPool.parse("10.213.0.0/16", 30)).hasMessageContaining("prefix");
        assertThatThrownBy(() -> SubnetPool.parse("300.1.0.0/16", 28)).hasMessageContaining("IPv4 range");
    }
}
