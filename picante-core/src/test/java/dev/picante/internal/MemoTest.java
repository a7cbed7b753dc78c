package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Durability;
import org.junit.jupiter.api.Test;

/**
 * A memo keeps its failure in its version and its durability in a byte (to stay three references and a byte,
 * which a cell, the memo a view holds, extends): what it reports must be exactly what it was made with, also
 * once copied into a cell of another view.
 */
class MemoTest {

    private static final Dependency[] READS = {new Dependency(0, "k", null), new Dependency(1, 7, Version.of(2))};

    @Test
    void aFailureReportsWhatWasThrownAndTheRevisionItFailedAt() {
        // r[cell.poison]: a failure belongs to the revision it was recorded at.
        IllegalStateException thrown = new IllegalStateException("boom");
        Memo failed = Memo.failure(thrown, 5, READS);

        assertThat(failed.failed()).isTrue();
        assertThat(failed.failure()).isSameAs(thrown);
        assertThat(failed.failedAt()).isEqualTo(5);
        assertThat(failed.value).isNull();
        assertThat(failed.durability()).isEqualTo(Durability.LOW);
        assertThat(failed.validAt(5, 5)).isTrue();
        assertThat(failed.validAt(6, 6)).as("poison is for one revision only").isFalse();

        Memo packed = Memo.failureOfReads(thrown, 9, new Object[0]);
        assertThat(packed.failure()).isSameAs(thrown);
        assertThat(packed.failedAt()).isEqualTo(9);
        assertThat(packed.dependencyCount()).isZero();
    }

    @Test
    void aValueHasNoFailureAndHoldsAtEveryRevisionItWasVerifiedAt() {
        Version version = Version.of(3);
        Memo memo = Memo.value("v", version, READS, Durability.MEDIUM);

        assertThat(memo.failed()).isFalse();
        assertThat(memo.failure()).isNull();
        assertThat(memo.value).isEqualTo("v");
        assertThat(memo.version).isSameAs(version);
        assertThat(memo.validAt(8, 8)).isTrue();
        assertThat(memo.validAt(7, 8)).isFalse();
        assertThat(memo.dependencyCount()).isEqualTo(2);
        assertThat(memo.ingredientAt(1)).isEqualTo(1);
        assertThat(memo.keyAt(1)).isEqualTo(7);
        assertThat(memo.seenAt(1)).isSameAs(READS[1].seen);
    }

    @Test
    void everyDurabilitySurvivesTheCopiesAMemoIsMadeInto() {
        // r[durability.revalidation-opt]: the durability shortcut reads the memo's effective durability.
        for (Durability durability : Durability.values()) {
            Memo memo = Memo.valueOfReads("v", Version.of(1), new Object[0], durability);
            assertThat(memo.durability()).isEqualTo(durability);
            Version kept = Version.of(0);
            Memo keeping = memo.keeping("w", kept);
            assertThat(keeping.durability()).isEqualTo(durability);
            assertThat(keeping.version).isSameAs(kept);
            assertThat(keeping.value).isEqualTo("w");
            for (Durability other : Durability.values()) {
                Memo changed = memo.withDurability(other);
                assertThat(changed.durability()).isEqualTo(other);
                assertThat(changed.value).isEqualTo("v");
                assertThat(changed.version).isSameAs(memo.version);
            }
        }
    }

    @Test
    void aVersionReportsTheRevisionItWasMadeAtWhateverItsSize() {
        // r[changed-at.derived]: changed_at is the revision the value last changed at, exactly.
        for (long revision : new long[] {0, 1, 7, Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, 0xFFFF_FFFFL,
                1L << 32, (1L << 40) + 3, Long.MAX_VALUE, -1}) {
            Version version = Version.of(revision);
            assertThat(version.changedAt()).isEqualTo(revision);
            assertThat(Version.of(revision)).as("every version is an identity of its own").isNotSameAs(version);
            Memo failed = Memo.failure(new IllegalStateException(), revision, READS);
            // r[cell.poison]: a failure holds at the revision it failed at, and only there.
            assertThat(failed.failedAt()).isEqualTo(revision);
            assertThat(failed.validAt(revision, revision)).isTrue();
            assertThat(failed.validAt(revision + 1, revision + 1)).isFalse();
        }
    }

