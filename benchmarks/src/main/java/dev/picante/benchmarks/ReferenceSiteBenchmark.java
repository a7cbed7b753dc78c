package dev.picante.benchmarks;

import dev.picante.Inspector;
import dev.picante.Snapshot;
import dev.picante.demo.DemoApplication;
import dev.picante.demo.DocsQueries;
import dev.picante.demo.EditLog;
import dev.picante.demo.PageStore;
import dev.picante.demo.sites.ReferenceSite;
import dev.picante.spring.PicanteViews;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
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
 * Scenario 9r: the demo's documentation server on a generated site shaped like a real command reference ({@link
 * ReferenceSite}: 7,500 small pages in nine folders of 150 to 3,000 pages, odd file names, mdBook links), every page
 * requested once before measuring. The same three operations as {@link DocsSiteBenchmark}:
 *
 * <ul>
 *   <li>{@code serveEditedPage}: before each call (not measured) one page's body is edited through {@code
 *       PageStore.put}, a different page each time, spread over the folders; the call is {@code exists(page)} then
 *       {@code page(page)} (the page composed from its parse, its folder's navigation, the link graph).
 *   <li>{@code serveEditedPageInRequestSnapshot}: the same in a request snapshot, as the demo serves it.
 *   <li>{@code renderWholeSiteFromScratch}: the peer, the 7,500 texts parsed and rendered with a plain
 *       commonmark-java loop. Goal: at least 50x the median of {@code serveEditedPage}.
 * </ul>
 *
 * <p>The teardown fails the run if a body edit recomputed a navigation, or if a served page missed its edit. The
 * heap and store figures of the same site come from {@link ReferenceSiteFootprint}.
 *
 * <p>Run alone: {@code bash benchmarks/run.sh ReferenceSiteBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class ReferenceSiteBenchmark {

    /** The generated site's pages: paths and Markdown texts. */
    @State(Scope.Benchmark)
    public static class Texts {

        final List<String> paths = new ArrayList<>();
        final List<String> texts = new ArrayList<>();

        @Setup(Level.Trial)
        public void setUp() {
            for (Map.Entry<String, String> page : ReferenceSite.texts(42).entrySet()) {
                paths.add(page.getKey());
                texts.add(page.getValue());
            }
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

        @Setup(Level.Trial)
        public void setUp(Texts site) throws IOException {
            folder = Files.createTempDirectory("picante-reference-bench");
            ReferenceSite.write(folder, 42);
            paths = site.paths;
            texts = site.texts;
            context = new SpringApplicationBuilder(DemoApplication.class).web(WebApplicationType.NONE).run(
                    "--demo.docs.path=" + folder, "--demo.docs.watch=false", "--demo.docs.samples=false",
                    "--picante.store.enabled=false", "--spring.datasource.url=jdbc:h2:mem:reference-bench",
                    "--spring.main.banner-mode=off", "--logging.level.root=WARN");
            docs = context.getBean(DocsQueries.class);
            store = context.getBean(PageStore.class);
            log = context.getBean(EditLog.class);
            views = context.getBean(PicanteViews.class);
            if (store.paths().size() != paths.size() + 1) {
                throw new IllegalStateException("the site has " + store.paths().size() + " pages, not " + (paths.size() + 1));
            }
            for (String path : store.paths()) {
                docs.page(path);
            }
            navigationBefore = navigationComputations();
        }

        /** Edits the body of the next page (not measured); a stride spreads the edits over the folders. */
        @Setup(Level.Invocation)
        public void edit() throws IOException {
            int i = (int) ((next++ * 7919L) % paths.size());
            edited = paths.get(i);
            marker = "Edit number " + next + ".";
            store.put(edited, texts.get(i) + "\n" + marker + "\n");
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            try {
                if (edited != null && !docs.page(edited).contains(marker)) {
                    throw new IllegalStateException("page " + edited + " does not show its last edit");
                }
                if (navigationComputations() != navigationBefore) {
                    throw new IllegalStateException("body edits recomputed a navigation "
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
            long total = 0;
            for (String name : List.of("docsQueries.navigation", "docsQueries.navigationGroup")) {
                Inspector.Counters counters = log.counters().get(name);
                total += counters == null ? 0 : counters.computations();
            }
            return total;
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
