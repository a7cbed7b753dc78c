package dev.picante.spring.data;

import static dev.picante.spring.data.DataApps.await;
import static dev.picante.spring.data.DataApps.logEntries;
import static dev.picante.spring.data.DataApps.mirrored;
import static dev.picante.spring.data.DataApps.revision;
import static dev.picante.spring.data.DataApps.table;
import static dev.picante.spring.data.DataApps.tx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.spring.jdbc.PicanteStoreException;
import dev.picante.spring.jdbc.PicanteStoreLifecycle;
import dev.picante.spring.jdbc.SharedChangeLog;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Repository inputs with the shared store ({@code picante.store.shared=true}): the log entry of a
 * transaction's repository writes is written in that transaction, so it commits if and only if the rows do;
 * a failed append rolls the rows back; and two instances on one PostgreSQL database serve each other's
 * repository writes, with indexes that stay equal to the table under concurrent writes.
 */
class SharedRepositoryInputTests {

    private final DataApps apps = new DataApps();

    @AfterEach
    void close() {
        apps.closeAll();
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void theLogEntryCommitsIfAndOnlyIfTheRowsDo(Vendor vendor) {
        DataSource ds = DataApps.freshWithSchema(vendor);
        ConfigurableApplicationContext context = apps.startShared(DataApps.App.class, ds, "a");
        assertThat(context.getBean(PicanteStoreLifecycle.class).sharedLog()).isNotNull();
        ProductRepository repository = context.getBean(ProductRepository.class);
        Catalog catalog = context.getBean(Catalog.class);
        long entries = logEntries(ds);
        long before = revision(context);

        tx(context).executeWithoutResult(s -> {
            repository.save(Product.of("Dune", "books", 10));
            repository.save(Product.of("Emma", "books", 7));
        });
        assertThat(logEntries(ds)).isEqualTo(entries + 1);
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);

        tx(context).executeWithoutResult(s -> {
            repository.save(Product.of("Ulysses", "books", 20));
            s.setRollbackOnly();
        });
        assertThat(logEntries(ds)).isEqualTo(entries + 1);
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(mirrored(context)).isEqualTo(table(context));
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aFailedLogAppendRollsTheRowsBack(Vendor vendor) {
        DataSource ds = DataApps.freshWithSchema(vendor);
        ConfigurableApplicationContext context = apps.startShared(DataApps.App.class, ds, "a");
        ProductRepository repository = context.getBean(ProductRepository.class);
        Catalog catalog = context.getBean(Catalog.class);
        repository.save(Product.of("Dune", "books", 10));
        assertThat(catalog.categoryTotal("books")).isEqualTo(10);
        long before = revision(context);
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.execute("ALTER TABLE PICANTE_SHARED_LOG RENAME TO PICANTE_SHARED_LOG_AWAY");
        try {
            assertThatThrownBy(() -> tx(context).executeWithoutResult(
                    s -> repository.save(Product.of("Emma", "books", 7))))
                    .isInstanceOf(PicanteStoreException.class)
                    .hasMessageContaining("the shared change log refused the write");
        } finally {
            jdbc.execute("ALTER TABLE PICANTE_SHARED_LOG_AWAY RENAME TO PICANTE_SHARED_LOG");
        }
        assertThat(repository.count()).isEqualTo(1); // the row rolled back with the entry
        assertThat(revision(context)).isEqualTo(before);
        assertThat(catalog.categoryTotal("books")).isEqualTo(10);

        repository.save(Product.of("Emma", "books", 7)); // the log works again
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(mirrored(context)).isEqualTo(table(context));
    }

    @Test
    void twoInstancesServeEachOthersRepositoryWrites() throws Exception {
        DataSource ds = DataApps.freshWithSchema(Vendor.POSTGRESQL);
        ConfigurableApplicationContext a = apps.startShared(DataApps.App.class, ds, "a");
        ConfigurableApplicationContext b = apps.startShared(DataApps.App.class, ds, "b");
        ProductRepository repoA = a.getBean(ProductRepository.class);
        ProductRepository repoB = b.getBean(ProductRepository.class);
        Catalog catalogA = a.getBean(Catalog.class);
        Catalog catalogB = b.getBean(Catalog.class);

        Product dune = tx(a).execute(s -> repoA.save(Product.of("Dune", "books", 10)));
        await(() -> catalogB.categoryTotal("books") == 10);
        repoB.save(dune.withPrice(12));
        await(() -> catalogA.categoryTotal("books") == 12);

        // concurrent writers on both instances: each instance's inputs and indexes end equal to the table
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            ProductRepository repo = t % 2 == 0 ? repoA : repoB;
            int thread = t;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 10; i++) {
                    repo.save(Product.of("p" + thread + "-" + i, i % 2 == 0 ? "books" : "toys", 1));
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        Map<Long, Product> table = table(a);
        assertThat(table).hasSize(41);
        await(() -> mirrored(a).equals(table) && mirrored(b).equals(table));
        RepositoryInput<Long, Product> inputB = b.getBean(RepositoryInputs.class).of(ProductRepository.class);
        assertThat(inputB.ids("category", "books")).hasSize(21);
        assertThat(inputB.ids("category", "toys")).hasSize(20);
        assertThat(catalogA.categoryTotal("books")).isEqualTo(32);
        assertThat(catalogB.categoryTotal("books")).isEqualTo(32);
        assertThat(catalogB.categoryTotal("toys")).isEqualTo(20);
        SharedChangeLog logB = b.getBean(PicanteStoreLifecycle.class).sharedLog();
        assertThat(logB).isNotNull();
    }
}
