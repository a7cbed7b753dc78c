package dev.picante.spring.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.Inspector;
import dev.picante.Snapshot;
import dev.picante.View;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.RequestView;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Request-scoped snapshots with WebFlux annotated controllers, through {@link WebTestClient}.
 *
 * <pre>
 * request thread:  snapshot ── words(a)=3 ── firstReadDone ─────────── await writeDone ── chars(a) ── close
 * test thread:                                            set(a, "x") ── writeDone
 * </pre>
 */
class PicanteWebFluxRequestSnapshotTests {

    private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class,
                    PicanteWebAutoConfiguration.class, WebFluxAutoConfiguration.class))
            .withUserConfiguration(PageStats.PagesConfiguration.class)
            .withBean("pageStats", PageStats.class)
            .withBean(ReactivePagesController.class);

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    @Test
    void requestThatOverlapsAWriteSeesOneStateFromStartToEnd() {
        // r[snapshot.isolation]
        contextRunner.run(context -> {
            WebTestClient client = client(context);
            PageStats stats = context.getBean(PageStats.class);
            stats.firstReadDone = new CountDownLatch(1);
            stats.writeDone = new CountDownLatch(1);

            CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> body(client, "/pair/a"),
                    executor);
            assertThat(stats.firstReadDone.await(10, TimeUnit.SECONDS)).isTrue();
            pages(context).set("a", "x");
            stats.writeDone.countDown();

            assertThat(response.get(10, TimeUnit.SECONDS)).isEqualTo("3,13");
            assertThat(body(client, "/pair/a")).isEqualTo("1,1");
        });
    }

    @Test
    void laterRequestReusesWhatAnEarlierRequestComputed() {
        contextRunner.run(context -> {
            WebTestClient client = client(context);
            Database database = context.getBean(Database.class);
            assertThat(body(client, "/words/a")).isEqualTo("3");
            assertThat(computations(database)).isEqualTo(1);
            // The request's snapshot was at the database's state, so it resolved the read in the database.
            awaitInDatabase(database);

            assertThat(body(client, "/words/a")).isEqualTo("3");
            assertThat(computations(database)).isEqualTo(1);
        });
    }

    @Test
    void operatorsOnOtherThreadsReadTheSnapshotWithAutomaticContextPropagation() {
        Hooks.enableAutomaticContextPropagation();
        try {
            contextRunner.run(context -> {
                WebTestClient client = client(context);
                Database database = context.getBean(Database.class);
                String body = client.get().uri("/words-later/a").exchange().expectStatus().isOk()
                        .expectBody(String.class).returnResult().getResponseBody();
                assertThat(body).isEqualTo("3 Snapshot");
                assertThat(computations(database)).isEqualTo(1);
                awaitInDatabase(database);   // the snapshot resolved it in the database
            });
        } finally {
            Hooks.disableAutomaticContextPropagation();
        }
    }

    @Test
    void handlerViewParameterIsTheRequestsSnapshot() {
        contextRunner.run(context -> {
            WebTestClient client = client(context);
            assertThat(body(client, "/view")).isEqualTo("Snapshot");
            ReactivePagesController controller = context.getBean(ReactivePagesController.class);
            assertThat(controller.lastCurrent).isSameAs(controller.lastView);
            assertThat(controller.lastDelegate).isSameAs(controller.lastView);  // the injected request View
            assertThat(org.assertj.core.api.Assertions.catchThrowable(
                    () -> pages(context).ingredient().get((Snapshot) controller.lastView, "a")))
                    .isInstanceOf(IllegalStateException.class);
        });
    }

    private static void awaitInDatabase(Database database) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (database.inspector().cell("words", "a").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(database.inspector().explain("words", "a").outcome()).isEqualTo(Inspector.Outcome.COMPUTED);
    }

    private static WebTestClient client(ApplicationContext context) {
        return WebTestClient.bindToApplicationContext(context).configureClient()
                .responseTimeout(java.time.Duration.ofSeconds(20)).build();
    }

    private static String body(WebTestClient client, String path) {
        return client.get().uri(path).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
    }

    @SuppressWarnings("unchecked")
    private static Input<String, String> pages(ApplicationContext context) {
        return context.getBean(Input.class);
    }

    private static long computations(Database database) {
        return database.inspector().ingredient("words").counters().computations();
    }

    @RestController
    static class ReactivePagesController {

        private final PageStats stats;
        private final PicanteViews views;
        private final RequestView requestView;
        volatile View lastView;
        volatile View lastCurrent;
        volatile View lastDelegate;

        ReactivePagesController(PageStats stats, PicanteViews views, RequestView requestView) {
            this.stats = stats;
            this.views = views;
            this.requestView = requestView;
        }

        @GetMapping("/pair/{page}")
        String pair(@PathVariable String page) throws InterruptedException {
            return stats.pair(page);
        }

        @GetMapping("/words/{page}")
        String words(@PathVariable String page) {
            return String.valueOf(stats.words(page));
        }

        @GetMapping("/words-later/{page}")
        Mono<String> wordsLater(@PathVariable String page) {
            return Mono.just(page).publishOn(Schedulers.boundedElastic())
                    .map(p -> stats.words(p) + " " + views.current().getClass().getSimpleName());
        }

        @GetMapping("/view")
        String view(View view) {
            lastView = view;
            lastCurrent = views.current();
            lastDelegate = requestView.delegate();
            return view.getClass().getSimpleName();
        }
    }
}
