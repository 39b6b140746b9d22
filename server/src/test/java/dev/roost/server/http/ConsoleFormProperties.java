package dev.roost.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.manifest.JsonArbitraries;
import dev.roost.core.workspace.Role;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.ConsoleClient;
import dev.roost.server.testing.TestRoost;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and hostile form fields against every state-changing console route, as a server admin
 * with a valid session and CSRF token (the caller who gets furthest): never a 5xx, every error
 * is a page with its stable code, and a refused form leaves every table and the audit log as
 * they were. The console's counterpart of {@link ApiBodyProperties}.
 */
class ConsoleFormProperties {
    private static final List<String> FIELDS = List.of("manifest", "to", "username", "role", "template", "name", "environment",
            "p.image", "p.tokenSecret", "secretValue.tokenSecret", "password", "next", "value", "mode", "commands", "script", "prompt",
            "timeoutSeconds", "memoryMiB", "cpuMillis", "maxAttempts", "egressAllow", "idempotencyKey", "models", "rpm", "tpm", "budget",
            "expires", "instance", "kind", "baseUrl", "keyValue", "keySecret", "alias", "targets", "ttl", "uses");
    private static TestRoost roost;
    private static List<ApiRoute> formRoutes;

    @BeforeContainer
    static void start() {
        roost = TestRoost.start(c -> c.withRuntime("none"));
        roost.createWorkspace("acme", "business");
        roost.member("acme", "someone", Role.VIEWER);
        ApiClient admin = roost.admin();
        ApiClient.Response created = admin.putText("/api/v1/workspaces/acme/instances/hello", """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata: {name: hello, workspace: acme, environment: dev}
                spec: {runtime: {image: "registry.example/hello:1.0.0", cpu: 100m, memory: 64Mi}}
                """, "application/yaml");
        assertThat(created.status()).isEqualTo(201);
        formRoutes = roost.server().http().routes().stream()
                .filter(r -> r.mutating() && r.path().startsWith("/console") && !r.path().equals("/console/logout"))
                .toList();
    }

    @AfterContainer
    static void stop() {
        roost.close();
    }

    record Attempt(ApiRoute route, Map<String, String> fields) {
        @Override
        public String toString() {
            return route.key() + " " + fields;
        }
    }

    @Property(tries = 300)
    void randomFormsNeverBreakTheServerOrHalfWriteState(@ForAll("attempts") Attempt attempt) {
        ConsoleClient admin = ConsoleClient.withSession(roost, TestRoost.ADMIN);
        admin.setCookie("roost_console_login", admin.csrf());
        Map<String, Long> before = StateSnapshot.take(roost.server().database());
        String path = attempt.route().path().replace("{ws}", "acme").replace("{name}", "hello").replace("{action}", "restart")
                .replace("{username}", "someone").replace("{id}", java.util.UUID.randomUUID().toString()).replace("{alias}", "fast");
        ConsoleClient.Response r = admin.post(path, attempt.fields());
        assertThat(r.status()).as("%s -> %s", attempt, r.body()).isLessThan(500);
        if (r.status() >= 400) {
            assertThat(r.header("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
            assertThat(r.header("Content-Security-Policy")).isPresent();
            if (attempt.route().path().equals("/console/w/{ws}/new/review") && r.status() == 422) {
                return; // the wizard stores secret values the moment they are entered, by design
            }
            assertThat(StateSnapshot.take(roost.server().database()))
                    .as("a refused form must leave nothing behind: %s", attempt).isEqualTo(before);
        }
    }

    @Provide
    Arbitrary<Attempt> attempts() {
        Arbitrary<String> values = Arbitraries.oneOf(JsonArbitraries.hostileStrings(),
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.of("1", "0", "OPERATOR", "OWNER", "telegram-bot", "dev", "hello", "someone", "x: 1",
                        "registry.example/bot:latest", "/console", "//evil.example", "commands", "script", "prompt", "echo 'hi",
                        "openai", "openai gpt-4o-mini", "20USD/month", "1h", "-1", "99999999999"));
        Arbitrary<Map<String, String>> fields = Arbitraries.subsetOf(FIELDS).flatMap(chosen -> {
            List<Arbitrary<Map.Entry<String, String>>> entries = chosen.stream()
                    .map(name -> values.map(v -> Map.entry(name, v.replace("\u0000", "")))).toList();
            return Combinators.combine(entries).as(list -> {
                Map<String, String> map = new LinkedHashMap<>();
                list.forEach(e -> map.put(e.getKey(), e.getValue()));
                return map;
            });
        });
        return Combinators.combine(Arbitraries.of(formRoutes), fields).as(Attempt::new);
    }
}
