package dev.picante.spring.data;

import static dev.picante.spring.data.DataApps.revision;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.spring.autoconfigure.PicanteAutoConfiguration;
import dev.picante.spring.autoconfigure.data.PicanteDataJdbcAutoConfiguration;
import dev.picante.spring.data.faults.NoteRepository;
import dev.picante.spring.data.faults.TagRepository;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.lang.reflect.Proxy;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.data.jdbc.autoconfigure.DataJdbcRepositoriesAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.data.jdbc.core.JdbcAggregateTemplate;
import org.springframework.data.jdbc.repository.config.EnableJdbcRepositories;
import org.springframework.data.repository.CrudRepository;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Bad declarations fail the startup with a message naming the repository and the way out; a transaction on
 * another DataSource has the documented outcome: nothing lost, nothing stale once it completes.
 */
class RepositoryInputFaultTests {

    private final DataApps apps = new DataApps();

    @AfterEach
    void close() {
        apps.closeAll();
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataSourceTransactionManagerAutoConfiguration.class,
            JdbcTemplateAutoConfiguration.class, DataJdbcRepositoriesAutoConfiguration.class,
            PicanteAutoConfiguration.class, PicanteDataJdbcAutoConfiguration.class })
    @EnableJdbcRepositories(basePackageClasses = TagRepository.class, includeFilters = @ComponentScan.Filter(
            type = FilterType.ASSIGNABLE_TYPE, classes = TagRepository.class))
    static class TagApp {
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataSourceTransactionManagerAutoConfiguration.class,
            JdbcTemplateAutoConfiguration.class, DataJdbcRepositoriesAutoConfiguration.class,
            PicanteAutoConfiguration.class, PicanteDataJdbcAutoConfiguration.class })
    @EnableJdbcRepositories(basePackageClasses = NoteRepository.class, includeFilters = @ComponentScan.Filter(
            type = FilterType.ASSIGNABLE_TYPE, classes = NoteRepository.class))
    static class NoteApp {
    }

    /** A repository interface whose bean is not made by Spring Data JDBC. */
    @PicanteInput
    interface HandMadeProductRepository extends CrudRepository<Product, Long> {
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ DataSourceTransactionManagerAutoConfiguration.class,
            JdbcTemplateAutoConfiguration.class, DataJdbcRepositoriesAutoConfiguration.class,
            PicanteAutoConfiguration.class, PicanteDataJdbcAutoConfiguration.class })
    @EnableJdbcRepositories(basePackageClasses = Product.class, includeFilters = @ComponentScan.Filter(
            type = FilterType.ASSIGNABLE_TYPE, classes = HandMadeApp.class))
    static class HandMadeApp {

        @Bean
        HandMadeProductRepository handMadeProductRepository() {
            return (HandMadeProductRepository) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] { HandMadeProductRepository.class }, (proxy, method, args) -> {
                        throw new UnsupportedOperationException();
                    });
        }
    }

    @Test
    void anIdTypeWithoutValueEqualityFailsTheStartup() {
        DataSource ds = Vendor.H2.fresh();
        assertThatThrownBy(() -> apps.start(TagApp.class, ds, "picante.store.enabled=false"))
                .rootCause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("@PicanteInput on " + TagRepository.class.getName() + ": its id 'code' of type "
                        + "dev.picante.spring.data.faults.Tag$TagCode cannot key an input: it does not override"
                        + " equals and hashCode, so equal ids would be different keys; use a String, a number, a"
                        + " UUID, an enum or a record (Spring Data JDBC's @Embedded.Nullable ids included)"
                        + " instead");
    }

    @Test
    void anAggregateWithoutEqualsFailsTheStartup() {
        DataSource ds = Vendor.H2.fresh();
        assertThatThrownBy(() -> apps.start(NoteApp.class, ds, "picante.store.enabled=false"))
                .rootCause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("@PicanteInput on " + NoteRepository.class.getName() + ": aggregate "
                        + "dev.picante.spring.data.faults.Note does not override equals")
                .hasMessageContaining("make it a record, or implement equals and hashCode");
    }

    @Test
    void aRepositoryNotMadeBySpringDataJdbcFailsTheStartup() {
        DataSource ds = DataApps.freshWithSchema(Vendor.H2);
        assertThatThrownBy(() -> apps.start(HandMadeApp.class, ds, "picante.store.enabled=false"))
                .rootCause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("@PicanteInput on " + HandMadeProductRepository.class.getName()
                        + ": bean 'handMadeProductRepository' is not a Spring Data JDBC repository (it is made by no"
                        + " repository factory)")
                .hasMessageContaining("Remove @PicanteInput, or declare the repository with Spring Data JDBC");
    }

    @Test
    void anUndeclaredGroupingIsRejectedWithTheDeclaredOnes() {
        DataSource ds = DataApps.freshWithSchema(Vendor.H2);
        ConfigurableApplicationContext context = apps.start(ds, "picante.store.enabled=false");
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);
        assertThatThrownBy(() -> products.ids("name", "Dune"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input 'products' has no grouping 'name'; declared: [category] (add it to"
                        + " @PicanteInput(groupBy = ...) on " + ProductRepository.class.getName() + ")");
        assertThatThrownBy(() -> products.ids("category", 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("input 'products': grouping 'category' is keyed by java.lang.String, not"
                        + " java.lang.Integer");
    }

    /** The products on the primary DataSource, and a second DataSource with its own transaction manager. */
    @Configuration(proxyBeanMethods = false)
    @Import(DataApps.App.class)
    static class TwoDataSources {

        @Bean
        @Primary
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new JdbcTransactionManager(dataSource);
        }

        @Bean
        PlatformTransactionManager otherTransactionManager() {
            return new JdbcTransactionManager(Vendor.H2.fresh());
        }
    }

    @Test
    void writesInsideATransactionOnAnotherDataSourceApplyWhenTheirOwnRowsCommit() {
        DataSource ds = DataApps.freshWithSchema(Vendor.H2);
        ConfigurableApplicationContext context = apps.start(TwoDataSources.class, ds, "picante.store.enabled=false");
        ProductRepository repository = context.getBean(ProductRepository.class);
        JdbcAggregateTemplate template = context.getBean(JdbcAggregateTemplate.class);
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);
        TransactionTemplate other = new TransactionTemplate(
                context.getBean("otherTransactionManager", PlatformTransactionManager.class));
        long before = revision(context);

        // Spring suspends the other transaction's synchronization and runs the repository's own transaction
        // (on the products' DataSource) with its own: applied when it commits, as save returns.
        Product dune = other.execute(s -> {
            Product saved = repository.save(Product.of("Dune", "books", 10));
            assertThat(products.get(saved.id())).map(Product::name).contains("Dune");
            return saved;
        });
        assertThat(revision(context)).isEqualTo(before + 1);

        // The other transaction rolls back: the rows committed with the repository's transaction, and stay
        // applied.
        Product emma = other.execute(s -> {
            Product saved = repository.save(Product.of("Emma", "books", 7));
            s.setRollbackOnly();
            return saved;
        });
        assertThat(repository.findById(emma.id())).isPresent();
        assertThat(products.get(emma.id())).map(Product::name).contains("Emma");

        // The template opens no transaction: its rows auto-commit, and are applied at once.
        Product kite = other.execute(s -> {
            Product saved = template.insert(Product.of("Kite", "toys", 4));
            assertThat(products.get(saved.id())).map(Product::name).contains("Kite");
            return saved;
        });
        assertThat(products.ids()).containsExactly(dune.id(), emma.id(), kite.id());
        assertThat(products.get(-1L)).isEqualTo(Optional.empty());
    }
}
