package dev.picante.spring.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.picante.Database;
import dev.picante.spring.Input;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.MockMvc;

/** HTTP tests of the {@code picante} endpoint through Spring MVC. */
class PicanteEndpointWebIntegrationTests {

    @Nested
    @SpringBootTest(classes = EndpointTestApplication.class,
            properties = "management.endpoints.web.exposure.include=picante")
    @AutoConfigureMockMvc
    @DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)
    class ValuesHiddenByDefault {

        @Autowired
        MockMvc mvc;

        @Autowired
        Database database;

        @Autowired
        EndpointTestApplication.Words words;

        @Autowired
        Input<String, String> pages;

        @BeforeEach
        void compute() {
            pages.set("intro", "one two three");
            pages.set("faq", "four");
            assertThat(words.total("intro", "faq")).isEqualTo(4);
        }

        @Test
        void summaryListsIngredientsWithCounters() throws Exception {
            mvc.perform(get("/actuator/picante")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.name").value("picante"))
                    .andExpect(jsonPath("$.revision").value(database.revision().value()))
                    .andExpect(jsonPath("$.stateBytes").isNumber())
                    .andExpect(jsonPath("$.ingredients[?(@.name == 'pages')].kind").value("input"))
                    .andExpect(jsonPath("$.ingredients[?(@.name == 'pages')].entries").value(2))
                    .andExpect(jsonPath("$.ingredients[?(@.name == 'words')].kind").value("derived"))
                    .andExpect(jsonPath("$.ingredients[?(@.name == 'words')].entries").value(2))
                    .andExpect(jsonPath("$.ingredients[?(@.name == 'words')].counters.computations").value(2))
                    .andExpect(jsonPath("$.ingredients[?(@.name == 'total')].counters.computations").value(1));
        }

        @Test
        void cellsArePagedAndMaskKeysAndValues() throws Exception {
            mvc.perform(get("/actuator/picante/words").param("page", "0").param("size", "1"))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.ingredient").value("words"))
                    .andExpect(jsonPath("$.kind").value("derived"))
                    .andExpect(jsonPath("$.total").value(2))
                    .andExpect(jsonPath("$.size").value(1))
                    .andExpect(jsonPath("$.cells", hasSize(1)))
                    .andExpect(jsonPath("$.cells[0].key").value("******"))
                    .andExpect(jsonPath("$.cells[0].value").value("******"))
                    .andExpect(jsonPath("$.cells[0].state").value("ready"))
                    .andExpect(jsonPath("$.cells[0].dependencies[0].ingredient").value("pages"))
                    .andExpect(jsonPath("$.cells[0].dependencies[0].key").value("******"));
            mvc.perform(get("/actuator/picante/words").param("page", "1").param("size", "1"))
                    .andExpect(jsonPath("$.cells", hasSize(1)));
            mvc.perform(get("/actuator/picante/words").param("page", "2").param("size", "1"))
                    .andExpect(jsonPath("$.cells", hasSize(0)));
        }

        @Test
        void cellIsMatchedByKeyTextAndExplainedWithoutValues() throws Exception {
            mvc.perform(get("/actuator/picante/words/intro")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cell.key").value("******"))
                    .andExpect(jsonPath("$.cell.value").value("******"))
                    .andExpect(jsonPath("$.explanation.outcome").value("computed"))
                    .andExpect(jsonPath("$.explanation.message").value("******"));
        }

        @Test
        void unknownIngredientOrCellIs404AndBadParametersAre400() throws Exception {
            mvc.perform(get("/actuator/picante/nope")).andExpect(status().isNotFound());
            mvc.perform(get("/actuator/picante/words/nope")).andExpect(status().isNotFound());
            mvc.perform(delete("/actuator/picante/nope")).andExpect(status().isNotFound());
            mvc.perform(get("/actuator/picante/words").param("size", "0")).andExpect(status().isBadRequest());
            mvc.perform(delete("/actuator/picante/pages")).andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.message").value(containsString("only the memos of derived")));
            mvc.perform(get("/actuator/picante").param("graph", "svg")).andExpect(status().isBadRequest());
        }

        @Test
        void graphAsJsonAndDotWithMaskedKeys() throws Exception {
            mvc.perform(get("/actuator/picante").param("graph", "json")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.edges[?(@.from.ingredient == 'total' && @.to.ingredient == 'words')]")
                            .exists())
                    .andExpect(jsonPath("$.edges[?(@.from.ingredient == 'words' && @.to.ingredient == 'pages')]")
                            .exists())
                    .andExpect(jsonPath("$.nodes[0].key").value("******"));
            mvc.perform(get("/actuator/picante").param("graph", "dot")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.dot").value(containsString("digraph picante")))
                    .andExpect(jsonPath("$.dot").value(containsString("->")));
        }

        @Test
        void evictionDropsMemosAndTheEndpointSaysSo() throws Exception {
            // r[evict.derived]
            mvc.perform(delete("/actuator/picante/words")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.ingredient").value("words"))
                    .andExpect(jsonPath("$.evicted").value(2))
                    .andExpect(jsonPath("$.entries").value(0));
            mvc.perform(get("/actuator/picante/words")).andExpect(jsonPath("$.total").value(0));
            mvc.perform(get("/actuator/picante/words/intro")).andExpect(status().isNotFound());
            assertThat(words.words("intro")).isEqualTo(3);
            mvc.perform(get("/actuator/picante/words")).andExpect(jsonPath("$.total").value(1));
        }
    }

    @Nested
    @SpringBootTest(classes = EndpointTestApplication.class, properties = {
            "management.endpoints.web.exposure.include=picante", "picante.actuator.show-values=always"})
    @AutoConfigureMockMvc
    @DirtiesContext
    class ValuesShownWhenAllowed {

        @Autowired
        MockMvc mvc;

        @Autowired
        EndpointTestApplication.Words words;

        @Autowired
        Input<String, String> pages;

        @Test
        void showsKeysValuesAndExplanations() throws Exception {
            pages.set("intro", "one two three");
            assertThat(words.words("intro")).isEqualTo(3);
            mvc.perform(get("/actuator/picante/words")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cells[0].key").value("intro"))
                    .andExpect(jsonPath("$.cells[0].value").value(3))
                    .andExpect(jsonPath("$.cells[0].dependencies[0].key").value("intro"));
            mvc.perform(get("/actuator/picante/words/intro")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cell.value").value(3))
                    .andExpect(jsonPath("$.explanation.outcome").value("computed"))
                    .andExpect(jsonPath("$.explanation.message").value(containsString("words")));
            pages.set("intro", "one two");
            assertThat(words.words("intro")).isEqualTo(2);
            mvc.perform(get("/actuator/picante/words/intro"))
                    .andExpect(jsonPath("$.cell.value").value(2))
                    .andExpect(jsonPath("$.explanation.outcome").value("recomputed"))
                    .andExpect(jsonPath("$.explanation.dependency.ingredient").value("pages"))
                    .andExpect(jsonPath("$.explanation.dependency.key").value("intro"));
        }
    }

    @Nested
    @SpringBootTest(classes = EndpointTestApplication.class, properties = {
            "management.endpoints.web.exposure.include=picante", "management.endpoint.picante.access=read-only"})
    @AutoConfigureMockMvc
    @DirtiesContext
    class ReadOnlyAccess {

        @Autowired
        MockMvc mvc;

        @Autowired
        EndpointTestApplication.Words words;

        @Autowired
        Input<String, String> pages;

        @Test
        void readsWorkAndEvictionIsRefused() throws Exception {
            pages.set("intro", "one two three");
            assertThat(words.words("intro")).isEqualTo(3);
            mvc.perform(get("/actuator/picante/words")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.total").value(1));
            mvc.perform(delete("/actuator/picante/words")).andExpect(status().is4xxClientError());
            mvc.perform(post("/actuator/picante/store/save")).andExpect(status().is4xxClientError());
            mvc.perform(get("/actuator/picante/words")).andExpect(jsonPath("$.total").value(1));
        }
    }

    @Nested
    @SpringBootTest(classes = EndpointTestApplication.class, properties = {
            "management.endpoints.web.exposure.include=picante,health",
            "management.endpoint.health.show-details=always", "picante.store.save-on-shutdown=false"})
    @AutoConfigureMockMvc
    @DirtiesContext
    class WithAStore {

        @Autowired
        MockMvc mvc;

        @Autowired
        Database database;

        @Autowired
        Input<String, String> pages;

        @Test
        void saveAndCompactOverPostAndTheSummaryShowsTheStore() throws Exception {
            pages.set("intro", "one two three");
            mvc.perform(post("/actuator/picante/store/save")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.store").value("picante"))
                    .andExpect(jsonPath("$.operation").value("save"))
                    .andExpect(jsonPath("$.revision").value(database.revision().value()))
                    .andExpect(jsonPath("$.logEntries").value(0))
                    .andExpect(jsonPath("$.durationMillis").isNumber());
            mvc.perform(get("/actuator/picante")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.store.name").value("picante"))
                    .andExpect(jsonPath("$.store.savedRevision").value(database.revision().value()))
                    .andExpect(jsonPath("$.store.logEntries").value(0));
            mvc.perform(post("/actuator/picante/store/compact")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.operation").value("compact"));
            mvc.perform(post("/actuator/picante/store/vacuum")).andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.message").value(containsString("save or compact")));
            mvc.perform(post("/actuator/picante/pages/save")).andExpect(status().isNotFound());
        }

        @Test
        void compactFileOverPostIsABadRequestOnAnInMemoryDatabase() throws Exception {
            // the operation applies to an H2 file database only (PicanteEndpointStoreTests has the file case)
            mvc.perform(post("/actuator/picante/store/compact-file")).andExpect(status().isBadRequest())
                    .andExpect(jsonPath("$.message").value(containsString("compact-file applies to an H2 file"
                            + " database")));
        }

        @Test
        void theHealthEndpointReportsTheStore() throws Exception {
            pages.set("intro", "one two three");
            mvc.perform(post("/actuator/picante/store/save")).andExpect(status().isOk());
            mvc.perform(get("/actuator/health/picante")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.status").value("UP"))
                    .andExpect(jsonPath("$.details.store").value("picante"))
                    .andExpect(jsonPath("$.details.savedRevision").value(database.revision().value()))
                    .andExpect(jsonPath("$.details.logEntriesSinceSave").value(0));
        }
    }

    @Nested
    @SpringBootTest(classes = EndpointTestApplication.class)
    @AutoConfigureMockMvc
    @DirtiesContext
    class NotExposedByDefault {

        @Autowired
        MockMvc mvc;

        @Test
        void endpointIsNotMappedOverTheWeb() throws Exception {
            mvc.perform(get("/actuator/picante")).andExpect(status().isNotFound());
        }
    }
}
