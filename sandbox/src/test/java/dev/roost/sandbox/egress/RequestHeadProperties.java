package dev.roost.sandbox.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever a job sends, the parser answers with a head it can judge or a bad request: never another failure, never an unchecked host. */
class RequestHeadProperties {

    @Property(tries = 3000)
    void hostile_heads_are_parsed_or_refused(@ForAll("heads") String head) throws Exception {
        RequestHead parsed;
        try {
            parsed = RequestHead.read(new ByteArrayInputStream(head.getBytes(StandardCharsets.ISO_8859_1)), 4096);
        } catch (RequestHead.BadRequest | EOFException refused) {
            return;
        }
        assertThat(parsed.host()).matches("[a-z0-9.-]{1,253}|[0-9a-f:.]{2,45}");
        assertThat(parsed.port()).isBetween(1, 65535);
        if (!parsed.isConnect()) {
            assertThat(parsed.path()).startsWith("/").doesNotContain(" ", "\r", "\n");
        }
    }

    @Provide
    Arbitrary<String> heads() {
        Arbitrary<String> method = Arbitraries.of("GET", "CONNECT", "POST", "get", "", "G ET");
        Arbitrary<String> target = Arbitraries.oneOf(
                Arbitraries.of("http://allowed.test/", "allowed.test:443", "http://[::1]:80/", "http://a@b/", "http://allowed.test:0/",
                        "http://allowed.test:65536/", "http://ALLOWED.test./x?y#z", "/", "*", "http://", "http://:80/", "[::1]:443"),
                Arbitraries.strings().withChars("ahttp:/[]@.?#%0-9 \r\n\0").ofMaxLength(30));
        Arbitrary<String> version = Arbitraries.of("HTTP/1.1", "HTTP/1.0", "HTTP/2", "", "HTTP/1.1 x");
        Arbitrary<String> header = Arbitraries.oneOf(Arbitraries.of("Host: a", "X: y", ": v", "Bad", "X:\u0001"),
                Arbitraries.strings().withChars("aX:-\r\n\t \0").ofMaxLength(20));
        return net.jqwik.api.Combinators.combine(method, target, version, header.list().ofMaxSize(4))
                .as((m, t, v, h) -> m + " " + t + " " + v + "\r\n" + String.join("\r\n", h) + "\r\n\r\n");
    }
}
