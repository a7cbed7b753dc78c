package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Live reload in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs): a tab showing a page edited through the API shows the new content without a manual
 * reload within 2 seconds; a window showing another page is not reloaded.
 *
 * <p>Without {@code /usr/bin/chromedriver} the test fails, unless the system property
 * {@code demo.browser-tests=optional} is set ({@code mvn -Ddemo.browser-tests=optional verify}), which skips it.
 */
class LiveReloadBrowserTests {

    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path folder;

    private ConfigurableApplicationContext context;
    private ChromeDriver browser;
    private int port;

    @BeforeEach
    void start() throws Exception {
        if (!Files.isExecutable(CHROMEDRIVER) || !Files.isExecutable(CHROMIUM)) {
            String message = "Chromium and its driver are needed at " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver; .ci/run installs them)";
            if ("optional".equals(System.getProperty("demo.browser-tests"))) {
                Assumptions.abort(message + "; skipped because demo.browser-tests=optional");
            }
            fail(message);
        }
        context = DemoContexts.start(WebApplicationType.SERVLET, folder.resolve("docs"), DemoContexts.memoryDatabase());
        port = ((WebServerApplicationContext) context).getWebServer().getPort();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,800",
                "--user-data-dir=" + Files.createDirectories(folder.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (context != null) {
            context.close();
        }
    }

    @Test
    void theTabShowingAnEditedPageReloadsAndATabShowingAnotherPageDoesNot() throws Exception {
        String edited = "concepts/memoization";
        // Not linked from the edited page (whose links the edits remove): its HTML, backlinks included, does not change.
        String other = "store/schema";
        LiveReload live = context.getBean(LiveReload.class);

        browser.get(url("/docs/" + other));
        String otherWindow = browser.getWindowHandle();
        mark("other window");
        browser.switchTo().newWindow(WindowType.WINDOW);
        String editedWindow = browser.getWindowHandle();
        browser.get(url("/docs/" + edited));
        mark("edited window");
        awaitSubscribers(live, edited, other);

        // A first edit, untimed: warms the path from the write to the browser.
        put(edited, "# Memoization\n\nFirst edit.\n");
        new WebDriverWait(browser, Duration.ofSeconds(60))
                .until(b -> article().contains("First edit."));
        awaitSubscribers(live, edited, other);
        mark("edited window, reloaded once");

        // The edit the test is about: the new content appears within 2 seconds, without a manual reload.
        long start = System.nanoTime();
        put(edited, "# Memoization\n\nSecond edit, seen live.\n");
        new WebDriverWait(browser, Duration.ofSeconds(2)).pollingEvery(Duration.ofMillis(50))
                .until(b -> article().contains("Second edit, seen live."));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(marker()).as("the edited window was reloaded by the page, not by the test").isNull();
        System.out.println("Live reload: the edited page showed the new content " + millis + " ms after the PUT");

        // The other window showed a page the edits did not change: never reloaded, its marker survived.
        browser.switchTo().window(otherWindow);
        assertThat(marker()).isEqualTo("other window");
        assertThat(article()).contains("Schema");
        assertThat(live.subscribers(other)).isEqualTo(1);
        assertThat(editedWindow).isNotEqualTo(otherWindow);
    }

    /** The text of the page's article, read in one script (the page may be reloading meanwhile). */
    private String article() {
        Object text = ((JavascriptExecutor) browser).executeScript(
                "const a = document.querySelector('article'); return a ? a.textContent : '';");
        return String.valueOf(text);
    }

    private void mark(String value) {
        ((JavascriptExecutor) browser).executeScript("window.picanteTestMarker = arguments[0];", value);
    }

    private Object marker() {
        return ((JavascriptExecutor) browser).executeScript("return window.picanteTestMarker;");
    }

    private static void awaitSubscribers(LiveReload live, String... paths) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (String path : paths) {
            while (live.subscribers(path) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(live.subscribers(path)).as("tabs subscribed to " + path).isEqualTo(1);
        }
    }

    private void put(String path, String text) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url("/api/pages/" + path)))
                .header("Content-Type", "text/markdown").PUT(HttpRequest.BodyPublishers.ofString(text)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private String url(String path) {
        return "http://localhost:" + port + path;
    }
}
