package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.cli.client.ApiJson;
import dev.roost.core.manifest.ManifestFormats;
import dev.roost.server.testing.TestRoost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Instances through the CLI: apply, diff, get, describe, history, lifecycle, delete, policy. */
class CliInstanceTest {
    private static TestRoost roost;
    private static CliRunner admin;
    private static CliRunner operator;
    private static Path files;

    @BeforeAll
    static void start() throws IOException {
        roost = TestRoost.start();
        roost.createUser("olga", false);
        roost.createUser("otto", false);
        admin = new CliRunner(roost.url());
        ok(admin.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
        ok(admin.run("workspace", "create", "acme", "--owner", "olga", "--plan", "business"));
        ok(admin.run("workspace", "use", "acme"));
        ok(admin.run("member", "set", "otto", "operator"));
        operator = new CliRunner(roost.url());
        ok(operator.runWithInput(TestRoost.password("otto") + "\n", "login", "-u", "otto", "--password-stdin"));
        ok(operator.run("workspace", "use", "acme"));
        files = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-files")), "manifests-");
    }

    @AfterAll
    static void stop() {
        admin.assertNoTokenPrinted();
        operator.assertNoTokenPrinted();
        roost.close();
    }

    private static CliRunner.Result ok(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    static String manifest(String name, String environment, String image, String extraSpec) {
        return """
                apiVersion: roost/v1
                kind: AgentInstance
                metadata:
                  name: %s
                  workspace: acme
                  environment: %s
                  labels: {team: support}
                spec:
                  runtime:
                    image: %s
                    cpu: 250m
                    memory: 128Mi
                %s""".formatted(name, environment, image, extraSpec);
    }

    private static String file(String name, String text) throws IOException {
        return Files.writeString(files.resolve(name), text).toString();
    }

    @Test
    void applyingAMultiDocumentFileCreatesThenLeavesUnchangedThenUpdates() throws IOException {
        String both = file("two.yaml", "# two bots\n---\n" + manifest("multi-a", "prod", "registry.example/bot:1.0.0", "")
                + "---\n" + manifest("multi-b", "dev", "registry.example/bot:1.0.0", ""));
        CliRunner.Result created = ok(operator.run("apply", "-f", both));
        assertThat(created.out().lines().toList())
                .containsExactly("instance/multi-a created (version 1)", "instance/multi-b created (version 1)");

        assertThat(ok(operator.run("apply", "-f", both)).out().lines().toList())
                .containsExactly("instance/multi-a unchanged (version 1)", "instance/multi-b unchanged (version 1)");

        String changed = manifest("multi-a", "prod", "registry.example/bot:1.1.0", "") + "---\n"
                + manifest("multi-b", "dev", "registry.example/bot:1.0.0", "");
        CliRunner.Result updated = ok(operator.runWithInput(changed, "apply", "-f", "-"));
        assertThat(updated.out().lines().toList())
                .containsExactly("instance/multi-a updated (version 2)", "instance/multi-b unchanged (version 1)");
    }

    @Test
    void oneRefusedDocumentDoesNotStopTheOthersButSetsTheExitCode() throws IOException {
        String mixed = file("mixed.yaml", manifest("mixed-bad", "prod", "registry.example/bot:latest", "") + "---\n"
                + manifest("mixed-good", "prod", "registry.example/bot:1.0.0", ""));
        CliRunner.Result r = operator.run("apply", "-f", mixed);
        assertThat(r.exit()).isEqualTo(ExitCodes.POLICY);
        assertThat(r.err()).contains("error: instance/mixed-bad (" + mixed + ", document 1 (line 1))")
                .contains("  /spec/runtime/image: ");
        assertThat(r.out()).contains("instance/mixed-good created (version 1)");
    }

    @Test
    void dryRunPrintsTheDiffAndStoresNothing() {
        ok(operator.runWithInput(manifest("dry", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-"));
        CliRunner.Result dry = ok(operator.runWithInput(manifest("dry", "prod", "registry.example/bot:2.0.0", ""),
                "apply", "-f", "-", "--dry-run"));
        assertThat(dry.out()).contains("instance/dry would be updated to version 2 (dry run)")
                .contains("-    image: registry.example/bot:1.0.0").contains("+    image: registry.example/bot:2.0.0");
        assertThat(ok(operator.run("versions", "dry", "-o", "json")).out()).satisfies(out ->
                assertThat(ApiJson.MAPPER.readTree(out).size()).as("still one version").isEqualTo(1));

        CliRunner.Result fresh = ok(operator.runWithInput(manifest("dry-new", "prod", "registry.example/bot:1.0.0", ""),
                "apply", "-f", "-", "--dry-run"));
        assertThat(fresh.out()).contains("instance/dry-new would be created (dry run)");
        assertThat(operator.run("get", "instance", "dry-new").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void diffExitsZeroWhenIdenticalAndOneWhenDifferent() throws IOException {
        String v1 = file("diff-v1.yaml", manifest("differ", "prod", "registry.example/bot:1.0.0", ""));
        ok(operator.run("apply", "-f", v1));
        CliRunner.Result single = operator.run("diff", "differ");
        assertThat(single.exit()).as(single.toString()).isZero();
        assertThat(single.out()).isEmpty();

        CliRunner.Result same = operator.run("diff", "-f", v1);
        assertThat(same.exit()).as(same.toString()).isZero();
        assertThat(same.out()).isEmpty();

        String v2 = file("diff-v2.yaml", manifest("differ", "prod", "registry.example/bot:2.0.0", ""));
        CliRunner.Result pending = operator.run("diff", "-f", v2);
        assertThat(pending.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(pending.out()).contains("+    image: registry.example/bot:2.0.0");

        ok(operator.run("apply", "-f", v2));
        CliRunner.Result versions = operator.run("diff", "differ", "--from", "1", "--to", "2");
        assertThat(versions.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(versions.out()).contains("-    image: registry.example/bot:1.0.0").contains("+    image: registry.example/bot:2.0.0");
        assertThat(operator.run("diff", "differ", "--from", "2", "--to", "2").exit()).isZero();
        assertThat(operator.run("diff", "differ", "--from", "9").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(operator.run("diff").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(operator.run("diff", "differ", "-f", v1).exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void getInstancesPrintsTablesJsonAndYaml() {
        ok(operator.runWithInput(manifest("list-prod", "prod", "registry.example/bot:1.0.0", "")
                + "---\n" + manifest("list-dev", "dev", "registry.example/bot:1.0.0", "").replace("team: support", "team: ops"),
                "apply", "-f", "-"));

        CliRunner.Result table = ok(operator.run("get", "instances"));
        List<String> lines = table.out().lines().toList();
        assertThat(lines.get(0)).startsWith("NAME").contains("ENV").contains("STATUS").contains("VERSION").contains("IMAGE");
        String row = lines.stream().filter(l -> l.startsWith("list-prod ")).findFirst().orElseThrow();
        assertThat(row.indexOf("prod ", "list-prod".length())).as("columns line up under their headers")
                .isEqualTo(lines.get(0).indexOf("ENV"));

        JsonNode json = ApiJson.MAPPER.readTree(ok(operator.run("get", "instances", "-o", "json")).out());
        assertThat(json.path("items").valueStream().map(i -> i.path("name").asString()).toList()).contains("list-prod", "list-dev");
        JsonNode yaml = ManifestFormats.yaml().readTree(ok(operator.run("get", "instances", "-o", "yaml")).out());
        assertThat(yaml.path("items").valueStream().map(i -> i.path("name").asString()).toList()).contains("list-prod", "list-dev");

        assertThat(names(operator.run("get", "instances", "--env", "dev", "-o", "json"))).contains("list-dev").doesNotContain("list-prod");
        assertThat(names(operator.run("get", "instances", "-l", "team=ops", "-o", "json"))).containsExactly("list-dev");

        CliRunner.Result page = ok(operator.run("get", "instances", "--limit", "1"));
        assertThat(page.out().lines().count()).isEqualTo(2);
        assertThat(page.err()).contains("--all");
        CliRunner.Result all = ok(operator.run("get", "instances", "--limit", "1", "--all", "-o", "json"));
        assertThat(names(all)).contains("list-prod", "list-dev");

        CliRunner.Result none = ok(operator.run("get", "instances", "-l", "team=nobody"));
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).contains("No instances");
    }

    private static List<String> names(CliRunner.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> names = new ArrayList<>();
        ApiJson.MAPPER.readTree(r.out()).path("items").forEach(i -> names.add(i.path("name").asString()));
        return names;
    }

    @Test
    void getInstancePrintsAManifestThatAppliesUnchanged() throws IOException {
        ok(operator.runWithInput(manifest("roundtrip", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-"));
        String yaml = ok(operator.run("get", "instance", "roundtrip")).out();
        assertThat(yaml).startsWith("apiVersion: roost/v1\nkind: AgentInstance\nmetadata:\n  name: roundtrip\n");
        assertThat(ok(operator.run("apply", "-f", file("roundtrip.yaml", yaml))).out())
                .isEqualTo("instance/roundtrip unchanged (version 1)\n");
        String json = ok(operator.run("get", "instance", "roundtrip", "-o", "json")).out();
        assertThat(ApiJson.MAPPER.readTree(json).path("spec").path("runtime").path("image").asString())
                .isEqualTo("registry.example/bot:1.0.0");
        assertThat(ok(operator.run("apply", "-f", file("roundtrip.json", json))).out()).contains("unchanged");
    }

    @Test
    void describeShowsStatusDesiredStateHistoryAndAudit() {
        ok(operator.runWithInput(manifest("described", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-"));
        ok(operator.runWithInput(manifest("described", "prod", "registry.example/bot:1.1.0", ""), "apply", "-f", "-"));
        ok(operator.run("tag", "described", "stable", "--version", "1"));
        CliRunner.Result d = ok(operator.run("describe", "instance", "described"));
        assertThat(d.out())
                .containsPattern("Name:\\s+described")
                .containsPattern("Status:\\s+(CREATING|RUNNING)") // the fake runtime "pulls" any image; the reconciler may be done
                .containsPattern("Last healthy:\\s+(none yet|version [12])")
                .containsPattern("Rollout:\\s+(none|version \\d)")
                .containsPattern("Desired state:\\s+RUNNING")
                .containsPattern("Image:\\s+registry.example/bot:1.1.0")
                .containsPattern("Resources:\\s+cpu 250m, memory 128Mi, replicas 1")
                .containsPattern("Labels:\\s+team=support")
                .containsPattern("Version:\\s+2")
                .containsPattern("Tags:\\s+stable=1")
                .containsPattern("Gateway key:\\s+none \\(spec.model names no models")
                .containsPattern("Model usage:\\s+no gateway requests this month")
                .contains("Versions:").containsPattern("\\n  1 +-? +stable")
                .contains("Recent audit entries:").contains("instance.tag").contains("instance.apply").contains("instance.create");
        JsonNode json = ApiJson.MAPPER.readTree(ok(operator.run("describe", "instance", "described", "-o", "json")).out());
        assertThat(json.path("versions").size()).isEqualTo(2);
        assertThat(json.path("audit").size()).isEqualTo(3);
        assertThat(json.path("instance").path("desiredState").asString()).isEqualTo("RUNNING");
    }

    @Test
    void versionsRollbackTagAndRename() {
        ok(operator.runWithInput(manifest("history", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-"));
        ok(operator.runWithInput(manifest("history", "prod", "registry.example/bot:2.0.0", ""), "apply", "-f", "-"));
        assertThat(ok(operator.run("tag", "history", "good", "--version", "1")).out()).contains("tag good -> version 1");

        CliRunner.Result back = ok(operator.run("rollback", "history", "--to", "good"));
        assertThat(back.out()).contains("instance/history rolled back to good (now version 3)");
        assertThat(ok(operator.run("get", "instance", "history")).out()).contains("image: registry.example/bot:1.0.0");

        CliRunner.Result versions = ok(operator.run("versions", "history"));
        assertThat(versions.out()).containsPattern("(?m)^1 +- +good +apply").containsPattern("(?m)^3 +\\* +- +rollback:1");
        assertThat(operator.run("rollback", "history", "--to", "3").exit()).as("already current").isEqualTo(ExitCodes.FAILED);
        assertThat(operator.run("rollback", "history", "--to", "nope").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(operator.run("rollback", "history").exit()).as("--to is required").isEqualTo(ExitCodes.USAGE);

        assertThat(ok(operator.run("tag", "history", "good", "--remove")).out()).contains("tag good removed");
        assertThat(operator.run("tag", "history", "good", "--remove").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(operator.run("tag", "history", "x").exit()).as("--version or --remove").isEqualTo(ExitCodes.USAGE);

        assertThat(ok(operator.run("rename", "history", "history-2")).out()).contains("instance/history renamed to history-2 (version 4)");
        assertThat(operator.run("get", "instance", "history").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(operator.run("rename", "history-2", "history-2").exit()).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void startStopAndRestart() {
        ok(operator.runWithInput(manifest("cycle", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-"));
        assertThat(ok(operator.run("stop", "cycle")).out()).contains("instance/cycle: stop requested (desired STOPPED, status ");
        CliRunner.Result refused = operator.run("restart", "cycle");
        assertThat(refused.exit()).isEqualTo(ExitCodes.CONFLICT);
        assertThat(refused.err()).contains("start it instead").contains("(request id cli-");
        assertThat(ok(operator.run("start", "cycle")).out()).contains("desired RUNNING");
        JsonNode restarted = ApiJson.MAPPER.readTree(ok(operator.run("restart", "cycle", "-o", "json")).out());
        assertThat(restarted.path("restartCount").asInt()).isEqualTo(1);
        assertThat(operator.run("start", "no-such-instance").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void deleteAsksOnATerminalAndNeedsYesWithoutOne() {
        ok(admin.runWithInput(manifest("doomed", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-"));
        CliRunner.Result refused = admin.run("delete", "instance", "doomed");
        assertThat(refused.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(refused.err()).contains("without --yes");
        ok(admin.run("get", "instance", "doomed"));

        List<String> asked = new ArrayList<>();
        CliRunner.Result declined = admin.terminal(new AnsweringTerminal(asked, "n")).run("delete", "instance", "doomed");
        assertThat(declined.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(asked).containsExactly("Delete instance doomed in workspace acme and its volumes? [y/N] ");
        ok(admin.terminal(null).run("get", "instance", "doomed"));

        assertThat(ok(admin.terminal(new AnsweringTerminal(asked, "yes")).run("delete", "instance", "doomed")).out())
                .contains("instance/doomed deleted");
        admin.terminal(null);
        assertThat(admin.run("get", "instance", "doomed").exit()).isEqualTo(ExitCodes.NOT_FOUND);

        ok(admin.runWithInput(manifest("doomed", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-"));
        assertThat(ok(admin.run("delete", "instance", "doomed", "--yes")).out()).contains("instance/doomed deleted");
        assertThat(operator.runWithInput(manifest("kept", "prod", "registry.example/bot:1.0.0", ""), "apply", "-f", "-").exit()).isZero();
        assertThat(operator.run("delete", "instance", "kept", "--yes").exit()).as("an operator may not delete").isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void aPolicyViolationIsExitCode7WithEveryPointer() {
        String leaked = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        CliRunner.Result r = operator.runWithInput(manifest("leaky", "prod", "registry.example/bot:latest",
                "    env: {OPENAI_API_KEY: \"" + leaked + "\"}\n"), "apply", "-f", "-");
        assertThat(r.exit()).isEqualTo(ExitCodes.POLICY);
        assertThat(r.out()).isEmpty();
        List<String> lines = r.err().lines().toList();
        assertThat(lines.get(0)).startsWith("error: instance/leaky: ");
        assertThat(lines).anyMatch(l -> l.startsWith("  /spec/runtime/image: "))
                .anyMatch(l -> l.startsWith("  /spec/runtime/env/OPENAI_API_KEY: "))
                .last().asString().startsWith("(request id cli-");
        assertThat(r.err()).doesNotContain(leaked);
        assertThat(operator.run("get", "instance", "leaky").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void overridingAPolicyNeedsAnAdminAndIsLoud() {
        String unpinned = manifest("edgy", "prod", "registry.example/bot:latest", "  policies: {allowUnsafe: [pinned-image]}\n");
        CliRunner.Result byOperator = operator.runWithInput(unpinned, "apply", "-f", "-");
        assertThat(byOperator.exit()).isEqualTo(ExitCodes.POLICY);

        CliRunner.Result byAdmin = admin.runWithInput(unpinned, "apply", "-f", "-");
        assertThat(byAdmin.exit()).as(byAdmin.toString()).isZero();
        assertThat(byAdmin.out()).contains("instance/edgy created (version 1)");
        assertThat(byAdmin.err()).contains("WARNING: instance/edgy: UNSAFE POLICY OVERRIDE [pinned-image] at /spec/runtime/image");
    }

    @Test
    void missingThingsAreExitCode4() {
        CliRunner.Result r = operator.run("get", "instance", "ghost");
        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.err()).startsWith("error: Instance ghost");
        assertThat(operator.run("describe", "instance", "ghost").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(operator.run("versions", "ghost").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(operator.run("get", "instances", "-w", "no-such-workspace").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void createFromATemplate() {
        CliRunner.Result noSecrets = operator.run("instance", "create", "tg", "--template", "telegram-bot", "--env", "prod",
                "--param", "image=registry.example/tg:1.2.3");
        assertThat(noSecrets.exit()).as("the template references secrets that do not exist yet").isEqualTo(ExitCodes.FAILED);
        assertThat(noSecrets.err()).contains("roost secret set telegram-bot-token");
        ok(operator.runWithInput("bot-token-value\n", "secret", "set", "telegram-bot-token"));
        ok(operator.runWithInput("gateway-key-value\n", "secret", "set", "telegram-bot-gateway-key"));
        CliRunner.Result created = ok(operator.run("instance", "create", "tg", "--template", "telegram-bot", "--env", "prod",
                "--param", "image=registry.example/tg:1.2.3"));
        assertThat(created.out()).contains("instance/tg created from template telegram-bot (version 1)");
        assertThat(ok(operator.run("get", "instance", "tg")).out()).contains("image: registry.example/tg:1.2.3")
                .contains("template: telegram-bot");
        assertThat(operator.run("instance", "create", "tg", "--template", "telegram-bot", "--param",
                "image=registry.example/tg:1.2.3").exit()).isEqualTo(ExitCodes.CONFLICT);
        CliRunner.Result missing = operator.run("instance", "create", "tg2", "--template", "telegram-bot");
        assertThat(missing.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(missing.err()).contains("  /parameters/image: ");
    }

    @Test
    void withoutAnyWorkspaceTheCommandSaysHowToPickOne() {
        CliRunner fresh = new CliRunner(roost.url());
        ok(fresh.runWithInput(TestRoost.password("otto") + "\n", "login", "-u", "otto", "--password-stdin"));
        CliRunner.Result r = fresh.run("get", "instances");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("-w WORKSPACE").contains("ROOST_WORKSPACE").contains("roost workspace use");
        ok(fresh.env("ROOST_WORKSPACE", "acme").run("get", "instances"));
        ok(fresh.env("ROOST_WORKSPACE", null).run("get", "instances", "-w", "acme"));
        assertThat(fresh.run("workspace", "use", "globex").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        fresh.assertNoTokenPrinted();
    }

    /** A terminal that answers every question the same way. */
    private record AnsweringTerminal(List<String> asked, String answer) implements Terminal {
        @Override
        public String readLine(String prompt) {
            asked.add(prompt);
            return answer;
        }

        @Override
        public char[] readPassword(String prompt) {
            throw new AssertionError("no password expected");
        }
    }
}
