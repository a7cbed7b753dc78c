package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.demo.sites.ReferenceSite;
import dev.picante.spring.jdbc.JdbcStateStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The demo's H2 file keeps its size across restarts (issue 17, item 4): with the demo's own URL settings
 * ({@code application.properties}), a quarter of the generated reference site (1,875 pages) saved once, then
 * restarted five times without an edit, every page read each time: the file stays within 10% of its size after
 * the first restart (and never 10% above the first save's); twenty edits then grow it by no more than 10% either. The store writes no row on such a restart
 * (IncrementalSaveTests); what moved the file was H2 compacting for at most 200 ms at close, with its background
 * compaction off (the store's {@code WRITE_DELAY 0}): {@code MAX_COMPACT_TIME} in the URL lets that close-time
 * compaction finish. Twenty edits then grew it to 43 MB (7x) through a full save of unchanged data at the next
 * restart's shutdown, fixed in the store (IncrementalSaveTests.aRestartAfterEditsThatVerifiesEveryMemoAgainWritesNothing).
 */
class StoreFileSizeTests {

    @TempDir
    Path folder;

    @Test
    void theH2FileStaysWithinTenPercentOverFiveRestartsWithoutEditsAndAfterEdits() throws IOException {
        Path docs = folder.resolve("docs");
        List<String> paths = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, String> page : ReferenceSite.texts(42).entrySet()) {
            if (i++ % 4 == 0) {
                Path file = docs.resolve(page.getKey() + ".md");
                Files.createDirectories(file.getParent());
                Files.writeString(file, page.getValue(), StandardCharsets.UTF_8);
                paths.add(page.getKey());
            }
        }
        String url = demoUrl(folder.resolve("db"));
        Path file = folder.resolve("db.mv.db");

        List<Long> sizes = new ArrayList<>();
        for (int run = 0; run <= 5; run++) {
            try (ConfigurableApplicationContext context = DemoContexts.start(docs, url, "demo.docs.samples=false")) {
                crawl(context, paths);
                if (run > 0) {
                    assertThat(computations(context, "parse")).as("run %d: a restart without edits", run).isZero();
                }
            }
            sizes.add(Files.size(file));
        }
        System.out.printf("H2 file after the first save and after each of five restarts without edits: %s bytes%n",
                sizes);
        // The first save's file can still hold garbage of that large transaction (compacted at a later close); from
        // the first restart on the file stays within 10% of it, and never 10% above the first save's.
        long saved = sizes.get(0);
        long first = sizes.get(1);
        for (int run = 1; run < sizes.size(); run++) {
            assertThat((double) sizes.get(run)).as("restart %d: %d bytes against %d after the first restart; all: %s",
                    run, sizes.get(run), first, sizes).isBetween(first * 0.9, first * 1.1);
            assertThat((double) sizes.get(run)).as("restart %d against the first save; all: %s", run, sizes)
                    .isLessThanOrEqualTo(saved * 1.1);
        }

        // Twenty edits, each saved on its own (the log folded into the chunks that changed), then one restart.
        try (ConfigurableApplicationContext context = DemoContexts.start(docs, url, "demo.docs.samples=false")) {
            PageStore pages = context.getBean(PageStore.class);
            DocsQueries queries = context.getBean(DocsQueries.class);
            for (int edit = 0; edit < 20; edit++) {
                String path = paths.get((edit * 97) % paths.size());
                pages.put(path, pages.text(path).orElseThrow() + "\n\nEdited " + edit + ".\n");
                queries.page(path);
                context.getBean(JdbcStateStore.class).save(context.getBean(Database.class));
            }
        }
        try (ConfigurableApplicationContext context = DemoContexts.start(docs, url, "demo.docs.samples=false")) {
            crawl(context, paths);
            // Every memo not read since its page's edit is verified again here; the shutdown then writes nothing.
            assertThat(computations(context, "parse")).isZero();
        }
        long edited = Files.size(file);
        System.out.printf("H2 file after twenty edits and a restart: %d bytes%n", edited);
        long restarted = Collections.max(sizes.subList(1, sizes.size()));
        assertThat((double) edited).as("after edits: %d bytes against %d before", edited, restarted)
                .isLessThanOrEqualTo(restarted * 1.1);
    }

    /** The demo's own {@code spring.datasource.url}, its settings included, on the database {@code db}. */
    private static String demoUrl(Path db) throws IOException {
        Properties properties = new Properties();
        try (InputStream in = StoreFileSizeTests.class.getResourceAsStream("/application.properties")) {
            assertThat(in).isNotNull();
            properties.load(in);
        }
        String url = properties.getProperty("spring.datasource.url");
        String prefix = "jdbc:h2:file:./target/demo-db";
        assertThat(url).startsWith(prefix);
        return "jdbc:h2:file:" + db.toAbsolutePath() + url.substring(prefix.length());
    }

    private static void crawl(ConfigurableApplicationContext context, List<String> paths) {
        DocsQueries queries = context.getBean(DocsQueries.class);
        for (String path : paths) {
            queries.page(path);
        }
    }

    private static long computations(ConfigurableApplicationContext context, String function) {
        var counters = context.getBean(EditLog.class).counters().get("docsQueries." + function);
        return counters == null ? 0 : counters.computations();
    }
}
