package dev.picante.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.Inspector.IngredientKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ResolvableType;

/**
 * The README's starter example ({@link WordsApplication}, {@link WordCounter}, {@link PagesController}), started as
 * its {@code main} starts it, with the one property the README names, and what the README claims as assertions.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReadmeExampleTests {

    private final HttpClient client = HttpClient.newHttpClient();

    @TempDir
    Path directory;

    @Test
    void wordsAreMemoizedRecomputedOnlyAfterAnEditAndKeptAcrossARestart(CapturedOutput output) throws Exception {
        String url = "--spring.datasource.url=jdbc:h2:file:" + directory.resolve("data/words").toAbsolutePath()
                + ";DB_CLOSE_ON_EXIT=FALSE;MAX_COMPACT_TIME=10000";
        try (ConfigurableApplicationContext context = start(url)) {
            Database database = context.getBean(Database.class);
            assertThat(database.inspector().ingredient("pages").kind()).isEqualTo(IngredientKind.INPUT);
            assertThat(database.inspector().ingredient("pages").entries()).isZero();   // an input named "pages"
            long first = Long.parseLong(put(context, "intro", "one two three"));
            assertThat(Long.parseLong(put(context, "faq", "four"))).isEqualTo(first + 1);  // the new revision
            assertThat(database.revision().value()).isEqualTo(first + 1);

            assertThat(get(context, "/words?names=intro&names=faq")).isEqualTo("4");
            assertThat(get(context, "/words?names=intro,faq")).isEqualTo("4");
            assertThat(computations(context, "total")).isEqualTo(1);                 // memoized
            assertThat(computations(context, "wordCounter.words")).isEqualTo(2);

            put(context, "faq", "four five");
            assertThat(get(context, "/words?names=intro,faq")).isEqualTo("5");
            assertThat(computations(context, "total")).isEqualTo(2);                 // recomputed after the edit
            assertThat(computations(context, "wordCounter.words")).isEqualTo(3);     // intro was reused

            // Each @QueryFunction is also a DerivedIngredient bean named after it, for the core API in any view.
            // As the README injects it: @Qualifier("wordCounter.words") DerivedIngredient<String, Integer>.
            ResolvableType type = ResolvableType.forClassWithGenerics(DerivedIngredient.class, String.class,
                    Integer.class);
            assertThat(context.getBeanNamesForType(type)).contains("wordCounter.words");
            @SuppressWarnings("unchecked")
            DerivedIngredient<String, Integer> words = context.getBean("wordCounter.words", DerivedIngredient.class);
            assertThat(words.get(database, "intro")).isEqualTo(3);
            assertThat(get(context, "/words?names=intro")).isEqualTo("3");            // the README's curl
        }

        // A restart answers from the saved state, without recomputing.
        try (ConfigurableApplicationContext context = start(url)) {
            assertThat(get(context, "/words?names=intro,faq")).isEqualTo("5");
            assertThat(computations(context, "total")).isZero();
            assertThat(computations(context, "wordCounter.words")).isZero();
        }
        // The H2 URL the README gives is the one the store asks for.
        assertThat(output).doesNotContain("lets H2 close the database");
    }

    private static ConfigurableApplicationContext start(String url) {
        return new SpringApplicationBuilder(WordsApplication.class)
                .run(url, "--server.port=0", "--spring.main.banner-mode=off");
    }

    private String put(ConfigurableApplicationContext context, String name, String text)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(context, "/pages/" + name))
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString(text)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private String get(ConfigurableApplicationContext context, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri(context, path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static URI uri(ConfigurableApplicationContext context, String path) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        return URI.create("http://localhost:" + port + path);
    }

    private static long computations(ConfigurableApplicationContext context, String ingredient) {
        return context.getBean(Database.class).inspector().ingredient(ingredient).counters().computations();
    }
}
