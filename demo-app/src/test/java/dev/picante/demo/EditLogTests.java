package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.picante.Database;
import dev.picante.MissingInputException;
import dev.picante.spring.QueryFunctionObserver;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The edit log learns what computed from the starter ({@link QueryFunctionObserver} with the key), not from the
 * query functions: issue 15 named the demo's logging from inside its functions a workaround to unlearn.
 */
class EditLogTests {

    @Test
    void notesEachComputationOfTheDocsQueriesWithItsKey() {
        EditLog log = new EditLog(Database.create());
        log.computed("docsQueries.parse", "concepts/memoization", 10, false);
        log.computed("docsQueries.mentions", List.of("faq", "zebra"), 10, false);
        log.computed("docsQueries.linkGraph", List.of(), 10, false);
        log.computed("docsQueries.title", "broken", 10, true);          // a failed computation ran too
        log.computed("otherBean.parse", "faq", 10, false);               // not a function of the site

        assertThat(log.computedSinceEdit()).containsExactly("parse(concepts/memoization)", "mentions(faq zebra)",
                "linkGraph()", "title(broken)");

        log.onChange(new PagesChanged("PUT faq", List.of("faq"), 2));
        assertThat(log.computedSinceEdit()).isEmpty();
        log.computed("docsQueries.parse", "faq", 10, false);
        assertThat(log.computedSinceEdit()).containsExactly("parse(faq)");
    }

    @Test
    void theStarterTellsTheLogOfEveryComputationAndTheQueryFunctionsDoNotKnowIt(@TempDir Path docs) {
        assertThat(DocsQueries.class.getDeclaredFields()).noneMatch(field -> field.getType() == EditLog.class);
        try (ConfigurableApplicationContext context = DemoContexts.start(docs, DemoContexts.memoryDatabase())) {
            EditLog log = context.getBean(EditLog.class);
            DocsQueries queries = context.getBean(DocsQueries.class);
            assertThat(context.getBeansOfType(QueryFunctionObserver.class)).containsValue(log);

            queries.page("faq");
            queries.termIndex("zebra");
            assertThat(log.computedSinceEdit()).contains("parse(faq)", "title(faq)", "links(faq)",
                    "mentions(faq zebra)", "termIndex(zebra)", "navigation()");
            // Each computation once: a second read is a memo hit, which observers are not told of.
            int noted = log.computedSinceEdit().size();
            queries.page("faq");
            assertThat(log.computedSinceEdit()).hasSize(noted);
            assertThatExceptionOfType(MissingInputException.class).isThrownBy(() -> queries.parse("no/such-page"));
            assertThat(log.computedSinceEdit()).endsWith("parse(no/such-page)");
        }
    }
}
