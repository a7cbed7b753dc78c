package dev.picante.persist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Database;
import dev.picante.DerivedIngredient;
import dev.picante.Durability;
import dev.picante.InputIngredient;
import dev.picante.Inspector.Explanation;
import dev.picante.Inspector.Outcome;
import dev.picante.Query;
import dev.picante.Snapshot;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Code versions (issue 13, item 2): a derived result loaded from a store that another code version of its
 * function computed is never served as it is. It is recomputed at its first use, directly or while a
 * dependent revalidates, exactly as if an input it read had changed at the load: a recomputed value equal
 * to the stored one keeps its {@code changed_at} and its dependents stay valid (r[revision.early-cutoff]);
 * another value makes its dependents recompute. Snapshots, the durability shortcut, the shared cache,
 * {@code promote}, exports and the inspector all respect it.
 */
// r[store.restore] r[revision.early-cutoff] r[cell.revalidate] r[cell.revalidate-missing]
class CodeVersionTest {

    /** {@code net(k) = price(k)} through the versioned function, {@code total = net(a) + net(b)}. */
    static final class App {
        final Database db = Database.create();
        final InputIngredient<String, Integer> price;
        final InputIngredient<String, String> other = db.input("other", String.class, String.class);
        final DerivedIngredient<String, Integer> net;
        final DerivedIngredient<String, Integer> total;
        final AtomicInteger netRuns = new AtomicInteger();
        final AtomicInteger totalRuns = new AtomicInteger();

        App(String version, IntUnaryOperator function) {
            this(version, function, Durability.LOW);
        }

        App(String version, IntUnaryOperator function, Durability durability) {
            this((Object) version, function, durability);
        }

        /** With the code version of {@code net} supplied when first needed. */
        App(Supplier<String> version, IntUnaryOperator function) {
            this((Object) version, function, Durability.LOW);
        }

        @SuppressWarnings("unchecked")
        private App(Object version, IntUnaryOperator function, Durability durability) {
            price = db.input("price", String.class, Integer.class, durability);
            Query<String, Integer> compute = (ctx, k) -> {
                netRuns.incrementAndGet();
                return function.applyAsInt(price.require(ctx, k));
            };
            net = version instanceof String string ? db.derived("net", String.class, Integer.class, string, compute)
                    : db.derived("net", String.class, Integer.class, (Supplier<String>) version, compute);
            total = db.derived("total", String.class, Integer.class, "total-1", (ctx, k) -> {
                totalRuns.incrementAndGet();
                return net.get(ctx, "a") + net.get(ctx, "b");
            });
        }

        /** Sets both prices and computes the total, so every result is in the next export. */
        App filled() {
            price.set(db, "a", 10);
            price.set(db, "b", 20);
            assertThat(total.get(db, "t")).isNotNull();
            return this;
        }

        ImportReport load(StateImage image) {
            ImportReport report = db.importState(image);
            assertThat(netRuns).hasValue(0);
            assertThat(totalRuns).hasValue(0);
            return report;
        }
    }

    @Test
    void exportedSectionsCarryTheRegisteredCodeVersion() {
        App saved = new App("v1", x -> x).filled();

        StateImage image = saved.db.exportState();

        assertThat(image.sections()).filteredOn(s -> s.ingredient().equals("net"))
                .singleElement().extracting(Section::codeVersion).isEqualTo("v1");
        assertThat(image.sections()).filteredOn(s -> s.ingredient().equals("total"))
                .singleElement().extracting(Section::codeVersion).isEqualTo("total-1");
        assertThat(image.sections()).filteredOn(s -> s.kind() != SectionKind.DERIVED)
                .allSatisfy(s -> assertThat(s.codeVersion()).isEmpty());
        assertThat(saved.db.exportChangesSince(image.checkpoint()).sections()).isEmpty();
        saved.price.set(saved.db, "a", 11);
        saved.total.get(saved.db, "t");
        assertThat(saved.db.exportChangesSince(image.checkpoint()).sections())
                .filteredOn(s -> s.ingredient().equals("net")).singleElement()
                .extracting(Section::codeVersion).isEqualTo("v1");
    }

    @Test
    void unchangedCodeVersionRecomputesNothing() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v1", x -> x * 2);

        ImportReport report = loaded.load(saved.db.exportState());

