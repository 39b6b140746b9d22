package dev.roost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever a task body puts in {@code egressAllow}, what is accepted is a plain host name or a {@code *.domain}. */
class EgressAllowProperties {

    @Property(tries = 3000)
    void accepted_entries_are_host_names_or_wildcards(@ForAll("hostileEntries") String entry) {
        String accepted;
        try {
            accepted = SandboxJob.checkEgressName(entry);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).doesNotContain("\n", "\r", "\0");
            return;
        }
        assertThat(accepted).matches("(\\*\\.)?[a-z0-9-]+(\\.[a-z0-9-]+)*").hasSizeLessThanOrEqualTo(255);
        String domain = accepted.startsWith("*.") ? accepted.substring(2) : accepted;
        assertThat(domain).hasSizeLessThanOrEqualTo(253).doesNotStartWith("-").doesNotContain("..", "-.", ".-");
        assertThat(domain.substring(domain.lastIndexOf('.') + 1)).as("not an IP address").matches(".*[a-z-].*");
        assertThat(SandboxJob.checkEgressName(accepted)).as("normal form").isEqualTo(accepted);
    }

    @Provide
    Arbitrary<String> hostileEntries() {
        Arbitrary<String> label = Arbitraries.oneOf(
                Arbitraries.of("example", "com", "*", "", "-a", "a-", "xn--bcher-kva", "127", "0x7f", "a_b", "ÄÖ", "a b", "@", ":443"),
                Arbitraries.strings().withChars("aZ09-*_.:/@\n\0 ").ofMinLength(0).ofMaxLength(8),
                Arbitraries.strings().withChars("a").ofLength(64));
        return label.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join(".", parts))
                .flatMap(name -> Arbitraries.of(name, "*." + name, name + ".", "http://" + name, name.toUpperCase()));
    }

    @Example
    void examples() {
        assertThat(SandboxJob.checkEgressName("API.Example.COM.")).isEqualTo("api.example.com");
        assertThat(SandboxJob.checkEgressName("*.example.com")).isEqualTo("*.example.com");
        assertThat(SandboxJob.checkEgressName("localhost")).isEqualTo("localhost");
        for (String bad : List.of("*", "*.com", "127.0.0.1", "[::1]", "::1", "example.com:443", "http://example.com", "example.com/x",
                "a..b", "-a.com", "a-.com", "a.*.com", "**.a.com", "a".repeat(64) + ".com", "é.com", "", " ")) {
            assertThatThrownBy(() -> SandboxJob.checkEgressName(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Example
    void the_allowlist_is_bounded_lower_cased_and_without_duplicates() {
        SandboxJob job = SandboxJob.script("job", "true").withEgressAllow(List.of("A.example.com", "a.example.com", "*.b.org"));
        assertThat(job.egressAllow()).containsExactly("a.example.com", "*.b.org");
        assertThat(job.hasEgress()).isTrue();
        assertThat(SandboxJob.script("job", "true").hasEgress()).isFalse();
        assertThatThrownBy(() -> SandboxJob.script("job", "true").withEgressAllow(Collections.nCopies(SandboxJob.MAX_EGRESS_ALLOW + 1, "a.com")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 64");
    }
}
