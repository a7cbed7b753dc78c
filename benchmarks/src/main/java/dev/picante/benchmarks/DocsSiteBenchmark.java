package dev.picante.benchmarks;

import dev.picante.Inspector;
import dev.picante.Snapshot;
import dev.picante.demo.DemoApplication;
import dev.picante.demo.DocsQueries;
import dev.picante.demo.EditLog;
import dev.picante.demo.PageStore;
import dev.picante.spring.PicanteViews;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Scenario 9: the demo's documentation server on a generated site of 2,000 pages (40 folders of 50 pages, about
 * 300 words and 5 links to other pages each), every page requested once before measuring. The {@code pages}
 * parameter sets another size ({@code -p pages=2000,20000}: issue 17's goal is the same time for both, since an
 * edit costs what it reaches); the teardown prints the inspector's dependency checks and marks per edit.
 *
 * <ul>
 *   <li>{@code serveEditedPage}: before each call (not measured) one page's body is edited through the demo's
 *       {@code PageStore.put} (file and inputs), a different page each time; the call is what the page controller
 *       does to answer {@code GET /docs/{page}} on the server side: {@code exists(page)} then {@code page(page)}
 *       on {@code DocsQueries}, on the database directly (no HTTP, no request snapshot). Goal: median under 10 ms.
 *   <li>{@code serveEditedPageInRequestSnapshot}: the same, as the demo serves it with request snapshots on (the
 *       starter's default): in a snapshot bound as the request's view, promoted and closed at the end.
 *   <li>{@code renderWholeSiteFromScratch}: the peer, the same 2,000 Markdown texts parsed and rendered to HTML
 *       with a plain commonmark-java loop (no navigation, backlinks or link checking, so less work than the demo
 *       does per page). Goal: at least 50x the median of {@code serveEditedPage}.
 * </ul>
 *
 * <p>Both in sample mode (medians are the 50th percentiles). The teardown fails the run if a body edit
 * recomputed the navigation, or if a served page missed its edit.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh DocsSiteBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DocsSiteBenchmark {

    static final int PAGES_PER_FOLDER = 50;
    static final String[] WORDS = ("incremental query runtime input derived memo revision snapshot cutoff durable "
            + "store page link title search render parse navigation backlink edit spring boot cache value key "
            + "dependency graph inspector counter event stream tab browser reload folder markdown heading").split(" ");

    /** The generated site's pages: paths and Markdown texts. */
    @State(Scope.Benchmark)
    public static class Texts {

        /** How many pages (a multiple of {@value #PAGES_PER_FOLDER}, in folders of that many). */
        @Param("2000")
        public int pages;

        final List<String> paths = new ArrayList<>();
        final List<String> texts = new ArrayList<>();

        @Setup(Level.Trial)
        public void setUp() {
            Random random = new Random(42);
            for (int f = 0; f < pages / PAGES_PER_FOLDER; f++) {
                for (int p = 0; p < PAGES_PER_FOLDER; p++) {
                    paths.add("section-" + f + "/page-" + p);
                }
            }
            for (String path : paths) {
                texts.add(page(path, random));
            }
        }

        private String page(String path, Random random) {
            StringBuilder text = new StringBuilder("# Page ").append(path).append("\n\n");
            for (int paragraph = 0; paragraph < 6; paragraph++) {
                for (int w = 0; w < 50; w++) {
                    text.append(WORDS[random.nextInt(WORDS.length)]).append(w == 49 ? ".\n" : " ");
                }
                if (paragraph < 5) {
                    String target = paths.get(random.nextInt(paths.size()));
                    text.append("See [").append(target).append("](/docs/").append(target).append(").\n\n");
                }
            }
            return text.toString();
        }
    }

    /** The generated site, served by the demo application. */
    @State(Scope.Benchmark)
    public static class Site {

        Path folder;
        ConfigurableApplicationContext context;
        DocsQueries docs;
        PageStore store;
        EditLog log;
        PicanteViews views;
        List<String> paths;
        List<String> texts;
        int next;
        String edited;
        String marker;
        long navigationBefore;
        Inspector.RevalidationWork workBefore;
        long edits;

        @Setup(Level.Trial)
        public void setUp(Texts site) throws IOException {
            folder = Files.createTempDirectory("picante-docs-bench");
            paths = site.paths;
            texts = site.texts;
            for (int i = 0; i < paths.size(); i++) {
                String path = paths.get(i);
                String text = texts.get(i);
                Path file = folder.resolve(path + ".md");
                Files.createDirectories(file.getParent());
                Files.writeString(file, text, StandardCharsets.UTF_8);
            }
            context = new SpringApplicationBuilder(DemoApplication.class).web(WebApplicationType.NONE).run(
                    "--demo.docs.path=" + folder, "--demo.docs.watch=false", "--demo.docs.samples=false",
                    "--picante.store.enabled=false", "--spring.datasource.url=jdbc:h2:mem:docs-bench",
                    "--spring.main.banner-mode=off", "--logging.level.root=WARN");
            docs = context.getBean(DocsQueries.class);
            store = context.getBean(PageStore.class);
            log = context.getBean(EditLog.class);
            views = context.getBean(PicanteViews.class);
            if (store.paths().size() != paths.size()) {
                throw new IllegalStateException("the site has " + store.paths().size() + " pages, not " + paths.size());
            }
            for (String path : paths) {
                docs.page(path);
            }
            navigationBefore = navigationComputations();
            workBefore = views.database().inspector().revalidationWork();
        }

        /** Edits the body of the next page (not measured). */
        @Setup(Level.Invocation)
        public void edit() throws IOException {
            int i = next++ % paths.size();
            edited = paths.get(i);
            marker = "Edit number " + next + ".";
            store.put(edited, texts.get(i) + "\n" + marker + "\n");
            edits++;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            try {
                if (edited != null && !docs.page(edited).contains(marker)) {
                    throw new IllegalStateException("page " + edited + " does not show its last edit");
                }
                Inspector.RevalidationWork work = views.database().inspector().revalidationWork();
                if (edits > 0) {
                    System.err.printf("[pages=%d] per edit: %.1f dependency checks, %.1f marks, %.1f unmarked reuses"
                            + " (%d edits)%n", paths.size(),
                            (work.dependencyChecks() - workBefore.dependencyChecks()) / (double) edits,
                            (work.marks() - workBefore.marks()) / (double) edits,
                            (work.unmarkedReuses() - workBefore.unmarkedReuses()) / (double) edits, edits);
                }
                if (navigationComputations() != navigationBefore) {
                    throw new IllegalStateException("body edits recomputed the navigation "
                            + (navigationComputations() - navigationBefore) + " times");
                }
            } finally {
                context.close();
                try (Stream<Path> walk = Files.walk(folder)) {
                    for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                        Files.delete(p);
                    }
                }
            }
        }

        private long navigationComputations() {
            Inspector.Counters counters = log.counters().get("docsQueries.navigation");
            return counters == null ? 0 : counters.computations();
        }
    }

    @Benchmark
    public String serveEditedPage(Site site) {
        return DocsRequests.serve(site.docs, site.edited);
    }

    /** {@link #serveEditedPage} in a request snapshot, promoted and closed at the end, as the starter's filter does. */
    @Benchmark
    public String serveEditedPageInRequestSnapshot(Site site) {
        return DocsRequests.serveInRequestSnapshot(site.views, site.docs, site.edited);
    }

    /** The peer: the whole site parsed and rendered with commonmark, nothing memoized. */
    @Benchmark
    public void renderWholeSiteFromScratch(Texts site, Blackhole blackhole) {
        DocsRequests.renderAll(site.texts, blackhole);
    }
}
