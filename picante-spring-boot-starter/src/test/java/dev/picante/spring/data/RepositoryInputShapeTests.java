package dev.picante.spring.data;

import static dev.picante.spring.data.DataApps.computations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.persist.StoreMismatchException;
import dev.picante.spring.jdbc.JdbcStateStore;
import dev.picante.spring.jdbc.StoredChunks;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A redeploy that changes the aggregate of a repository input (a column added to the table, a component to the
 * record): the stored rows no longer fit the registered input. The table is the input's source and the startup
 * reconciliation rebuilds the input from it, so the load discards the stored rows (reported) instead of failing
 * the startup; without the reconciliation it still fails, naming the way out.
 */
class RepositoryInputShapeTests {

    private final DataApps apps = new DataApps();

    @AfterEach
    void close() {
        apps.closeAll();
    }

    /** Saves two books and a toy, computes the totals, stops (saving the store); returns the books' ids. */
    private List<Product> savedStore(DataSource ds) {
        ConfigurableApplicationContext first = apps.start(ds);
        List<Product> saved = first.getBean(ProductRepository.class).saveAll(List.of(Product.of("Dune", "books", 10),
                Product.of("Emma", "books", 7), Product.of("Kite", "toys", 4)));
        Catalog catalog = first.getBean(Catalog.class);
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(4);
        first.close();
        apps.closeAll();
        return saved;
    }

    /** Writes another shape into the stored section of the rows and the manifest, as the class before had. */
    private static void storedByAnotherShape(DataSource ds) {
        int updated = new JdbcTemplate(ds).update("UPDATE PICANTE_SECTIONS SET SHAPE = ? WHERE SECTION_NAME = ?",
                "0123456789abcdef0123456789abcdef", "products");
        assertThat(updated).isEqualTo(1);
        StoredChunks.rebuildManifests(ds);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void storedRowsOfAnotherShapeAreDiscardedAndRebuiltFromTheTable(Vendor vendor) {
        DataSource ds = DataApps.freshWithSchema(vendor);
        List<Product> saved = savedStore(ds);
        storedByAnotherShape(ds);
        // and while down, a price changed by SQL: the rebuilt input must hold the table's rows, not the stored ones
        new JdbcTemplate(ds).update("UPDATE PRODUCT SET PRICE = 11 WHERE ID = ?", saved.get(0).id());

        ConfigurableApplicationContext second = apps.start(ds);

        List<String> dropped = second.getBean(JdbcStateStore.class).status().droppedAtLoad();
        assertThat(dropped).anySatisfy(d -> assertThat(d).contains("input 'products'").contains("shape")
                .contains("rebuilt"));
        ResyncReport startup = second.getBean(RepositoryInputsLifecycle.class).startupReport();
        assertThat(startup).isNotNull();
        assertThat(startup.rowsRead()).containsEntry("products", 3);
        assertThat(DataApps.mirrored(second)).isEqualTo(DataApps.table(second));
        Catalog catalog = second.getBean(Catalog.class);
        assertThat(catalog.categoryTotal("books")).isEqualTo(18);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(4);
        assertThat(computations(second, "catalog.categoryTotal")).as("what read the discarded rows").isEqualTo(2);
        assertThat(catalog.productName(saved.get(2).id())).isEqualTo("Kite");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void withoutTheStartupReconciliationStoredRowsOfAnotherShapeStillFailTheStartup(Vendor vendor) {
        DataSource ds = DataApps.freshWithSchema(vendor);
        savedStore(ds);
        storedByAnotherShape(ds);

        assertThatThrownBy(() -> apps.start(ds, "picante.data.reconcile-on-startup=false"))
                .rootCause().isInstanceOf(StoreMismatchException.class)
                .hasMessageContaining("'products'").hasMessageContaining("shape")
                .hasMessageContaining("picante.store.discard-inputs=products");
    }
}
