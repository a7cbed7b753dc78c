package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Durability;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reverse edges {@link Marking} keeps: a reader registered again (its memo evicted and recomputed) is kept
 * once, however many readers the record has, and a mark still reaches every reader, each through the position
 * of its newest registration.
 */
@Timeout(30)
class MarkingEdgesTest {

    private static final int INPUT = 0;
    private static final int READER = 1;

    private final Engine engine = new Engine(new Object(), new EngineOptions());
    private final Marking marking = new Marking();

    /** A memo of a reader that read {@code reads} input slots (its dependency {@code i} is {@code slots[i]}). */
    private static Memo readerOf(InputSlot... slots) {
        Dependency[] dependencies = new Dependency[slots.length];
        for (int i = 0; i < slots.length; i++) {
            dependencies[i] = new Dependency(INPUT, "in" + i, slots[i]);
        }
        return Memo.value("v", Version.of(1), dependencies, Durability.LOW);
    }

    private static InputSlot slot(String key) {
        return new InputSlot(INPUT, key, "x", 1, new Object());
    }

    /**
     * Where a mark names {@code (INPUT, "in0")} for a reader that registered it fresh with at most
     * {@link Marking#FEW_DEPENDENCIES} dependencies: no position kept, a check finds it by a scan.
     */
    private static final Marking.Position IN0_SCANNED = new Marking.Position(INPUT, "in0", -1);

    @Test
    void repeatedRegistrationsOfTheSameReadersAreKeptOnce() {
        // r[evict.derived]: an evicted memo is recomputed and registers its edges again; they must not pile up.
        InputSlot in0 = slot("in0");
        int readers = 1_000;
        for (int round = 0; round < 20; round++) {
            for (int r = 0; r < readers; r++) {
                marking.register(engine, READER, r, readerOf(in0), null);
            }
        }
        assertThat(marking.edgeCount()).isLessThanOrEqualTo(2L * readers);

        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        for (int r = 0; r < readers; r++) {
            assertThat(marking.markedAt(READER, r)).as("reader %d", r).isEqualTo(2);
        }
        assertThat(marking.marks.sum()).isEqualTo(readers);
    }

    @Test
    void theNewestRegistrationOfARepeatedReaderGivesItsPosition() {
        // A reader whose memo now reads the record at another position is checked at the new one.
        InputSlot in0 = slot("in0");
        InputSlot other = slot("other");
        for (int r = 0; r < 100; r++) {
            marking.register(engine, READER, r, readerOf(in0), null);
        }
        for (int r = 0; r < 100; r++) {
            // the same record, now the second dependency (after evictions, no previous memo is known)
            Memo memo = Memo.value("v", Version.of(1), new Dependency[] {
                    new Dependency(INPUT, "other", other), new Dependency(INPUT, "in0", in0)}, Durability.LOW);
            marking.register(engine, READER, r, memo, null);
        }
        for (int r = 0; r < 100; r++) {
            marking.register(engine, READER, 1_000 + r, readerOf(in0), null); // more readers: a fold runs
        }
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        List<Integer> positions = new ArrayList<>();
        for (int r = 0; r < 100; r++) {
            List<Marking.Position> changed = marking.changedSince(READER, r, 1);
            assertThat(changed).hasSize(1);
            positions.add(changed.get(0).position());
        }
        assertThat(positions).containsOnly(1);
        assertThat(marking.changedSince(READER, 1_000, 1)).extracting(Marking.Position::position).containsExactly(0);
        assertThat(marking.edgeCount()).isLessThanOrEqualTo(2 * 200 + 100);
    }

    @Test
    void freshRegistrationsAreAppendedAndEachReaderIsMarkedOnce() {
        // A first result of each key registers fresh: no look for an earlier registration, no fold.
        InputSlot in0 = slot("in0");
        int readers = 1_000;
        for (int r = 0; r < readers; r++) {
            marking.register(engine, READER, r, readerOf(in0), null, 1, true);
        }
        assertThat(marking.edgeCount()).isEqualTo(readers);

        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        for (int r = 0; r < readers; r++) {
            assertThat(marking.markedAt(READER, r)).as("reader %d", r).isEqualTo(2);
            assertThat(marking.changedSince(READER, r, 1)).containsExactly(IN0_SCANNED);
        }
        assertThat(marking.marks.sum()).isEqualTo(readers);
    }

