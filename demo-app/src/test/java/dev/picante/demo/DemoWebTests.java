package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The site, the page API, the event stream, the status page and actuator over HTTP, with the file watcher on. */
class DemoWebTests {

    @TempDir
    static Path docs;

    private static ConfigurableApplicationContext context;
    private static int port;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        context = DemoContexts.start(WebApplicationType.SERVLET, docs, DemoContexts.memoryDatabase(),
                "demo.docs.watch=true", "demo.docs.debounce=50ms");
        port = ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void servesPagesWithTheLiveReloadScript() throws Exception {
        HttpResponse<String> home = get("/");
        assertThat(home.statusCode()).isEqualTo(302);
        assertThat(home.headers().firstValue("Location")).hasValue("/docs/index");

        HttpResponse<String> page = get("/docs/concepts/early-cutoff");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("<title>Early cutoff · picante docs</title>", "<h1 id=\"early-cutoff\">Early cutoff</h1>",
                "href=\"/docs/concepts/equality\"", "new EventSource('/events?path=concepts/early-cutoff&v=")
                .endsWith("</html>\n");
        assertThat(get("/docs/no/such-page").statusCode()).isEqualTo(404);
        assertThat(get("/docs/glossary").body()).contains("class=\"broken\"");
    }

    @Test
    void pageApiCreatesReadsUpdatesAndDeletesPages() throws Exception {
        HttpResponse<String> created = put("/api/pages/guide/new-page", "# A new page\n\nA xylophone links to [the index](../index.md).\n");
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(created.body()).contains("\"path\":\"guide/new-page\"", "\"revision\":");
        assertThat(docs.resolve("guide/new-page.md")).hasContent("# A new page\n\nA xylophone links to [the index](../index.md).\n");
        assertThat(get("/api/pages").body()).contains("\"guide/new-page\":\"A new page\"");
        assertThat(get("/api/pages/guide/new-page").body()).startsWith("# A new page");
        assertThat(get("/docs/guide/new-page").body()).contains("<a href=\"/docs/index\">the index</a>");
        assertThat(get("/docs/index").body()).contains("Linked from", "href=\"/docs/guide/new-page\"");
        assertThat(get("/api/search?q=Xylophone+page").body()).isEqualTo("[\"guide/new-page\"]");

        assertThat(put("/api/pages/guide/new-page", "# Renamed\n").statusCode()).isEqualTo(200);
        assertThat(get("/docs/guide/new-page").body()).contains("<h1 id=\"renamed\">Renamed</h1>");
        assertThat(get("/status").body()).contains("PUT guide/new-page", "docsQueries.parse", "guide/new-page");

        assertThat(delete("/api/pages/guide/new-page").statusCode()).isEqualTo(204);
        assertThat(delete("/api/pages/guide/new-page").statusCode()).isEqualTo(404);
        assertThat(get("/docs/guide/new-page").statusCode()).isEqualTo(404);
        assertThat(docs.resolve("guide/new-page.md")).doesNotExist();

        // Issue 16: any file name is a page path now ('bad.name' was refused before); a path with an empty segment is not.
        HttpResponse<String> dotted = put("/api/pages/guide/mkfs.ext4", "# mkfs.ext4\n");
        assertThat(dotted.statusCode()).isEqualTo(200);
        assertThat(docs.resolve("guide/mkfs.ext4.md")).hasContent("# mkfs.ext4\n");
        assertThat(delete("/api/pages/guide/mkfs.ext4").statusCode()).isEqualTo(204);
        HttpResponse<String> bad = put("/api/pages/guide%01page", "x");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(bad.body()).contains("\"reason\":\"not a page path: 'guide\\u0001page': the path has the control character U+0001 at index 5\"");
    }

