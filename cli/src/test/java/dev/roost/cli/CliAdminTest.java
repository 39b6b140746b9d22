package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.cli.client.ApiJson;
import dev.roost.server.testing.TestRoost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What operators and team leads do: templates, users, members, plans, workspaces, audit, schema. */
class CliAdminTest {
    private static TestRoost roost;
    private static CliRunner admin;
    private static Path files;

    @BeforeAll
    static void start() throws IOException {
        roost = TestRoost.start();
        roost.createUser("wendy", false);
        admin = new CliRunner(roost.url());
        ok(admin.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
        ok(admin.run("workspace", "create", "acme", "--owner", "wendy", "--display-name", "Acme Corp"));
        files = Files.createTempDirectory(Files.createDirectories(Path.of("target", "cli-files")), "admin-");
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
    void templatesExportAndImportRoundTrip() throws IOException {
        String exported = ok(admin.run("template", "export", "webhook-bot")).out();
        assertThat(exported).contains("kind: Template").contains("name: webhook-bot");
        Path copy = Files.writeString(files.resolve("my-webhook.yaml"), exported.replace("name: webhook-bot", "name: my-webhook"));

        assertThat(ok(admin.run("template", "import", "-f", copy.toString())).out()).isEqualTo("template/my-webhook imported\n");
        assertThat(ok(admin.run("template", "list")).out()).contains("my-webhook");
        assertThat(ok(admin.run("template", "export", "my-webhook")).out())
                .as("what comes back is what went in").isEqualTo(exported.replace("name: webhook-bot", "name: my-webhook"));

        assertThat(admin.run("template", "import", "-f", copy.toString()).exit()).isEqualTo(ExitCodes.CONFLICT);
        String described = exported.replace("name: webhook-bot", "name: my-webhook").replaceFirst("description: .*",
                "description: My own webhook bot");
        assertThat(ok(admin.runWithInput(described, "template", "import", "-f", "-", "--replace")).out())
                .isEqualTo("template/my-webhook replaced\n");
        assertThat(ok(admin.run("template", "show", "my-webhook")).out()).containsPattern("Description:\\s+My own webhook bot")
                .contains("Parameters:").containsPattern("\\n  image +STRING +yes");
        JsonNode json = ApiJson.MAPPER.readTree(ok(admin.run("get", "template", "my-webhook", "-o", "json")).out());
        assertThat(json.path("template").path("name").asString()).isEqualTo("my-webhook");

        assertThat(ok(admin.run("template", "delete", "my-webhook")).out()).contains("template/my-webhook deleted");
        assertThat(admin.run("template", "show", "my-webhook").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(admin.run("template", "import", "-f", files.resolve("absent.yaml").toString()).exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void usersAreCreatedDisabledEnabledAndDeleted() {
        CliRunner.Result created = ok(admin.runWithInput("bob-secret-password-1\n", "user", "create", "bob"));
        assertThat(created.out()).isEqualTo("user/bob created\n");
        assertThat(created.both()).doesNotContain("bob-secret-password-1");
        assertThat(ok(admin.run("user", "list")).out()).containsPattern("(?m)^bob +bob +no +no ");

        CliRunner bob = new CliRunner(roost.url());
        ok(bob.runWithInput("bob-secret-password-1\n", "login", "-u", "bob", "--password-stdin"));
        ok(admin.run("user", "disable", "bob"));
        assertThat(bob.run("whoami").exit()).as("disabling ends the session").isEqualTo(ExitCodes.AUTH);
        assertThat(bob.runWithInput("bob-secret-password-1\n", "login", "-u", "bob", "--password-stdin").exit())
                .isEqualTo(ExitCodes.AUTH);
        ok(admin.run("user", "enable", "bob"));
        ok(bob.runWithInput("bob-secret-password-1\n", "login", "-u", "bob", "--password-stdin"));
        assertThat(bob.run("user", "list").exit()).as("only server admins manage users").isEqualTo(ExitCodes.FAILED);

        assertThat(admin.runWithInput("short\n", "user", "create", "weak").exit()).as("password policy").isEqualTo(ExitCodes.FAILED);
        assertThat(admin.run("user", "create", "nopass").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(admin.run("user", "delete", "bob").exit()).isEqualTo(ExitCodes.USAGE);
        ok(admin.run("user", "delete", "bob", "--yes"));
        assertThat(admin.run("user", "get", "bob").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        bob.assertNoTokenPrinted();
    }

    @Test
    void membersAreSetListedAndRemoved() {
        roost.createUser("mia", false);
        assertThat(ok(admin.run("member", "set", "mia", "operator", "-w", "acme")).out())
                .isEqualTo("member/mia is OPERATOR in workspace acme\n");
        assertThat(ok(admin.run("member", "list", "-w", "acme")).out()).containsPattern("(?m)^mia +OPERATOR ")
                .containsPattern("(?m)^wendy +OWNER ");
        assertThat(ok(admin.run("get", "members", "-w", "acme", "-o", "json")).out()).contains("\"mia\"");
        assertThat(admin.run("member", "set", "mia", "emperor", "-w", "acme").exit()).isEqualTo(ExitCodes.FAILED);
        ok(admin.run("member", "remove", "mia", "-w", "acme"));
        assertThat(ok(admin.run("member", "list", "-w", "acme")).out()).doesNotContain("mia");
        assertThat(admin.run("member", "remove", "mia", "-w", "acme").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void plansAndWorkspacesAreShown() {
        assertThat(ok(admin.run("plans", "list")).out()).containsPattern("(?m)^starter +2 ").contains("business");
        assertThat(ok(admin.run("plans", "show", "starter")).out()).containsPattern("Instances:\\s+2");
        assertThat(admin.run("plans", "show", "platinum").exit()).isEqualTo(ExitCodes.NOT_FOUND);

        assertThat(ok(admin.run("get", "workspaces")).out()).containsPattern("(?m)^- +acme +Acme Corp +starter +OWNER");
        CliRunner.Result shown = ok(admin.run("workspace", "get", "acme"));
        assertThat(shown.out()).containsPattern("Plan:\\s+starter").contains("Quota:").containsPattern("instances +0 +2");
        assertThat(admin.run("workspace", "create", "acme", "--owner", "wendy").exit()).isEqualTo(ExitCodes.CONFLICT);
        CliRunner.Result badOwner = admin.run("workspace", "create", "beta", "--owner", "nobody");
        assertThat(badOwner.exit()).isEqualTo(ExitCodes.FAILED);
        assertThat(badOwner.err()).contains("  /owner: ");
    }

    @Test
    void deletingAWorkspaceNeedsYesAndForgetsTheDefault() {
        ok(admin.run("workspace", "create", "temp", "--owner", "wendy"));
        ok(admin.run("workspace", "use", "temp"));
        assertThat(admin.run("workspace", "delete", "temp").exit()).isEqualTo(ExitCodes.USAGE);
        ok(admin.run("workspace", "delete", "temp", "--yes"));
        assertThat(ApiJson.MAPPER.readTree(admin.config()).has("workspace")).isFalse();
        assertThat(admin.run("workspace", "get", "temp").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void auditFiltersAndVerifies() {
        ok(admin.runWithInput("carol-secret-password-1\n", "user", "create", "carol"));
        CliRunner.Result users = ok(admin.run("audit", "-A", "--action", "user.", "--since", "1h"));
        assertThat(users.out()).contains("user.create").contains("user/carol").doesNotContain("workspace.create");
        JsonNode page = ApiJson.MAPPER.readTree(ok(admin.run("audit", "-A", "--resource", "user/carol", "-o", "json")).out());
        assertThat(page.path("items").valueStream().map(e -> e.path("action").asString()).toList()).containsExactly("user.create");
        assertThat(ok(admin.run("audit", "-w", "acme", "-o", "json")).out()).contains("workspace.create")
                .doesNotContain("user.create");
        assertThat(ok(admin.run("audit", "-A", "--actor", "nobody")).err()).contains("No audit entries match.");
        assertThat(admin.run("audit", "--since", "yesterday-ish").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(admin.run("audit", "-A", "-w", "acme").exit()).isEqualTo(ExitCodes.USAGE);

        CliRunner.Result verified = ok(admin.run("audit", "verify"));
        assertThat(verified.out()).containsPattern("Chain:\\s+intact");
    }

    @Test
    void auditVerifyFailsWithExitCode1WhenTheChainIsBroken() {
        try (TestRoost tampered = TestRoost.start()) {
            CliRunner cli = new CliRunner(tampered.url());
            ok(cli.runWithInput(TestRoost.ADMIN_PASSWORD + "\n", "login", "-u", "admin", "--password-stdin"));
            tampered.createUser("victim", false);
            ok(cli.run("workspace", "create", "one", "--owner", "victim"));
            ok(cli.run("workspace", "create", "two", "--owner", "victim"));
            ok(cli.run("audit", "verify"));
            tampered.server().database().transaction(s -> {
                s.handle().execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
                s.handle().execute("UPDATE audit_log SET actor = 'someone-else' WHERE action = 'workspace.create' "
                        + "AND resource_id = 'one'");
                return s.handle().execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only");
            });
            CliRunner.Result broken = cli.run("audit", "verify");
            assertThat(broken.exit()).isEqualTo(ExitCodes.FAILED);
            assertThat(broken.out()).containsPattern("Chain:\\s+BROKEN").contains("First broken entry:");
            assertThat(broken.err()).contains("tampered with");
        }
    }

    @Test
    void schemaIsPrintedForEditors() {
        JsonNode schema = ApiJson.MAPPER.readTree(ok(admin.run("schema")).out());
        assertThat(schema.path("$schema").asString()).contains("2020-12");
        assertThat(schema.toString()).contains("AgentInstance");
        JsonNode template = ApiJson.MAPPER.readTree(ok(admin.run("schema", "--template")).out());
        assertThat(template.toString()).contains("Template");
    }
}
