package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** What needs no running server: usage errors, an unreachable server, help, version, completion. */
class CliUsageTest {

    @Test
    void badUsageIsExitCode2WithAOneLineReason() {
        CliRunner cli = new CliRunner(null);
        CliRunner.Result unknown = cli.run("frobnicate");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).startsWith("error: Unmatched argument").contains("(see 'roost --help')");
        assertThat(cli.run("get", "instances", "--bogus").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("rollback", "x").exit()).as("missing --to").isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("rename", "only-one").exit()).isEqualTo(ExitCodes.USAGE);
        CliRunner.Result format = cli.run("get", "plans", "-o", "xml");
        assertThat(format.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(format.err()).contains("use table, json or yaml");
        assertThat(cli.run("get").exit()).as("a kind is needed").isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("apply").exit()).as("-f is needed").isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("get", "plans", "--server", "localhost:7070").exit()).as("not a URL").isEqualTo(ExitCodes.USAGE);
        assertThat(cli.run("apply", "-f", "target/definitely-not-here.yaml").exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void anUnreachableServerIsExitCode5() throws IOException {
        String url;
        try (ServerSocket socket = new ServerSocket(0)) {
            url = "http://127.0.0.1:" + socket.getLocalPort();
        }
        CliRunner cli = new CliRunner(url).env("ROOST_TOKEN", "roost_pat_irrelevant").env("ROOST_WORKSPACE", "acme");
        CliRunner.Result get = cli.run("get", "instances");
        assertThat(get.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(get.err()).isEqualTo("error: cannot reach the Roost server at " + url
                + ": connection refused; is it running (roost up)?\n");
        CliRunner.Result status = cli.run("status");
        assertThat(status.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(status.out()).containsPattern("Ready:\\s+NO: cannot reach");
        assertThat(new CliRunner(url).runWithInput("pw\n", "login", "-u", "admin", "--password-stdin").exit())
                .isEqualTo(ExitCodes.UNREACHABLE);
    }

    @Test
    void everyCommandHasHelp() {
        CliRunner cli = new CliRunner(null);
        for (String[] command : new String[][] {{"--help"}, {"get", "--help"}, {"get", "instances", "-h"},
                {"workspace", "create", "--help"}, {"audit", "verify", "--help"}, {"start", "--help"}, {"up", "--help"}}) {
            CliRunner.Result r = cli.run(command);
            assertThat(r.exit()).as(String.join(" ", command)).isZero();
            assertThat(r.out()).startsWith("Usage: roost");
        }
        assertThat(cli.run("--help").out()).contains("apply").contains("rollback").contains("completion").contains("Exit codes");
        assertThat(cli.run("start", "--help").out()).contains("Usage: roost start").contains("Request that an instance runs.");
        assertThat(cli.run("up", "--help").out()).as("the server has no --server").doesNotContain("--server");
    }

    @Test
    void versionIsPrinted() {
        CliRunner.Result r = new CliRunner(null).run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("roost ");
    }

    @Test
    void completionScriptsForBashAndZsh() {
        CliRunner cli = new CliRunner(null);
        CliRunner.Result bash = cli.run("completion", "bash");
        assertThat(bash.exit()).isZero();
        assertThat(bash.out()).contains("complete -F").contains("_picocli_roost").contains("rollback").contains("apply");
        CliRunner.Result zsh = cli.run("completion", "zsh");
        assertThat(zsh.exit()).isZero();
        assertThat(zsh.out()).contains("bashcompinit");
        assertThat(cli.run("completion", "fish").exit()).isEqualTo(ExitCodes.USAGE);
    }
}
