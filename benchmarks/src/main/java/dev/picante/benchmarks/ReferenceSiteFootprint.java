package dev.picante.benchmarks;

import dev.picante.demo.DemoApplication;
import dev.picante.demo.DocsQueries;
import dev.picante.demo.EditLog;
import dev.picante.demo.PageStore;
import dev.picante.demo.sites.ReferenceSite;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
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
        Path work = Files.createTempDirectory("picante-reference-footprint");
        try {
            Path docs = work.resolve("docs");
            long markdown = ReferenceSite.write(docs, 42);
            System.out.printf("site: %d pages, %d bytes of Markdown; max heap %d MB%n", ReferenceSite.paths().size() + 1,
                    markdown, Runtime.getRuntime().maxMemory() >> 20);
            for (String run : List.of("first run", "restart without edits")) {
                long started = System.nanoTime();
                ConfigurableApplicationContext context = new SpringApplicationBuilder(DemoApplication.class)
                        .web(WebApplicationType.NONE).run("--demo.docs.path=" + docs, "--demo.docs.watch=false",
                                "--demo.docs.samples=false", "--spring.datasource.url=jdbc:h2:file:" + work.resolve("db"),
                                "--picante.store.append-interval=", "--spring.main.banner-mode=off",
                                "--logging.level.root=WARN");
                long startMs = (System.nanoTime() - started) / 1_000_000;
                DocsQueries queries = context.getBean(DocsQueries.class);
                long crawl = System.nanoTime();
                long served = 0;
                for (String path : context.getBean(PageStore.class).paths()) {
                    served += queries.page(path).length();
                }
                long crawlMs = (System.nanoTime() - crawl) / 1_000_000;
                long parses = context.getBean(EditLog.class).counters().get("docsQueries.parse").computations();
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
                long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long closing = System.nanoTime();
                context.close();
                long closeMs = (System.nanoTime() - closing) / 1_000_000;
                long file = Files.size(work.resolve("db.mv.db"));
                System.out.printf("%s: start %d ms, crawl %d ms (%d chars of HTML, %d pages parsed), heap after GC %.1f MB "
                        + "(%.1fx the Markdown), shutdown save %d ms, H2 file %.1f MB (%.1fx the Markdown)%n", run,
                        startMs, crawlMs, served, parses, heap / 1048576.0, (double) heap / markdown, closeMs,
                        file / 1048576.0, (double) file / markdown);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
    }
}
