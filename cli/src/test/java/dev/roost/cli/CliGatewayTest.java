package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.server.testing.TestRoost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** roost provider / model alias / key / price / usage: the model gateway's set-up from the command line. */
class CliGatewayTest {
    private static final String PROVIDER_KEY = "sk-cli-canary-provider-key-51f0";
    private static TestRoost roost;
    private static CliRunner admin;

    @BeforeAll
    static void start() {
        roost = TestRoost.start();
        admin = new CliRunner(roost.url());
        ok(admin.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
        ok(admin.run("workspace", "create", "acme", "--owner", "admin"));
        ok(admin.run("workspace", "use", "acme"));
    }

    @AfterAll
    static void stop() {
        admin.assertNoTokenPrinted();
        roost.close();
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    @Test
    void providerAliasKeyPriceAndUsage() {
        CliRunner.Result raw = admin.run("provider", "add", "openai-main", "--kind", "openai", "--key", PROVIDER_KEY);
        assertThat(raw.exit()).as("a raw key is refused").isNotZero();
        assertThat(raw.out() + raw.err()).doesNotContain(PROVIDER_KEY).contains("secret reference");

        ok(admin.runWithInput(PROVIDER_KEY + "\n", "secret", "set", "openai-key"));
        assertThat(ok(admin.run("provider", "add", "openai-main", "--kind", "openai", "--base-url",
                "http://127.0.0.1:9/v1", "--key", "secret:openai-key")).out())
                .isEqualTo("provider/openai-main added (openai, http://127.0.0.1:9/v1)\n");
        String providers = ok(admin.run("provider", "list")).out();
        assertThat(providers).contains("openai-main").contains("secret:openai-key").doesNotContain(PROVIDER_KEY);

        assertThat(ok(admin.run("model", "alias", "set", "fast", "openai-main/gpt-4o-mini", "openai-main/gpt-4o@3")).out())
                .isEqualTo("model/fast -> openai-main/gpt-4o-mini, openai-main/gpt-4o@3\n");
        assertThat(ok(admin.run("model", "alias", "list")).out()).contains("fast").contains("openai-main/gpt-4o-mini");
        assertThat(admin.run("model", "alias", "set", "bad", "nobody/gpt").exit()).as("unknown provider").isNotZero();

        CliRunner.Result created = ok(admin.run("key", "create", "ci-bot", "--models", "fast", "--rpm", "60", "--budget",
                "20USD/month", "--expires", "30d"));
        String key = created.out().strip();
        assertThat(key).startsWith("roost_vk_").hasSizeGreaterThan(40);
        assertThat(created.err()).contains("shown once");
        String keys = ok(admin.run("key", "list")).out();
        assertThat(keys).contains("ci-bot").contains("20USD/month").contains("yes").doesNotContain(key);
        ok(admin.run("key", "revoke", "ci-bot"));
        assertThat(ok(admin.run("key", "list")).out()).contains("revoked");
        assertThat(admin.run("key", "create", "x", "--budget", "lots").exit()).isNotZero();

        assertThat(ok(admin.run("price", "set", "gpt-4o-mini", "--in", "0.15", "--out", "0.6")).out())
                .isEqualTo("price/gpt-4o-mini set: input 0.15, output 0.6, cached input 0.15 USD per million tokens\n");
        assertThat(ok(admin.run("price", "list")).out()).contains("gpt-4o-mini").contains("0.15");

        assertThat(ok(admin.run("usage", "--group-by", "model,day")).out()).contains("No gateway requests")
                .contains("total: 0 requests");
        assertThat(admin.run("usage", "--group-by", "colour").exit()).isNotZero();

        assertThat(admin.run("provider", "remove", "openai-main").exit()).as("an alias still uses it").isNotZero();
        ok(admin.run("model", "alias", "remove", "fast"));
        ok(admin.run("provider", "remove", "openai-main"));
    }

    @Test
    void aPromptIsAnsweredByTheDefaultModelAndStatusSaysSo() throws Exception {
        com.sun.net.httpserver.HttpServer model = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        model.createContext("/v1/chat/completions", exchange -> {
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            byte[] answer = """
                    {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,
                     "message":{"role":"assistant","content":"Four."},"finish_reason":"stop"}],
                     "usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}""".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        model.start();
        ok(admin.run("workspace", "create", "prompts", "--owner", "admin"));
        CliRunner admin = CliGatewayTest.admin.sharingConfig().env("ROOST_WORKSPACE", "prompts");
        try {
            CliRunner.Result refused = admin.run("task", "prompt", "what is 2+2?");
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("INFERENCE_UNAVAILABLE").contains("roost model alias set default");
            assertThat(ok(admin.run("status")).out()).containsPattern("Prompt tasks:\\s+NO: No default model is set");

            ok(admin.run("provider", "add", "local", "--kind", "openai-compatible", "--base-url",
                    "http://127.0.0.1:" + model.getAddress().getPort() + "/v1"));
            ok(admin.run("model", "alias", "set", "default", "local/gpt-test"));
            assertThat(ok(admin.run("status")).out())
                    .containsPattern("Prompt tasks:\\s+yes, default model 'default' -> local/gpt-test");

            CliRunner.Result answered = ok(admin.run("task", "prompt", "what is 2+2?"));
            assertThat(answered.out()).isEqualTo("Four.");
            assertThat(bodies).anySatisfy(b -> assertThat(b).contains("what is 2+2?").contains("\"gpt-test\""));
            String listed = ok(admin.run("task", "list")).out();
            assertThat(listed).contains("prompt").contains("SUCCEEDED");
        } finally {
            admin.run("model", "alias", "remove", "default");
            admin.run("provider", "remove", "local");
            model.stop(0);
        }
    }
}
