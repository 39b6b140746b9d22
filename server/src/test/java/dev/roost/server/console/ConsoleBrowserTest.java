package dev.roost.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.instance.Instance;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.LogLine;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.testing.ApiClient;
import dev.roost.server.testing.FakeContainers;
import dev.roost.server.testing.PlayedNode;
import dev.roost.server.testing.TestRoost;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: Debian's Chromium, headless, driven through Debian's
 * chromedriver (no driver or browser download). One journey, in order: sign in, create an
 * instance with the wizard, see it RUNNING, follow its live logs, edit its manifest, see version
 * 2 and the diff, roll back; then a viewer, who sees no mutating control. Screenshots of each
 * main page go to {@code target/console-screenshots/}. Skipped (with what to install) when
 * Chromium is missing, unless {@code ROOST_REQUIRE_BROWSER=1}, which makes that a failure.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final String TOKEN_VALUE = "tg-canary-7f3a9c41d2e8b6";
    private static final String KEY_VALUE = "gw-canary-51c0e9a7b3d4f2";
    private static final String PROVIDER_KEY = "sk-canary-provider-2c7e91";

    private static TestRoost roost;
    private static FakeRuntime runtime;
    private static WebDriver browser;
    private static WebDriverWait wait;
    private static Path profile;

    @BeforeAll
    static void start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present) {
            String message = "Chromium and chromedriver are needed for the console's browser tests: apt-get install chromium chromium-driver";
            if ("1".equals(System.getenv("ROOST_REQUIRE_BROWSER"))) {
                throw new IllegalStateException(message + " (ROOST_REQUIRE_BROWSER=1 turns this skip into a failure)");
            }
            Assumptions.abort(message);
        }
        runtime = new FakeRuntime().withAnyImagePullable();
        roost = TestRoost.start(c -> c.withReconcileInterval(Duration.ofMillis(500)), Clock.systemUTC(), runtime);
        roost.createWorkspace("acme", "business");
        roost.createUser("ophelia", false);
        roost.addMember("acme", "ophelia", Role.OPERATOR);
        roost.createUser("vic", false);
        roost.addMember("acme", "vic", Role.VIEWER);
        roost.createUser("ada", false);
        roost.addMember("acme", "ada", Role.ADMIN);
        Files.createDirectories(SCREENSHOTS);
        profile = Files.createTempDirectory("roost-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (roost != null) {
            roost.close();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static void open(String path) {
        browser.get(roost.url() + path);
    }

    private static void screenshot(String name) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static WebElement find(By by) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private static void signIn(String username) {
        signIn(username, TestRoost.password(username));
    }

    private static void signIn(String username, String password) {
        browser.manage().deleteAllCookies();
        open("/console");
        find(By.id("username")).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.cssSelector("form button[type=submit]")).click();
        wait.until(ExpectedConditions.urlContains("/console/w/acme/instances"));
    }

    @Test
    @Order(1)
    void anOperatorCreatesAnInstanceWithTheWizardAndSeesItRunning() throws IOException {
        open("/console");
        find(By.id("username"));
        screenshot("01-sign-in");
        signIn("ophelia");
        assertThat(find(By.cssSelector(".empty")).getText()).contains("No instances yet");
        screenshot("02-instances-empty");

        browser.findElement(By.linkText("Create your first instance")).click();
        find(By.cssSelector("input[value='telegram-bot']")).click();
        screenshot("03-wizard-templates");
        browser.findElement(By.cssSelector("main form button[type=submit]")).click();

        find(By.id("name")).sendKeys("support-bot");
        // A first try without the image and with a bad name: the errors appear at their fields.
        browser.findElement(By.id("name")).clear();
        browser.findElement(By.id("name")).sendKeys("Support Bot");
        browser.findElement(By.cssSelector("main form button[type=submit]")).click();
        assertThat(find(By.id("name-error")).getText()).isNotBlank();
        assertThat(browser.findElement(By.id("p-image-error")).getText()).contains("required");

        browser.findElement(By.id("name")).clear();
        browser.findElement(By.id("name")).sendKeys("support-bot");
        browser.findElement(By.id("p-image")).sendKeys("roost-test/busybox:1");
        browser.findElement(By.id("secretValue-tokenSecret")).sendKeys(TOKEN_VALUE);
        screenshot("04-wizard-details");
        browser.findElement(By.cssSelector("main form button[type=submit]")).click();

        assertThat(find(By.id("generated-manifest")).getText()).contains("roost-test/busybox:1").contains("secret:telegram-bot-token")
                .doesNotContain(TOKEN_VALUE);
        assertThat(browser.getPageSource()).doesNotContain(TOKEN_VALUE).doesNotContain(KEY_VALUE);
        screenshot("05-wizard-review");
        browser.findElement(By.xpath("//button[normalize-space()='Create support-bot']")).click();

        wait.until(ExpectedConditions.urlContains("/instances/support-bot"));
        assertThat(find(By.cssSelector(".notice")).getText()).contains("Instance created");
        open("/console/w/acme/instances");
        // The list refreshes itself: no reload while the reconciler brings the instance up.
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#instances tbody"), "RUNNING"));
        assertThat(browser.findElement(By.cssSelector("#instances tbody")).getText()).contains("support-bot").contains("dev");
        screenshot("06-instances");
        browser.manage().window().setSize(new Dimension(390, 844));
        screenshot("06b-instances-phone");
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    @Test
    @Order(2)
    void liveLogsArriveWithSecretValuesMasked() throws IOException {
        open("/console/w/acme/instances/support-bot");
        browser.findElement(By.linkText("Live logs")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("log-state"), "Following"));
        Instance instance = new FakeContainers(roost).instance("acme", "support-bot");
        String container = runtime.observe(instance.id()).stream().filter(ObservedContainer::running).findFirst().orElseThrow()
                .containerId();
        runtime.emit(container, LogLine.Stream.STDOUT, "bot ready, polling telegram");
        runtime.emit(container, LogLine.Stream.STDERR, "token in use: " + TOKEN_VALUE);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("log"), "token in use"));
        String shown = browser.findElement(By.id("log")).getText();
        assertThat(shown).contains("bot ready, polling telegram").doesNotContain(TOKEN_VALUE).contains("****");
        screenshot("07-logs");
    }

    @Test
    @Order(3)
    void editingTheManifestMakesVersionTwoWithADiffAndRollingBackMakesVersionThree() throws IOException {
        open("/console/w/acme/instances/support-bot");
        browser.findElement(By.linkText("Edit manifest")).click();
        WebElement text = find(By.id("manifest"));
        String yaml = text.getAttribute("value");
        assertThat(yaml).contains("LOG_LEVEL: info");
        text.clear();
        text.sendKeys(yaml.replace("LOG_LEVEL: info", "LOG_LEVEL: debug"));
        screenshot("08-edit");
        browser.findElement(By.xpath("//button[normalize-space()='Save as new version']")).click();

        assertThat(find(By.cssSelector(".notice")).getText()).contains("new version");
        assertThat(browser.findElement(By.id("versions")).findElement(By.xpath("..")).getText()).contains("2 current");
        screenshot("09-instance-detail");
        browser.findElement(By.linkText("Compare with current")).click();
        WebElement changed = find(By.cssSelector("table.diff tr.changed"));
        assertThat(changed.getText()).contains("LOG_LEVEL: info").contains("LOG_LEVEL: debug");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Version 1 and version 2");
        screenshot("10-diff");

        open("/console/w/acme/instances/support-bot");
        browser.findElement(By.xpath("//details[.//input[@name='to' and @value='1']]/summary")).click();
        browser.findElement(By.xpath("//button[normalize-space()='Roll back to version 1']")).click();
        assertThat(find(By.cssSelector(".notice")).getText()).contains("Rolled back");
        assertThat(browser.findElement(By.id("versions")).findElement(By.xpath("..")).getText()).contains("3 current")
                .contains("rollback:1");
        assertThat(browser.findElement(By.cssSelector("pre.code")).getText()).contains("LOG_LEVEL: info");

        open("/console/w/acme/audit");
        assertThat(find(By.tagName("table")).getText()).contains("instance.rollback").contains("instance.apply")
                .contains("instance.create").contains("secret.");
        screenshot("11-audit");
        open("/console/w/acme/settings");
        assertThat(find(By.id("secrets")).findElement(By.xpath("..")).getText()).contains("telegram-bot-token");
        assertThat(browser.getPageSource()).doesNotContain(TOKEN_VALUE);
        screenshot("12-settings");
    }

    @Test
    @Order(4)
    void aViewerSeesNoMutatingControl() throws IOException {
        signIn("vic");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#instances tbody"), "support-bot"));
        assertThat(browser.findElements(By.linkText("New instance"))).isEmpty();
        open("/console/w/acme/instances/support-bot");
        find(By.id("overview"));
        List<String> postForms = browser.findElements(By.cssSelector("form[method=post]")).stream()
                .map(f -> f.getAttribute("action")).toList();
        assertThat(postForms).hasSize(1).allSatisfy(a -> assertThat(a).endsWith("/console/logout"));
        assertThat(browser.findElements(By.cssSelector("details.confirm"))).isEmpty();
        assertThat(browser.findElements(By.linkText("Edit manifest"))).isEmpty();
        assertThat(browser.findElements(By.linkText("Live logs"))).isEmpty();
        screenshot("13-viewer-detail");
        open("/console/w/acme/instances/support-bot/edit");
        assertThat(find(By.tagName("h1")).getText()).contains("not allowed");
    }

    @Test
    @Order(5)
    void anOperatorSubmitsATaskAndWatchesItsOutputArrive() throws IOException {
        PlayedNode node = PlayedNode.join(roost, "runner-1");
        signIn("ophelia");
        browser.findElement(By.linkText("Tasks")).click();
        assertThat(find(By.cssSelector(".empty")).getText()).contains("No tasks yet");
        browser.findElement(By.linkText("Run your first task")).click();
        find(By.id("commands")).sendKeys("python3 train.py --epochs 3");
        browser.findElement(By.id("timeoutSeconds")).sendKeys("600");
        screenshot("14-task-new");
        browser.findElement(By.xpath("//button[normalize-space()='Run task']")).click();

        assertThat(find(By.cssSelector(".notice")).getText()).contains("Task submitted");
        assertThat(browser.findElement(By.id("task-state")).getText()).contains("QUEUED");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("output-state"), "Following"));
        PlayedNode.Claimed job = node.claim();
        assertThat(browser.getCurrentUrl()).contains(job.id());
        node.output(job, 0, "stdout", "epoch 1/3 loss=0.91\n");
        // Output arrives while the page is open, without a reload; the state follows by itself.
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-output"), "epoch 1/3 loss=0.91"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-state"), "RUNNING"));
        node.output(job, 1, "stdout", "epoch 2/3 loss=0.55\n");
        node.output(job, 2, "stderr", "warning: no GPU, using CPU\n");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-output"), "no GPU"));
        screenshot("15-task-running");
        node.output(job, 3, "stdout", "epoch 3/3 loss=0.31\nsaved model.bin\n");
        node.artifact(job, "model.bin", new byte[] {1, 2, 3, 4});
        node.complete(job, java.util.Map.of("exitCode", 0, "durationMs", 4210, "stdoutBytes", 76, "stderrBytes", 27));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("output-state"), "SUCCEEDED"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-state"), "SUCCEEDED"));
        assertThat(browser.findElement(By.id("task-exit")).getText()).isEqualTo("0");
        assertThat(browser.findElement(By.id("task-summary")).getText()).contains("runner-1").contains("4.2 s");
        assertThat(browser.findElement(By.id("task-output")).getText()).contains("epoch 1/3").contains("saved model.bin");
        assertThat(browser.findElement(By.id("task-artifacts")).findElement(By.linkText("model.bin")).getAttribute("href"))
                .endsWith("/artifacts/model.bin");
        assertThat(browser.findElements(By.xpath("//summary[normalize-space()='Cancel task']"))).as("an ended task has no cancel").isEmpty();
        browser.manage().window().setSize(new Dimension(1280, 1500));
        screenshot("16-task-done");
        browser.manage().window().setSize(new Dimension(1280, 900));
        browser.findElement(By.linkText("Tasks")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#tasks tbody"), "SUCCEEDED"));
        assertThat(browser.findElement(By.cssSelector("#tasks tbody")).getText()).contains("runner-1").contains("ophelia");
        screenshot("17-tasks");
    }

    @Test
    @Order(6)
    void anAdminCreatesAGatewayKeyThatIsShownOnceAndRevokesIt() throws IOException {
        signIn("ada");
        browser.findElement(By.linkText("Gateway")).click();
        browser.findElement(By.linkText("Providers and models")).click();
        find(By.id("provider-name")).sendKeys("openai");
        browser.findElement(By.id("provider-key")).sendKeys(PROVIDER_KEY);
        browser.findElement(By.xpath("//button[normalize-space()='Add provider']")).click();
        assertThat(find(By.cssSelector(".notice")).getText()).contains("Provider added");
        find(By.id("alias-name")).sendKeys("fast");
        browser.findElement(By.id("alias-targets")).sendKeys("openai gpt-4o-mini");
        browser.findElement(By.xpath("//button[normalize-space()='Save alias']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "alias saved"));
        assertThat(browser.getPageSource()).contains("secret:openai-api-key").doesNotContain(PROVIDER_KEY);
        screenshot("18-gateway-providers");

        browser.findElement(By.linkText("Virtual keys")).click();
        find(By.id("key-name")).sendKeys("support-bot-key");
        browser.findElement(By.id("key-models")).sendKeys("fast");
        browser.findElement(By.id("key-rpm")).sendKeys("120");
        browser.findElement(By.id("key-budget")).sendKeys("20USD/month");
        browser.findElement(By.xpath("//button[normalize-space()='Create key']")).click();
        String key = find(By.id("key-value")).getText();
        assertThat(key).startsWith("roost_vk_");
        screenshot("19-gateway-key-created");
        ApiClient client = new ApiClient(roost.url(), key);
        assertThat(client.get("/v1/models").status()).isEqualTo(200);

        // Reloaded, the page no longer holds the key: only its prefix.
        open("/console/w/acme/gateway/keys");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("table.keys"), "support-bot-key"));
        assertThat(browser.getPageSource()).doesNotContain(key).contains(key.substring(0, 16));
        browser.findElement(By.xpath("//tr[td[normalize-space()='support-bot-key']]//summary")).click();
        browser.findElement(By.xpath("//button[normalize-space()='Revoke support-bot-key']")).click();
        assertThat(find(By.cssSelector(".notice")).getText()).contains("Key revoked");
        assertThat(browser.findElement(By.cssSelector("table.keys")).getText()).contains("REVOKED");
        ApiClient.Response refused = client.get("/v1/models");
        assertThat(refused.status()).as("a revoked key opens the gateway no more").isEqualTo(401);
        screenshot("20-gateway-keys");

        meterSomeUsage();
        browser.findElement(By.linkText("Usage")).click();
        find(By.id("chart-models"));
        assertThat(browser.findElements(By.cssSelector("#chart-models rect"))).isNotEmpty();
        assertThat(browser.findElement(By.id("chart-keys")).getText()).contains("support-bot-key");
        screenshot("21-gateway-usage");
        browser.manage().window().setSize(new Dimension(390, 844));
        screenshot("21b-gateway-usage-phone");
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    /** Usage rows as the gateway meters them, over a week, so the charts have something to draw. */
    private static void meterSomeUsage() {
        roost.server().database().transaction(s -> {
            var ws = s.workspaces().findByName("acme").orElseThrow().id();
            java.util.UUID keyId = s.handle().createQuery("SELECT id FROM gateway_keys WHERE name = 'support-bot-key'")
                    .mapTo(java.util.UUID.class).one();
            java.time.Instant now = java.time.Instant.now();
            String[] models = {"fast", "gpt-4o", "claude-sonnet"};
            for (int day = 0; day < 7; day++) {
                for (int m = 0; m < models.length; m++) {
                    s.handle().createUpdate("""
                                    INSERT INTO gateway_usage (at, workspace_id, key_id, instance_name, endpoint, model, provider,
                                    input_tokens, output_tokens, cost_micros, latency_ms, gateway_ms, status, streamed, attempts)
                                    VALUES (:at, :ws, :key, 'support-bot', '/v1/chat/completions', :model, 'openai', :in, :out, :cost,
                                    300, 1, 200, true, 1)""")
                            .bind("at", java.sql.Timestamp.from(now.minus(java.time.Duration.ofDays(day)))).bind("ws", ws)
                            .bind("key", keyId).bind("model", models[m]).bind("in", 4000L + 1500L * ((day * 7 + m * 3) % 5))
                            .bind("out", 900L + 400L * ((day + m) % 4)).bind("cost", 2500L * (m + 1)).execute();
                }
            }
            return null;
        });
    }

    @Test
    @Order(7)
    void aServerAdminSeesTheNodesAndMakesAJoinTokenShownOnce() throws IOException {
        signIn(TestRoost.ADMIN, TestRoost.ADMIN_PASSWORD);
        browser.findElement(By.linkText("Nodes")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("table.nodes"), "runner-1"));
        screenshot("22-nodes");
        browser.findElement(By.xpath("//button[normalize-space()='Create join token']")).click();
        String token = find(By.id("join-token-value")).getText();
        assertThat(token).isNotBlank();
        open("/console/nodes");
        assertThat(browser.getPageSource()).doesNotContain(token);
        browser.findElement(By.linkText("runner-1")).click();
        find(By.id("node-capabilities"));
        browser.findElement(By.xpath("//summary[normalize-space()='Cordon']")).click();
        browser.findElement(By.xpath("//button[normalize-space()='Cordon runner-1']")).click();
        assertThat(find(By.cssSelector(".notice")).getText()).contains("Node cordoned");
        assertThat(browser.findElement(By.cssSelector("h1")).getText()).contains("runner-1");
        screenshot("23-node");
    }
}
