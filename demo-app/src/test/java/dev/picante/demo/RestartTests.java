package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A restart on the same H2 file database is warm: every page requested over HTTP before the restart is served
 * after it without rendering anything again (the store saves on shutdown and loads at startup).
 */
class RestartTests {

    @TempDir
    Path folder;

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void restartOnTheSameDatabaseRecomputesNoPage() throws Exception {
        Path docs = folder.resolve("docs");
        String database = "jdbc:h2:file:" + folder.resolve("db");
        Map<String, String> first = new HashMap<>();
        try (ConfigurableApplicationContext context = start(docs, database)) {
            for (String path : context.getBean(PageStore.class).paths()) {
                first.put(path, get(context, path));
            }
            assertThat(computations(context, "parse")).isEqualTo(first.size());
        } // closing the context saves the database (picante.store.save-on-shutdown)
        assertThat(first).hasSizeGreaterThanOrEqualTo(30);

        // r[store.restore]
        try (ConfigurableApplicationContext context = start(docs, database)) {
            List<String> paths = context.getBean(PageStore.class).paths();
            assertThat(paths).containsExactlyInAnyOrderElementsOf(first.keySet());
            for (String path : paths) {
                assertThat(get(context, path)).isEqualTo(first.get(path));
            }
            assertThat(computations(context, "parse")).isZero();
            assertThat(computations(context, "navigation")).isZero();
            assertThat(context.getBean(EditLog.class).computedSinceEdit()).isEmpty();
            assertThat(context.getBean(EditLog.class).last()).isNull();
        }
    }

    @Test
    void filesEditedWhileTheDemoWasDownAreServedAndOnlyWhatTheyReachIsRecomputed() throws Exception {
        // Issue 13: a restart after changes made while the application was down must answer every page right,
        // with the edit shown, computing only what the edit reaches (r[store.restore], r[revision.early-cutoff]).
        Path docs = folder.resolve("docs");
        String database = "jdbc:h2:file:" + folder.resolve("db");
        String page = "concepts/memoization";
        List<String> paths;
        try (ConfigurableApplicationContext context = start(docs, database)) {
            paths = context.getBean(PageStore.class).paths();
            for (String path : paths) {
                get(context, path);
            }
        }
        Path file = docs.resolve(page + ".md");
        String text = java.nio.file.Files.readString(file);
        assertThat(text).startsWith("# Memoization\n");

        // A body edit while down: the page is parsed again; its title and links are equal (early cutoff), so no
        // navigation and no link graph is computed, and every other page is served as it was saved.
        java.nio.file.Files.writeString(file, text + "\nEdited while the demo was down.\n");
        try (ConfigurableApplicationContext context = start(docs, database)) {
            for (String path : paths) {
                String body = get(context, path);
                if (path.equals(page)) {
                    assertThat(body).contains("Edited while the demo was down.");
                }
            }
            assertThat(computations(context, "parse")).isEqualTo(1);
            assertThat(computations(context, "navigation")).isZero();
            assertThat(computations(context, "linkGraph")).isZero();
        }

        // A title edit while down: the page is parsed again and its folder's navigation computed again; the
        // pages of that folder show the new title.
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file)
                .replace("# Memoization\n", "# Memoisation\n"));
        try (ConfigurableApplicationContext context = start(docs, database)) {
            for (String path : paths) {
                String body = get(context, path);
                if (path.equals("concepts/revisions")) {
                    assertThat(body).contains(">Memoisation</a>");
                }
            }
            assertThat(computations(context, "parse")).isEqualTo(1);
            assertThat(computations(context, "navigation")).isEqualTo(1);
        }
    }

    @Test
    void restartsAfterAFileEditedWhileTheDemoWasDownComputeNothing() throws Exception {
        // The lived-in case: a body edit while down is parsed again at the next start, and its links and title are
        // recomputed to equal values (early cutoff), which now read the new parse. The shutdown save must store
        // them: before, it kept the records that named the old parse, and every later restart computed the links
        // and the title of that page again (r[store.restore], r[revision.early-cutoff]).
        Path docs = folder.resolve("docs");
        String database = "jdbc:h2:file:" + folder.resolve("db");
        Map<String, String> served = new HashMap<>();
        try (ConfigurableApplicationContext context = start(docs, database)) {
            for (String path : context.getBean(PageStore.class).paths()) {
                get(context, path);
            }
        }
        Path file = docs.resolve("faq.md");
        java.nio.file.Files.writeString(file, java.nio.file.Files.readString(file)
                + "\nA paragraph added while the demo was down.\n");
        try (ConfigurableApplicationContext context = start(docs, database)) {
            for (String path : context.getBean(PageStore.class).paths()) {
                served.put(path, get(context, path));
            }
            assertThat(served.get("faq")).contains("A paragraph added while the demo was down.");
            assertThat(computations(context, "parse")).isEqualTo(1);
            assertThat(computations(context, "links")).isEqualTo(1);
        }
        for (int restart = 1; restart <= 2; restart++) {
            try (ConfigurableApplicationContext context = start(docs, database)) {
                for (String path : context.getBean(PageStore.class).paths()) {
                    assertThat(get(context, path)).as("restart %d: %s", restart, path).isEqualTo(served.get(path));
                }
                for (String function : List.of("parse", "links", "title", "navigation", "linkGraph", "summary")) {
                    assertThat(computations(context, function)).as("restart %d: %s computed", restart, function)
                            .isZero();
                }
            }
        }
    }

    private static ConfigurableApplicationContext start(Path docs, String database) {
        return DemoContexts.start(WebApplicationType.SERVLET, docs, database);
    }

    private String get(ConfigurableApplicationContext context, String path) throws Exception {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/docs/" + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static long computations(ConfigurableApplicationContext context, String function) {
        var counters = context.getBean(EditLog.class).counters().get("docsQueries." + function);
        return counters == null ? 0 : counters.computations();
    }
}