    @Test
    void aReaderWronglyRegisteredFreshTwiceIsMarkedOnceAndFoldedLater() {
        // Leaders racing for a key's first result may both register fresh: the repeated edge marks too much at
        // worst (rule 4), never a reader twice, and a later registration that is not fresh folds it away.
        InputSlot in0 = slot("in0");
        int readers = 100;
        for (int round = 0; round < 2; round++) {
            for (int r = 0; r < readers; r++) {
                marking.register(engine, READER, r, readerOf(in0), null, 1, true);
            }
        }
        assertThat(marking.edgeCount()).isEqualTo(2L * readers);
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        assertThat(marking.marks.sum()).isEqualTo(readers);
        for (int r = 0; r < readers; r++) {
            assertThat(marking.changedSince(READER, r, 1)).containsExactly(IN0_SCANNED);
        }

        marking.register(engine, READER, 0, readerOf(in0), null); // not fresh: may repeat, so folds come back
        marking.register(engine, READER, readers, readerOf(in0), null); // the node is over its threshold: folds
        assertThat(marking.edgeCount()).isEqualTo(readers + 1L);
    }

    @Test
    void freshRegistrationsLeaveARepeatToTheNextRegistrationThatIsNotFresh() {
        // A fresh registration appends without looking at the fold threshold (its common case): a repeat left by
        // a registration that is not fresh stays until the next such one folds it, and marks each reader once
        // meanwhile (rule 4).
        InputSlot in0 = slot("in0");
        for (int r = 0; r < 40; r++) {
            marking.register(engine, READER, r, readerOf(in0), null, 1, true);
        }
        marking.register(engine, READER, 0, readerOf(in0), null, 1); // past SCANNED: appended, a repeat
        assertThat(marking.edgeCount()).isEqualTo(41);
        for (int r = 40; r < 140; r++) { // over the fold threshold, fresh: appended
            marking.register(engine, READER, r, readerOf(in0), null, 1, true);
        }
        // the repeat is still there, unless an append that grew the node's arrays (the general path) folded it
        assertThat(marking.edgeCount()).isIn(140L, 141L);

        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        assertThat(marking.marks.sum()).isEqualTo(140);
        for (int r = 1; r < 140; r++) {
            assertThat(marking.markedAt(READER, r)).as("reader %d", r).isEqualTo(2);
            assertThat(marking.changedSince(READER, r, 1)).containsExactly(IN0_SCANNED);
        }
        // reader 0: its fresh edge (no position) and, unless folded away, its repeat (position 0); both name in0
        assertThat(marking.markedAt(READER, 0)).isEqualTo(2);
        assertThat(marking.changedSince(READER, 0, 1)).isNotEmpty().allSatisfy(p -> {
            assertThat(p.key()).isEqualTo("in0");
            assertThat(p.position()).isIn(-1, 0);
        });

        marking.register(engine, READER, 140, readerOf(in0), null, 2); // not fresh, over the threshold: folds
        assertThat(marking.edgeCount()).isEqualTo(141); // 141 readers, each once
    }

