package dev.roost.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.manifest.JsonArbitraries;
import dev.roost.core.manifest.ManifestFixtures;
import dev.roost.core.workspace.Role;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ApiClient.Response;
import dev.roost.server.testing.TestRoost;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Random and hostile request bodies against every route that takes a body, as a server admin
 * (the caller who gets furthest into the handlers): the answer is never a 5xx, an error is
 * always a problem document, and a refused request leaves every table and the audit log exactly
 * as they were.
 */
class ApiBodyProperties {
    private static TestRoost roost;
    private static ApiClient admin;
    private static List<ApiRoute> bodyRoutes;

    @BeforeContainer
    static void start() {
        // No runtime: the snapshot proves a refused request wrote nothing, and no reconciler may write meanwhile.
        roost = TestRoost.start(c -> c.withRuntime("none"));
        roost.createWorkspace("acme", "business");
        roost.member("acme", "someone", Role.VIEWER);
        admin = roost.admin();
        ObjectNode hello = ManifestFixtures.minimal();
        Response created = admin.putText("/api/v1/workspaces/acme/instances/hello", hello.toString(), "application/json");
        assertThat(created.status()).isEqualTo(201);
        bodyRoutes = roost.server().http().routes().stream()
                .filter(r -> r.mutating() && r.method() != io.javalin.http.HandlerType.DELETE)
                // web console forms take no bearer token and answer with pages: ConsoleHttpTest covers them
                .filter(r -> !r.path().startsWith("/console"))
                .toList();
    }

    @AfterContainer
    static void stop() {
        roost.close();
    }

    record Attempt(ApiRoute route, byte[] body, String contentType) {
        @Override
        public String toString() {
            String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
            return route.key() + " [" + contentType + "] " + text;
        }
    }

    @Property(tries = 400)
    void randomBodiesNeverBreakTheServerOrHalfWriteState(@ForAll("attempts") Attempt attempt) {
        check(attempt);
    }

    @Property(tries = 250)
    void mutatedManifestsNeverBreakTheServerOrHalfWriteState(@ForAll("manifestMutations") JsonArbitraries.Mutation mutation) {
        ObjectNode manifest = ManifestFixtures.minimal();
        mutation.applyTo(manifest);
        ApiRoute put = bodyRoutes.stream().filter(r -> r.key().equals("PUT /api/v1/workspaces/{ws}/instances/{name}"))
                .findFirst().orElseThrow();
        check(new Attempt(put, manifest.toString().getBytes(StandardCharsets.UTF_8), "application/json"));
    }

    private static void check(Attempt attempt) {
        Map<String, Long> before = StateSnapshot.take(roost.server().database());
        String path = attempt.route().path().replace("{ws}", "acme").replace("{name}", "hello")
                .replace("{username}", "someone").replace("{plan}", "team").replace("{tag}", "stable")
                .replace("{action}", "restart").replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{alias}", "fixture-alias");
        Response r = admin.send(attempt.route().method().name(), path, attempt.body(), attempt.contentType(), Map.of());
        assertThat(r.status()).as("%s -> %s", attempt, r.body()).isLessThan(500);
        Statistics.collect(r.status() < 400 ? "2xx" : r.code());
        if (r.status() >= 400) {
            assertThat(r.header("Content-Type")).as("problem document").hasValueSatisfying(
                    t -> assertThat(t).startsWith(Problems.CONTENT_TYPE));
            assertThat(r.code()).isNotNull();
            assertThat(StateSnapshot.take(roost.server().database()))
                    .as("a refused request must leave nothing behind: %s", attempt).isEqualTo(before);
        }
    }

    @Provide
    Arbitrary<Attempt> attempts() {
        Arbitrary<ApiRoute> routes = Arbitraries.of(bodyRoutes);
        return routes.flatMap(route -> Combinators.combine(bodies(route), contentTypes())
                .as((body, type) -> new Attempt(route, body, type)));
    }

    @Provide
    Arbitrary<JsonArbitraries.Mutation> manifestMutations() {
        return JsonArbitraries.mutations();
    }

    private static Arbitrary<String> contentTypes() {
        return Arbitraries.of("application/json", "application/json", "application/yaml", "text/plain", "application/xml",
                "application/json; charset=utf-8");
    }

    /** Bodies of every kind: trees with the route's real field names, arbitrary trees, hostile text, raw bytes. */
    private static Arbitrary<byte[]> bodies(ApiRoute route) {
        List<String> fields = new ArrayList<>();
        if (route.requestType() != null && route.requestType().isRecord()) {
            for (RecordComponent c : route.requestType().getRecordComponents()) {
                fields.add(c.getName());
            }
        }
        Arbitrary<byte[]> shaped = fields.isEmpty() ? JsonArbitraries.trees(3).map(ApiBodyProperties::bytes)
                : Arbitraries.subsetOf(fields).flatMap(chosen -> {
                    List<Arbitrary<JsonNode>> values = chosen.stream()
                            .map(f -> Arbitraries.frequencyOf(
                                    net.jqwik.api.Tuple.of(3, JsonArbitraries.scalars()),
                                    net.jqwik.api.Tuple.of(2, JsonArbitraries.hostileStrings().map(s -> (JsonNode) JsonNodeFactory.instance.stringNode(s))),
                                    net.jqwik.api.Tuple.of(1, JsonArbitraries.trees(2))))
                            .toList();
                    return Combinators.combine(values).as(list -> {
                        ObjectNode node = JsonNodeFactory.instance.objectNode();
                        List<String> names = new ArrayList<>(chosen);
                        for (int i = 0; i < names.size(); i++) {
                            node.set(names.get(i), list.get(i));
                        }
                        return bytes(node);
                    });
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, shaped),
                net.jqwik.api.Tuple.of(2, JsonArbitraries.trees(3).map(ApiBodyProperties::bytes)),
                net.jqwik.api.Tuple.of(2, JsonArbitraries.hostileStrings().map(s -> s.getBytes(StandardCharsets.UTF_8))),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)));
    }

    private static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
