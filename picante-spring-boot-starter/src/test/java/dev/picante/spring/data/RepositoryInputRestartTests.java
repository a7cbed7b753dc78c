package dev.picante.spring.data;

import static dev.picante.spring.data.DataApps.computations;
import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Lifecycles with the durable store: stop, change the table while down, restart. The startup reconciliation
 * (after the store's load) picks the changes up and only what they reach is recomputed; the rest is served
 * from the store without computing.
 */
class RepositoryInputRestartTests {

    private final DataApps apps = new DataApps();

    @AfterEach
    void close() {
        apps.closeAll();
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void changesMadeWhileDownAreReconciledAndOnlyTheirDependentsRecomputed(Vendor vendor) {
        DataSource ds = DataApps.freshWithSchema(vendor);
        ConfigurableApplicationContext first = apps.start(ds);
        ProductRepository repository = first.getBean(ProductRepository.class);
        Catalog catalog = first.getBean(Catalog.class);
        List<Product> saved = repository.saveAll(List.of(Product.of("Dune", "books", 10),
                Product.of("Emma", "books", 7), Product.of("Yo-yo", "toys", 3), Product.of("Kite", "toys", 4)));
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(7);
        assertThat(catalog.productName(saved.get(0).id())).isEqualTo("Dune");
        assertThat(catalog.productName(saved.get(2).id())).isEqualTo("Yo-yo");
        first.close(); // saves the store

        // while down: another program changes a toy, adds one and deletes one
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("UPDATE PRODUCT SET NAME = 'Yo-yo 2', PRICE = 5 WHERE ID = ?", saved.get(2).id());
        jdbc.update("DELETE FROM PRODUCT WHERE ID = ?", saved.get(3).id());
        jdbc.update("INSERT INTO PRODUCT (NAME, CATEGORY, PRICE, VERSION) VALUES ('Ball', 'toys', 2, 0)");

        ConfigurableApplicationContext second = apps.start(ds);
        ResyncReport startup = second.getBean(RepositoryInputsLifecycle.class).startupReport();
        assertThat(startup).isNotNull();
        assertThat(startup.rowsRead()).containsEntry("products", 4);
        // yo-yo set, kite removed, ball set, the ids, the toys index
        assertThat(startup.changes()).containsEntry("products", 5);
        Catalog again = second.getBean(Catalog.class);
        assertThat(again.categoryTotal("books")).isEqualTo(17);
        assertThat(again.productName(saved.get(0).id())).isEqualTo("Dune");
        assertThat(computations(second, "catalog.categoryTotal")).isZero(); // books served from the store
        assertThat(computations(second, "catalog.productName")).isZero();
        assertThat(again.categoryTotal("toys")).isEqualTo(7);
        assertThat(again.productName(saved.get(2).id())).isEqualTo("Yo-yo 2");
        assertThat(computations(second, "catalog.categoryTotal")).isEqualTo(1);
        assertThat(computations(second, "catalog.productName")).isEqualTo(1);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void rowsCommittedButNeverAppliedBeforeACrashAreReconciledAtRestart(Vendor vendor) {
        // The window between a transaction's commit and its local apply: the rows are in the table, the
        // input and the store do not have them. Simulated by committing rows that the running instance does
        // not apply (plain SQL) and stopping without a shutdown save, as a crash would.
        DataSource ds = DataApps.freshWithSchema(vendor);
        ConfigurableApplicationContext first = apps.start(ds, "picante.store.save-on-shutdown=false",
                "picante.store.append-interval=50ms");
        ProductRepository repository = first.getBean(ProductRepository.class);
        Catalog catalog = first.getBean(Catalog.class);
        repository.save(Product.of("Dune", "books", 10));
        assertThat(catalog.categoryTotal("books")).isEqualTo(10);
        first.getBean(dev.picante.spring.jdbc.JdbcStateStore.class).save(first.getBean(dev.picante.Database.class));
        new JdbcTemplate(ds).update("INSERT INTO PRODUCT (NAME, CATEGORY, PRICE, VERSION) VALUES ('Emma', 'books',"
                + " 7, 0)");
        first.close();

        ConfigurableApplicationContext second = apps.start(ds);
        assertThat(second.getBean(Catalog.class).categoryTotal("books")).isEqualTo(17);
        assertThat(second.getBean(RepositoryInputs.class).of(ProductRepository.class).ids()).hasSize(2);
    }
}
