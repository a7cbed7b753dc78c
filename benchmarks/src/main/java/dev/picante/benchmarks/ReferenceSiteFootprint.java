package dev.picante.benchmarks;

import dev.picante.demo.EditLog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The memory and store figures of scenario 9r ({@link ReferenceSiteBenchmark}'s site, 7,500 pages): the demo with
 * its durable store in an H2 file serves every page once; then the used heap after a full GC (the application still
 * running), the time of the shutdown save and the H2 file's size; then the same after a restart without edits
 * (which must parse no page). Not a JMH benchmark: one run, printed. Goals: heap after GC at most 25x the
 * Markdown's size, everything under {@code -Xmx256m}, the store's size stable across a restart without edits.
 *
 * <p>Run: {@code java -Xmx256m -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar
 * dev.picante.benchmarks.ReferenceSiteFootprint} (after {@code bash benchmarks/run.sh --build-only}).
 */
public final class ReferenceSiteFootprint {

    private ReferenceSiteFootprint() {
    }

    public static void main(String[] args) throws IOException {
        try (ReferenceSiteRun site = ReferenceSiteRun.create("picante-reference-footprint")) {
            long markdown = site.markdown();
            for (String run : List.of("first run", "restart without edits")) {
                long started = System.nanoTime();
                ConfigurableApplicationContext context = site.start("");
                long startMs = (System.nanoTime() - started) / 1_000_000;
                long crawl = System.nanoTime();
                long served = ReferenceSiteRun.crawl(context);
                long crawlMs = (System.nanoTime() - crawl) / 1_000_000;
                long parses = context.getBean(EditLog.class).counters().get("docsQueries.parse").computations();
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long closing = System.nanoTime();
                context.close();
                long closeMs = (System.nanoTime() - closing) / 1_000_000;
                long file = Files.size(site.h2File());
                System.out.printf("%s: start %d ms, crawl %d ms (%d chars of HTML, %d pages parsed), heap after GC %.1f MB "
                        + "(%.1fx the Markdown), shutdown save %d ms, H2 file %.1f MB (%.1fx the Markdown)%n", run,
                        startMs, crawlMs, served, parses, heap / 1048576.0, (double) heap / markdown, closeMs,
                        file / 1048576.0, (double) file / markdown);
            }
        }
    }
}
