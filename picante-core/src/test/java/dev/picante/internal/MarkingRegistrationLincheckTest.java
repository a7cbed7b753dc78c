package dev.picante.internal;

import static dev.picante.internal.MarkingRegistrationLincheckTest.Shape.INPUT;
import static dev.picante.internal.MarkingRegistrationLincheckTest.Shape.READER;

import dev.picante.Durability;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Lincheck checks {@link Marking}'s registrations, which wait in a list until a walk or a later registration
 * applies them, against input changes that walk the edges: a result whose computation registered before a change
 * reads as stale after it (the change's walk applied the registration and reached it, or the computation saw the
 * change's {@code markingAt} and marked itself whole), one computed after the change reads as valid, whatever
 * the interleaving (a result marked too much, as rule 2 marks one that overlapped any change, is found
 * unchanged by the check a read then makes). Each operation does what {@link ViewState} does around the marking: a computation registers
 * its memo's edges and then applies rule 2 ({@link Marking#markIfOverlapped}) before it publishes its
 * verification; a change takes the next revision and walks under one lock (the view's write lock).
 *
 * <p>Three markings are checked: one that applies each registration at once ({@code applyAt} 1: registering
 * threads apply their own and others' while walks run), one whose registrations wait (mostly applied by the
 * walk), and the default one (a reader's first registration applied by its thread when no walk holds the edges,
 * the others waiting). Readers 1 and 3 read one input each, reader 2 both, and reader 4 reads reader 1 (recomputed with it),
 * so a change reaches reader 4 through a derived record.
 */
// r[dep.invalidation]
// r[cell.revalidate]
public class MarkingRegistrationLincheckTest {

    /** The ingredient indexes. */
    static final class Shape {
        static final int INPUT = 0;
        static final int READER = 1;

        private Shape() {
        }

        /** The inputs a reader reads directly. */
        static int[] inputsOf(int reader) {
            return switch (reader) {
                case 1 -> new int[] {1};
                case 2 -> new int[] {1, 2};
                case 3 -> new int[] {2};
                default -> new int[] {}; // reader 4: reads reader 1
            };
        }

        /** The inputs a reader reaches, directly or through reader 1. */
        static int[] reachedBy(int reader) {
            return reader == 4 ? inputsOf(1) : inputsOf(reader);
        }
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelCheckingWithEachRegistrationAppliedAtOnce() {
        modelCheck(EachAppliedAtOnce.class);
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelCheckingWithRegistrationsAppliedByTheWalk() {
        modelCheck(AppliedByTheWalk.class);
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void modelCheckingWithFirstRegistrationsAppliedDirectly() {
        modelCheck(DirectWhenFree.class);
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stress() {
        for (Class<?> ops : List.of(EachAppliedAtOnce.class, AppliedByTheWalk.class, DirectWhenFree.class)) {
            new StressOptions()
                    .threads(3)
                    .actorsPerThread(3)
                    .actorsBefore(2)
                    .actorsAfter(2)
                    .iterations(10)
                    .invocationsPerIteration(300)
                    .sequentialSpecification(Spec.class)
                    .check(ops);
        }
    }

    private static void modelCheck(Class<?> ops) {
        new ModelCheckingOptions()
                // A computation racing a change of what it reads, then a look at it and at another reader.
                .addCustomScenario(scenario(List.of(op(ops, "compute", 3)),
                        List.of(List.of(op(ops, "change", 1), op(ops, "state", 3)),
                                List.of(op(ops, "compute", 1), op(ops, "state", 1))),
                        List.of(op(ops, "state", 1))))
                // Two computations racing a change reached through a derived record, then the next change.
                .addCustomScenario(scenario(List.of(),
                        List.of(List.of(op(ops, "compute", 4), op(ops, "change", 1)),
                                List.of(op(ops, "change", 1), op(ops, "compute", 2))),
                        List.of(op(ops, "state", 4), op(ops, "state", 2))))
                .threads(2)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1)
                .iterations(10)
                .invocationsPerIteration(200)
                .invocationTimeout$lincheck(120_000)
                .sequentialSpecification(Spec.class)
                .check(ops);
    }

    private static Actor op(Class<?> type, String name, Object... args) {
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, Arrays.asList(args), false, false, false, false, false);
            }
        }
        throw new IllegalArgumentException("no operation " + name + "/" + args.length + " in " + type.getName());
    }

    private static ExecutionScenario scenario(List<Actor> init, List<List<Actor>> threads, List<Actor> post) {
        return new ExecutionScenario(init, threads, post, null);
    }

    /** The operations on one marking, as the primary view drives it. */
    public abstract static class Ops {

        final Engine engine = new Engine(new Object(), new EngineOptions());
        final Marking marking;
        /** The view's revision; a change takes the next one under {@link #writeLock}. */
        volatile long revision = 1;
        final Object writeLock = new Object();
        /** The published verification of each reader: its cell's {@code verifiedAt} and the slots it saw. */
        final Map<Integer, Verified> verified = new ConcurrentHashMap<>();
        /** The slot objects of the inputs at the current revision (a change replaces one). */
        final Map<Integer, InputSlot> slots = new ConcurrentHashMap<>();
        final Object lineage = new Object();

        /**
         * The computations started and not yet published, by reader: what the latest start of each read (an inner
         * reader 1 under reader 4's start too).
         */
        final Map<Integer, Verified> running = new ConcurrentHashMap<>();

        /** The readers registered at least once: a later registration is not fresh, as in a view. */
        final Set<Integer> registered = ConcurrentHashMap.newKeySet();

        /** A reader's published cell: verified at {@code at}, having seen these slots of its reached inputs. */
        static final class Verified {
            private final long at;
            private final InputSlot[] seen;

            Verified(long at, InputSlot[] seen) {
                this.at = at;
                this.seen = seen;
            }

            long at() {
                return at;
            }

            InputSlot[] seen() {
                return seen;
            }
        }

        Ops(Marking marking) {
            this.marking = marking;
            slots.put(1, new InputSlot(INPUT, 1, "a", 1, lineage));
            slots.put(2, new InputSlot(INPUT, 2, "b", 1, lineage));
        }

        @Operation
        public void compute(@Param(gen = IntGen.class, conf = "1:4") int reader) {
            int[] inputs = Shape.reachedBy(reader);
            Verified started;
            // The start reads one state (a revision and its slots), as a computation reads one InputState: it is
            // the computation's linearization point. Made visible to state() at once (running), so that no read
            // between the start and the publication answers "none" for a computation that already read the
            // state from before a change (which no order of the specification explains).
            synchronized (writeLock) {
                InputSlot[] seen = new InputSlot[inputs.length];
                for (int i = 0; i < inputs.length; i++) {
                    seen[i] = slots.get(inputs[i]);
                }
                started = new Verified(revision, seen);
                running.put(reader, started);
                if (reader == 4) {
                    running.put(1, started); // reader 1 is recomputed with it
                }
            }
            long at = started.at();
            if (reader == 4) {
                Memo inner = register(1, at, new Dependency[] {new Dependency(INPUT, 1, started.seen()[0])});
                register(4, at, new Dependency[] {new Dependency(READER, 1, inner.version)});
                publish(1, started);
                publish(4, started);
                return;
            }
            Dependency[] dependencies = new Dependency[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                dependencies[i] = new Dependency(INPUT, inputs[i], started.seen()[i]);
            }
            register(reader, at, dependencies);
            publish(reader, started);
        }

        /**
         * Publishes a reader's verification unless one from a later start is there (a view keeps the cell verified
         * later), then ends its running entry if no later start replaced it.
         */
        private void publish(int reader, Verified done) {
            verified.merge(reader, done, (was, now) -> now.at() >= was.at() ? now : was);
            running.remove(reader, done);
        }

        /** Registers a memo of {@code reader} verified at {@code at} and applies rule 2, as a store does. */
        private Memo register(int reader, long at, Dependency[] dependencies) {
            Memo memo = Memo.value("v" + reader, Version.of(at), dependencies, Durability.LOW);
            boolean fresh = registered.add(reader); // racing first computations may both be fresh, as in a view
            marking.register(engine, READER, reader, memo, null, at, fresh);
            marking.markIfOverlapped(READER, reader, at);
            return memo;
        }

        @Operation
        public void change(@Param(gen = IntGen.class, conf = "1:2") int input) {
            synchronized (writeLock) {
                long next = revision + 1;
                InputSlot slot = new InputSlot(INPUT, input, "x" + next, next, lineage);
                marking.mark(next, List.of(new NodeKey(INPUT, input)), (ingredient, key) -> {
                    Verified v = verified.get((Integer) key);
                    return v == null ? Long.MIN_VALUE : v.at();
                });
                // Published after its marking, as InputWrites publishes the state: a read during the walk sees the
                // slots before the change, as a read of the view sees the state before it.
                slots.put(input, slot);
                revision = next;
            }
        }

        /**
         * "none" before a reader's first computation starts; while its latest computation runs, whether an input
         * it read changed since its start (the computation is linearized at its start); then what a read finds, as
         * a read decides it: an unmarked result is reused without looking at its inputs ("unchanged"); a marked
         * one is checked against the inputs it reached ("changed" if one of them is another slot now). A missed
         * mark answers "unchanged" where the specification says "changed"; a mark too many (rule 2 marks a result
         * whose computation overlapped any change) is caught by the check.
         */
        @Operation
        public String state(@Param(gen = IntGen.class, conf = "1:4") int reader) {
            Verified started = running.get(reader);
            if (started != null) {
                return changedSince(reader, started) ? "changed" : "unchanged";
            }
            Verified v = verified.get(reader);
            if (v == null) {
                return "none";
            }
            if (v.at() >= marking.floor() && marking.markedAt(READER, reader) <= v.at()) {
                return "unchanged";
            }
            return changedSince(reader, v) ? "changed" : "unchanged";
        }

        /** Whether an input the reader reaches is another slot now than the one {@code v} saw. */
        private boolean changedSince(int reader, Verified v) {
            int[] inputs = Shape.reachedBy(reader);
            for (int i = 0; i < inputs.length; i++) {
                if (slots.get(inputs[i]) != v.seen()[i]) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Every registration applied by the thread that makes it, at once, after those waiting. */
    public static class EachAppliedAtOnce extends Ops {
        public EachAppliedAtOnce() {
            super(new Marking(1, false));
        }
    }

    /** Registrations left waiting: in these short scenarios, they are applied by the walks. */
    public static class AppliedByTheWalk extends Ops {
        public AppliedByTheWalk() {
            super(new Marking(Marking.APPLY_AT, false));
        }
    }

    /**
     * The default marking: a first registration applied by its thread while no walk holds the edges, otherwise
     * (a walk running, or a registration that is not the reader's first) left waiting for a walk.
     */
    public static class DirectWhenFree extends Ops {
        public DirectWhenFree() {
            super(new Marking());
        }
    }

    /** The sequential specification: a reader is stale once an input it reaches changed after its computation. */
    public static class Spec {

        final Map<Integer, Boolean> stale = new HashMap<>();

        public void compute(int reader) {
            stale.put(reader, false);
            if (reader == 4) {
                stale.put(1, false);
            }
        }

        public void change(int input) {
            for (Map.Entry<Integer, Boolean> entry : stale.entrySet()) {
                if (Arrays.stream(Shape.reachedBy(entry.getKey())).anyMatch(i -> i == input)) {
                    entry.setValue(true);
                }
            }
        }

        public String state(int reader) {
            Boolean s = stale.get(reader);
            return s == null ? "none" : s ? "changed" : "unchanged";
        }
    }
}