    @Test
    void aCellIsItsMemoAndACopyIntoAnotherCellIsTheSameResult() {
        // r[sharing.nonobservable]: a memo handed to another view is the same result there: the same value,
        // version (what dependents compare) and dependencies, shared, not copied.
        Version version = Version.of(3);
        Memo carrier = Memo.value("v", version, READS, Durability.MEDIUM);
        Cell cell = new Cell("k", carrier, 4, dev.picante.Inspector.Outcome.COMPUTED, null, 0);
        Cell copy = new Cell.Sequenced("k", cell, 6, dev.picante.Inspector.Outcome.ADOPTED, null, 0);
        for (Memo memo : new Memo[] {cell, copy}) {
            assertThat(memo.value).isSameAs(carrier.value);
            assertThat(memo.version).isSameAs(version);
            assertThat(memo.reads()).isSameAs(carrier.reads());
            assertThat(memo.durability()).isEqualTo(Durability.MEDIUM);
            assertThat(memo.sameResult(carrier)).isTrue();
            assertThat(carrier.sameResult(memo)).isTrue();
        }
        assertThat(copy.verifiedAt).isEqualTo(6);
        assertThat(cell.verifiedAt).as("a copy leaves the cell it was made from alone").isEqualTo(4);

        assertThat(cell.sameResult(cell.withDurability(Durability.LOW))).as("another durability").isFalse();
        assertThat(cell.sameResult(cell.keeping("v", Version.of(3)))).as("another version").isFalse();
        assertThat(cell.sameResult(Memo.value("v", version, READS, Durability.MEDIUM)))
                .as("the same dependencies, read again: another array").isFalse();
        assertThat(cell.sameResult(null)).isFalse();
        Cell failure = new Cell("k", Memo.failure(new IllegalStateException(), 5, READS), 5,
                dev.picante.Inspector.Outcome.FAILED, null, 0);
        assertThat(failure.failed()).isTrue();
        assertThat(new Cell("k", failure, 5, dev.picante.Inspector.Outcome.FAILED, null, 0).failure())
                .isSameAs(failure.failure());
    }

    @Test
    void dependenciesReadBackInTheOrderReadWhateverTheFormTheyArePackedIn() {
        // r[dep.recording]: what a memo read is exactly what its computation recorded.
        for (int ingredient : new int[] {0, 5, 300}) {
            for (int count : new int[] {1, 2, 3, 30}) {
                for (boolean mixed : new boolean[] {false, true}) {
                    Dependency[] dependencies = new Dependency[count];
                    Object[] buffer = new Object[(count + 2) * Memo.STRIDE];
                    for (int i = 0; i < count; i++) {
                        int index = mixed && i == count - 1 ? ingredient + 1 : ingredient;
                        Object seen = i % 2 == 0 ? Version.of(i) : null;
                        dependencies[i] = new Dependency(index, 100 + i, seen);
                        buffer[i * Memo.STRIDE] = Memo.boxIndex(index);
                        buffer[i * Memo.STRIDE + 1] = 100 + i;
                        buffer[i * Memo.STRIDE + 2] = seen;
                    }
                    Memo fromDependencies = Memo.value("v", Version.of(1), dependencies, Durability.HIGH);
                    Memo fromReads = Memo.valueOfReads("v", Version.of(1),
                            Memo.packReads(buffer, count * Memo.STRIDE), Durability.HIGH);
                    Memo failure = Memo.failureOfReads(new IllegalStateException(), 2,
                            Memo.packReads(buffer, count * Memo.STRIDE));
                    for (Memo memo : new Memo[] {fromDependencies, fromReads, failure,
                            fromReads.withDurability(Durability.LOW), fromReads.keeping("w", Version.of(0)),
                            new Cell("k", fromReads, 1, dev.picante.Inspector.Outcome.COMPUTED, null, 0)}) {
                        assertThat(memo.dependencyCount()).isEqualTo(count);
                        for (int i = 0; i < count; i++) {
                            assertThat(memo.ingredientAt(i)).isEqualTo(dependencies[i].ingredient);
                            assertThat(memo.keyAt(i)).isEqualTo(dependencies[i].key);
                            assertThat(memo.seenAt(i)).isSameAs(dependencies[i].seen);
                            assertThat(memo.dependency(i).sameRecord(dependencies[i])).isTrue();
                        }
                    }
                }
            }
        }
        assertThat(Memo.packReads(new Object[6], 0)).isEmpty();
    }

