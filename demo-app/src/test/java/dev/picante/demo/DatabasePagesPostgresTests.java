package dev.picante.demo;

import static dev.picante.demo.DatabasePagesTests.awaitLastEdit;
import static dev.picante.demo.DatabasePagesTests.computations;
import static dev.picante.demo.DatabasePagesTests.revision;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two demo instances with {@code demo.docs.source=database} and the profile {@code postgres} on one (embedded)
 * PostgreSQL database: the shared store's change log carries an edit made through either one's page API to the
 * other, which serves it recomputing only the edited page; a restarted instance is warm and serves what was edited
 * while it was down.
 */
class DatabasePagesPostgresTests {

    private static final String PAGE = "concepts/memoization";
    private static final String OTHER = "concepts/revisions";

    @TempDir
    Path folder;

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void twoInstancesOnOneDatabaseServeAnEditMadeOnEither() throws Exception {
        String url = DemoPostgres.freshDatabase();
        ConfigurableApplicationContext a = start(folder.resolve("a"), url, "a");
        ConfigurableApplicationContext b = start(folder.resolve("b"), url, "b");
        try {
            List<String> paths = store(a).paths();
            assertThat(paths).hasSizeGreaterThanOrEqualTo(30).contains(PAGE, OTHER);
            // B imported nothing (the table was filled by A) and serves the same site from the table
            assertThat(folder.resolve("b").resolve(PAGE + ".md")).doesNotExist();
            assertThat(store(b).paths()).isEqualTo(paths);
            Map<String, String> onA = pages(a, paths);
            assertThat(pages(b, paths)).isEqualTo(onA);

            // a tab on B shows PAGE, another OTHER (live reload subscriptions at the versions they show)
            LiveReload live = b.getBean(LiveReload.class);
            live.subscribe(PAGE, live.version(PAGE));
            live.subscribe(OTHER, live.version(OTHER));
            assertThat(live.subscribers(PAGE)).isEqualTo(1);

            // an edit on A: B receives it through the change log and parses that page only
            String text = store(a).text(PAGE).orElseThrow();
            long parsesOnB = computations(b, "parse");
            long navigationsOnB = computations(b, "navigation");
            assertThat(put(a, PAGE, text + "\nEdited on A.\n").statusCode()).isEqualTo(200);
            awaitText(b, PAGE, text + "\nEdited on A.\n");
            Map<String, String> afterA = pages(b, paths);
            assertThat(afterA.get(PAGE)).contains("Edited on A.");
            assertThat(computations(b, "parse")).isEqualTo(parsesOnB + 1);
            assertThat(computations(b, "navigation")).isEqualTo(navigationsOnB);
            assertThat(afterA).isEqualTo(pages(a, paths));
            awaitLastEdit(b, "database change");
            // B's tab showing PAGE was told to reload (and unsubscribed); the one showing OTHER was not
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (live.subscribers(PAGE) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(live.subscribers(PAGE)).isZero();
            assertThat(live.subscribers(OTHER)).isEqualTo(1);
            assertThat(store(b).text(PAGE)).hasValue(text + "\nEdited on A.\n");

            // an edit on B, seen on A the same way
            String other = store(b).text(OTHER).orElseThrow();
            long parsesOnA = computations(a, "parse");
            assertThat(put(b, OTHER, other + "\nEdited on B.\n").statusCode()).isEqualTo(200);
            awaitText(a, OTHER, other + "\nEdited on B.\n");
            Map<String, String> afterB = pages(a, paths);
            assertThat(afterB.get(OTHER)).contains("Edited on B.");
            assertThat(computations(a, "parse")).isEqualTo(parsesOnA + 1);
            assertThat(afterB).isEqualTo(pages(b, paths));

            // B stops; A edits meanwhile; B restarts warm: only the page edited while it was down is parsed
            b.close();
            assertThat(put(a, PAGE, text + "\nEdited on A while B was down.\n").statusCode()).isEqualTo(200);
            Map<String, String> expected = pages(a, paths);
            b = start(folder.resolve("b"), url, "b");
            assertThat(store(b).paths()).isEqualTo(paths);
            assertThat(pages(b, paths)).isEqualTo(expected);
            assertThat(expected.get(PAGE)).contains("Edited on A while B was down.");
            assertThat(computations(b, "parse")).isEqualTo(1);
            assertThat(computations(b, "navigation")).isZero();
            assertThat(revision(b)).isEqualTo(revision(a));
        } finally {
            b.close();
            a.close();
        }
    }

    private static ConfigurableApplicationContext start(Path docs, String url, String instance) {
        return DatabasePagesTests.start(docs, url, "spring.profiles.active=postgres", "spring.datasource.username=postgres",
                "spring.datasource.password=", "picante.store.instance-id=" + instance,
                "picante.store.poll-interval=100ms");
    }

    private static PageStore store(ConfigurableApplicationContext context) {
        return context.getBean(PageStore.class);
    }

    private static Map<String, String> pages(ConfigurableApplicationContext context, List<String> paths) {
        DocsQueries queries = context.getBean(DocsQueries.class);
        Map<String, String> html = new LinkedHashMap<>();
        for (String path : paths) {
            html.put(path, queries.page(path));
        }
        return html;
    }

    private static void awaitText(ConfigurableApplicationContext context, String page, String text)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!store(context).text(page).orElse("").equals(text) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(store(context).text(page)).hasValue(text);
    }

    private HttpResponse<String> put(ConfigurableApplicationContext context, String page, String body)
            throws Exception {
        return client.send(HttpRequest.newBuilder(DatabasePagesTests.uri(context, "/api/pages/" + page))
                .header("Content-Type", "text/markdown").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