        assertThat(report.outdatedSections()).isEmpty();
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(60);
        assertThat(loaded.net.get(loaded.db, "a")).isEqualTo(20);
        assertThat(loaded.netRuns).hasValue(0);
        assertThat(loaded.totalRuns).hasValue(0);
    }

    @Test
    void throughLoadTooAnEqualValueKeepsItsDependentsWithoutComputingThem() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v2", x -> x + x);
        loaded.db.load(saved.db.exportState(), java.util.List.of());

        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(60);
        assertThat(loaded.totalRuns).as("early cutoff: total stays valid").hasValue(0);
        assertThat(loaded.db.inspector().ingredient("total").counters().computations())
                .as("the inspector counts no computation of total").isZero();
    }

    @Test
    void changedVersionWithAnEqualValueRecomputesTheFunctionOnceAndKeepsItsDependents() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v2", x -> x + x);

        ImportReport report = loaded.load(saved.db.exportState());
        assertThat(report.outdatedSections()).containsExactly("net");
        assertThat(loaded.db.inspector().explain("net", "a").message()).contains("code version changed")
                .contains("'v1'").contains("'v2'");

        // Read through the dependent: revalidating it recomputes net(a) and net(b) first.
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(60);
        assertThat(loaded.netRuns).hasValue(2);
        assertThat(loaded.totalRuns).as("early cutoff: total stays valid").hasValue(0);
        assertThat(loaded.db.inspector().ingredient("total").counters().computations())
                .as("the inspector counts no computation of total").isZero();
        assertThat(loaded.db.inspector().ingredient("net").counters().computations()).isEqualTo(2);
        assertThat(loaded.net.get(loaded.db, "a")).isEqualTo(20);
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(60);
        assertThat(loaded.netRuns).as("recomputed once").hasValue(2);

        Explanation why = loaded.db.inspector().explain("net", "a");
        assertThat(why.outcome()).isEqualTo(Outcome.RECOMPUTED_UNCHANGED);
        assertThat(why.message()).contains("code version changed");
        assertThat(why.changedAt()).isEqualTo(saved.db.inspector().explain("net", "a").changedAt());
        assertThat(loaded.db.inspector().explain("total", "t").outcome()).isEqualTo(Outcome.REVALIDATED);
    }

    @Test
    void changedVersionWithAnotherValueRecomputesTheDependents() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v2", x -> x * 3);
        loaded.load(saved.db.exportState());

        assertThat(loaded.net.get(loaded.db, "a")).isEqualTo(30);
        assertThat(loaded.netRuns).hasValue(1);
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(90);
        assertThat(loaded.netRuns).hasValue(2);
        assertThat(loaded.totalRuns).hasValue(1);
        assertThat(loaded.db.inspector().explain("net", "a").outcome()).isEqualTo(Outcome.RECOMPUTED);
        assertThat(loaded.db.inspector().explain("net", "a").message()).contains("code version changed");
    }

    @Test
    void onlyTheResultsOfTheChangedFunctionAreOutdated() {
        App saved = new App("v1", x -> x * 2).filled();
        // Same net code, but total is another version: net is served as loaded, total recomputes once.
        App loaded = new App("v1", x -> x * 2);
        Section renamed = null;
        java.util.List<Section> sections = new java.util.ArrayList<>();
        for (Section section : saved.db.exportState().sections()) {
            if (section.ingredient().equals("total")) {
                renamed = new Section("total", SectionKind.DERIVED, section.keyType(), section.valueType(), "total-0",
                        section.records());
                sections.add(renamed);
            } else {
                sections.add(section);
            }
        }
        StateImage image = saved.db.exportState();
        loaded.load(new StateImage(image.revision(), sections, image.checkpoint()));

        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(60);
        assertThat(loaded.totalRuns).hasValue(1);
        assertThat(loaded.netRuns).hasValue(0);
    }

    @Test
    void highDurabilityInputsDoNotLetAnOutdatedResultSkipItsCheck() {
        // r[durability.revalidation-opt]: the shortcut must not take an outdated result as verified
        App saved = new App("v1", x -> x * 2, Durability.HIGH).filled();
        App loaded = new App("v2", x -> x * 5, Durability.HIGH);
        loaded.load(saved.db.exportState());
        loaded.other.set(loaded.db, "unrelated", "write"); // advances the revision, no HIGH input changed

        assertThat(loaded.net.get(loaded.db, "a")).isEqualTo(50);
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(150);
        assertThat(loaded.netRuns).hasValue(2);
        assertThat(loaded.totalRuns).hasValue(1);
    }

    @Test
    void snapshotsNeverServeAnOutdatedResult() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v2", x -> x * 3);
        loaded.load(saved.db.exportState());

        // A snapshot at the database's state, and one the database has moved on from.
        try (Snapshot same = loaded.db.snapshot()) {
            assertThat(loaded.total.get(same, "t")).isEqualTo(90);
        }
        App again = new App("v2", x -> x * 3);
        again.load(saved.db.exportState());
        try (Snapshot behind = again.db.snapshot()) {
            again.other.set(again.db, "unrelated", "write");
            assertThat(again.total.get(behind, "t")).isEqualTo(90);
            assertThat(again.net.get(behind, "b")).isEqualTo(60);
            assertThat(again.total.get(again.db, "t")).isEqualTo(90);
            assertThat(again.net.get(again.db, "a")).isEqualTo(30);
        }
    }

    @Test
    void promotedAndSharedResultsAreTheNewCodesOnly() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v2", x -> x * 3);
        loaded.load(saved.db.exportState());
        try (Snapshot snapshot = loaded.db.snapshot()) {
            assertThat(loaded.total.get(snapshot, "t")).isEqualTo(90);
            snapshot.promote();
        }
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(90);
        assertThat(loaded.netRuns).hasValue(2);
        assertThat(loaded.totalRuns).hasValue(1);

        // The shared cache: the database drops its results and takes them back from a snapshot's.
        App shared = new App("v2", x -> x * 3);
        shared.load(saved.db.exportState());
        try (Snapshot snapshot = shared.db.snapshot()) {
            shared.other.set(shared.db, "unrelated", "write");
            assertThat(shared.total.get(snapshot, "t")).isEqualTo(90);
        }
        shared.db.evict(shared.net);
        shared.db.evict(shared.total);
        assertThat(shared.total.get(shared.db, "t")).isEqualTo(90);
        assertThat(shared.net.get(shared.db, "b")).isEqualTo(60);
    }

    @Test
    void anExportBeforeTheFirstReadDoesNotPassOutdatedResultsOffAsCurrent() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v2", x -> x * 3);
        loaded.load(saved.db.exportState());

        StateImage resaved = loaded.db.exportState();
        assertThat(resaved.sections()).filteredOn(s -> s.ingredient().equals("net"))
                .singleElement().satisfies(s -> assertThat(s.records()).isEmpty());
        App restarted = new App("v2", x -> x * 3);
        restarted.load(resaved);
        assertThat(restarted.total.get(restarted.db, "t")).isEqualTo(90);
        assertThat(restarted.netRuns).hasValue(2);
        assertThat(restarted.totalRuns).hasValue(1);

        // Once recomputed, the results are saved under the new version and served as loaded.
        App third = new App("v2", x -> x * 3);
        third.load(restarted.db.exportState());
        assertThat(third.total.get(third.db, "t")).isEqualTo(90);
        assertThat(third.netRuns).hasValue(0);
        assertThat(third.totalRuns).hasValue(0);
    }

    @Test
    void outdatedResultsInAChangeImageAreRecomputedToo() {
        App saved = new App("v1", x -> x * 2).filled();
        StateImage full = saved.db.exportState();
        saved.price.set(saved.db, "a", 11);
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(62);
        StateImage change = saved.db.exportChangesSince(full.checkpoint());

        App loaded = new App("v2", x -> x * 2 + 1);
        ImportReport report = loaded.db.load(full, java.util.List.of(change));

        assertThat(report.outdatedSections()).containsExactly("net");
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(23 + 41);
        assertThat(loaded.netRuns).hasValue(2);
        assertThat(loaded.totalRuns).hasValue(1);

        App replayed = new App("v2", x -> x * 2);
        replayed.db.importState(full);
        replayed.db.applyChanges(change);
        assertThat(replayed.total.get(replayed.db, "t")).isEqualTo(62);
        assertThat(replayed.netRuns).hasValue(2);
        assertThat(replayed.totalRuns).as("equal values: total kept").hasValue(0);
    }

    @Test
    void aResultReplayedOnTopOfAnOutdatedOneIsNotServedWithoutIt() {
        // A change image holds total alone; the net it read was loaded before, from another code version.
        App saved = new App("v1", x -> x * 2).filled();
        StateImage full = saved.db.exportState();
        saved.other.set(saved.db, "unrelated", "write");
        saved.db.evict(saved.total);
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(60);
        StateImage change = saved.db.exportChangesSince(full.checkpoint());
        java.util.List<Section> totalOnly = change.sections().stream()
                .filter(s -> !s.ingredient().equals("net")).toList();
        assertThat(totalOnly).anySatisfy(s -> assertThat(s.ingredient()).isEqualTo("total"));

        App loaded = new App("v2", x -> x * 3);
        loaded.db.importState(full);
        loaded.db.applyChanges(new StateImage(change.revision(), totalOnly, change.checkpoint()));

        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(90);
        assertThat(loaded.netRuns).hasValue(2);
        assertThat(loaded.totalRuns).hasValue(1);
    }

    @Test
    void theInspectorShowsWhatAnOutdatedResultReadAndWhyItIsRecomputed() {
        App saved = new App("v1", x -> x * 2).filled();
        App loaded = new App("v2", x -> x * 2);
        loaded.load(saved.db.exportState());

        assertThat(loaded.db.inspector().cell("net", "a")).get()
                .extracting(dev.picante.Inspector.CellInfo::dependencies)
                .isEqualTo(saved.db.inspector().cell("net", "a").get().dependencies());
        assertThat(loaded.db.inspector().graph(loaded.db).nodes())
                .containsExactlyInAnyOrderElementsOf(saved.db.inspector().graph(saved.db).nodes());
        Explanation restored = loaded.db.inspector().explain("net", "a");
        assertThat(restored.outcome()).isEqualTo(Outcome.RESTORED);
        assertThat(restored.message()).contains("code version changed (stored 'v1', registered 'v2')")
                .contains("recomputed before it is served");
    }

    // ---------------------------------------------------------------------------------------------
    // A code version supplied when first needed (Database.derived with a Supplier)

    /** A supplier of a fixed version that counts its calls. */
    static final class CountingVersion implements Supplier<String> {
        final String version;
        final AtomicInteger calls = new AtomicInteger();

        CountingVersion(String version) {
            this.version = version;
        }

        @Override
        public String get() {
            calls.incrementAndGet();
            return version;
        }
    }

    @Test
    void aSuppliedVersionIsNotCalledToRegisterOrComputeButAtTheFirstExportAndOnlyOnce() {
        CountingVersion version = new CountingVersion("v1");
        App saved = new App(version, x -> x);
        assertThat(version.calls).as("registration").hasValue(0);
        saved.filled();
        assertThat(saved.total.get(saved.db, "t")).isEqualTo(30);
        assertThat(version.calls).as("computing").hasValue(0);

        StateImage image = saved.db.exportState();

        assertThat(version.calls).hasValue(1);
        assertThat(image.sections()).filteredOn(s -> s.ingredient().equals("net"))
                .singleElement().extracting(Section::codeVersion).isEqualTo("v1");
        saved.price.set(saved.db, "a", 11);
        saved.total.get(saved.db, "t");
        assertThat(saved.db.exportChangesSince(image.checkpoint()).sections())
                .filteredOn(s -> s.ingredient().equals("net")).singleElement()
                .extracting(Section::codeVersion).isEqualTo("v1");
        assertThat(saved.net.codeVersion()).isEqualTo("v1");
        assertThat(version.calls).as("resolved once").hasValue(1);
    }

    @Test
    void readingTheCodeVersionCallsTheSupplier() {
        CountingVersion version = new CountingVersion("v7");
        App app = new App(version, x -> x);

        assertThat(app.net.codeVersion()).isEqualTo("v7");
        assertThat(app.net.codeVersion()).isEqualTo("v7");
        assertThat(version.calls).hasValue(1);
    }

    @Test
    void aSuppliedVersionIsCalledAtTheLoadAndAnUnchangedOneRecomputesNothing() {
        App saved = new App("v1", x -> x * 2).filled();
        CountingVersion version = new CountingVersion("v1");
        App loaded = new App(version, x -> x * 2);
        assertThat(version.calls).hasValue(0);

        ImportReport report = loaded.load(saved.db.exportState());

        assertThat(version.calls).as("called by the load").hasValue(1);
        assertThat(report.outdatedSections()).isEmpty();
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(60);
        assertThat(loaded.net.get(loaded.db, "a")).isEqualTo(20);
        assertThat(loaded.netRuns).hasValue(0);
        assertThat(loaded.totalRuns).hasValue(0);
        assertThat(version.calls).hasValue(1);
    }

    @Test
    void aSuppliedVersionThatDiffersRecomputesExactlyAsAStringVersion() {
        // r[revision.early-cutoff]: the same counts as changedVersionWithAnEqualValueRecomputesTheFunctionOnce...
        App saved = new App("v1", x -> x * 2).filled();
        CountingVersion version = new CountingVersion("v2");
        App loaded = new App(version, x -> x + x);

        ImportReport report = loaded.load(saved.db.exportState());

        assertThat(version.calls).hasValue(1);
        assertThat(report.outdatedSections()).containsExactly("net");
        assertThat(loaded.db.inspector().explain("net", "a").message())
                .contains("code version changed (stored 'v1', registered 'v2')");
        assertThat(loaded.total.get(loaded.db, "t")).isEqualTo(60);
        assertThat(loaded.netRuns).hasValue(2);
        assertThat(loaded.totalRuns).as("early cutoff: total stays valid").hasValue(0);

        // another value: the dependents recompute, as with a String version
        App other = new App(new CountingVersion("v2"), x -> x * 3);
        other.load(saved.db.exportState());
        assertThat(other.net.get(other.db, "a")).isEqualTo(30);
        assertThat(other.total.get(other.db, "t")).isEqualTo(90);
        assertThat(other.netRuns).hasValue(2);
        assertThat(other.totalRuns).hasValue(1);
        assertThat(other.db.inspector().explain("net", "a").outcome()).isEqualTo(Outcome.RECOMPUTED);
    }

    @Test
    void aThrowingSupplierFailsTheExportAndTheLoadNamingTheIngredientAndIsCalledOnce() {
        AtomicInteger calls = new AtomicInteger();
        App app = new App(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("class file of Net not found");
        }, x -> x);
        app.filled();
        assertThat(app.total.get(app.db, "t")).as("computing does not need the version").isEqualTo(30);

        org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(app.db::exportState)
                .withMessage("cannot compute the code version of derived 'net': "
                        + "java.lang.IllegalStateException: class file of Net not found")
                .withCauseInstanceOf(IllegalStateException.class);
        org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(app.net::codeVersion)
                .withMessageContaining("derived 'net'").withMessageContaining("class file of Net not found");
        assertThat(calls).as("not called again").hasValue(1);

        App saved = new App("v1", x -> x).filled();
        App loaded = new App(() -> {
            throw new IllegalArgumentException("no bytecode");
        }, x -> x);
        org.assertj.core.api.Assertions.assertThatIllegalStateException()
                .isThrownBy(() -> loaded.db.importState(saved.db.exportState()))
                .withMessage("cannot compute the code version of derived 'net': "
                        + "java.lang.IllegalArgumentException: no bytecode");
        assertThat(loaded.price.get(loaded.db, "a")).as("nothing loaded").isEmpty();
    }

    @Test
    void aSupplierReturningNullFailsNamingTheIngredient() {
        App app = new App(() -> null, x -> x);

        org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(app.net::codeVersion)
                .withMessageContaining("cannot compute the code version of derived 'net'")
                .withMessageContaining("returned null");
        org.assertj.core.api.Assertions.assertThatNullPointerException()
                .isThrownBy(() -> app.db.derived("other", String.class, String.class, (Supplier<String>) null,
                        (ctx, k) -> k))
                .withMessage("null code version for derived 'other'");
    }

    @Test
    void threadsReadingAnUnresolvedVersionAtOnceCallTheSupplierOnceAndAllSeeItsValue() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        App app = new App(() -> {
            calls.incrementAndGet();
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return "slow-1";
        }, x -> x);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<String>> reads = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                reads.add(pool.submit(app.net::codeVersion));
            }
            reads.add(pool.submit(() -> app.db.exportState().sections().stream()
                    .filter(s -> s.ingredient().equals("net")).findFirst().orElseThrow().codeVersion()));
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            release.countDown();
            for (java.util.concurrent.Future<String> read : reads) {
                assertThat(read.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("slow-1");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(calls).hasValue(1);
    }
}
