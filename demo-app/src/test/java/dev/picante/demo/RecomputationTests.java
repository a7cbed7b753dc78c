package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Inspector;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What an edit recomputes. Each test warms the whole site (every page and three search terms), makes one edit
 * through the page API's store, requests everything again, and compares the query functions that ran (as noted
 * by {@link EditLog}) and the inspector's counters with what the edit affects.
 */
class RecomputationTests {

    private static final String PAGE = "concepts/memoization";
    private static final List<String> TERMS = List.of("zebra", "revision", "picante");

    @TempDir
    Path docs;

    private ConfigurableApplicationContext context;
    private DocsQueries queries;
    private PageStore store;
    private EditLog log;

    @BeforeEach
    void start() {
        context = DemoContexts.start(docs, DemoContexts.memoryDatabase());
        queries = context.getBean(DocsQueries.class);
        store = context.getBean(PageStore.class);
        log = context.getBean(EditLog.class);
        assertThat(store.paths()).hasSizeGreaterThanOrEqualTo(30).contains(PAGE);
        requestEverything();
    }

    @AfterEach
    void stop() {
        context.close();
    }

    @Test
    void bodyEditRecomputesThatPagesParseAndRenderAndTheSearchEntriesOfChangedWordsOnly() throws Exception {
        Map<String, Inspector.Counters> before = log.counters();
        String text = store.text(PAGE).orElseThrow();
        store.put(PAGE, text + "\nA zebra crossed.\n");

        requestEverything();

        // r[revision.early-cutoff]: title, links and mentions compute the values they had, so nothing that reads them
        // runs: not the navigation, not another page, not the index entries of unchanged words.
        // Issue 16: the page is parsed once (title and links are parts of the parse), and the page's HTML is composed
        // when served (not memoized), so parse is the one computation that does the page's work.
        assertThat(computed()).containsExactlyInAnyOrder(
                "parse(" + PAGE + ")", "title(" + PAGE + ")", "links(" + PAGE + ")",
                "mentions(" + PAGE + " zebra)", "mentions(" + PAGE + " revision)", "mentions(" + PAGE + " picante)",
                "termIndex(zebra)");
        Map<String, Inspector.Counters> after = log.counters();
        assertThat(delta(before, after, "navigation").computations()).isZero();
        assertThat(delta(before, after, "title").earlyCutoffs()).isEqualTo(1);
        assertThat(delta(before, after, "links").earlyCutoffs()).isEqualTo(1);
        assertThat(delta(before, after, "parse").computations()).isEqualTo(1);
        assertThat(queries.termIndex("zebra").paths()).containsExactly(PAGE);
        assertThat(queries.page(PAGE)).contains("A zebra crossed.");
    }

    @Test
    void titleEditAlsoRecomputesTheNavigationAndThePagesThatShowIt() throws Exception {
        String text = store.text(PAGE).orElseThrow();
        assertThat(text).startsWith("# Memoization\n");
        store.put(PAGE, text.replace("# Memoization\n", "# Memoisation\n"));

        requestEverything();

        Set<String> computed = computed();
        assertThat(computed).contains("title(" + PAGE + ")");
        assertThat(keysOf(computed, "parse")).containsExactly(PAGE);
        // Issue 16: the navigation is memoized per folder and composed into pages when served: only the edited
        // page's folder's navigation is computed again, no page is re-rendered.
        assertThat(keysOf(computed, "navigation")).containsExactly("concepts");
        assertThat(computed).doesNotContain("linkGraph()");
        assertThat(queries.page("concepts/revisions")).contains(">Memoisation</a>");
    }

    @Test
    void newLinkAlsoRecomputesTheTargetsBacklinks() throws Exception {
        String target = "concepts/equality";
        assertThat(queries.backlinks(target).paths()).doesNotContain(PAGE);
        store.put(PAGE, store.text(PAGE).orElseThrow() + "\nSee also [equality](equality.md).\n");

        requestEverything();

        Set<String> computed = computed();
        assertThat(computed).contains("linkGraph()");
        assertThat(queries.backlinks(target).paths()).contains(PAGE);
        // The link graph is computed again (from the memoized links of the other pages); only the edited page is
        // parsed again, and no navigation is computed.
        assertThat(keysOf(computed, "parse")).containsExactly(PAGE);
        assertThat(keysOf(computed, "navigation")).isEmpty();
        assertThat(queries.page(target)).contains("href=\"/docs/" + PAGE + "\"");
    }

    @Test
    void deleteMakesBrokenLinksAppearInTheLinkingPages() throws Exception {
        String deleted = "concepts/equality";
        Set<String> linking = new HashSet<>(queries.backlinks(deleted).paths());
        assertThat(linking).isNotEmpty();
        assertThat(store.delete(deleted)).isTrue();

        requestEverything();

        Set<String> computed = computed();
        // Issue 16: broken links are found when a page is served (no memo); the linking pages are not parsed again.
        assertThat(keysOf(computed, "parse")).isEmpty();
        assertThat(keysOf(computed, "navigation")).contains("concepts");
        for (String page : linking) {
            assertThat(queries.brokenLinks(page).paths()).containsExactly(deleted);
            assertThat(queries.render(page)).contains("href=\"/docs/" + deleted + "\" class=\"broken\"");
        }
        assertThat(store.paths()).doesNotContain(deleted);
        assertThat(docs.resolve(deleted + ".md")).doesNotExist();
    }

    private void requestEverything() {
        for (String path : store.paths()) {
            queries.page(path);
        }
        for (String term : TERMS) {
            queries.termIndex(term);
        }
    }

    private Set<String> computed() {
        return new HashSet<>(log.computedSinceEdit());
    }

    private static List<String> keysOf(Set<String> computed, String function) {
        return computed.stream().filter(c -> c.startsWith(function + "("))
                .map(c -> c.substring(function.length() + 1, c.length() - 1)).sorted().collect(Collectors.toList());
    }

    private static Inspector.Counters delta(Map<String, Inspector.Counters> before, Map<String, Inspector.Counters> after,
            String function) {
        Inspector.Counters b = before.get("docsQueries." + function);
        Inspector.Counters a = after.get("docsQueries." + function);
        return new Inspector.Counters(a.hits() - b.hits(), a.computations() - b.computations(),
                a.revalidations() - b.revalidations(), a.earlyCutoffs() - b.earlyCutoffs(), a.failures() - b.failures());
    }
}
