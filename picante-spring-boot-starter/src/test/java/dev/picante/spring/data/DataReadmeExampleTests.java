package dev.picante.spring.data;

import static dev.picante.spring.data.DataApps.computations;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.autoconfigure.web.PicanteWebAutoConfiguration;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import jakarta.servlet.Filter;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The repository-input example of notes/data.md (entity, repository, query function, controller), with what it claims. */
class DataReadmeExampleTests {

    @RestController
    static class CatalogController {

        private final ProductRepository products;
        private final Catalog catalog;

        CatalogController(ProductRepository products, Catalog catalog) {
            this.products = products;
            this.catalog = catalog;
        }

        @PostMapping("/products")
        Product add(@RequestBody Product product) {
            return products.save(product);
        }

        @PutMapping("/products/{id}/price")
        Product reprice(@PathVariable Long id, @RequestBody Integer price) {
            return products.save(products.findById(id).orElseThrow().withPrice(price));
        }

        @GetMapping("/categories/{category}/total")
        int total(@PathVariable String category) {
            return catalog.categoryTotal(category);
        }
    }

    @Test
    void totalsFollowTheTableAndAreRecomputedOnlyForTheChangedCategory() {
        DataSource ds = DataApps.freshWithSchema(Vendor.H2);
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PicanteWebAutoConfiguration.class,
                        WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
                        JacksonAutoConfiguration.class))
                .withUserConfiguration(DataApps.App.class)
                .withBean("dataSource", DataSource.class, () -> ds)
                .withBean(CatalogController.class)
                .withPropertyValues("picante.store.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context)
                            .addFilters(context.getBeansOfType(Filter.class).values().toArray(Filter[]::new))
                            .build();
                    mvc.perform(post("/products").contentType(MediaType.APPLICATION_JSON)
                            .content("{\"name\":\"Dune\",\"category\":\"books\",\"price\":10}"))
                            .andExpect(jsonPath("$.id").value(1));
                    mvc.perform(post("/products").contentType(MediaType.APPLICATION_JSON)
                            .content("{\"name\":\"Yo-yo\",\"category\":\"toys\",\"price\":3}"));
                    mvc.perform(get("/categories/books/total")).andExpect(content().string("10"));
                    mvc.perform(get("/categories/toys/total")).andExpect(content().string("3"));
                    mvc.perform(get("/categories/books/total")).andExpect(content().string("10"));
                    assertThat(computations(context.getSourceApplicationContext(), "catalog.categoryTotal"))
                            .isEqualTo(2);

                    mvc.perform(put("/products/2/price").contentType(MediaType.APPLICATION_JSON).content("5"));
                    mvc.perform(get("/categories/toys/total")).andExpect(content().string("5"));
                    mvc.perform(get("/categories/books/total")).andExpect(content().string("10"));
                    assertThat(computations(context.getSourceApplicationContext(), "catalog.categoryTotal"))
                            .isEqualTo(3); // books was not recomputed
                });
    }
}