    @Test
    void readersReplacedManyTimesAfterFreshOnesStayBounded() {
        // Fresh first results, then every reader recomputed (its memo replaced, now reading the record at
        // another position) many times: the reader list stays within twice the readers, and a mark reaches each
        // reader once, through its newest position.
        InputSlot in0 = slot("in0");
        InputSlot other = slot("other");
        int readers = 500;
        for (int r = 0; r < readers; r++) {
            marking.register(engine, READER, r, readerOf(in0), null, 1, true);
        }
        Memo first = readerOf(in0);
        Memo second = Memo.value("v", Version.of(1), new Dependency[] {
                new Dependency(INPUT, "other", other), new Dependency(INPUT, "in0", in0)}, Durability.LOW);
        for (int round = 0; round < 20; round++) {
            for (int r = 0; r < readers; r++) {
                boolean odd = round % 2 == 1;
                marking.register(engine, READER, r, odd ? first : second, odd ? second : first, 1, false);
            }
            assertThat(marking.edgeCount()).as("round %d", round).isLessThanOrEqualTo(2L * 2 * readers);
        }
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        assertThat(marking.marks.sum()).isEqualTo(readers);
        for (int r = 0; r < readers; r++) {
            // an older registration not folded yet may add its position too (too much, never too little)
            assertThat(marking.changedSince(READER, r, 1)).contains(new Marking.Position(INPUT, "in0", 0));
        }
    }

    @Test
    void anInputSlotCachesItsNodeForItsOwnMarkingOnly() {
        InputSlot in0 = slot("in0");
        marking.register(engine, READER, "a", readerOf(in0), null);
        Marking another = new Marking();
        another.register(engine, READER, "b", readerOf(in0), null); // the slot's cached node is not another's
        another.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        assertThat(another.markedAt(READER, "b")).isEqualTo(2);
        assertThat(another.markedAt(READER, "a")).isZero();
        assertThat(marking.markedAt(READER, "a")).isZero();
        assertThat(marking.edgeCount()).isEqualTo(1);
        assertThat(another.edgeCount()).isEqualTo(1);
    }

    /** A memo of a derived reader that read the derived record {@code (READER, key)} at {@code version}. */
    private static Memo readerOfDerived(Object key, Version version) {
        return Memo.value("v", Version.of(1), new Dependency[] {new Dependency(READER, key, version)},
                Durability.LOW);
    }

    @Test
    void aMarkGoesOnThroughARecordAReaderWholeMarkedDuringTheChange() {
        // A chain in0 -> a -> b. While change 2 is being marked, a lagging reader publishes a cell of "a"
        // verified before it, and rule 2 whole-marks "a" at 2 before the walk reaches it. The walk must still
        // go on to "b": found by ConcurrencyStressTest (a stale "b" served at revision 2).
        InputSlot in0 = slot("in0");
        marking.register(engine, READER, "a", readerOf(in0), null);
        marking.register(engine, READER, "b", readerOfDerived("a", Version.of(1)), null);
        marking.markingAt = 2;
        marking.markIfOverlapped(READER, "a", 1);
        assertThat(marking.markedAt(READER, "a")).isEqualTo(2);
        assertThat(marking.markedAt(READER, "b")).isZero();

        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);

