package dev.roost.sandbox.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SpecialAddressesTest {

    @Test
    void special_purpose_addresses_are_refused() {
        List<String> special = List.of("0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254",
                "127.0.0.1", "127.255.255.254", "169.254.169.254", "169.254.0.1", "172.16.0.1", "172.31.255.255", "192.0.0.8",
                "192.0.2.1", "192.88.99.1", "192.168.0.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9",
                "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
                "::", "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1",
                "64:ff9b:1::1", "100::1", "2001::1", "2001:db8::1", "2002:c000:0204::1", "3fff::1", "fc00::1", "fd12:3456::1",
                "fe80::1", "fec0::1", "ff02::1", "ff05::1:3", "4000::1", "1000::1", "fd00:ec2::254");
        for (String literal : special) {
            assertThat(SpecialAddresses.why(TestNetwork.address(literal))).as(literal).isPresent();
        }
    }

    @Test
    void public_unicast_addresses_are_not() {
        List<String> open = List.of("1.1.1.1", "8.8.8.8", "93.184.215.14", "100.63.255.255", "100.128.0.1", "172.15.255.255",
                "172.32.0.1", "192.167.255.255", "192.169.0.1", "198.17.255.255", "198.20.0.1", "223.255.255.254",
                "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2001:4860:4860::8888", "64:ff9b::808:808", "::ffff:8.8.8.8");
        for (String literal : open) {
            assertThat(SpecialAddresses.why(TestNetwork.address(literal))).as(literal).isEmpty();
        }
    }

    @Test
    void the_metadata_service_is_named_as_such() {
        assertThat(SpecialAddresses.why(TestNetwork.address("169.254.169.254"))).hasValueSatisfying(v -> assertThat(v).contains("metadata"));
        assertThat(SpecialAddresses.why(TestNetwork.address("::ffff:169.254.169.254")))
                .hasValueSatisfying(v -> assertThat(v).contains("metadata", "IPv4-mapped"));
    }

    @Property(tries = 2000)
    void an_ipv4_address_is_judged_the_same_when_carried_in_ipv6(@ForAll @Size(4) byte[] v4) throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(v4, 0, mapped, 12, 4);
        byte[] nat64 = {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, v4[0], v4[1], v4[2], v4[3]};
        boolean special = SpecialAddresses.why(InetAddress.getByAddress(v4)).isPresent();

        assertThat(SpecialAddresses.why(mapped).isPresent()).isEqualTo(special);
        assertThat(SpecialAddresses.why(nat64).isPresent()).isEqualTo(special);
    }
}
