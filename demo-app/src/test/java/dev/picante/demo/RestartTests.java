package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/** A restart on the same H2 file database is warm: the store loads the memos, nothing is rendered again. */
class RestartTests {

    @TempDir
    Path folder;

    @Test
    void restartOnTheSameDatabaseRecomputesNoPage() {
        Path docs = folder.resolve("docs");
        String database = "jdbc:h2:file:" + folder.resolve("db");
        Map<String, String> first = new HashMap<>();
        try (ConfigurableApplicationContext context = DemoContexts.start(docs, database)) {
            DocsQueries queries = context.getBean(DocsQueries.class);
            for (String path : context.getBean(PageStore.class).paths()) {
                first.put(path, queries.page(path));
            }
            assertThat(computations(context, "page")).isEqualTo(first.size());
        } // closing the context saves the database (picante.store.save-on-shutdown)
        assertThat(first).hasSizeGreaterThanOrEqualTo(30);

        // r[store.restore]
        try (ConfigurableApplicationContext context = DemoContexts.start(docs, database)) {
            DocsQueries queries = context.getBean(DocsQueries.class);
            List<String> paths = context.getBean(PageStore.class).paths();
            assertThat(paths).containsExactlyInAnyOrderElementsOf(first.keySet());
            for (String path : paths) {
                assertThat(queries.page(path)).isEqualTo(first.get(path));
            }
            assertThat(computations(context, "render")).isZero();
            assertThat(computations(context, "page")).isZero();
            assertThat(context.getBean(EditLog.class).computedSinceEdit()).isEmpty();
            assertThat(context.getBean(EditLog.class).last()).isNull();
        }
    }

    private static long computations(ConfigurableApplicationContext context, String function) {
        return context.getBean(EditLog.class).counters().get("docsQueries." + function).computations();
    }
}
