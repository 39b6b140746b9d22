package dev.roost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the CLI puts on the wire, seen by a hand-written HTTP server that can also drop a
 * connection the way a flaky network does.
 */
class CliHttpTest {

    /** Answers raw HTTP/1.1: drops the first {@code drops} connections after reading the request, then answers {@code body}. */
    private static final class FlakyServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0);
        private final List<Map<String, String>> requests = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;

        FlakyServer(int drops, int status, String body) throws IOException {
            thread = Thread.ofVirtual().start(() -> {
                int seen = 0;
                while (!socket.isClosed()) {
                    try (Socket connection = socket.accept()) {
                        requests.add(readHeaders(connection));
                        if (seen++ < drops) {
                            continue; // closes without an answer
                        }
                        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                        OutputStream out = connection.getOutputStream();
                        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(bytes);
                        out.flush();
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        private static Map<String, String> readHeaders(Socket connection) throws IOException {
            BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.ISO_8859_1));
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put(":request", in.readLine());
            int length = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                int colon = line.indexOf(':');
                String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                headers.put(name, line.substring(colon + 1).trim());
                if (name.equals("content-length")) {
                    length = Integer.parseInt(headers.get(name));
                }
            }
            char[] body = new char[length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            headers.put(":body", new String(body, 0, read));
            return headers;
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            thread.interrupt();
        }
    }

    @Test
    void everyRequestIsIdentifiedAndAPostIsRetriedWithTheSameIdempotencyKey() throws IOException {
        try (FlakyServer server = new FlakyServer(1, 200, "{\"name\":\"bot\",\"desiredState\":\"RUNNING\",\"status\":\"CREATING\"}")) {
            CliRunner cli = new CliRunner(server.url()).env("ROOST_TOKEN", "roost_pat_test").env("ROOST_WORKSPACE", "acme");
            CliRunner.Result r = cli.run("start", "bot");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).contains("instance/bot: start requested");

            assertThat(server.requests).hasSizeGreaterThanOrEqualTo(2);
            Map<String, String> first = server.requests.get(0);
            assertThat(first.get(":request")).isEqualTo("POST /api/v1/workspaces/acme/instances/bot/actions/start HTTP/1.1");
            assertThat(first.get("user-agent")).startsWith("roost-cli/");
            assertThat(first.get("accept")).isEqualTo("application/json");
            assertThat(first.get("authorization")).isEqualTo("Bearer roost_pat_test");
            assertThat(first.get("x-request-id")).matches("cli-[0-9a-f]{16}");
            assertThat(first.get("idempotency-key")).isNotBlank();
            for (Map<String, String> retry : server.requests) {
                assertThat(retry.get("idempotency-key")).as("a retry is the same request").isEqualTo(first.get("idempotency-key"));
                assertThat(retry.get("x-request-id")).isEqualTo(first.get("x-request-id"));
            }
        }
    }

    @Test
    void eachPostGetsItsOwnKeyAndAGetNone() throws IOException {
        try (FlakyServer server = new FlakyServer(0, 200, "{\"name\":\"bot\"}")) {
            CliRunner cli = new CliRunner(server.url()).env("ROOST_TOKEN", "roost_pat_test").env("ROOST_WORKSPACE", "acme");
            assertThat(cli.run("stop", "bot").exit()).isZero();
            assertThat(cli.run("stop", "bot").exit()).isZero();
            assertThat(cli.run("schema").exit()).isZero();
            assertThat(server.requests.get(0).get("idempotency-key")).isNotEqualTo(server.requests.get(1).get("idempotency-key"));
            assertThat(server.requests.get(0).get("x-request-id")).isNotEqualTo(server.requests.get(1).get("x-request-id"));
            assertThat(server.requests.get(2).get(":request")).startsWith("GET /api/v1/schemas/agent-instance.json");
            assertThat(server.requests.get(2)).doesNotContainKey("idempotency-key");
        }
    }

    @Test
    void anAnswerThatIsNoProblemDocumentStillGivesAClearErrorAndExitCode() throws IOException {
        try (FlakyServer server = new FlakyServer(0, 502, "<html>bad gateway</html>")) {
            CliRunner cli = new CliRunner(server.url()).env("ROOST_TOKEN", "roost_pat_test");
            CliRunner.Result r = cli.run("get", "plans");
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(r.err()).isEqualTo("error: The server answered HTTP 502 without an explanation.\n");
        }
    }

    @Test
    void aRefreshWhoseAnswerIsLostIsNotRepeated() throws IOException {
        try (FlakyServer server = new FlakyServer(1, 200, "{}")) {
            CliRunner cli = new CliRunner(null).secret("access-secret").secret("refresh-secret");
            Files.createDirectories(cli.configDir());
            Files.writeString(cli.configFile(), """
                    {"server":"%s","username":"admin","accessToken":"access-secret","refreshToken":"refresh-secret",
                     "accessTokenExpiresAt":"2000-01-01T00:00:00Z"}""".formatted(server.url()));
            CliRunner.Result r = cli.run("whoami");
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(server.requests).as("a second use of a refresh token would end the session").hasSize(1);
            assertThat(server.requests.get(0).get(":request")).isEqualTo("POST /api/v1/auth/refresh HTTP/1.1");
            assertThat(server.requests.get(0)).doesNotContainKey("authorization");
            assertThat(cli.config()).as("kept for when the server is back").contains("refresh-secret");
            cli.assertNoTokenPrinted();
        }
    }

    @Test
    void loggingOutOfAnUnreachableServerStillForgetsTheTokens() throws IOException {
        String url;
        try (ServerSocket gone = new ServerSocket(0)) {
            url = "http://127.0.0.1:" + gone.getLocalPort();
        }
        CliRunner cli = new CliRunner(null).secret("access-secret").secret("refresh-secret");
        Files.createDirectories(cli.configDir());
        Files.writeString(cli.configFile(), """
                {"server":"%s","username":"admin","accessToken":"access-secret","refreshToken":"refresh-secret",
                 "accessTokenExpiresAt":"2999-01-01T00:00:00Z"}""".formatted(url));
        CliRunner.Result r = cli.run("logout");
        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.err()).contains("forgotten here").contains("cannot reach");
        assertThat(cli.config()).doesNotContain("access-secret").doesNotContain("refresh-secret").contains(url);
        cli.assertNoTokenPrinted();
    }
}