    @Test
    void pageApiRefusesBadInputWithAJsonReasonAndWritesNothing() throws Exception {
        byte[] invalid = {'#', ' ', 'O', 'K', '\n', (byte) 0xC3, '(', '\n'};
        HttpResponse<String> notUtf8 = client.send(HttpRequest.newBuilder(uri("/api/pages/bad-bytes"))
                .header("Content-Type", "text/markdown").PUT(HttpRequest.BodyPublishers.ofByteArray(invalid)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(notUtf8.statusCode()).isEqualTo(400);
        assertThat(notUtf8.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(notUtf8.body()).contains("\"reason\":\"the body is not valid UTF-8: byte offset 5 (0xC3); nothing was written\"");
        assertThat(docs.resolve("bad-bytes.md")).doesNotExist();

        HttpResponse<String> empty = put("/api/pages/empty", "");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("\"reason\":\"the body is empty");
        HttpResponse<String> noType = client.send(HttpRequest.newBuilder(uri("/api/pages/no-type"))
                .PUT(HttpRequest.BodyPublishers.ofString("# x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noType.statusCode()).isEqualTo(415);
        assertThat(noType.body()).contains("\"reason\":\"no Content-Type");
        HttpResponse<String> json = client.send(HttpRequest.newBuilder(uri("/api/pages/json"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.statusCode()).isEqualTo(415);
        assertThat(json.body()).contains("\"reason\":\"Content-Type 'application/json' is not Markdown");
        HttpResponse<String> latin1 = client.send(HttpRequest.newBuilder(uri("/api/pages/latin1"))
                .header("Content-Type", "text/markdown;charset=ISO-8859-1").PUT(HttpRequest.BodyPublishers.ofString("x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(latin1.statusCode()).isEqualTo(415);
        assertThat(latin1.body()).contains("\"reason\":\"charset ISO-8859-1 is not supported");
        for (String page : new String[] {"empty", "no-type", "json", "latin1"}) {
            assertThat(docs.resolve(page + ".md")).doesNotExist();
        }

        HttpResponse<String> missing = get("/api/pages/no/such-page");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("\"reason\":\"no page 'no/such-page'\"");
        HttpResponse<String> deleteMissing = delete("/api/pages/no/such-page");
        assertThat(deleteMissing.statusCode()).isEqualTo(404);
        assertThat(deleteMissing.body()).contains("\"reason\":\"no page 'no/such-page'\"");
        assertThat(get("/api/pages/no/such-page").statusCode()).isEqualTo(404);
    }

    @Test
    void fileChangesInTheFolderReachThePages() throws Exception {
        Files.writeString(docs.resolve("from-editor.md"), "# Written in an editor\n");
        awaitBody("/docs/from-editor", "Written in an editor");
        Files.writeString(docs.resolve("from-editor.md"), "# Edited in an editor\n");
        awaitBody("/docs/from-editor", "Edited in an editor");
        Files.delete(docs.resolve("from-editor.md"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (get("/docs/from-editor").statusCode() != 404 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(get("/docs/from-editor").statusCode()).isEqualTo(404);
    }

    @Test
    void eventStreamTellsATabShowingAnOlderVersionToReload() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/events?path=faq&v=12345")).GET().build();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/event-stream"));
        CompletableFuture<Boolean> reload = CompletableFuture.supplyAsync(
                () -> response.body().anyMatch(line -> line.equals("event:reload")));
        assertThat(reload.get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void actuatorExposesHealthMetricsAndPicante() throws Exception {
        assertThat(get("/actuator/health").body()).contains("\"status\":\"UP\"");
        assertThat(get("/actuator/metrics").statusCode()).isEqualTo(200);
        get("/docs/faq");
        assertThat(get("/actuator/picante").body()).contains("\"name\":\"demo\"", "docsQueries.parse", "docsQueries.navigation");
        assertThat(get("/actuator/picante/docsQueries.title/faq").body()).contains("FAQ");
    }

    @Test
    void theStatusPagesLinksToActuatorResolve() throws Exception {
        get("/docs/faq");
        String status = get("/status").body();
        Matcher links = Pattern.compile("href=\"(/actuator/[^\"]*)\"").matcher(status);
        List<String> targets = new ArrayList<>();
        while (links.find()) {
            targets.add(links.group(1));
        }
        assertThat(targets).contains("/actuator/picante", "/actuator/picante/docsQueries.parse");
        for (String target : targets) {
            assertThat(get(target).statusCode()).as(target).isEqualTo(200);
        }
        assertThat(get("/actuator/picante/docsQueries.parse").body()).contains("faq");
    }

    private void awaitBody(String path, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        HttpResponse<String> response = get(path);
        while (!response.body().contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            response = get(path);
        }
        assertThat(response.body()).contains(text);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "text/markdown")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
