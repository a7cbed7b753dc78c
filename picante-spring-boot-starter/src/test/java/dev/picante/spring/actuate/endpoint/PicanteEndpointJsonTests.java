package dev.picante.spring.actuate.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.picante.Database;
import dev.picante.spring.Input;
import dev.picante.spring.PicanteViews;
import dev.picante.spring.QueryFunction;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.MockMvc;

/** Keys and values of the {@code picante} endpoint written as JSON by the application's {@code JsonMapper}. */
class PicanteEndpointJsonTests {

    record Item(String name, int size) {
    }

    record Price(long unitCents, String currency) {
    }

    /** An object without properties, which Jackson writes as {@code {}}: shown as its text. */
    static final class Opaque {

        @Override
        public String toString() {
            return "opaque!";
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Opaque;
        }

        @Override
        public int hashCode() {
            return 1;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Pricing.class)
    static class PricingApplication {

        @Bean
        Input<String, Long> prices(PicanteViews views) {
            return views.input("prices", String.class, Long.class);
        }
    }

    public static class Pricing {

        private final Input<String, Long> prices;

        public Pricing(Input<String, Long> prices) {
            this.prices = prices;
        }

        @QueryFunction(name = "price")
        public Price price(Item item) {
            return new Price(prices.require(item.name()) * item.size(), "EUR");
        }

        @QueryFunction(name = "opaque")
        public Opaque opaque(String key) {
            prices.get(key);
            return new Opaque();
        }
    }

    @Nested
    @SpringBootTest(classes = PricingApplication.class, properties = {
            "management.endpoints.web.exposure.include=picante", "picante.actuator.show-values=always",
            "spring.jackson.property-naming-strategy=SNAKE_CASE", "picante.store.enabled=false"})
    @AutoConfigureMockMvc
    @DirtiesContext
    class WhenShown {

        @Autowired
        MockMvc mvc;

        @Autowired
        Pricing pricing;

        @Autowired
        Input<String, Long> prices;

        @Test
        void keysAndValuesAreJsonWrittenByTheApplicationsMapper() throws Exception {
            prices.set("tea", 300L);
            assertThat(pricing.price(new Item("tea", 2))).isEqualTo(new Price(600, "EUR"));
            // The application's mapper writes snake_case (spring.jackson.property-naming-strategy).
            mvc.perform(get("/actuator/picante/price")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cells[?(@.key.name == 'tea')].key.size").value(2))
                    .andExpect(jsonPath("$.cells[?(@.key.name == 'tea')].value.unit_cents").value(600))
                    .andExpect(jsonPath("$.cells[?(@.key.name == 'tea')].value.currency").value("EUR"));
            mvc.perform(get("/actuator/picante/price/{key}", "{\"name\":\"tea\",\"size\":2}"))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.cell.key.name").value("tea"))
                    .andExpect(jsonPath("$.cell.value.unit_cents").value(600))
                    .andExpect(jsonPath("$.cell.dependencies[0].ingredient").value("prices"))
                    .andExpect(jsonPath("$.cell.dependencies[0].key").value("tea"));
            mvc.perform(get("/actuator/picante/prices/tea")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cell.key").value("tea"))
                    .andExpect(jsonPath("$.cell.value").value(300));
            mvc.perform(get("/actuator/picante?graph=json")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.nodes[?(@.ingredient == 'price' && @.key.name == 'tea')].key.size").value(2));
        }

        @Test
        void aCellIsFoundByItsKeyAsJsonOrAsText() throws Exception {
            prices.set("tea", 300L);
            pricing.price(new Item("tea", 2));
            mvc.perform(get("/actuator/picante/price/{key}", "{\"name\":\"tea\",\"size\":2}"))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.cell.value.unit_cents").value(600));
            mvc.perform(get("/actuator/picante/price/{key}", "Item[name=tea, size=2]"))
                    .andExpect(status().isOk())
                    .andExpect(jsonPath("$.cell.key.name").value("tea"));
            mvc.perform(get("/actuator/picante/price/{key}", "{\"name\":\"tea\",\"size\":3}"))
                    .andExpect(status().isNotFound());
        }

        @Test
        void anObjectTheMapperCannotWriteIsShownAsText() throws Exception {
            pricing.opaque("tea");
            mvc.perform(get("/actuator/picante/opaque")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cells[0].key").value("tea"))
                    .andExpect(jsonPath("$.cells[0].value").value("opaque!"));
        }

        @Test
        void aFailureIsShownAsText() throws Exception {
            try {
                pricing.price(new Item("coffee", 1));
            } catch (RuntimeException expected) {
                // no price for coffee
            }
            mvc.perform(get("/actuator/picante/price")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cells[?(@.key.name == 'coffee')].state").value("poisoned"))
                    .andExpect(jsonPath("$.cells[?(@.key.name == 'coffee')].value").value(
                            org.hamcrest.Matchers.hasItem(org.hamcrest.Matchers.startsWith(
                                    "dev.picante.MissingInputException: missing input prices(coffee)"))));
        }
    }

    @Nested
    @SpringBootTest(classes = PricingApplication.class, properties = {
            "management.endpoints.web.exposure.include=picante", "picante.store.enabled=false"})
    @AutoConfigureMockMvc
    @DirtiesContext
    class WhenHidden {

        @Autowired
        MockMvc mvc;

        @Autowired
        Pricing pricing;

        @Autowired
        Input<String, Long> prices;

        @Test
        void keysAndValuesAreMaskedAsBefore() throws Exception {
            prices.set("tea", 300L);
            pricing.price(new Item("tea", 2));
            mvc.perform(get("/actuator/picante/price")).andExpect(status().isOk())
                    .andExpect(jsonPath("$.cells[0].key").value("******"))
                    .andExpect(jsonPath("$.cells[0].value").value("******"))
                    .andExpect(jsonPath("$.cells[0].dependencies[0].key").value("******"));
        }
    }

    @Test
    void withoutAMapperKeysAndValuesAreText() {
        Database database = Database.create();
        var prices = database.input("prices", String.class, Long.class);
        var price = database.derived("price", Item.class, Price.class,
                (ctx, item) -> new Price(prices.require(ctx, item.name()) * item.size(), "EUR"));
        prices.set(database, "tea", 300L);
        price.get(database, new Item("tea", 2));
        PicanteEndpoint endpoint = new PicanteEndpoint(database, Show.ALWAYS, Set.of());
        var cells = endpoint.ingredient("price", null, null, SecurityContext.NONE);
        assertThat(cells).isNotNull();
        assertThat(cells.cells().get(0).key()).isEqualTo("Item[name=tea, size=2]");
        assertThat(cells.cells().get(0).value()).isEqualTo("Price[unitCents=600, currency=EUR]");
    }
}
