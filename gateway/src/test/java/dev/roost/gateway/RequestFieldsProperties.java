package dev.roost.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The streaming read of the model field and the byte splice that renames it. */
class RequestFieldsProperties {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Property(tries = 300)
    void renamingChangesTheModelAndNothingElse(@ForAll("models") String model, @ForAll("models") String upstream,
            @ForAll("fillers") String before, @ForAll("fillers") String after, @ForAll boolean stream) {
        String body = "{" + before + "\"model\" : " + new String(RequestFields.quote(model), StandardCharsets.UTF_8) + ","
                + after + "\"stream\":" + stream + "}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        RequestFields fields = RequestFields.read(bytes);
        assertThat(fields.model()).isEqualTo(model);
        assertThat(fields.stream()).isEqualTo(stream);

        byte[] spliced = fields.upstreamBody(bytes, upstream, false);
        ObjectNode expected = (ObjectNode) JSON.readTree(bytes);
        expected.put("model", upstream);
        assertThat(JSON.readTree(spliced)).isEqualTo(expected);
        if (model.equals(upstream)) {
            assertThat(spliced).as("same model: the very same bytes").isSameAs(bytes);
        }
    }

    @Property(tries = 100)
    void streamedChatAsksForUsageOnlyWhenTheClientDidNotSayOtherwise(@ForAll("models") String model,
            @ForAll boolean hasOptions) {
        String body = "{\"model\":" + new String(RequestFields.quote(model), StandardCharsets.UTF_8) + ",\"stream\":true"
                + (hasOptions ? ",\"stream_options\":{\"include_usage\":false}" : "") + ",\"messages\":[]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        JsonNode out = JSON.readTree(RequestFields.read(bytes).upstreamBody(bytes, "other", true));
        assertThat(out.path("model").asString()).isEqualTo("other");
        assertThat(out.path("stream_options").path("include_usage").asBoolean()).isEqualTo(!hasOptions);
        assertThat(out.path("messages").isArray()).isTrue();
    }

    @Example
    void nestedModelFieldsAreNotTheModel() {
        RequestFields fields = RequestFields.read("{\"metadata\":{\"model\":\"inner\"},\"model\":\"outer\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(fields.model()).isEqualTo("outer");
    }

    @Example
    void notAnObjectIsRefused() {
        assertThatThrownBy(() -> RequestFields.read("[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RequestFields.read("{\"model\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON");
    }

    @Provide
    Arbitrary<String> models() {
        return Arbitraries.strings().withCharRange(' ', '~').withChars('é', '\n', '"', '\\', '€').ofMinLength(1).ofMaxLength(40);
    }

    @Provide
    Arbitrary<String> fillers() {
        return Arbitraries.of("", "\"a\":1,", " \"messages\" : [ {\"role\":\"user\",\"content\":\"model\"} ] ,\n",
                "\"nested\":{\"model\":\"x\",\"list\":[{\"model\":null}]},", "\"n\":null,\"t\":true,");
    }
}
