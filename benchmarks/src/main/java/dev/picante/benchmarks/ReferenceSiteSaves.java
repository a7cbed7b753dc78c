package dev.picante.benchmarks;

import dev.picante.Database;
import dev.picante.demo.DocsQueries;
import dev.picante.demo.PageStore;
import dev.picante.spring.jdbc.JdbcStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The store's saves on the generated 7,500-page site ({@link ReferenceSite}), through the demo with its durable
 * store in an H2 file (issue 17, item 4): the first (full) save after a crawl; five restarts without edits, each
 * crawling every page, with the time of the shutdown save (nothing new: it writes nothing) and the H2 file's size
 * and rows after each; then edits, each one page's body through {@code PageStore.put} (appended to the log before
 * it returns), the page served, and a save timed (incremental: the log folded into the chunks that changed). Not
 * a JMH benchmark: one run, printed; times are wall-clock on whatever else the machine runs. Goals: a save after
 * one edit under 100 ms, a shutdown save with no change under 50 ms, the file within 10% over five restarts.
 *
 * <p>Run: {@code java -Xmx256m -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar
 * dev.picante.benchmarks.ReferenceSiteSaves} (after {@code bash benchmarks/run.sh --build-only}).
 */
public final class ReferenceSiteSaves {


    private ReferenceSiteSaves() {
    }

    /**
     * Runs the measurement.
     *
     * @param args optionally the number of restarts without edits (5) and of edits (30)
     */
    public static void main(String[] args) throws IOException {
        int restarts = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int edits = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        try (ReferenceSiteRun site = ReferenceSiteRun.create("picante-reference-saves")) {
            Path file = site.h2File();
            for (int run = 0; run <= restarts; run++) {
                ConfigurableApplicationContext context = start(site);
                ReferenceSiteRun.crawl(context);
                long saveMs = timedSave(context, true);
                Map<String, Integer> rows = rows(context.getBean(DataSource.class));
                long closing = System.nanoTime();
                context.close();
                System.out.printf("%s: shutdown save %s ms; close %d ms; H2 file %.2f MB; rows %s%n",
                        run == 0 ? "first run (full save)" : "restart " + run + " without edits", saveMs,
                        (System.nanoTime() - closing) / 1_000_000, Files.size(file) / 1048576.0, rows);
            }
            ConfigurableApplicationContext context = start(site);
            ReferenceSiteRun.crawl(context);
            PageStore pages = context.getBean(PageStore.class);
            DocsQueries queries = context.getBean(DocsQueries.class);
            List<String> paths = pages.paths();
            List<Long> saves = new ArrayList<>();
            for (int i = 0; i < edits; i++) {
                String path = paths.get((i * 977) % paths.size());
                pages.put(path, pages.text(path).orElse("") + "\n\nEdited " + i + ".\n");
                queries.page(path);
                saves.add(timedSave(context, false));
            }
            long noChange = timedSave(context, true);
            context.close();
            if (saves.isEmpty()) {
                return;
            }
            List<Long> sorted = new ArrayList<>(saves);
            Collections.sort(sorted);
            System.out.printf("save after one edit (%d edits): median %d ms, max %d ms, all %s; then a shutdown save with"
                    + " nothing new %d ms; H2 file %.2f MB%n", edits, sorted.get(sorted.size() / 2),
                    sorted.get(sorted.size() - 1), saves, noChange, Files.size(file) / 1048576.0);
        }
    }

    private static ConfigurableApplicationContext start(ReferenceSiteRun site) {
        return site.start(";DB_CLOSE_ON_EXIT=FALSE" + System.getProperty("picante.saves.h2", ";MAX_COMPACT_TIME=10000"),
                "--logging.level.dev.picante.spring.jdbc.JdbcStateStore="
                        + System.getProperty("picante.saves.log", "WARN"));
    }

    /** Times a save: the shutdown's ({@code saveIfChanged}) or an explicit one. */
    private static long timedSave(ConfigurableApplicationContext context, boolean shutdown) {
        JdbcStateStore store = context.getBean(JdbcStateStore.class);
        Database db = context.getBean(Database.class);
        long started = System.nanoTime();
        if (shutdown) {
            store.saveIfChanged(db, null);
        } else {
            store.save(db);
        }
        return (System.nanoTime() - started) / 1_000_000;
    }

    private static Map<String, Integer> rows(DataSource ds) {
        Map<String, Integer> rows = new TreeMap<>();
        for (String table : List.of("PICANTE_RECORD_CHUNKS", "PICANTE_LOG", "PICANTE_SECTIONS")) {
            rows.put(table, new JdbcTemplate(ds).queryForObject("SELECT COUNT(*) FROM " + table, Integer.class));
        }
        if (Boolean.getBoolean("picante.saves.h2info")) {
            new JdbcTemplate(ds).queryForList("SELECT SETTING_NAME, SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                    + " WHERE SETTING_NAME LIKE 'info.%' OR SETTING_NAME IN ('MAX_COMPACT_TIME', 'DEFRAG_ALWAYS',"
                    + " 'RETENTION_TIME', 'WRITE_DELAY', 'AUTO_COMPACT_FILL_RATE')").forEach(System.out::println);
        }
        return rows;
    }
}
