package dev.picante.benchmarks;

import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.web.PicanteWebAutoConfiguration;
import dev.picante.spring.autoconfigure.web.RequestSnapshotFilter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Issue 5: throughput of a trivial Spring MVC endpoint with request snapshots on and off
 * ({@code picante.web.request-snapshots}). The application runs embedded Tomcat on a random port bound to
 * 127.0.0.1 (loopback only); one benchmark thread sends {@code GET /words/{page}} with the JDK
 * {@link HttpClient} (HTTP/1.1, one kept-alive connection) and checks each response. The handler returns a
 * {@link QueryFunction}'s memoized value (a hit), so with snapshots on each request takes a snapshot, reads
 * the hit in it and closes it. Each setting starts its own application in its own fork (the {@code
 * snapshots} parameter). The setup checks that the snapshot filter is present exactly when on; the
 * teardown fails the run unless the query function ran once per page. Goal: on keeps at least 95% of
 * off's throughput. The figure includes the HTTP client and Tomcat on the same 2 cores.
 *
 * <p>Run alone: {@code java -jar benchmarks/target/benchmarks.jar RequestSnapshotBenchmark} (after
 * {@code bash benchmarks/run.sh --build-only}, or {@code bash benchmarks/run.sh RequestSnapshotBenchmark}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
@State(Scope.Benchmark)
public class RequestSnapshotBenchmark {

    static final int PAGES = 16;

    /** Query functions the endpoint calls. */
    public static class WordCounter {

        final Input<String, String> pages;
        final AtomicLong bodyRuns = new AtomicLong();

        public WordCounter(Input<String, String> pages) {
            this.pages = pages;
        }

        @QueryFunction
        public Integer words(String page) {
            bodyRuns.incrementAndGet();
            return pages.require(page).split(" ").length;
        }

        // Through a method: the bean may be a proxy whose own fields are not the target's.
        public long bodyRuns() {
            return bodyRuns.get();
        }
    }

    /** The trivial endpoint. */
    @RestController
    public static class WordsController {

        final WordCounter counter;

        public WordsController(WordCounter counter) {
            this.counter = counter;
        }

        @GetMapping("/words/{page}")
        public String words(@PathVariable String page) {
            return Integer.toString(counter.words(page));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({PicanteAutoConfiguration.class, PicanteWebAutoConfiguration.class,
            TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
            WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class})
    @Import({WordCounter.class, WordsController.class})
    public static class Config {

        @Bean
        Input<String, String> pages(PicanteViews views) {
            return views.input("pages", String.class, String.class);
        }
    }

    @Param({"true", "false"})
    boolean snapshots;

    ConfigurableApplicationContext context;
    WordCounter counter;
    HttpClient client;
    HttpRequest[] requests;
    String[] expected;
    int next;

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void setUp() {
        context = new SpringApplicationBuilder(Config.class).web(WebApplicationType.SERVLET)
                .bannerMode(Banner.Mode.OFF).logStartupInfo(false)
                .properties("logging.level.root=warn", "server.address=127.0.0.1", "server.port=0",
                        "picante.web.request-snapshots=" + snapshots)
                .run();
        int filters = context.getBeansOfType(RequestSnapshotFilter.class).size();
        Work.check(filters == (snapshots ? 1 : 0), "request snapshot filters: " + filters + " with snapshots="
                + snapshots);
        counter = context.getBean(WordCounter.class);
        Input<String, String> pages = context.getBean(Input.class);
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        requests = new HttpRequest[PAGES];
        expected = new String[PAGES];
        StringBuilder text = new StringBuilder("w");
        for (int i = 0; i < PAGES; i++) {
            pages.set("p" + i, text.toString());
            expected[i] = Integer.toString(i + 1);
            text.append(" w");
            requests[i] = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/words/p" + i)).GET()
                    .build();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long runs = counter.bodyRuns();
        context.close();
        Work.check(runs == PAGES, "the query function ran " + runs + " times for " + PAGES + " pages");
    }

    @Benchmark
    public String endpoint() throws IOException, InterruptedException {
        int i = next;
        next = (i + 1) % PAGES;
        HttpResponse<String> response = client.send(requests[i], HttpResponse.BodyHandlers.ofString());
        String body = response.body();
        if (response.statusCode() != 200 || !body.equals(expected[i])) {
            throw new IllegalStateException("GET " + requests[i].uri() + ": " + response.statusCode() + " " + body);
        }
        return body;
    }
}
