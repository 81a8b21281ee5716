package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenflow.core.RetryPolicy;
import io.tokenflow.core.TokenService;
import io.tokenflow.core.WorkloadState.Status;
import io.tokenflow.test.Await;
import io.tokenflow.test.EmbeddedAuthorizationServer;
import io.tokenflow.test.EmbeddedAuthorizationServer.Fault;
import io.tokenflow.test.Loopback;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@code GET /status/ui} in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, driven by Selenium; nothing is downloaded): the page follows a service
 * through RUNNING, DEGRADED, AUTH_RETRYING and RUNNING again without a reload, and reconnects by
 * itself when its stream drops. The service runs on virtual time against a real authorization
 * server; the page, its stream and the browser are real.
 *
 * <p>Without the two packages the test is skipped with a message saying how to install them;
 * under {@code CI=true} it fails instead. It saves {@code target/status-ui.png}, the screenshot in
 * {@code docs/operations.md}.
 */
class StatusPageBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String INSTALL = "needs Debian's chromium and chromium-driver at " + CHROMIUM + " and " + CHROMEDRIVER
            + ": as root, apt-get update && apt-get install -y chromium chromium-driver";
    private static final Duration WAIT = Duration.ofSeconds(15);
    /** Tokens live 100 s: without jitter the refresh is due at 50 s, and the token counts as expired at 90 s. */
    private static final Duration LIFETIME = Duration.ofSeconds(100);

    @TempDir
    Path profile;

    private EmbeddedAuthorizationServer idp;
    private VirtualTimeScheduler clock;
    private TokenService service;
    private DisposableServer status;
    private ChromeDriverService driverService;
    private ChromeDriver browser;
    private final List<Connection> connections = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void browserInstalled() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("StatusPageBrowserTest " + INSTALL + " (.ci/run installs them)");
        }
        Assumptions.assumeTrue(installed, () -> "StatusPageBrowserTest skipped: it " + INSTALL);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (driverService != null) {
            driverService.stop();
        }
        if (service != null) {
            service.dispose();
        }
        if (status != null) {
            status.disposeNow();
        }
        if (idp != null) {
            idp.close();
        }
    }

    @Test
    void thePageFollowsTheServiceThroughAnOutageAndItsRecoveryWithoutAReload() throws Exception {
        startService();
        status = serveStatus(0);
        openPage();
        markPage();

        awaitBadge(Status.RUNNING);
        assertThat(text(".expiry")).startsWith("in ");
        assertThat(text(".next")).isEqualTo("—");
        assertThat(card().findElement(By.cssSelector(".failure")).isDisplayed()).isFalse();

        idp.fault(Fault.SERVICE_UNAVAILABLE);
        clock.advanceTimeBy(Duration.ofSeconds(50));
        States.await(service, Status.DEGRADED);
        awaitBadge(Status.DEGRADED);
        assertThat(text(".failure-text")).contains("TRANSIENT").contains("HTTP 503");
        assertThat(text(".next")).startsWith("in ");
        assertThat(text(".expiry")).startsWith("in ");

        clock.advanceTimeBy(Duration.ofSeconds(40));
        States.await(service, Status.AUTH_RETRYING);
        awaitBadge(Status.AUTH_RETRYING);
        assertThat(text(".expiry")).isEqualTo("—");
        assertThat(text(".failure-text")).contains("HTTP 503");
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "status-ui.png"),
                StandardCopyOption.REPLACE_EXISTING);

        idp.fault(Fault.HEALTHY);
        Await.until(WAIT, "RUNNING again at a later attempt", () -> {
            clock.advanceTimeBy(Duration.ofSeconds(5));
            return service.state().status() == Status.RUNNING;
        });
        awaitBadge(Status.RUNNING);
        assertThat(card().findElement(By.cssSelector(".failure")).isDisplayed()).isFalse();
        assertThat(timeline()).containsExactly("RUNNING", "AUTH_RETRYING", "DEGRADED", "RUNNING");
        assertThat(pageStillMarked()).as("the page was not reloaded").isTrue();
    }

    @Test
    void thePageReconnectsByItselfWhenTheStreamDrops() {
        startService();
        status = serveStatus(0);
        int port = status.port();
        openPage();
        markPage();
        awaitBadge(Status.RUNNING);
        awaitConnected(true);

        // The server goes away, and with it the stream's connection.
        status.disposeNow();
        connections.forEach(Connection::dispose);
        awaitConnected(false);
        idp.fault(Fault.SERVICE_UNAVAILABLE);
        clock.advanceTimeBy(Duration.ofSeconds(50));
        States.await(service, Status.DEGRADED);
        status = serveStatus(port);

        awaitConnected(true);
        awaitBadge(Status.DEGRADED);
        assertThat(timeline()).containsExactly("DEGRADED", "RUNNING");
        assertThat(pageStillMarked()).as("the page was not reloaded").isTrue();
    }

    private void startService() {
        idp = EmbeddedAuthorizationServer.builder()
                .client(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .tokenLifetime(LIFETIME)
                .start();
        clock = VirtualTimeScheduler.create();
        // Near the browser's clock, so that its countdowns read sensibly.
        clock.advanceTimeTo(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        service = TokenService.builder()
                .tokenEndpoint(idp.tokenEndpoint())
                .clientCredentials(WireMocks.CLIENT_ID, WireMocks.CLIENT_SECRET)
                .scheduler(clock)
                .retryPolicy(RetryPolicy.defaults().withMaxRetries(0)
                        .withDegradedRetryInterval(Duration.ofSeconds(10))
                        .withAuthRetryingInterval(Duration.ofSeconds(20)))
                .refreshJitter(0)
                .build();
        States.await(service, Status.RUNNING);
    }

    private DisposableServer serveStatus(int port) {
        return Loopback.httpServer().port(port)
                .doOnConnection(connections::add)
                .route(StatusRoutes.of(Map.of("orders", service)))
                .bindNow();
    }

    private void openPage() {
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                        "--window-size=1000,720", "--user-data-dir=" + profile.resolve("chromium"));
        driverService = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(driverService, options);
        browser.get(Loopback.url(status, "/status/ui").toString());
    }

    /** A mark in the page's window: gone if the page were reloaded. */
    private void markPage() {
        ((JavascriptExecutor) browser).executeScript("window.tokenflowTestMark = 'kept';");
    }

    private boolean pageStillMarked() {
        return "kept".equals(((JavascriptExecutor) browser).executeScript("return window.tokenflowTestMark;"));
    }

    private WebElement card() {
        return browser.findElement(By.cssSelector("[data-service='orders']"));
    }

    private String text(String selector) {
        return card().findElement(By.cssSelector(selector)).getText();
    }

    private List<String> timeline() {
        return card().findElements(By.cssSelector(".timeline li")).stream().map(li -> li.getDomAttribute("data-status")).toList();
    }

    private void awaitBadge(Status expected) {
        new WebDriverWait(browser, WAIT)
                .withMessage(() -> "the badge showing " + expected + "; the page shows " + browser.findElements(By.cssSelector(".badge"))
                        .stream().map(WebElement::getText).toList())
                .until(page -> page.findElements(By.cssSelector("[data-service='orders'] .badge")).stream()
                        .anyMatch(badge -> expected.name().equals(badge.getDomAttribute("data-status"))
                                && expected.name().equals(badge.getText())));
    }

    private void awaitConnected(boolean connected) {
        new WebDriverWait(browser, WAIT)
                .withMessage(() -> "the page " + (connected ? "connected" : "disconnected"))
                .until(page -> String.valueOf(connected).equals(
                        page.findElement(By.id("connection")).getDomAttribute("data-connected")));
    }
}
