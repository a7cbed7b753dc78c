package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.picante.Database;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code demo.docs.source=database} on H2: the pages are rows of {@code DOC_PAGE} (imported from the folder when
 * the table is empty), served with the same HTML as from files, edited through the page API (one transaction, so
 * one revision, per request; nothing on a refused or rolled-back write), and reconciled at a restart with rows
 * changed while the demo was down, recomputing only the affected page.
 */
class DatabasePagesTests {

    private static final String PAGE = "concepts/memoization";

    @TempDir
    Path folder;

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void pagesAreImportedServedAndEditedThroughTheApiOneRevisionPerWrite() throws Exception {
        Path docs = folder.resolve("docs");
        try (ConfigurableApplicationContext context = start(docs, DemoContexts.memoryDatabase())) {
            JdbcTemplate jdbc = jdbc(context);
            PageStore store = context.getBean(PageStore.class);
            DocsQueries queries = context.getBean(DocsQueries.class);
            // the import: every page of the folder (the samples) is a row; the folder's pages are the site's
            TreeSet<String> folderPages = markdownPages(docs);
            assertThat(folderPages).hasSizeGreaterThanOrEqualTo(30).contains(PAGE);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM DOC_PAGE", Integer.class)).isEqualTo(folderPages.size());
            assertThat(store.paths()).containsExactlyElementsOf(folderPages);
            assertThat(store.text(PAGE)).hasValue(Files.readString(docs.resolve(PAGE + ".md")));
            for (String path : store.paths()) {
                assertThat(get(context, "/docs/" + path).statusCode()).isEqualTo(200);
            }
            assertThat(computations(context, "parse")).isEqualTo(folderPages.size());

            // a body edit through the API: one transaction, one revision, the row's version incremented, the file
            // in the folder untouched; requesting every page again parses that page only
            long revision = revision(context);
            long version = version(jdbc, PAGE);
            String text = store.text(PAGE).orElseThrow();
            HttpResponse<String> put = put(context, PAGE, text + "\nStored in the table.\n");
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(put.body()).contains("\"revision\":" + (revision + 1));
            assertThat(revision(context)).isEqualTo(revision + 1);
            assertThat(version(jdbc, PAGE)).isEqualTo(version + 1);
            assertThat(jdbc.queryForObject("SELECT BODY FROM DOC_PAGE WHERE PATH = ?", String.class, PAGE))
                    .isEqualTo(text + "\nStored in the table.\n");
            assertThat(docs.resolve(PAGE + ".md")).hasContent(text);
            long parses = computations(context, "parse");
            long navigations = computations(context, "navigation");
            for (String path : store.paths()) {
                queries.page(path);
            }
            assertThat(computations(context, "parse")).isEqualTo(parses + 1);
            assertThat(computations(context, "navigation")).isEqualTo(navigations);
            assertThat(get(context, "/docs/" + PAGE).body()).contains("Stored in the table.");
            assertThat(get(context, "/api/pages/" + PAGE).body()).isEqualTo(text + "\nStored in the table.\n");
            assertThat(context.getBean(EditLog.class).last().change().cause()).isEqualTo("PUT " + PAGE);

            // the same text again: nothing written
            assertThat(put(context, PAGE, text + "\nStored in the table.\n").statusCode()).isEqualTo(200);
            assertThat(revision(context)).isEqualTo(revision + 1);
            assertThat(version(jdbc, PAGE)).isEqualTo(version + 1);

            // create, link, delete: a link to a missing page is broken until the page exists, and again after
            assertThat(put(context, "scratch/a", "# A\n\nSee [b](b.md).\n").statusCode()).isEqualTo(200);
            assertThat(get(context, "/docs/scratch/a").body()).contains("class=\"broken\"");
            assertThat(put(context, "scratch/b", "# B\n").statusCode()).isEqualTo(200);
            assertThat(get(context, "/docs/scratch/a").body()).doesNotContain("class=\"broken\"");
            assertThat(store.paths()).contains("scratch/a", "scratch/b");
            long beforeDelete = revision(context);
            assertThat(delete(context, "scratch/b").statusCode()).isEqualTo(204);
            assertThat(revision(context)).isEqualTo(beforeDelete + 1);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM DOC_PAGE WHERE PATH = 'scratch/b'", Integer.class))
                    .isZero();
            assertThat(get(context, "/docs/scratch/a").body()).contains("class=\"broken\"");
            assertThat(get(context, "/docs/scratch/b").statusCode()).isEqualTo(404);
            assertThat(docs.resolve("scratch")).doesNotExist();

            // a row changed by SQL while the demo runs is not seen until a resync, which parses that page only
            String other = "concepts/revisions";
            String otherText = store.text(other).orElseThrow();
            assertThat(jdbc.update("UPDATE DOC_PAGE SET BODY = ?, VERSION = VERSION + 1 WHERE PATH = ?",
                    otherText + "\nChanged by SQL.\n", other)).isEqualTo(1);
            for (String path : store.paths()) {
                queries.page(path);
            }
            assertThat(store.text(other)).hasValue(otherText);
            long parsesBeforeResync = computations(context, "parse");
            HttpResponse<String> resync = client.send(HttpRequest.newBuilder(uri(context,
                    "/actuator/picante/data/resync")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(resync.statusCode()).isEqualTo(200);
            assertThat(resync.body()).contains("pageTable");
            assertThat(store.text(other)).hasValue(otherText + "\nChanged by SQL.\n");
            for (String path : store.paths()) {
                queries.page(path);
            }
            assertThat(computations(context, "parse")).isEqualTo(parsesBeforeResync + 1);
            assertThat(get(context, "/docs/" + other).body()).contains("Changed by SQL.");
        }
    }

    @Test
    void thePageApiRefusesBadInputWithTheSameJsonReasonsAndWritesNothing() throws Exception {
        try (ConfigurableApplicationContext context = start(folder.resolve("docs"), DemoContexts.memoryDatabase())) {
            JdbcTemplate jdbc = jdbc(context);
            Integer rows = jdbc.queryForObject("SELECT COUNT(*) FROM DOC_PAGE", Integer.class);
            long revision = revision(context);

            byte[] invalid = {'#', ' ', 'O', 'K', '\n', (byte) 0xC3, '(', '\n'};
            HttpResponse<String> notUtf8 = client.send(HttpRequest.newBuilder(uri(context, "/api/pages/bad-bytes"))
                    .header("Content-Type", "text/markdown").PUT(HttpRequest.BodyPublishers.ofByteArray(invalid))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(notUtf8.statusCode()).isEqualTo(400);
            assertThat(notUtf8.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(notUtf8.body()).contains(
                    "\"reason\":\"the body is not valid UTF-8: byte offset 5 (0xC3); nothing was written\"");
            HttpResponse<String> empty = put(context, "empty", "");
            assertThat(empty.statusCode()).isEqualTo(400);
            assertThat(empty.body()).contains("\"reason\":\"the body is empty");
            HttpResponse<String> noType = client.send(HttpRequest.newBuilder(uri(context, "/api/pages/no-type"))
                    .PUT(HttpRequest.BodyPublishers.ofString("# x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(noType.statusCode()).isEqualTo(415);
            assertThat(noType.body()).contains("\"reason\":\"no Content-Type");
            HttpResponse<String> badPath = put(context, "guide%01page", "x");
            assertThat(badPath.statusCode()).isEqualTo(400);
            assertThat(badPath.body()).contains("\"reason\":\"not a page path: 'guide\\u0001page': the path has the"
                    + " control character U+0001 at index 5\"");
            HttpResponse<String> nul = put(context, "nul", "# A\u0000B\n");
            assertThat(nul.statusCode()).isEqualTo(400);
            assertThat(nul.body()).contains("\"reason\":\"the body has the character U+0000 at index 3, which the pages"
                    + " table cannot store (PostgreSQL text refuses it); nothing was written\"");
            HttpResponse<String> missing = get(context, "/api/pages/no/such-page");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("\"reason\":\"no page 'no/such-page'\"");
            HttpResponse<String> deleteMissing = delete(context, "no/such-page");
            assertThat(deleteMissing.statusCode()).isEqualTo(404);
            assertThat(deleteMissing.body()).contains("\"reason\":\"no page 'no/such-page'\"");

            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM DOC_PAGE", Integer.class)).isEqualTo(rows);
            assertThat(revision(context)).isEqualTo(revision);
        }
    }

    @Test
    void aFailingEditChangesNothing() throws Exception {
        try (ConfigurableApplicationContext context = start(folder.resolve("docs"), DemoContexts.memoryDatabase())) {
            JdbcTemplate jdbc = jdbc(context);
            PageStore store = context.getBean(PageStore.class);
            DocsQueries queries = context.getBean(DocsQueries.class);
            EditLog log = context.getBean(EditLog.class);
            for (String path : store.paths()) {
                queries.page(path);
            }
            String text = store.text(PAGE).orElseThrow();
            String other = "concepts/revisions";
            String otherText = store.text(other).orElseThrow();
            long revision = revision(context);
            long parses = computations(context, "parse");
            EditLog.Edit lastEdit = log.last();
            jdbc.execute("ALTER TABLE DOC_PAGE ADD CONSTRAINT NO_FORBIDDEN CHECK (BODY NOT LIKE '%forbidden%')");

            // the database refuses the row: a JSON reason, the transaction rolled back, nothing applied
            HttpResponse<String> refused = put(context, PAGE, text + "\nforbidden\n");
            assertThat(refused.statusCode()).isEqualTo(500);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(refused.body()).contains("\"reason\":\"the database refused the write (")
                    .contains("nothing was written");
            assertThat(revision(context)).isEqualTo(revision);
            assertThat(get(context, "/api/pages/" + PAGE).body()).isEqualTo(text);

            // two writes in one transaction, the second refused: neither is applied
            TransactionTemplate tx = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
            assertThatThrownBy(() -> tx.executeWithoutResult(status -> {
                try {
                    store.put(other, otherText + "\nFine on its own.\n");
                    store.put(PAGE, text + "\nforbidden\n");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            })).isInstanceOf(DataIntegrityViolationException.class);

            // a write inside a transaction the caller rolls back: not applied
            tx.executeWithoutResult(status -> {
                try {
                    store.put(other, otherText + "\nRolled back.\n");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                status.setRollbackOnly();
            });

            assertThat(revision(context)).isEqualTo(revision);
            assertThat(store.text(other)).hasValue(otherText);
            assertThat(store.text(PAGE)).hasValue(text);
            assertThat(jdbc.queryForObject("SELECT BODY FROM DOC_PAGE WHERE PATH = ?", String.class, other))
                    .isEqualTo(otherText);
            for (String path : store.paths()) {
                queries.page(path);
            }
            assertThat(computations(context, "parse")).isEqualTo(parses);
            assertThat(log.last()).isSameAs(lastEdit);
        }
    }

    @Test
    void aRowChangedWhileTheDemoWasDownIsReconciledAtRestartAndOnlyItsPageRecomputed() throws Exception {
        Path docs = folder.resolve("docs");
        String database = "jdbc:h2:file:" + folder.resolve("db");
        List<String> paths;
        String text;
        try (ConfigurableApplicationContext context = startWithoutServer(docs, database)) {
            PageStore store = context.getBean(PageStore.class);
            paths = store.paths();
            for (String path : paths) {
                context.getBean(DocsQueries.class).page(path);
            }
            text = store.text(PAGE).orElseThrow();
        } // saves the store

        // an unchanged restart is warm: nothing recomputed, nothing imported again
        try (ConfigurableApplicationContext context = startWithoutServer(docs, database)) {
            for (String path : paths) {
                context.getBean(DocsQueries.class).page(path);
            }
            assertThat(computations(context, "parse")).isZero();
            assertThat(computations(context, "navigation")).isZero();
            assertThat(context.getBean(EditLog.class).last()).isNull();
        }

        // while down, plain SQL edits a row (as another program would)
        DataSource ds = new org.springframework.jdbc.datasource.DriverManagerDataSource(database, "sa", "");
        assertThat(new JdbcTemplate(ds).update("UPDATE DOC_PAGE SET BODY = ?, VERSION = VERSION + 1 WHERE PATH = ?",
                text + "\nEdited by SQL while the demo was down.\n", PAGE)).isEqualTo(1);

        try (ConfigurableApplicationContext context = startWithoutServer(docs, database)) {
            PageStore store = context.getBean(PageStore.class);
            assertThat(store.paths()).isEqualTo(paths);
            for (String path : paths) {
                String html = context.getBean(DocsQueries.class).page(path);
                if (path.equals(PAGE)) {
                    assertThat(html).contains("Edited by SQL while the demo was down.");
                }
            }
            // the reconciliation set one row: that page is parsed again; its title and links are equal (early
            // cutoff), so no navigation is computed and every other page is served as saved
            assertThat(computations(context, "parse")).isEqualTo(1);
            assertThat(computations(context, "navigation")).isZero();
            assertThat(computations(context, "linkGraph")).isZero();
            // announced as a change this instance did not write
            awaitLastEdit(context, "database change");
            assertThat(context.getBean(EditLog.class).last().change().paths()).containsExactly(PAGE);
            assertThat(jdbc(context).queryForObject("SELECT COUNT(*) FROM DOC_PAGE", Integer.class))
                    .isEqualTo(paths.size());
        }
    }

    @Test
    void switchingTheSourceOnOneDatabaseNeverServesResultsComputedFromTheOtherSource() throws Exception {
        // The query functions are the same code in both modes but read other inputs; without the mode in the code
        // version (picante.store.code-version=${demo.docs.source}), a parse stored in files mode would stay valid in
        // database mode (its inputs, the files', did not change) and hide every edit of the table.
        Path docs = folder.resolve("docs");
        String database = "jdbc:h2:file:" + folder.resolve("db");
        List<String> paths;
        try (ConfigurableApplicationContext context = DemoContexts.start(WebApplicationType.NONE, docs, database)) {
            paths = context.getBean(PageStore.class).paths();
            for (String path : paths) {
                context.getBean(DocsQueries.class).page(path);
            }
        }
        String text = Files.readString(docs.resolve(PAGE + ".md"));
        try (ConfigurableApplicationContext context = startWithoutServer(docs, database)) {
            assertThat(context.getBean(PageStore.class).paths()).isEqualTo(paths);
            context.getBean(PageStore.class).put(PAGE, text + "\nOnly in the table.\n");
            assertThat(context.getBean(DocsQueries.class).page(PAGE)).contains("Only in the table.");
            for (String path : paths) {
                context.getBean(DocsQueries.class).page(path);
            }
        }
        try (ConfigurableApplicationContext context = DemoContexts.start(WebApplicationType.NONE, docs, database)) {
            assertThat(context.getBean(DocsQueries.class).page(PAGE)).doesNotContain("Only in the table.");
            assertThat(context.getBean(PageStore.class).text(PAGE)).hasValue(text);
        }
    }

    @Test
    void theDatabaseSourceWithoutRepositoryInputsFailsTheStartupSayingWhy() {
        assertThatThrownBy(() -> DemoContexts.start(WebApplicationType.NONE, folder.resolve("docs"),
                DemoContexts.memoryDatabase(), "demo.docs.source=database", "picante.data.enabled=false"))
                .rootCause().isInstanceOf(IllegalStateException.class)
                .hasMessage("demo.docs.source=database reads the pages through a repository input, but there are"
                        + " none: picante.data.enabled is false (or the starter's Spring Data JDBC support is not"
                        + " active). Remove picante.data.enabled=false, or use demo.docs.source=files");
    }

    static ConfigurableApplicationContext start(Path docs, String database, String... properties) {
        String[] all = Stream.concat(Stream.of("demo.docs.source=database"), Stream.of(properties))
                .toArray(String[]::new);
        return DemoContexts.start(WebApplicationType.SERVLET, docs, database, all);
    }

    @Test
    void anEditWhileTheDatabaseCannotBeReachedAnswersWhyAndChangesNothing() throws Exception {
        try (ConfigurableApplicationContext context = start(folder.resolve("docs"), DemoContexts.memoryDatabase())) {
            String text = get(context, "/api/pages/" + PAGE).body();
            long revision = revision(context);
            // the pool closed: no transaction can get a connection, as when the database is down
            context.getBean(HikariDataSource.class).close();

            HttpResponse<String> put = put(context, PAGE, text + "\nWritten while the database is away.\n");
            assertThat(put.statusCode()).isEqualTo(503);
            assertThat(put.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(put.body()).contains("\"reason\":\"the database cannot be reached (")
                    .contains("nothing was written: send it again when the database is back");
            assertThat(delete(context, PAGE).statusCode()).isEqualTo(503);
            assertThat(revision(context)).isEqualTo(revision);
            assertThat(get(context, "/api/pages/" + PAGE).body()).as("served from the inputs").isEqualTo(text);
            assertThat(get(context, "/docs/" + PAGE).statusCode()).isEqualTo(200);
        }
    }

    /** Starts the database source without a web server (for tests that call the beans only). */
    static ConfigurableApplicationContext startWithoutServer(Path docs, String database) {
        return DemoContexts.start(WebApplicationType.NONE, docs, database, "demo.docs.source=database");
    }

    static void awaitLastEdit(ConfigurableApplicationContext context, String cause) throws InterruptedException {
        EditLog log = context.getBean(EditLog.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((log.last() == null || !log.last().change().cause().equals(cause)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(log.last()).isNotNull();
        assertThat(log.last().change().cause()).isEqualTo(cause);
    }

    static TreeSet<String> markdownPages(Path docs) throws IOException {
        TreeSet<String> pages = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(docs)) {
            walk.filter(p -> p.getFileName().toString().endsWith(".md")).forEach(p -> {
                String relative = docs.relativize(p).toString().replace('\\', '/');
                pages.add(relative.substring(0, relative.length() - 3));
            });
        }
        return pages;
    }

    static JdbcTemplate jdbc(ConfigurableApplicationContext context) {
        return new JdbcTemplate(context.getBean(DataSource.class));
    }

    static long version(JdbcTemplate jdbc, String path) {
        Long version = jdbc.queryForObject("SELECT VERSION FROM DOC_PAGE WHERE PATH = ?", Long.class, path);
        return version == null ? -1 : version;
    }

    static long revision(ConfigurableApplicationContext context) {
        return context.getBean(Database.class).revision().value();
    }

    static long computations(ConfigurableApplicationContext context, String function) {
        var counters = context.getBean(EditLog.class).counters().get("docsQueries." + function);
        return counters == null ? 0 : counters.computations();
    }

    static URI uri(ConfigurableApplicationContext context, String path) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return URI.create("http://localhost:" + port + path);
    }

    HttpResponse<String> get(ConfigurableApplicationContext context, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(context, path)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> put(ConfigurableApplicationContext context, String page, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(context, "/api/pages/" + page))
                .header("Content-Type", "text/markdown").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(ConfigurableApplicationContext context, String page) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(context, "/api/pages/" + page)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
