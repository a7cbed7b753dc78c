package dev.picante.spring.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.picante.Database;
import dev.picante.InputIngredient;
import dev.picante.View;
import dev.picante.spring.Input;
import dev.picante.spring.QueryFunction;
import dev.picante.spring.RequestView;
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
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

/**
 * The request-scoped {@link View} bean: injected as {@code View}, it is the current request's snapshot during
 * a request and the database outside one.
 *
 * <pre>
 * request thread:  read(a) via View ── firstReadDone ───────────────── await writeDone ── read(a) via View
 * test thread:                                      set(a, "x") on db ── writeDone
 * </pre>
 */
class RequestViewTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteWebAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class))
            .withUserConfiguration(PageStats.PagesConfiguration.class)
            .withBean(LeakyQueries.class)
            .withBean(DirectController.class);

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Test
    void injectingViewGivesTheRequestViewAndDatabaseStaysInjectable() {
        contextRunner.run(context -> {
            assertThat(context.getBean(View.class)).isInstanceOf(RequestView.class);
            assertThat(context.getBean(Database.class)).isNotInstanceOf(RequestView.class);
            assertThat(context.getBean(DirectController.class).view).isSameAs(context.getBean(RequestView.class));
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwn() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
                .withBean("myView", RequestView.class).run(context ->
                assertThat(context).hasSingleBean(RequestView.class).hasBean("myView"));
    }

    @Test
    void isAvailableOutsideWebApplicationsAndThenIsTheDatabase() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
                .run(context -> {
                    RequestView view = context.getBean(RequestView.class);
                    assertThat(view.delegate()).isSameAs(context.getBean(Database.class));
                });
    }

    @Test
    void outsideARequestReadsAndWritesGoToTheDatabase() {
        contextRunner.run(context -> {
            View view = context.getBean(View.class);
            InputIngredient<String, String> pages = pages(context).ingredient();
            pages.set(view, "b", "written through the view");
            assertThat(pages.get(context.getBean(Database.class), "b")).contains("written through the view");
            assertThat(view.revision()).isEqualTo(context.getBean(Database.class).revision());
        });
    }

    @Test
    void aRequestReadingThroughTheInjectedViewSeesOneStateFromStartToEnd() {
        // r[snapshot.isolation] r[snapshot.creation]
        contextRunner.run(context -> {
            MockMvc mvc = mockMvc(context);
            DirectController controller = context.getBean(DirectController.class);
            controller.firstReadDone = new CountDownLatch(1);
            controller.writeDone = new CountDownLatch(1);

            CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> {
                try {
                    return mvc.perform(get("/twice/a")).andExpect(status().isOk()).andReturn()
                            .getResponse().getContentAsString();
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }, executor);
            assertThat(controller.firstReadDone.await(10, TimeUnit.SECONDS)).isTrue();
            pages(context).set("a", "x");
            controller.writeDone.countDown();

            assertThat(response.get(10, TimeUnit.SECONDS)).isEqualTo("one two three|one two three");
            mvc.perform(get("/twice/a")).andExpect(content().string("x|x"));
        });
    }

    @Test
    void withoutRequestSnapshotsARequestReadsTheDatabase() {
        contextRunner.withPropertyValues("picante.web.request-snapshots=false").run(context -> {
            MockMvc mvc = mockMvc(context);
            mvc.perform(get("/delegate")).andExpect(content().string("Database"));
        });
    }

    @Test
    void duringARequestTheDelegateIsTheRequestsSnapshot() {
        contextRunner.run(context -> {
            MockMvc mvc = mockMvc(context);
            mvc.perform(get("/delegate")).andExpect(content().string("Snapshot"));
        });
    }

    @Test
    void usingItInsideAQueryFunctionFailsBecauseReadsWouldNotBeTracked() {
        contextRunner.run(context -> {
            LeakyQueries leaky = context.getBean(LeakyQueries.class);
            assertThatThrownBy(() -> leaky.length("a"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("used inside a @QueryFunction computation")
                    .hasMessageContaining("read through an Input or the computation's QueryContext");
        });
    }

    private static MockMvc mockMvc(WebApplicationContext context) {
        return MockMvcBuilders.webAppContextSetup(context)
                .addFilters(context.getBeansOfType(Filter.class).values().toArray(Filter[]::new)).build();
    }

    @SuppressWarnings("unchecked")
    private static Input<String, String> pages(org.springframework.context.ApplicationContext context) {
        return context.getBean(Input.class);
    }

    /** A controller using the core API with the injected view. */
    @RestController
    static class DirectController {

        final View view;
        private final InputIngredient<String, String> pages;
        volatile CountDownLatch firstReadDone = new CountDownLatch(1);
        volatile CountDownLatch writeDone = new CountDownLatch(0);

        DirectController(View view, Input<String, String> pages) {
            this.view = view;
            this.pages = pages.ingredient();
        }

        @GetMapping("/twice/{page}")
        String twice(@PathVariable String page) throws InterruptedException {
            String first = pages.require(view, page);
            firstReadDone.countDown();
            if (!writeDone.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the write did not happen");
            }
            return first + "|" + pages.require(view, page);
        }

        @GetMapping("/delegate")
        String delegate() {
            return ((RequestView) view).delegate() instanceof Database ? "Database" : "Snapshot";
        }
    }

    /** A query function that wrongly reads through the injected view. */
    public static class LeakyQueries {

        private final View view;
        private final InputIngredient<String, String> pages;

        public LeakyQueries(View view, Input<String, String> pages) {
            this.view = view;
            this.pages = pages.ingredient();
        }

        @QueryFunction
        public Integer length(String page) {
            return pages.require(view, page).length();
        }
    }
}
