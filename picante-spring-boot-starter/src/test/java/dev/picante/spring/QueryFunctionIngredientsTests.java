package dev.picante.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.Snapshot;
import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;

/** Tests of the {@link DerivedIngredient} beans registered for {@link QueryFunction} methods. */
class QueryFunctionIngredientsTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
            .withUserConfiguration(PricesConfiguration.class)
            .withBean("pricing", Pricing.class);

    @Test
    void registersOneIngredientBeanPerQueryFunctionNamedAfterTheIngredient() {
        contextRunner.run(context -> {
            assertThat(context.getBeansOfType(DerivedIngredient.class)).containsOnlyKeys(
                    "pricing.priceOf", "pricing.total", "discounted", "pricing.quote", "pricing.label",
                    "pricing.note");
            assertThat(context.getBean("pricing.priceOf", DerivedIngredient.class).name()).isEqualTo("pricing.priceOf");
            assertThat(context.getBean("discounted", DerivedIngredient.class).name()).isEqualTo("discounted");
        });
    }

    @Test
    void ingredientBeansHaveTheMethodsGenericTypes() {
        contextRunner.run(context -> {
            assertThat(context.getBeanNamesForType(ingredient(String.class, Price.class)))
                    .containsExactly("pricing.priceOf");
            // A primitive return type is boxed; several parameters are keyed by their list.
            assertThat(context.getBeanNamesForType(ResolvableType.forClassWithGenerics(DerivedIngredient.class,
                    ResolvableType.forClassWithGenerics(List.class, String.class), ResolvableType.forClass(Long.class))))
                    .containsExactly("pricing.total");
            assertThat(context.getBeanNamesForType(ResolvableType.forClassWithGenerics(DerivedIngredient.class,
                    ResolvableType.forClassWithGenerics(List.class, Object.class), ResolvableType.forClass(Price.class))))
                    .containsExactly("discounted");
            // A CompletableFuture<V> method's ingredient holds V.
            assertThat(context.getBeanNamesForType(ingredient(Integer.class, Price.class)))
                    .containsExactly("pricing.quote");
        });
    }

    @Test
    void injectsAnIngredientByGenericTypeAndByQualifierSharingTheMethodsMemo() {
        contextRunner.withBean(PriceController.class).run(context -> {
            Database database = context.getBean(Database.class);
            Pricing pricing = context.getBean(Pricing.class);
            PriceController controller = context.getBean(PriceController.class);
            @SuppressWarnings("unchecked")
            Input<String, Long> prices = context.getBean(Input.class);
            prices.set("tea", 300L);

            assertThat(controller.priceOf.get(database, "tea")).isEqualTo(new Price("tea", 300));
            assertThat(pricing.priceOf("tea")).isEqualTo(new Price("tea", 300));
            assertThat(computations(database, "pricing.priceOf")).isEqualTo(1);
            assertThat(controller.label.name()).isEqualTo("pricing.label");
            assertThat(controller.label.get(database, "tea")).isEqualTo("tea: 300");
            assertThat(context.getBeanNamesForType(ingredient(String.class, String.class)))
                    .containsExactlyInAnyOrder("pricing.label", "pricing.note");

            // Reading in an explicit view, which calling the method cannot do.
            try (Snapshot before = database.snapshot()) {
                prices.set("tea", 350L);
                assertThat(controller.priceOf.get(before, "tea")).isEqualTo(new Price("tea", 300));
                assertThat(controller.priceOf.get(database, "tea")).isEqualTo(new Price("tea", 350));
            }
            assertThat(controller.quote.getAsync(database, 2).get(10, TimeUnit.SECONDS))
                    .isEqualTo(new Price("quote", 2));
            assertThat(database.evict(controller.priceOf)).isPositive();
        });
    }

    @Test
    void anInjectedIngredientCreatesTheBeanThatDeclaresIt() {
        contextRunner.withBean(PriceController.class)
                .withPropertyValues("spring.main.lazy-initialization=true")
                .run(context -> {
                    assertThat(context.getBean(PriceController.class).priceOf.name()).isEqualTo("pricing.priceOf");
                    assertThat(context.getBean(Pricing.class).priceOf("x")).isEqualTo(new Price("x", 0));
                });
    }

    @Test
    void leavesANameTakenByAnotherBeanToThatBean() {
        contextRunner.withBean("discounted", String.class, () -> "not an ingredient").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean("discounted")).isEqualTo("not an ingredient");
            assertThat(context.getBeansOfType(DerivedIngredient.class)).doesNotContainKey("discounted")
                    .containsKey("pricing.priceOf");
            // The query function itself still works.
            assertThat(context.getBean(Pricing.class).discounted("tea", 10)).isEqualTo(new Price("tea", -10));
        });
    }

    @Test
    void noIngredientBeansForABeanWithoutQueryFunctions() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PicanteAutoConfiguration.class))
                .withBean("plain", PricesConfiguration.class)
                .run(context -> assertThat(context.getBeansOfType(DerivedIngredient.class)).isEmpty());
    }

    private static ResolvableType ingredient(Class<?> key, Class<?> value) {
        return ResolvableType.forClassWithGenerics(DerivedIngredient.class, key, value);
    }

    private static long computations(Database database, String ingredient) {
        return database.inspector().ingredient(ingredient).counters().computations();
    }

    record Price(String item, long cents) {
    }

    @Configuration(proxyBeanMethods = false)
    static class PricesConfiguration {

        @Bean
        Input<String, Long> prices(PicanteViews views) {
            return views.input("prices", String.class, Long.class);
        }
    }

    static class Pricing {

        private final Input<String, Long> prices;

        Pricing(Input<String, Long> prices) {
            this.prices = prices;
        }

        @QueryFunction
        public Price priceOf(String item) {
            return new Price(item, prices.get(item).orElse(0L));
        }

        @QueryFunction
        public long total(List<String> items) {
            return items.stream().mapToLong(item -> priceOf(item).cents()).sum();
        }

        @QueryFunction(name = "discounted")
        public Price discounted(String item, int percent) {
            Price price = priceOf(item);
            return new Price(item, price.cents() - percent);
        }

        @QueryFunction
        public CompletableFuture<Price> quote(Integer amount) {
            return CompletableFuture.completedFuture(new Price("quote", amount));
        }

        @QueryFunction
        public String label(String item) {
            return item + ": " + priceOf(item).cents();
        }

        /** Same signature as {@link #label}: injecting either needs its qualifier. */
        @QueryFunction
        public String note(String item) {
            return "about " + item;
        }
    }

    static class PriceController {

        final DerivedIngredient<String, Price> priceOf;
        final DerivedIngredient<Integer, Price> quote;
        final DerivedIngredient<String, String> label;

        PriceController(DerivedIngredient<String, Price> priceOf, DerivedIngredient<Integer, Price> quote,
                @Qualifier("pricing.label") DerivedIngredient<String, String> label) {
            this.priceOf = priceOf;
            this.quote = quote;
            this.label = label;
        }
    }
}
