package dev.roost.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.instance.Instance;
import dev.roost.core.workspace.Role;
import dev.roost.runtime.LogLine;
import dev.roost.core.deploy.ObservedContainer;
import dev.roost.runtime.fake.FakeRuntime;
import dev.roost.server.testing.FakeContainers;
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
        browser.manage().deleteAllCookies();
        open("/console");
        find(By.id("username")).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(TestRoost.password(username));
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
}
