package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.picante.PropertyCheck.Choices;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The property runner behind the differential properties: tries, shrinking, seeds. */
class PropertyCheckTest {

    static List<Integer> numbers(Choices c) {
        return c.list(0, 20, x -> x.between(0, 1000));
    }

    @Test
    void runsTheGivenNumberOfTriesWhenThePropertyHolds() {
        AtomicInteger tries = new AtomicInteger();
        PropertyCheck.forAll("holds", 250, null, null, PropertyCheckTest::numbers, list -> tries.incrementAndGet());
        assertThat(tries).hasValue(250);
    }

    @Test
    void triesPropertyOverridesTheCount() {
        AtomicInteger tries = new AtomicInteger();
        PropertyCheck.forAll("holds", 250, null, "7", PropertyCheckTest::numbers, list -> tries.incrementAndGet());
        assertThat(tries).hasValue(7);
    }

    @Test
    void shrinksAFailingListToAMinimalCase() {
        // Fails when some element is at least 500: the minimal case is the one-element list [500].
        assertThatThrownBy(() -> PropertyCheck.forAll("noLargeElement", 1000, null, null, PropertyCheckTest::numbers,
                list -> assertThat(list).allMatch(n -> n < 500)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Property noLargeElement failed on try")
                .hasMessageContaining("-Dpicante.property.seed=0x")
                .hasMessageContaining("minimal case:" + System.lineSeparator() + "  [500]");
    }

    @Test
    void shrinksBothLengthAndValues() {
        // Fails when a list of at least three elements holds one of at least 500: a minimal case has three
        // elements, one of them exactly 500 and the others the smallest possible (shrinking does not reorder).
        assertThatThrownBy(() -> PropertyCheck.forAll("shortOrSmall", 1000, null, null, PropertyCheckTest::numbers,
                list -> assertThat(list.size() < 3 || list.stream().allMatch(n -> n < 500)).isTrue()))
                .message()
                .containsPattern("minimal case:\\R  \\[(500, 0, 0|0, 500, 0|0, 0, 500)\\]");
    }

    @Test
    void aPrintedSeedRerunsTheSameCase() {
        List<List<Integer>> failing = new ArrayList<>();
        Throwable first = org.assertj.core.api.Assertions.catchThrowable(() -> PropertyCheck.forAll("seeded", 1000, null,
                null, PropertyCheckTest::numbers, list -> {
                    if (list.size() >= 3 && list.get(2) % 7 == 3) {
                        failing.add(list);
                        throw new AssertionError("third element 3 mod 7");
                    }
                }));
        assertThat(first).isNotNull();
        Matcher m = Pattern.compile("seed (0x[0-9a-f]+)").matcher(first.getMessage());
        assertThat(m.find()).isTrue();
        List<Integer> original = failing.get(0);

        List<List<Integer>> rerun = new ArrayList<>();
        Throwable again = org.assertj.core.api.Assertions.catchThrowable(() -> PropertyCheck.forAll("seeded", 1000,
                m.group(1), null, PropertyCheckTest::numbers, list -> {
                    rerun.add(list);
                    if (list.size() >= 3 && list.get(2) % 7 == 3) {
                        throw new AssertionError("third element 3 mod 7");
                    }
                }));
        // The rerun's first case is the original failing case; shrinking then gives the same report.
        assertThat(rerun.get(0)).isEqualTo(original);
        String report = first.getMessage().substring(first.getMessage().indexOf("Shrunk in"));
        assertThat(again.getMessage()).startsWith("Property seeded failed on try 1 of 1, seed " + m.group(1))
                .endsWith(report)
                .contains("minimal case:" + System.lineSeparator() + "  [0, 0, ");
    }

    @Test
    void aSeedThatIsNotANumberIsReportedClearly() {
        assertThatThrownBy(() -> PropertyCheck.forAll("x", 1, "banana", null, PropertyCheckTest::numbers, list -> {
        }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Dpicante.property.seed=banana is not a seed");
    }

    @Test
    void generatesEveryListLengthAndTheWholeRange() {
        int[] lengths = new int[21];
        boolean[] seenMin = new boolean[1];
        boolean[] seenMax = new boolean[1];
        PropertyCheck.forAll("coverage", 2000, null, null, c -> List.of(c.list(0, 20, x -> x.between(0, 9)),
                List.of(c.between(-3, 3))), pair -> {
                    lengths[pair.get(0).size()]++;
                    seenMin[0] |= pair.get(1).get(0) == -3;
                    seenMax[0] |= pair.get(1).get(0) == 3;
                });
        for (int len = 0; len <= 20; len++) {
            assertThat(lengths[len]).as("lists of length %d", len).isGreaterThan(20);
        }
        assertThat(seenMin[0]).isTrue();
        assertThat(seenMax[0]).isTrue();
    }
}
