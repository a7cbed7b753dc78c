package dev.picante.spring.data;

import static dev.picante.spring.data.DataApps.computations;
import static dev.picante.spring.data.DataApps.mirrored;
import static dev.picante.spring.data.DataApps.revision;
import static dev.picante.spring.data.DataApps.table;
import static dev.picante.spring.data.DataApps.tx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.Database;
import dev.picante.RuntimeEvent;
import dev.picante.spring.jdbc.TestDatabases;
import dev.picante.spring.jdbc.TestDatabases.Vendor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.jdbc.core.JdbcAggregateTemplate;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Repository-backed inputs on H2 and PostgreSQL: the slots, the ids and the category index follow the
 * table through every CrudRepository method and JdbcAggregateTemplate, one revision per committed
 * transaction, nothing on rollback, nothing visible before the commit; and query functions over them are
 * recomputed exactly when what they read changed.
 */
class RepositoryInputTests {

    private final DataApps apps = new DataApps();

    @AfterEach
    void close() {
        apps.closeAll();
    }

    private ConfigurableApplicationContext start(Vendor vendor) {
        DataSource ds = DataApps.freshWithSchema(vendor);
        return apps.start(ds, "picante.store.enabled=false");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void recomputesOnlyWhatACommittedSaveReaches(Vendor vendor) {
        // r[input.set] r[dep.invalidation] r[revision.early-cutoff]
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        Catalog catalog = context.getBean(Catalog.class);
        long before = revision(context);
        List<Product> saved = tx(context).execute(s -> repository.saveAll(List.of(Product.of("Dune", "books", 10),
                Product.of("Emma", "books", 7), Product.of("Yo-yo", "toys", 3))));
        assertThat(revision(context)).isEqualTo(before + 1); // one revision for the transaction
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(3);
        assertThat(catalog.productCount()).isEqualTo(3);
        assertThat(computations(context, "catalog.categoryTotal")).isEqualTo(2);
        assertThat(computations(context, "catalog.productCount")).isEqualTo(1);

        // an update of a toy: books and the count are not recomputed
        Product yoyo = saved.get(2);
        repository.save(yoyo.withPrice(5));
        assertThat(catalog.categoryTotal("toys")).isEqualTo(5);
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(catalog.productCount()).isEqualTo(3);
        assertThat(computations(context, "catalog.categoryTotal")).isEqualTo(3);
        assertThat(computations(context, "catalog.productCount")).isEqualTo(1);

        // a new book: books and the count change, toys does not
        repository.save(Product.of("Ulysses", "books", 20));
        assertThat(catalog.categoryTotal("books")).isEqualTo(37);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(5);
        assertThat(catalog.productCount()).isEqualTo(4);
        assertThat(computations(context, "catalog.categoryTotal")).isEqualTo(4);
        assertThat(computations(context, "catalog.productCount")).isEqualTo(2);

        // Emma moves to toys: both groups change, the count does not
        Product emma = repository.findById(saved.get(1).id()).orElseThrow();
        repository.save(emma.withCategory("toys"));
        assertThat(catalog.categoryTotal("books")).isEqualTo(30);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(12);
        assertThat(catalog.productCount()).isEqualTo(4);
        assertThat(computations(context, "catalog.categoryTotal")).isEqualTo(6);
        assertThat(computations(context, "catalog.productCount")).isEqualTo(2);
        assertThat(mirrored(context)).isEqualTo(table(context));
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aRolledBackTransactionChangesNothing(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        Catalog catalog = context.getBean(Catalog.class);
        Product dune = repository.save(Product.of("Dune", "books", 10));
        assertThat(catalog.categoryTotal("books")).isEqualTo(10);
        long before = revision(context);
        List<RuntimeEvent> events = Collections.synchronizedList(new ArrayList<>());
        context.getBean(Database.class).subscribe(events::add);

        tx(context).executeWithoutResult(s -> {
            repository.save(dune.withPrice(99));
            repository.save(Product.of("Emma", "books", 7));
            repository.deleteById(dune.id());
            s.setRollbackOnly();
        });

        assertThat(revision(context)).isEqualTo(before);
        assertThat(events).isEmpty();
        assertThat(catalog.categoryTotal("books")).isEqualTo(10);
        assertThat(computations(context, "catalog.categoryTotal")).isEqualTo(1);
        assertThat(mirrored(context)).isEqualTo(table(context)).containsOnlyKeys(dune.id());
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aTransactionIsInvisibleUntilItCommitsThenOneRevision(Vendor vendor) throws Exception {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);
        long before = revision(context);
        List<RuntimeEvent.RevisionBumped> bumps = Collections.synchronizedList(new ArrayList<>());
        context.getBean(Database.class).subscribe(e -> {
            if (e instanceof RuntimeEvent.RevisionBumped b) {
                bumps.add(b);
            }
        });
        Long id = tx(context).execute(s -> {
            Product dune = repository.save(Product.of("Dune", "books", 10));
            repository.save(Product.of("Emma", "books", 7));
            // neither this thread nor another sees the uncommitted rows
            assertThat(products.get(dune.id())).isEmpty();
            assertThat(products.ids()).isEmpty();
            assertThat(CompletableFuture.supplyAsync(() -> products.get(dune.id())).join()).isEmpty();
            assertThat(revision(context)).isEqualTo(before);
            return dune.id();
        });
        assertThat(bumps).hasSize(1);
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(products.get(id)).map(Product::name).contains("Dune");
        assertThat(products.ids("category", "books")).hasSize(2);
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void everyCrudRepositoryMethodAndTheTemplateAreMirrored(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        JdbcAggregateTemplate template = context.getBean(JdbcAggregateTemplate.class);
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);

        Product a = repository.save(Product.of("A", "x", 1));
        List<Product> bcde = repository.saveAll(List.of(Product.of("B", "x", 2), Product.of("C", "y", 3),
                Product.of("D", "y", 4), Product.of("E", "z", 5)));
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(5);
        assertThat(products.ids("category", "x")).containsExactly(a.id(), bcde.get(0).id());

        repository.deleteById(a.id());
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(4);
        repository.delete(bcde.get(0));
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(3);
        assertThat(products.ids("category", "x")).isEmpty();
        repository.deleteAllById(List.of(bcde.get(1).id()));
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(2);
        repository.deleteAll(List.of(bcde.get(2)));
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(1);
        repository.deleteAll();
        assertThat(mirrored(context)).isEqualTo(table(context)).isEmpty();
        assertThat(products.ids("category", "z")).isEmpty();

        Product f = template.insert(Product.of("F", "x", 6));
        template.insertAll(List.of(Product.of("G", "x", 7)));
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(2);
        template.update(repository.findById(f.id()).orElseThrow().withPrice(60));
        template.save(Product.of("H", "y", 8));
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(3);
        assertThat(products.require(f.id()).price()).isEqualTo(60);
        template.deleteById(f.id(), Product.class);
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(2);
        template.deleteAll(Product.class);
        assertThat(mirrored(context)).isEqualTo(table(context)).isEmpty();
        assertThat(products.ids()).isEmpty();
        assertThat(products.ids("category", "x")).isEmpty();

        // deleteAll then save in one transaction: the saved row survives
        repository.saveAll(List.of(Product.of("I", "x", 9), Product.of("J", "x", 10)));
        long before = revision(context);
        tx(context).executeWithoutResult(s -> {
            repository.deleteAll();
            repository.save(Product.of("K", "x", 11));
        });
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(mirrored(context)).isEqualTo(table(context)).hasSize(1);
        assertThat(products.all("category", "x")).extracting(Product::name).containsExactly("K");
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aWriteOutsideAnyTransactionAppliesAtOnce(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        JdbcAggregateTemplate template = context.getBean(JdbcAggregateTemplate.class);
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);
        long before = revision(context);
        // JdbcAggregateTemplate opens no transaction: each aggregate's rows auto-commit, each is applied at once
        List<Product> saved = template.insertAll(List.of(Product.of("A", "x", 1), Product.of("B", "x", 2)));
        assertThat(revision(context)).isEqualTo(before + 2);
        assertThat(products.ids()).containsExactly(saved.get(0).id(), saved.get(1).id());
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void idsIsOneImmutableListUntilTheIdsChange(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);
        Product a = repository.save(Product.of("A", "x", 1));
        Product b = repository.save(Product.of("B", "y", 2));
        List<Long> ids = products.ids();
        List<Long> xs = products.ids("category", "x");
        assertThat(ids).containsExactly(a.id(), b.id());
        // Reads of an unchanged slot share one list (no copy per call); an update that keeps the ids keeps it.
        assertThat(products.ids()).isSameAs(ids);
        assertThat(products.ids("category", "x")).isSameAs(xs).containsExactly(a.id());
        repository.save(a.withPrice(5));
        assertThat(products.ids()).isSameAs(ids);
        assertThatThrownBy(() -> ids.add(99L))
                .isInstanceOf(UnsupportedOperationException.class);
        // An insert gives a new list; the one handed out before stays as it was.
        Product c = repository.save(Product.of("C", "x", 3));
        assertThat(products.ids()).isNotSameAs(ids).containsExactly(a.id(), b.id(), c.id());
        assertThat(ids).containsExactly(a.id(), b.id());
        assertThat(products.ids("category", "x")).containsExactly(a.id(), c.id());
        assertThat(xs).containsExactly(a.id());
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void resyncAppliesOnlyWhatChangedInTheTable(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        RepositoryInputs inputs = context.getBean(RepositoryInputs.class);
        Catalog catalog = context.getBean(Catalog.class);
        List<Product> saved = repository.saveAll(List.of(Product.of("Dune", "books", 10),
                Product.of("Emma", "books", 7), Product.of("Yo-yo", "toys", 3), Product.of("Kite", "toys", 4)));
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(7);
        assertThat(catalog.productName(saved.get(0).id())).isEqualTo("Dune");
        long before = revision(context);

        // nothing changed: no revision
        ResyncReport unchanged = inputs.resync();
        assertThat(unchanged.rowsRead()).containsEntry("products", 4);
        assertThat(unchanged.totalChanges()).isZero();
        assertThat(unchanged.revision().value()).isEqualTo(before);

        // SQL behind Spring Data's back: a toy's price, a toy deleted
        var jdbc = new org.springframework.jdbc.core.JdbcTemplate(context.getBean(DataSource.class));
        jdbc.update("UPDATE PRODUCT SET PRICE = 30 WHERE ID = ?", saved.get(2).id());
        jdbc.update("DELETE FROM PRODUCT WHERE ID = ?", saved.get(3).id());
        assertThat(catalog.categoryTotal("toys")).isEqualTo(7); // not seen yet: documented

        ResyncReport report = inputs.resync();
        // the yo-yo set, the kite removed, the ids, the toys index
        assertThat(report.changes()).containsEntry("products", 4);
        assertThat(report.revision().value()).isEqualTo(before + 1);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(30);
        assertThat(catalog.categoryTotal("books")).isEqualTo(17);
        assertThat(catalog.productName(saved.get(0).id())).isEqualTo("Dune");
        assertThat(computations(context, "catalog.categoryTotal")).isEqualTo(3); // books reused
        assertThat(computations(context, "catalog.productName")).isEqualTo(1);
        assertThat(mirrored(context)).isEqualTo(table(context));
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void pollReadsVersionsAndLoadsOnlyChangedRows(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        RepositoryInputs inputs = context.getBean(RepositoryInputs.class);
        Catalog catalog = context.getBean(Catalog.class);
        List<Product> saved = repository.saveAll(List.of(Product.of("Dune", "books", 10),
                Product.of("Yo-yo", "toys", 3)));
        assertThat(catalog.categoryTotal("toys")).isEqualTo(3);
        var jdbc = new org.springframework.jdbc.core.JdbcTemplate(context.getBean(DataSource.class));

        // another program that increments the version: seen by poll
        jdbc.update("UPDATE PRODUCT SET PRICE = 5, VERSION = VERSION + 1 WHERE ID = ?", saved.get(1).id());
        jdbc.update("INSERT INTO PRODUCT (NAME, CATEGORY, PRICE, VERSION) VALUES ('Kite', 'toys', 4, 0)");
        ResyncReport polled = inputs.poll();
        assertThat(polled.rowsRead()).containsEntry("products", 3);
        assertThat(polled.changes()).containsEntry("products", 4); // yo-yo, kite, ids, toys index
        assertThat(catalog.categoryTotal("toys")).isEqualTo(9);

        // one that leaves the version: not seen by poll (documented), seen by resync
        jdbc.update("UPDATE PRODUCT SET PRICE = 50 WHERE ID = ?", saved.get(1).id());
        assertThat(inputs.poll().totalChanges()).isZero();
        assertThat(catalog.categoryTotal("toys")).isEqualTo(9);
        assertThat(inputs.resync().totalChanges()).isEqualTo(1);
        assertThat(catalog.categoryTotal("toys")).isEqualTo(54);

        // a deleted row is seen by poll
        jdbc.update("DELETE FROM PRODUCT WHERE ID = ?", saved.get(0).id());
        assertThat(inputs.poll().changes()).containsEntry("products", 3); // row, ids, books index
        assertThat(catalog.categoryTotal("books")).isZero();
        assertThat(mirrored(context)).isEqualTo(table(context));
        assertThat(inputs.of(ProductRepository.class).get(saved.get(0).id())).isEqualTo(Optional.empty());
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void aSavepointRolledBackInsideACommittedTransactionIsNotApplied(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);
        TransactionTemplate nested = tx(context);
        nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        long before = revision(context);
        Long dune = tx(context).execute(s -> {
            Product saved = repository.save(Product.of("Dune", "books", 10));
            nested.executeWithoutResult(n -> {
                repository.save(Product.of("Emma", "books", 7));
                repository.save(saved.withPrice(99));
                n.setRollbackOnly(); // back to the savepoint
            });
            return saved.id();
        });
        assertThat(revision(context)).isEqualTo(before + 1);
        assertThat(products.ids()).containsExactly(dune);
        assertThat(products.require(dune).price()).isEqualTo(10);
        assertThat(mirrored(context)).isEqualTo(table(context));
    }

    @ParameterizedTest
    @MethodSource("dev.picante.spring.jdbc.TestDatabases#vendors")
    void anInnerRequiresNewTransactionIsAppliedWhenItCommitsWhateverTheOuterDoes(Vendor vendor) {
        ConfigurableApplicationContext context = start(vendor);
        ProductRepository repository = context.getBean(ProductRepository.class);
        RepositoryInput<Long, Product> products = context.getBean(RepositoryInputs.class).of(ProductRepository.class);
        TransactionTemplate inner = tx(context);
        inner.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        tx(context).executeWithoutResult(s -> {
            repository.save(Product.of("Dune", "books", 10));
            Product emma = inner.execute(n -> repository.save(Product.of("Emma", "books", 7)));
            assertThat(products.get(emma.id())).map(Product::name).contains("Emma");
            assertThat(products.ids()).containsExactly(emma.id());
            s.setRollbackOnly();
        });
        assertThat(products.all()).extracting(Product::name).containsExactly("Emma");
        assertThat(mirrored(context)).isEqualTo(table(context));
    }
}
