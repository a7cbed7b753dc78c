package dev.picante.benchmarks;

import dev.picante.demo.DemoApplication;
import dev.picante.demo.DocsQueries;
import dev.picante.demo.PageStore;
import dev.picante.demo.sites.ReferenceSite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What {@link ReferenceSiteFootprint} and {@link ReferenceSiteSaves} run on: the generated 7,500-page site
 * ({@link ReferenceSite}, seed 42) written to a temporary directory, and the demo started on it (no web server, no
 * watcher, no samples, no timed appends) with its durable store in an H2 file in the same directory, which
 * {@link #close()} deletes.
 */
final class ReferenceSiteRun implements AutoCloseable {

    private final Path work;
    private final Path docs;
    private final long markdown;

    private ReferenceSiteRun(Path work) throws IOException {
        this.work = work;
        this.docs = work.resolve("docs");
        this.markdown = ReferenceSite.write(docs, 42);
    }

    /** Writes the site into a new temporary directory named after {@code prefix} and prints its size. */
    static ReferenceSiteRun create(String prefix) throws IOException {
        ReferenceSiteRun run = new ReferenceSiteRun(Files.createTempDirectory(prefix));
        System.out.printf("site: %d pages, %d bytes of Markdown; max heap %d MB%n", ReferenceSite.paths().size() + 1,
                run.markdown, Runtime.getRuntime().maxMemory() >> 20);
        return run;
    }

    /** The size of the site's Markdown, in bytes. */
    long markdown() {
        return markdown;
    }

    /** The store's H2 file. */
    Path h2File() {
        return work.resolve("db.mv.db");
    }

    /**
     * Starts the demo on the site, its store's H2 URL ending with {@code h2Settings} (each {@code ;NAME=VALUE}),
     * logging warnings only, and with {@code arguments} after the others.
     */
    ConfigurableApplicationContext start(String h2Settings, String... arguments) {
        List<String> all = new ArrayList<>(List.of("--demo.docs.path=" + docs, "--demo.docs.watch=false",
                "--demo.docs.samples=false", "--spring.datasource.url=jdbc:h2:file:" + work.resolve("db") + h2Settings,
                "--picante.store.append-interval=", "--spring.main.banner-mode=off", "--logging.level.root=WARN"));
        all.addAll(List.of(arguments));
        return new SpringApplicationBuilder(DemoApplication.class).web(WebApplicationType.NONE)
                .run(all.toArray(String[]::new));
    }

    /** Serves every page of the started demo once; returns the characters of HTML served. */
    static long crawl(ConfigurableApplicationContext context) {
        DocsQueries queries = context.getBean(DocsQueries.class);
        long served = 0;
        for (String path : context.getBean(PageStore.class).paths()) {
            served += queries.page(path).length();
        }
        return served;
    }

    /** Deletes the site and the store's file. */
    @Override
    public void close() throws IOException {
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