    @Test
    void readsOfOneIngredientTakeTwoEntriesEachAndMixedOnesThree() {
        Object[] buffer = {Memo.boxIndex(4), "a", null, Memo.boxIndex(4), "b", null, Memo.boxIndex(4), "c", null};
        assertThat(Memo.packReads(buffer, 9)).hasSize(1 + 2 * 3);
        assertThat(Memo.packReads(buffer, 3)).as("one dependency: no shorter form").hasSize(3);
        buffer[6] = Memo.boxIndex(5);
        assertThat(Memo.packReads(buffer, 9)).as("exactly the buffer").isSameAs(buffer);
        assertThat(Memo.packReads(buffer, 6)).hasSize(1 + 2 * 2);
    }

    @Test
    void readsOfExistingSlotsThatNameTheirRecordsAreKeptAsJustTheSlots() {
        // r[dep.recording]: the same dependencies read back, one reference each.
        Object lineage = new Object();
        for (int count : new int[] {1, 3, 30}) {
            Dependency[] dependencies = new Dependency[count];
            for (int i = 0; i < count; i++) {
                int index = i % 2 == 0 ? 2 : 700;
                dependencies[i] = new Dependency(index, "k" + i, new InputSlot(index, "k" + i, "v", 1, lineage));
            }
            Memo memo = Memo.value("v", Version.of(1), dependencies, Durability.LOW);
            assertThat(memo.reads()).hasSize(count);
            assertThat(Memo.slotsOnly(memo.reads())).isTrue();
            Cell cell = new Cell("k", memo, 1, dev.picante.Inspector.Outcome.COMPUTED, null, 0);
            for (Memo m : new Memo[] {memo, cell, memo.withDurability(Durability.HIGH), memo.keeping("w", Version.of(0)),
                    Memo.failure(new IllegalStateException(), 2, dependencies)}) {
                assertThat(m.dependencyCount()).isEqualTo(count);
                for (int i = 0; i < count; i++) {
                    assertThat(m.reads()[i]).isSameAs(dependencies[i].seen);
                    assertThat(m.ingredientAt(i)).isEqualTo(dependencies[i].ingredient);
                    assertThat(m.keyAt(i)).isEqualTo(dependencies[i].key);
                    assertThat(m.seenAt(i)).isSameAs(dependencies[i].seen);
                }
            }
        }
        InputSlot slot = new InputSlot(2, "a", "v", 1, lineage);
        Dependency[][] general = {
            {new Dependency(2, "a", slot), new Dependency(2, "b", null)}, // a slot never set
            {new Dependency(2, "a", slot), new Dependency(3, "b", Version.of(1))}, // a derived result
            {new Dependency(2, "b", slot)}, // a slot of another record (another key)
            {new Dependency(3, "a", slot)}, // ... or another ingredient
        };
        for (Dependency[] dependencies : general) {
            Memo memo = Memo.value("v", Version.of(1), dependencies, Durability.LOW);
            assertThat(Memo.slotsOnly(memo.reads())).isFalse();
            for (int i = 0; i < dependencies.length; i++) {
                assertThat(memo.ingredientAt(i)).isEqualTo(dependencies[i].ingredient);
                assertThat(memo.keyAt(i)).isEqualTo(dependencies[i].key);
                assertThat(memo.seenAt(i)).isSameAs(dependencies[i].seen);
            }
        }
    }
}
