package dev.picante.spring.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.picante.Database;
import dev.picante.Inspector;
import dev.picante.Snapshot;
import dev.picante.View;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import jakarta.servlet.Filter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

/**
 * Tests for {@link PicanteWebAutoConfiguration} with Spring MVC.
 *
 * <pre>
 * request thread:  snapshot ── words(a)=3 ── firstReadDone ─────────── await writeDone ── chars(a) ── close
 * test thread:                                            set(a, "x") ── writeDone
 * </pre>
 */
class PicanteWebAutoConfigurationTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteWebAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class))
            .withUserConfiguration(PageStats.PagesConfiguration.class)
            .withBean("pageStats", PageStats.class)
            .withBean(PagesController.class);

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Test
    void registersFilterInServletApplication() {
        contextRunner.run(context -> assertThat(context).hasSingleBean(RequestSnapshotFilter.class)
                .doesNotHaveBean(RequestSnapshotWebFilter.class));
    }

    @Test
    void backsOffWhenRequestSnapshotsAreSwitchedOff() {
        contextRunner.withPropertyValues("picante.web.request-snapshots=false").run(context ->
                assertThat(context).doesNotHaveBean(RequestSnapshotFilter.class));
    }

    @Test
    void backsOffOutsideWebApplications() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                        PicanteWebAutoConfiguration.class))
                .run(context -> assertThat(context).hasSingleBean(Database.class)
                        .doesNotHaveBean(RequestSnapshotFilter.class).doesNotHaveBean(RequestSnapshotWebFilter.class));
    }

    @Test
    void backsOffWithoutSpringMvc() {
        contextRunner.withClassLoader(new FilteredClassLoader(OncePerRequestFilterHolder.FILTER))
                .run(context -> assertThat(context).doesNotHaveBean(RequestSnapshotFilter.class));
    }

    @Test
    void registersWebFilterInReactiveApplication() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                        PicanteWebAutoConfiguration.class))
                .run(context -> assertThat(context).hasSingleBean(RequestSnapshotWebFilter.class)
                        .doesNotHaveBean(RequestSnapshotFilter.class));
    }

    @Test
    void requestThatOverlapsAWriteSeesOneStateFromStartToEnd() {
        // r[snapshot.isolation] r[snapshot.creation]
        contextRunner.run(context -> {
            MockMvc mvc = mockMvc(context);
            PageStats stats = context.getBean(PageStats.class);
            Input<String, String> pages = pages(context);
            stats.firstReadDone = new CountDownLatch(1);
            stats.writeDone = new CountDownLatch(1);

            CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> {
                try {
                    return mvc.perform(get("/pair/a")).andExpect(status().isOk()).andReturn()
                            .getResponse().getContentAsString();
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }, executor);
            assertThat(stats.firstReadDone.await(10, TimeUnit.SECONDS)).isTrue();
            pages.set("a", "x");                      // the write goes to the database...
            stats.writeDone.countDown();

            // ...but the request still reads "one two three": 3 words, 13 chars (not 1 char).
            assertThat(response.get(10, TimeUnit.SECONDS)).isEqualTo("3,13");
            assertThat(stats.chars("a")).isEqualTo(1);
            mvc.perform(get("/pair/a")).andExpect(content().string("1,1"));
        });
    }

    @Test
    void laterRequestReusesWhatAnEarlierRequestComputed() {
        // r[snapshot.memo-isolation] r[sharing.nonobservable]: reused, not recomputed
        contextRunner.run(context -> {
            MockMvc mvc = mockMvc(context);
            Database database = context.getBean(Database.class);
            mvc.perform(get("/words/a")).andExpect(content().string("3"));
            assertThat(computations(database, "words")).isEqualTo(1);
            // The request's snapshot was at the database's state, so it resolved the read in the database.
            assertThat(database.inspector().explain("words", "a").outcome()).isEqualTo(Inspector.Outcome.COMPUTED);

            mvc.perform(get("/words/a")).andExpect(content().string("3"));
            assertThat(computations(database, "words")).isEqualTo(1);
            assertThat(context.getBean(PageStats.class).words("a")).isEqualTo(3);   // a hit on the database
            assertThat(computations(database, "words")).isEqualTo(1);

            pages(context).set("a", "one two");
            mvc.perform(get("/words/a")).andExpect(content().string("2"));
            assertThat(computations(database, "words")).isEqualTo(2);
        });
    }

    @Test
    void aRequestOverlappingAWriteLeavesTheDatabaseOnlyWhatItReusesAfterRevalidation() {
        // r[sharing.nonobservable]: nothing valid only in the request's state is served by the database unchecked
        contextRunner.run(context -> {
            MockMvc mvc = mockMvc(context);
            PageStats stats = context.getBean(PageStats.class);
            Database database = context.getBean(Database.class);
            stats.firstReadDone = new CountDownLatch(1);
            stats.writeDone = new CountDownLatch(1);
            CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> {
                try {
                    return mvc.perform(get("/pair/a")).andReturn().getResponse().getContentAsString();
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }, executor);
            assertThat(stats.firstReadDone.await(10, TimeUnit.SECONDS)).isTrue();
            pages(context).set("b", "unrelated");
            stats.writeDone.countDown();
            assertThat(response.get(10, TimeUnit.SECONDS)).isEqualTo("3,13");
            // The first read, before the write, was resolved in the database at the request's revision...
            Inspector.Explanation before = database.inspector().explain("words", "a");
            assertThat(before.revision()).isNotNull();
            assertThat(before.revision().value()).isLessThan(database.revision().value());
            // ...so the database revalidates it for its own later state before reusing it.
            assertThat(stats.words("a")).isEqualTo(3);
            assertThat(computations(database, "words")).isEqualTo(1);
            assertThat(database.inspector().explain("words", "a").outcome())
                    .isEqualTo(Inspector.Outcome.REVALIDATED);
        });
    }

    @Test
    void handlerViewParameterIsTheRequestsSnapshotAndIsClosedAfterTheRequest() {
        contextRunner.run(context -> {
            MockMvc mvc = mockMvc(context);
            PagesController controller = context.getBean(PagesController.class);
            mvc.perform(get("/view")).andExpect(content().string("Snapshot"));
            assertThat(controller.lastView).isInstanceOf(Snapshot.class);
            assertThat(controller.lastCurrent).isSameAs(controller.lastView);
            Snapshot snapshot = (Snapshot) controller.lastView;
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> pages(context).ingredient().get(snapshot, "a")))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(context.getBean(PicanteViews.class).current()).isSameAs(context.getBean(Database.class));
        });
    }

    @Test
    void withoutRequestSnapshotsRequestsReadTheDatabase() {
        contextRunner.withPropertyValues("picante.web.request-snapshots=false").run(context -> {
            MockMvc mvc = mockMvc(context);
            mvc.perform(get("/words/a")).andExpect(content().string("3"));
            assertThat(context.getBean(Database.class).inspector().cell("words", "a")).isPresent();
        });
    }

    private static MockMvc mockMvc(WebApplicationContext context) {
        return MockMvcBuilders.webAppContextSetup(context)
                .addFilters(context.getBeansOfType(Filter.class).values().toArray(Filter[]::new)).build();
    }

    @SuppressWarnings("unchecked")
    private static Input<String, String> pages(WebApplicationContext context) {
        return context.getBean(Input.class);
    }

    private static long computations(Database database, String ingredient) {
        return database.inspector().ingredient(ingredient).counters().computations();
    }

    private static final class OncePerRequestFilterHolder {
        static final Class<?> FILTER = org.springframework.web.filter.OncePerRequestFilter.class;
    }

    @RestController
    static class PagesController {

        private final PageStats stats;
        private final PicanteViews views;
        volatile View lastView;
        volatile View lastCurrent;

        PagesController(PageStats stats, PicanteViews views) {
            this.stats = stats;
            this.views = views;
        }

        @GetMapping("/pair/{page}")
        String pair(@PathVariable String page) throws InterruptedException {
            return stats.pair(page);
        }

        @GetMapping("/words/{page}")
        String words(@PathVariable String page) {
            return String.valueOf(stats.words(page));
        }

        @GetMapping("/view")
        String view(View view) {
            lastView = view;
            lastCurrent = views.current();
            return view.getClass().getSimpleName();
        }
    }
}
