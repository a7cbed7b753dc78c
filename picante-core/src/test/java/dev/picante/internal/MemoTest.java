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
}