        assertThat(marking.markedAt(READER, "b")).isEqualTo(2);
        assertThat(marking.changedSince(READER, "b", 1))
                .containsExactly(new Marking.Position(READER, "a", 0));
    }

    @Test
    void aMarkGoesOnThroughATaintedRecord() {
        // r[changed-at.poison]: "a" is tainted (marked for good); its reader "b" must still be reached by changes.
        InputSlot in0 = slot("in0");
        marking.register(engine, READER, "a", readerOf(in0), null);
        marking.register(engine, READER, "b", readerOfDerived("a", Version.of(1)), null);
        marking.taint(READER, "a");

        marking.mark(3, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);

        assertThat(marking.tainted(READER, "a")).isTrue();
        assertThat(marking.markedAt(READER, "b")).isEqualTo(3);
        // "a" and "b" verified at 3, each relying on what it read (rule 5: else the next walk stops at in0)
        marking.relied(INPUT, "in0", in0, 3);
        marking.relied(READER, "a", null, 3);
        marking.mark(4, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 3L);
        assertThat(marking.markedAt(READER, "b")).isEqualTo(4);
    }

    /** A fan-out: {@code readers} derived records reading "mid", which reads in0. */
    private InputSlot fanOut(int readers) {
        InputSlot in0 = slot("in0");
        marking.register(engine, READER, "mid", readerOf(in0), null, 1);
        for (int r = 0; r < readers; r++) {
            marking.register(engine, READER, r, readerOfDerived("mid", Version.of(1)), null, 1);
        }
        return in0;
    }

    @Test
    void aWalkStopsAtARecordWhoseReadersAreMarkedAndHaveNotReliedOnItSince() {
        // Early cutoff under a fan-out (BENCHMARKS 4b): "mid" recomputes to an equal value after each change, its
        // 1,000 readers are not read. The first change marks them; later ones mark "mid" only.
        InputSlot in0 = fanOut(1_000);
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        assertThat(marking.marks.sum()).isEqualTo(1 + 1_000);
        for (int revision = 3; revision < 10; revision++) {
            marking.register(engine, READER, "mid", readerOf(in0), readerOf(in0), revision - 1); // "mid" recomputed
            long previous = revision - 1L;
            marking.mark(revision, List.of(new NodeKey(INPUT, "in0")),
                    (ingredient, key) -> "mid".equals(key) ? previous : 1L);
            assertThat(marking.marks.sum()).as("after change %d", revision).isEqualTo(1 + 1_000 + (revision - 2));
            assertThat(marking.markedAt(READER, "mid")).isEqualTo(revision);
        }
        // Every reader still names "mid" as changed since it was verified: a read of one checks "mid".
        for (int r = 0; r < 1_000; r++) {
            assertThat(marking.changedSince(READER, r, 1)).containsExactly(new Marking.Position(READER, "mid", 0));
        }
    }

    @Test
    void aWalkGoesOnToTheReadersOnceOneReliedOnTheRecordSince() {
        InputSlot in0 = fanOut(10);
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        marking.register(engine, READER, "mid", readerOf(in0), readerOf(in0), 2);
        // reader 7 verified at 2: it checked "mid" (or recomputed reading it) and relies on it from then
        marking.relied(READER, "mid", null, 2);
        marking.mark(3, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> Integer.valueOf(7).equals(key) ? 2L : 1L);
        assertThat(marking.markedAt(READER, 7)).isEqualTo(3);
        assertThat(marking.changedSince(READER, 7, 2)).containsExactly(new Marking.Position(READER, "mid", 0));

        // A reader registered since the last walk, verified at 3, is reached too.
        marking.register(engine, READER, "late", readerOfDerived("mid", Version.of(1)), null, 3);
        marking.register(engine, READER, "mid", readerOf(in0), readerOf(in0), 3);
        marking.mark(4, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 3L);
        assertThat(marking.markedAt(READER, "late")).isEqualTo(4);
    }

    @Test
    void aWalkGoesOnToTheReadersAfterTheFloorWasRaised() {
        // A load or an adopted memo (rule 3): marks from before it are not trusted to cover the readers.
        InputSlot in0 = fanOut(10);
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        marking.raiseFloor(3);
        marking.register(engine, READER, "mid", readerOf(in0), readerOf(in0), 3);
        marking.mark(4, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        for (int r = 0; r < 10; r++) {
            assertThat(marking.markedAt(READER, r)).isEqualTo(4);
        }
    }

    /** A memo whose dependency {@code position} is {@code (INPUT, "in0")}, after {@code position} others. */
    private static Memo readingAt(InputSlot in0, int position) {
        Dependency[] dependencies = new Dependency[position + 1];
        for (int i = 0; i < position; i++) {
            dependencies[i] = new Dependency(INPUT, "other" + i, slot("other" + i));
        }
        dependencies[position] = new Dependency(INPUT, "in0", in0);
        return Memo.value("v", Version.of(1), dependencies, Durability.LOW);
    }

    @Test
    void everyReaderIsMarkedThroughItsOwnPositionWhateverItsIngredientAndPosition() {
        // The edges of a record read by one ingredient's readers at small positions are kept in one byte each;
        // a reader of another ingredient, or at a larger position, widens them. Every reader must still be
        // marked through the position it read the record at (r[dep.invalidation]).
        int other = 2;
        int[] xAt = {0, 3, 300, 255}; // where reader "x" of case 1, 2, 3 read in0
        for (int widenBy = 0; widenBy < 4; widenBy++) {
            Marking marking = new Marking();
            InputSlot in0 = slot("in0");
            for (int r = 0; r < 40; r++) { // past SCANNED: a fold runs on the byte positions
                marking.register(engine, READER, r, readingAt(in0, r % 5), null);
                marking.register(engine, READER, r, readingAt(in0, r % 5), null); // a repeat, folded away
            }
            if (widenBy > 0) { // case 1: another ingredient; 2 and 3: a position above a byte's
                marking.register(engine, widenBy == 1 ? other : READER, "x", readingAt(in0, xAt[widenBy]), null);
            }
            for (int r = 40; r < 60; r++) {
                marking.register(engine, READER, r, readingAt(in0, 254), null); // the largest a byte holds
            }
            marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
            for (int r = 0; r < 60; r++) {
                int expected = r < 40 ? r % 5 : 254;
                assertThat(marking.changedSince(READER, r, 1)).as("reader %d, case %d", r, widenBy)
                        .extracting(Marking.Position::position).containsExactly(expected);
            }
            if (widenBy > 0) {
                assertThat(marking.changedSince(widenBy == 1 ? other : READER, "x", 1)).as("case %d", widenBy)
                        .extracting(Marking.Position::position).containsExactly(xAt[widenBy]);
            }
            assertThat(marking.marks.sum()).as("each reader marked once").isEqualTo(widenBy == 0 ? 60 : 61);
        }
    }

    @Test
    void freshReadersOfFewDependenciesKeepNoPositionAndOthersWidenTheNodeWithTheirs() {
        // r[dep.invalidation]: a first registration with at most FEW_DEPENDENCIES dependencies keeps no position
        // (a node of only such readers has no info array; a check scans the reader's dependencies); a reader with
        // more keeps its position, and one of another ingredient its own entry. Every reader is marked once and
        // named through what it registered, whatever came before or after it on the node.
        int few = Marking.FEW_DEPENDENCIES;
        int other = 2;
        for (int widenBy = 0; widenBy < 3; widenBy++) {
            Marking marking = new Marking();
            InputSlot in0 = slot("in0");
            for (int r = 0; r < 20; r++) {
                marking.register(engine, READER, r, readingAt(in0, r % few), null, 1, true);
            }
            assertThat(in0.node.info).as("case %d: only readers of few dependencies", widenBy).isNull();
            if (widenBy == 1) { // many dependencies, fresh: its position is kept, the node widens to bytes
                marking.register(engine, READER, "x", readingAt(in0, few), null, 1, true);
                assertThat(in0.node.info).isInstanceOf(byte[].class);
            } else if (widenBy == 2) { // another ingredient: whole entries
                marking.register(engine, other, "x", readingAt(in0, 1), null, 1, true);
                assertThat(in0.node.info).isInstanceOf(int[].class);
            }
            for (int r = 20; r < 40; r++) { // fresh again, few dependencies, on whatever layout the node has now
                marking.register(engine, READER, r, readingAt(in0, r % few), null, 1, true);
            }
            marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
            for (int r = 0; r < 40; r++) {
                assertThat(marking.changedSince(READER, r, 1)).as("reader %d, case %d", r, widenBy)
                        .containsExactly(IN0_SCANNED);
            }
            if (widenBy == 1) {
                assertThat(marking.changedSince(READER, "x", 1)).extracting(Marking.Position::position)
                        .containsExactly(few);
            } else if (widenBy == 2) {
                assertThat(marking.changedSince(other, "x", 1)).containsExactly(IN0_SCANNED);
            }
            assertThat(marking.marks.sum()).as("case %d: each reader marked once", widenBy)
                    .isEqualTo(widenBy == 0 ? 40 : 41);
            assertThat(in0.node.readerCount).isEqualTo(widenBy == 0 ? 40 : 41);
        }
    }

    @Test
    void registrationsWaitUntilAWalkOrTheirNumberAppliesThem() {
        // r[dep.invalidation]: a registration not applied yet is applied by the walk that needs it.
        Marking marking = new Marking(Marking.APPLY_AT, false); // applies once Marking.APPLY_AT wait
        InputSlot in0 = slot("in0");
        for (int r = 0; r < Marking.APPLY_AT - 1; r++) {
            marking.register(engine, READER, r, readerOf(in0), null, 1, true);
        }
        assertThat(in0.node).as("nothing applied yet").isNull();
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        for (int r = 0; r < Marking.APPLY_AT - 1; r++) {
            assertThat(marking.markedAt(READER, r)).as("reader %d", r).isEqualTo(2);
        }
        InputSlot in1 = slot("in1");
        for (int r = 0; r < Marking.APPLY_AT; r++) {
            marking.register(engine, READER, "b" + r, readerOf(in1), null, 2, true);
        }
        assertThat(in1.node).as("the registration that made them %d applied them", Marking.APPLY_AT).isNotNull();
        assertThat(marking.edgeCount()).isEqualTo(2L * Marking.APPLY_AT - 1);
    }

    @Test
    void aFirstRegistrationIsAppliedAtOnceAfterTheWaitingOnesAndOthersWait() {
        // r[dep.invalidation]: the default marking applies a reader's first registration while no walk holds the
        // edges, the registrations waiting before it first; one that is not a first registration waits.
        Marking marking = new Marking();
        InputSlot in0 = slot("in0");
        InputSlot in1 = slot("in1");
        marking.register(engine, READER, "again", readerOf(in0), null, 1, false);
        assertThat(in0.node).as("a registration that is not a first one waits").isNull();
        marking.register(engine, READER, "first", readerOf(in0, in1), null, 1, true);
        assertThat(in1.node).as("a first registration is applied at once").isNotNull();
        assertThat(in0.node).as("the waiting one is applied with it").isNotNull();
        assertThat(in0.node.readers).startsWith("again", "first");
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        assertThat(marking.markedAt(READER, "again")).isEqualTo(2);
        assertThat(marking.markedAt(READER, "first")).isEqualTo(2);
        assertThat(marking.changedSince(READER, "first", 1)).containsExactly(IN0_SCANNED);
        marking.mark(3, List.of(new NodeKey(INPUT, "in1")), (ingredient, key) -> 2L);
        assertThat(marking.markedAt(READER, "again")).as("reads in0 only").isEqualTo(2);
        assertThat(marking.markedAt(READER, "first")).isEqualTo(3);
        assertThat(marking.edgeCount()).isEqualTo(3);
    }

    @Test
    void aRegistrationThatCannotBeAppliedMakesTheViewCheckEveryDependencyAndTheOthersAreApplied() {
        // A reader key whose equals throws while its registration is applied (looking for its earlier entry):
        // its edge is missing, so no reuse may rely on marks any more (r[cell.revalidate] still holds).
        Marking marking = new Marking();
        InputSlot in0 = slot("in0");
        marking.register(engine, READER, "a", readerOf(in0), null, 1, false);
        marking.register(engine, READER, new Object() {
            @Override
            public boolean equals(Object other) {
                throw new IllegalStateException("broken equals");
            }

            @Override
            public int hashCode() {
                return 1;
            }
        }, readerOf(in0), null, 1, false);
        marking.register(engine, READER, "c", readerOf(in0), null, 1, false);
        assertThat(marking.floor()).isZero();
        marking.mark(2, List.of(new NodeKey(INPUT, "in0")), (ingredient, key) -> 1L);
        assertThat(marking.floor()).isEqualTo(Long.MAX_VALUE);
        assertThat(marking.markedAt(READER, "a")).isEqualTo(2);
        assertThat(marking.markedAt(READER, "c")).isEqualTo(2);
        assertThat(marking.edgeCount()).isEqualTo(2);
    }
}
