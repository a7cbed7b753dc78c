package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Durability;
import org.junit.jupiter.api.Test;

/**
 * A memo keeps its failure in its version and its durability in its class (to stay three references): what
 * it reports must be exactly what it was made with.
 */
class MemoTest {

    private static final Dependency[] READS = {new Dependency(0, "k", null), new Dependency(1, 7, new Version(2))};

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
        Version version = new Version(3);
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
            Memo memo = Memo.valueOfReads("v", new Version(1), new Object[0], durability);
            assertThat(memo.durability()).isEqualTo(durability);
            Version kept = new Version(0);
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
    void dependenciesReadBackInTheOrderReadWhateverTheFormTheyArePackedIn() {
        // r[dep.recording]: what a memo read is exactly what its computation recorded.
        for (int ingredient : new int[] {0, 5, 300}) {
            for (int count : new int[] {1, 2, 3, 30}) {
                for (boolean mixed : new boolean[] {false, true}) {
                    Dependency[] dependencies = new Dependency[count];
                    Object[] buffer = new Object[(count + 2) * Memo.STRIDE];
                    for (int i = 0; i < count; i++) {
                        int index = mixed && i == count - 1 ? ingredient + 1 : ingredient;
                        Object seen = i % 2 == 0 ? new Version(i) : null;
                        dependencies[i] = new Dependency(index, 100 + i, seen);
                        buffer[i * Memo.STRIDE] = Memo.boxIndex(index);
                        buffer[i * Memo.STRIDE + 1] = 100 + i;
                        buffer[i * Memo.STRIDE + 2] = seen;
                    }
                    Memo fromDependencies = Memo.value("v", new Version(1), dependencies, Durability.HIGH);
                    Memo fromReads = Memo.valueOfReads("v", new Version(1),
                            Memo.packReads(buffer, count * Memo.STRIDE), Durability.HIGH);
                    Memo failure = Memo.failureOfReads(new IllegalStateException(), 2,
                            Memo.packReads(buffer, count * Memo.STRIDE));
                    for (Memo memo : new Memo[] {fromDependencies, fromReads, failure,
                            fromReads.withDurability(Durability.LOW), fromReads.keeping("w", new Version(0))}) {
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
}
