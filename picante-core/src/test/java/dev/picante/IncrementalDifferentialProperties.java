package dev.picante;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import dev.picante.PropertyCheck.Choices;
import dev.picante.PropertyCheck.Weighted;
import org.junit.jupiter.api.Test;

/**
 * Differential test of the incremental engine against a from-scratch evaluator.
 *
 * <p>Each try builds a random acyclic graph of inputs (random durabilities) and derived queries, then
 * runs a random sequence of steps (set, remove, set-equal no-ops, batches with repeated keys, snapshots,
 * mutations of snapshots, reads in any view). After every step, in every live view:
 *
 * <ul>
 *   <li>every input slot reads as in a plain model of that view's inputs;
 *   <li>every derived query, for every key, returns the value or failure that a plain recursive
 *       evaluation over that view's current inputs gives (failures compared by cause class and message,
 *       or by missing slot for {@link MissingInputException});
 *   <li>no compute function ran that the spec does not allow: a query may run at most once per step
 *       and view, and only if it was never evaluated in that view, or a slot it read directly changed,
 *       or a derived query it read directly now has another outcome, or (after the view's revision
 *       advanced) it or a query it read directly had failed;
 *   <li>revisions advance exactly on effective mutations, and only on the mutated view.
 * </ul>
 *
 * <p>The reference evaluator caches results only within one check of one view's current state (a pure
 * function of that state); nothing carries over between checks.
 *
 * <p>Cases come from {@link PropertyCheck}: {@value #TRIES} tries per run, each from its own seed; a failure is
 * shrunk to a minimal scenario and names the seed, which {@code -Dpicante.property.seed=...} runs again.
 */
class IncrementalDifferentialProperties {

    /** Tries per run (at least 1,000 per CI run, issue 15). */
    static final int TRIES = 1000;
    static final int MAX_INPUTS = 6;
    static final int MAX_KEYS = 3;
    static final int MAX_DERIVED = 8;
    static final int MAX_STEPS = 25;
    static final int MAX_LIVE_SNAPSHOTS = 3;
    static final int MAX_VALUE = 13;
    /** What a {@code get()} of an empty slot contributes: absence must be distinguishable. */
    static final int ABSENT = 50;

    // r[cell.revalidate] r[revision.early-cutoff] r[changed-at.derived] r[dep.invalidation] r[dep.recording]
    // r[snapshot.isolation] r[snapshot.creation] r[snapshot.memo-isolation] r[snapshot.revisions]
    // r[input.batch] r[input.batch-conflicts] r[input.set] r[input.remove] r[input.get] r[input.slot]
    // r[input.missing-access] r[revision.advance] r[cell.poison] r[changed-at.poison]
    // r[durability.nonobservable] r[sharing.nonobservable] r[derived.revision-binding] r[jvm.explicit-context]
    @Test
    void incrementalResultsEqualFromScratchEvaluation() {
        PropertyCheck.forAll("incrementalResultsEqualFromScratchEvaluation", TRIES,
                IncrementalDifferentialProperties::scenario, scenario -> new Run(scenario).execute());
    }

    // ------------------------------------------------------------------------------------------------
    // Generated data (raw: indices are reduced modulo the actual sizes when the scenario runs, so that
    // every shrunk value is still meaningful).

    enum Combine { SUM, MOD3, PARITY, MIN5 }

    /** One read of a query. {@code mode}: for inputs 0,1 = get(), 2 = require(); for derived 0 = get, 1 = get catching, 2 = getAll. */
    record ReadSpec(boolean derived, int target, int keyOffset, boolean constKey, int mode, boolean guarded) {
    }

    /** {@code throwAt < 0}: never throws; otherwise throws if the value of read #throwAt is 3 mod 7. */
    record QuerySpec(List<ReadSpec> reads, Combine combine, int throwAt, boolean checkedException) {
    }

    record GraphSpec(int keys, List<Durability> inputs, List<QuerySpec> queries) {
    }

    sealed interface Step permits SetStep, RemoveStep, SetSameStep, BatchStep, SnapshotStep, PromoteStep, ReadStep,
            EvictStep {
    }

    record SetStep(int view, int input, int key, int value) implements Step {
    }

    record RemoveStep(int view, int input, int key) implements Step {
    }

    /** Sets a slot to its current value, or removes an empty slot: a no-op either way. */
    record SetSameStep(int view, int input, int key) implements Step {
    }

    /** {@code value < 0} is a remove. */
    record BatchOp(int input, int key, int value) {
    }

    record BatchStep(int view, List<BatchOp> ops) implements Step {
    }

    record SnapshotStep(int view) implements Step {
    }

    /** {@link Snapshot#promote()} on a snapshot (nothing on the database). */
    record PromoteStep(int view) implements Step {
    }

    record ReadStep(int view, int query, int key, boolean async) implements Step {
    }

    /** {@link Database#evict} of one derived query's memos in the database (r[evict.derived]). */
    record EvictStep(int query) implements Step {
    }

    /**
     * {@code initial}: a value per slot, negative meaning absent. {@code sparse}: each check reads a random third
     * of the queries (all of them after the last step), so results stay unread over several edits and are read
     * at random points in between: what push-marking (issue 17) must get right. Compute counts are then not
     * checked, only values.
     */
    record Scenario(GraphSpec graph, List<Integer> initial, List<Step> steps, boolean sharedCache, long orderSeed,
            boolean sparse) {
    }

    /**
     * A random scenario. Every choice shrinks towards the simplest scenario: fewer inputs, queries, reads
     * and steps, "no throw", input reads, the primary view, no shared cache (false).
     */
    static Scenario scenario(Choices c) {
        GraphSpec graph = new GraphSpec(
                c.between(1, MAX_KEYS),
                c.list(1, MAX_INPUTS, x -> x.oneOf(Durability.class)),
                c.list(1, MAX_DERIVED, IncrementalDifferentialProperties::query));
        List<Integer> initial = c.listOf(MAX_INPUTS * MAX_KEYS, x -> x.between(-3, MAX_VALUE));
        List<Step> steps = c.list(0, MAX_STEPS, IncrementalDifferentialProperties::step);
        boolean sharedCache = c.between(0, 3) != 0;
        long orderSeed = c.between(0, Integer.MAX_VALUE);
        boolean sparse = c.between(0, 2) == 2;
        return new Scenario(graph, initial, steps, sharedCache, orderSeed, sparse);
    }

    static QuerySpec query(Choices c) {
        List<ReadSpec> reads = c.list(1, 4, x -> new ReadSpec(
                x.bool(),
                x.between(0, 63),
                x.between(0, MAX_KEYS - 1),
                x.oneIn(5),
                x.between(0, 2),
                x.oneIn(5)));
        Combine combine = c.oneOf(Combine.class);
        // Half of the queries never throw (as with a throwAt uniform in -4..3), the simplest case.
        int throwAt = c.bool() ? c.between(0, 3) : -1;
        return new QuerySpec(reads, combine, throwAt, c.bool());
    }

    static Step step(Choices c) {
        List<Weighted<Step>> kinds = List.of(
                new Weighted<>(15, x -> new ReadStep(view(x), x.between(0, MAX_DERIVED - 1), x.between(0, MAX_KEYS - 1),
                        x.bool())),
                new Weighted<>(30, x -> new SetStep(view(x), x.between(0, MAX_INPUTS - 1), x.between(0, MAX_KEYS - 1),
                        x.between(0, MAX_VALUE))),
                new Weighted<>(12, x -> new RemoveStep(view(x), x.between(0, MAX_INPUTS - 1), x.between(0, MAX_KEYS - 1))),
                new Weighted<>(8, x -> new SetSameStep(view(x), x.between(0, MAX_INPUTS - 1), x.between(0, MAX_KEYS - 1))),
                // Small input and key ranges so that batches often touch one slot several times.
                new Weighted<>(15, x -> new BatchStep(view(x), x.list(1, 5, y -> new BatchOp(
                        y.between(0, 2), y.between(0, 1), y.between(-4, MAX_VALUE))))),
                new Weighted<>(12, x -> new SnapshotStep(view(x))),
                new Weighted<>(5, x -> new PromoteStep(view(x))),
                new Weighted<>(4, x -> new EvictStep(x.between(0, MAX_DERIVED - 1))));
        return c.weighted(kinds);
    }

    static int view(Choices c) {
        return c.between(0, MAX_LIVE_SNAPSHOTS);
    }

    // ------------------------------------------------------------------------------------------------
    // Resolved graph and the interpreter shared by the engine's compute functions and the reference.

    enum ReadKind { INPUT_GET, INPUT_REQUIRE, DERIVED, DERIVED_CATCH, DERIVED_ALL }

    record Read(ReadKind kind, int target, int keyOffset, boolean constKey, boolean guarded) {
        int key(int k, int keys) {
            return constKey ? keyOffset % keys : (k + keyOffset) % keys;
        }

        String describe() {
            String prefix = kind == ReadKind.INPUT_GET || kind == ReadKind.INPUT_REQUIRE ? "in" : "d";
            String key = constKey ? Integer.toString(keyOffset) : keyOffset == 0 ? "k" : "k+" + keyOffset;
            String how = switch (kind) {
                case INPUT_GET -> ".get";
                case INPUT_REQUIRE -> ".require";
                case DERIVED -> ".get";
                case DERIVED_CATCH -> ".get-catching";
                case DERIVED_ALL -> ".getAll[" + key + "," + key + "+1]";
            };
            return (guarded ? "if(acc even) " : "") + prefix + target + "(" + key + ")" + how;
        }
    }

    record Def(int index, List<Read> reads, Combine combine, int throwAt, boolean checked) {
        String name() {
            return "d" + index;
        }
    }

    record Slot(int input, int key) {
        @Override
        public String toString() {
            return "in" + input + "(" + key + ")";
        }
    }

    record QK(int query, int key) {
        @Override
        public String toString() {
            return "d" + query + "(" + key + ")";
        }
    }

    static final class Graph {
        final int keys;
        final List<Durability> inputs;
        final List<Def> defs = new ArrayList<>();

        Graph(GraphSpec spec) {
            this.keys = spec.keys();
            this.inputs = spec.inputs();
            for (int q = 0; q < spec.queries().size(); q++) {
                QuerySpec qs = spec.queries().get(q);
                List<Read> reads = new ArrayList<>();
                for (ReadSpec rs : qs.reads()) {
                    ReadKind kind;
                    int target;
                    if (rs.derived() && q > 0) {
                        target = rs.target() % q;
                        kind = rs.mode() == 0 ? ReadKind.DERIVED : rs.mode() == 1 ? ReadKind.DERIVED_CATCH : ReadKind.DERIVED_ALL;
                    } else {
                        target = rs.target() % inputs.size();
                        kind = rs.mode() == 2 ? ReadKind.INPUT_REQUIRE : ReadKind.INPUT_GET;
                    }
                    reads.add(new Read(kind, target, rs.keyOffset() % keys, rs.constKey(), rs.guarded()));
                }
                defs.add(new Def(q, List.copyOf(reads), qs.combine(), qs.throwAt() < 0 ? -1 : qs.throwAt(),
                        qs.checkedException()));
            }
        }

        String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("  keys 0..").append(keys - 1).append('\n');
            for (int i = 0; i < inputs.size(); i++) {
                sb.append("  in").append(i).append(": ").append(inputs.get(i)).append('\n');
            }
            for (Def d : defs) {
                sb.append("  ").append(d.name()).append("(k) = ")
                        .append(d.combine() == Combine.PARITY ? "PARITY (Boolean)" : d.combine().name()).append(" of [");
                for (int r = 0; r < d.reads().size(); r++) {
                    sb.append(r == 0 ? "" : ", ").append(d.reads().get(r).describe());
                }
                sb.append(']');
                if (d.throwAt() >= 0) {
                    sb.append(", throws ").append(d.checked() ? "IOException" : "IllegalStateException")
                            .append(" if read #").append(d.throwAt()).append(" is 3 mod 7");
                }
                sb.append('\n');
            }
            return sb.toString();
        }
    }

    /** How a computation reads; the engine's goes through the QueryContext, the reference's through a model. */
    interface Reader {
        Optional<Integer> input(int input, int key);

        int require(int input, int key) throws Exception;

        int derived(int query, int key) throws Exception;

        /** Reads a derived query, turning a failure into data ({@link #catchValue}). */
        int derivedCatching(int query, int key);

        List<Integer> derivedAll(int query, List<Integer> keys) throws Exception;
    }

    static int catchValue(String causeClass) {
        if (causeClass.equals(MissingInputException.class.getName())) {
            return 41;
        }
        if (causeClass.equals(IOException.class.getName())) {
            return 42;
        }
        if (causeClass.equals(IllegalStateException.class.getName())) {
            return 43;
        }
        return 44;
    }

    static int evaluate(Graph graph, Def def, int key, Reader reader) throws Exception {
        int acc = 0;
        for (int r = 0; r < def.reads().size(); r++) {
            Read read = def.reads().get(r);
            if (read.guarded() && Math.floorMod(acc, 2) != 0) {
                continue; // a dynamic dependency
            }
            int k = read.key(key, graph.keys);
            int v = switch (read.kind()) {
                case INPUT_GET -> reader.input(read.target(), k).orElse(ABSENT);
                case INPUT_REQUIRE -> reader.require(read.target(), k);
                case DERIVED -> reader.derived(read.target(), k);
                case DERIVED_CATCH -> reader.derivedCatching(read.target(), k);
                case DERIVED_ALL -> {
                    List<Integer> vs = reader.derivedAll(read.target(), List.of(k, (k + 1) % graph.keys));
                    yield vs.get(0) * 3 + vs.get(1);
                }
            };
            if (r == def.throwAt() && Math.floorMod(v, 7) == 3) {
                String message = def.name() + "(" + key + ") read " + v + " at #" + r;
                if (def.checked()) {
                    throw new IOException(message);
                }
                throw new IllegalStateException(message);
            }
            acc += v;
        }
        return switch (def.combine()) {
            case SUM -> acc;
            case MOD3 -> Math.floorMod(acc, 3);
            case PARITY -> Math.floorMod(acc, 2);
            case MIN5 -> Math.min(acc, 5);
        };
    }

    // ------------------------------------------------------------------------------------------------
    // Outcomes and the reference evaluator.

    /** A failure's identity: the cause's class and its message (for a missing input: the slot). */
    record Failure(String type, String detail) {
        static Failure of(Throwable cause) {
            if (cause instanceof MissingInputException missing) {
                return new Failure(cause.getClass().getName(), String.valueOf(missing.input()));
            }
            return new Failure(cause.getClass().getName(), String.valueOf(cause.getMessage()));
        }

        @Override
        public String toString() {
            return type.substring(type.lastIndexOf('.') + 1) + "(" + detail + ")";
        }
    }

    /** A value, a failure, or something else thrown (never expected). */
    record Outcome(Integer value, Failure failure, String unexpected) {
        static Outcome ok(Integer value) {
            return new Outcome(value, null, null);
        }

        static Outcome failed(Failure failure) {
            return new Outcome(null, failure, null);
        }

        boolean isFailure() {
            return failure != null || unexpected != null;
        }

        @Override
        public String toString() {
            if (unexpected != null) {
                return "unexpected " + unexpected;
            }
            return failure != null ? "failure " + failure : "value " + value;
        }
    }

    static final class RefFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final Failure failure;

        RefFailure(Failure failure) {
            super(failure.toString(), null, false, false);
            this.failure = failure;
        }
    }

    /** The result of a reference evaluation of one query, with what it read directly. */
    record RefResult(Outcome outcome, Set<Slot> slots, Set<QK> deps) {
    }

    /** A plain recursive evaluation over one state of the inputs; caches only within that state. */
    static final class Reference {
        final Graph graph;
        final Map<Slot, Integer> inputs;
        final Map<QK, RefResult> results = new HashMap<>();

        Reference(Graph graph, Map<Slot, Integer> inputs) {
            this.graph = graph;
            this.inputs = Map.copyOf(inputs);
        }

        RefResult get(QK qk) {
            RefResult done = results.get(qk);
            if (done != null) {
                return done;
            }
            Set<Slot> slots = new LinkedHashSet<>();
            Set<QK> deps = new LinkedHashSet<>();
            Reader reader = new Reader() {
                @Override
                public Optional<Integer> input(int input, int key) {
                    Slot slot = new Slot(input, key);
                    slots.add(slot);
                    return Optional.ofNullable(inputs.get(slot));
                }

                @Override
                public int require(int input, int key) throws RefFailure {
                    Slot slot = new Slot(input, key);
                    slots.add(slot);
                    Integer v = inputs.get(slot);
                    if (v == null) {
                        throw new RefFailure(new Failure(MissingInputException.class.getName(),
                                new QueryRef("in" + input, key).toString()));
                    }
                    return v;
                }

                @Override
                public int derived(int query, int key) throws RefFailure {
                    QK dep = new QK(query, key);
                    deps.add(dep);
                    Outcome o = get(dep).outcome();
                    if (o.failure() != null) {
                        throw new RefFailure(o.failure());
                    }
                    return o.value();
                }

                @Override
                public int derivedCatching(int query, int key) {
                    QK dep = new QK(query, key);
                    deps.add(dep);
                    Outcome o = get(dep).outcome();
                    return o.failure() != null ? catchValue(o.failure().type()) : o.value();
                }

                @Override
                public List<Integer> derivedAll(int query, List<Integer> keys) throws RefFailure {
                    // All keys count as read (a superset of what a sequential getAll reads is the
                    // permissive side for the compute check).
                    List<Outcome> outcomes = new ArrayList<>();
                    for (int key : keys) {
                        QK dep = new QK(query, key);
                        deps.add(dep);
                        outcomes.add(get(dep).outcome());
                    }
                    List<Integer> values = new ArrayList<>();
                    for (Outcome o : outcomes) {
                        if (o.failure() != null) {
                            throw new RefFailure(o.failure());
                        }
                        values.add(o.value());
                    }
                    return values;
                }
            };
            Outcome outcome;
            try {
                outcome = Outcome.ok(evaluate(graph, graph.defs.get(qk.query()), qk.key(), reader));
            } catch (RefFailure f) {
                outcome = Outcome.failed(f.failure);
            } catch (Exception e) {
                outcome = Outcome.failed(Failure.of(e));
            }
            RefResult result = new RefResult(outcome, Set.copyOf(slots), Set.copyOf(deps));
            results.put(qk, result);
            return result;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // One run: the engine, the views, the model and the checks.

    static final class ViewModel {
        final int id;
        final String label;
        final View view;
        final Map<Slot, Integer> inputs;
        /** Reference results at the state of the previous check; null before the first check. */
        Reference previous;
        /** The view's revision at the previous check. */
        Revision revisionAtCheck;
        /** Slots altered (at any point, also inside a batch) since the previous check. */
        final Set<Slot> changed = new HashSet<>();

        ViewModel(int id, String label, View view, Map<Slot, Integer> inputs) {
            this.id = id;
            this.label = label;
            this.view = view;
            this.inputs = new HashMap<>(inputs);
        }
    }

    record PlannedRead(ViewModel view, QK query) {
    }

    static final class Run {
        final Scenario scenario;
        final Graph graph;
        final Database db;
        final List<InputIngredient<Integer, Integer>> inputs = new ArrayList<>();
        /** PARITY queries are Boolean-valued, the others Integer-valued. */
        final List<DerivedIngredient<Integer, ?>> derived = new ArrayList<>();
        final List<ViewModel> views = new ArrayList<>();
        int nextViewId;
        volatile ViewModel current;
        /** Compute counts per view id and query since that view's previous check. */
        final Map<Integer, Map<QK, Integer>> computes = new HashMap<>();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        /** Compute functions running now: a token per run, and what it computes. */
        final Map<Object, String> running = new ConcurrentHashMap<>();
        final List<String> trace = new ArrayList<>();
        final Random order;

        Run(Scenario scenario) {
            this.scenario = scenario;
            this.graph = new Graph(scenario.graph());
            this.order = new Random(scenario.orderSeed());
            Database.Builder builder = Database.builder().name("differential");
            if (!scenario.sharedCache()) {
                builder.sharedCacheMaxEntries(0);
            }
            this.db = builder.build();
            for (int i = 0; i < graph.inputs.size(); i++) {
                inputs.add(db.input("in" + i, Integer.class, Integer.class, graph.inputs.get(i)));
            }
            for (Def def : graph.defs) {
                if (def.combine() == Combine.PARITY) {
                    derived.add(db.derived(def.name(), Integer.class, Boolean.class, (ctx, key) -> {
                        Object token = onCompute(def, key, ctx);
                        try {
                            return evaluate(graph, def, key, engineReader(ctx)) == 1;
                        } finally {
                            running.remove(token);
                        }
                    }));
                } else {
                    derived.add(db.derived(def.name(), Integer.class, Integer.class, (ctx, key) -> {
                        Object token = onCompute(def, key, ctx);
                        try {
                            return evaluate(graph, def, key, engineReader(ctx));
                        } finally {
                            running.remove(token);
                        }
                    }));
                }
            }
        }

        Reader engineReader(QueryContext ctx) {
            return new Reader() {
                @Override
                public Optional<Integer> input(int input, int key) {
                    return inputs.get(input).get(ctx, key);
                }

                @Override
                public int require(int input, int key) {
                    return inputs.get(input).require(ctx, key);
                }

                @Override
                public int derived(int query, int key) {
                    return toInt(derived.get(query).get(ctx, key));
                }

                @Override
                public int derivedCatching(int query, int key) {
                    try {
                        return toInt(derived.get(query).get(ctx, key));
                    } catch (QueryFailedException e) {
                        return catchValue(e.getCause().getClass().getName());
                    }
                }

                @Override
                public List<Integer> derivedAll(int query, List<Integer> keys) {
                    List<Integer> values = new ArrayList<>();
                    for (Object v : ctx.getAll(derived.get(query), keys)) {
                        values.add(toInt(v));
                    }
                    return values;
                }
            };
        }

        static int toInt(Object value) {
            return value instanceof Boolean b ? (b ? 1 : 0) : (Integer) value;
        }

        /** Charges a run of a compute function to the view the test is reading; returns its token. */
        Object onCompute(Def def, int key, QueryContext ctx) {
            ViewModel vm = current;
            QK qk = new QK(def.index(), key);
            Object token = new Object();
            running.put(token, qk + " at " + ctx.revision());
            if (vm == null) {
                problems.add("compute function of " + qk + " at " + ctx.revision() + " ran while the test was not"
                        + " reading any derived query: an evaluation outlived the read that started it");
                return token;
            }
            // r[derived.revision-binding]: the computation runs at the revision of the view being read.
            Revision expected = vm.view.revision();
            if (!ctx.revision().equals(expected)) {
                problems.add("compute function of " + qk + " ran with ctx.revision() " + ctx.revision()
                        + " while the test was reading " + vm.label + " at " + expected
                        + ": not an evaluation of this view (one outliving an earlier read?)");
                return token;
            }
            synchronized (computes) {
                computes.computeIfAbsent(vm.id, id -> new HashMap<>()).merge(qk, 1, Integer::sum);
            }
            return token;
        }

        void execute() {
            ViewModel primary = new ViewModel(nextViewId++, "primary", db, Map.of());
            views.add(primary);
            // Initial contents, committed as one batch on the primary.
            Batch initial = db.batch();
            List<String> initialText = new ArrayList<>();
            for (int i = 0; i < graph.inputs.size(); i++) {
                for (int k = 0; k < graph.keys; k++) {
                    int v = scenario.initial().get(i * MAX_KEYS + k);
                    if (v >= 0) {
                        initial.set(inputs.get(i), k, v);
                        primary.inputs.put(new Slot(i, k), v);
                        primary.changed.add(new Slot(i, k));
                        initialText.add(new Slot(i, k) + "=" + v);
                    }
                }
            }
            Revision r0 = db.revision();
            Revision r1 = initial.commit();
            trace.add("initial batch on primary: " + initialText);
            if (!r1.equals(db.revision())) {
                problems.add("initial commit returned " + r1 + " but the primary is at " + db.revision());
            }
            if (initialText.isEmpty() != r1.equals(r0)) {
                problems.add("initial commit moved the revision " + r0 + " -> " + r1 + " (slots set: " + initialText + ")");
            }
            check("after the initial batch", false);
            for (int s = 0; s < scenario.steps().size(); s++) {
                Step step = scenario.steps().get(s);
                apply(step);
                check("after step " + s, s == scenario.steps().size() - 1);
            }
        }

        ViewModel view(int raw) {
            return views.get(raw % views.size());
        }

        void apply(Step step) {
            if (step instanceof SetStep set) {
                ViewModel vm = view(set.view());
                int input = set.input() % graph.inputs.size();
                int key = set.key() % graph.keys;
                trace.add("set " + new Slot(input, key) + "=" + set.value() + " on " + vm.label);
                mutate(vm, List.of(new BatchOp(input, key, set.value())), false);
            } else if (step instanceof RemoveStep remove) {
                ViewModel vm = view(remove.view());
                int input = remove.input() % graph.inputs.size();
                int key = remove.key() % graph.keys;
                trace.add("remove " + new Slot(input, key) + " on " + vm.label);
                mutate(vm, List.of(new BatchOp(input, key, -1)), false);
            } else if (step instanceof SetSameStep same) {
                ViewModel vm = view(same.view());
                int input = same.input() % graph.inputs.size();
                int key = same.key() % graph.keys;
                Integer v = vm.inputs.get(new Slot(input, key));
                trace.add((v == null ? "remove (already empty) " : "set (same value) ") + new Slot(input, key)
                        + (v == null ? "" : "=" + v) + " on " + vm.label);
                mutate(vm, List.of(new BatchOp(input, key, v == null ? -1 : v)), false);
            } else if (step instanceof BatchStep batch) {
                ViewModel vm = view(batch.view());
                List<BatchOp> ops = new ArrayList<>();
                for (BatchOp op : batch.ops()) {
                    ops.add(new BatchOp(op.input() % graph.inputs.size(), op.key() % graph.keys, op.value() < 0 ? -1 : op.value()));
                }
                trace.add("batch on " + vm.label + ": " + describe(ops));
                mutate(vm, ops, true);
            } else if (step instanceof SnapshotStep snap) {
                ViewModel source = view(snap.view());
                current = source; // a compute during the fork would be charged to the source
                Snapshot snapshot;
                try {
                    snapshot = source.view.snapshot();
                } finally {
                    current = null;
                }
                int id = nextViewId++;
                ViewModel vm = new ViewModel(id, "snapshot#" + id, snapshot, source.inputs);
                views.add(vm);
                String dropped = "";
                if (views.size() > MAX_LIVE_SNAPSHOTS + 1) {
                    dropped = " (no longer checked: " + views.remove(1).label + ")";
                }
                trace.add("snapshot#" + id + " of " + source.label + dropped);
            } else if (step instanceof PromoteStep promote) {
                // r[sharing.nonobservable]: handing results to the source changes no value anywhere.
                ViewModel vm = view(promote.view());
                if (vm.view instanceof Snapshot snapshot) {
                    int promoted = snapshot.promote();
                    trace.add("promote " + vm.label + " (" + promoted + " adopted by its source)");
                }
            } else if (step instanceof EvictStep evict) {
                int q = evict.query() % graph.defs.size();
                int dropped = db.evict(derived.get(q));
                evicted = true;
                trace.add("evict d" + q + " in the database (" + dropped + " dropped)");
            } else if (step instanceof ReadStep read) {
                ViewModel vm = view(read.view());
                QK qk = new QK(read.query() % graph.defs.size(), read.key() % graph.keys);
                trace.add("read " + qk + " on " + vm.label + (read.async() ? " (getAsync)" : ""));
                Outcome expected = new Reference(graph, vm.inputs).get(qk).outcome();
                Outcome actual = readEngine(vm, qk, read.async());
                if (!expected.equals(actual)) {
                    problems.add(qk + " in " + vm.label + ": expected " + expected + " but got " + actual);
                }
            } else {
                throw new IllegalStateException("unknown step " + step);
            }
        }

        static String describe(List<BatchOp> ops) {
            List<String> parts = new ArrayList<>();
            for (BatchOp op : ops) {
                Slot slot = new Slot(op.input(), op.key());
                parts.add(op.value() < 0 ? "remove " + slot : "set " + slot + "=" + op.value());
            }
            return String.join(", ", parts);
        }

        /** Applies set/remove calls (one call directly, or as a batch) and checks the revisions. */
        void mutate(ViewModel vm, List<BatchOp> ops, boolean asBatch) {
            // r[input.batch] r[input.batch-conflicts]: the result is the calls applied in order.
            Map<Slot, Integer> before = new HashMap<>(vm.inputs);
            Set<Slot> altered = new LinkedHashSet<>();
            for (BatchOp op : ops) {
                Slot slot = new Slot(op.input(), op.key());
                Integer old = vm.inputs.get(slot);
                Integer now = op.value() < 0 ? null : op.value();
                if (!Objects.equals(old, now)) {
                    altered.add(slot);
                }
                if (now == null) {
                    vm.inputs.remove(slot);
                } else {
                    vm.inputs.put(slot, now);
                }
            }
            boolean netChange = !before.equals(vm.inputs);
            Map<ViewModel, Revision> others = new HashMap<>();
            for (ViewModel other : views) {
                if (other != vm) {
                    others.put(other, other.view.revision());
                }
            }
            Revision r0 = vm.view.revision();
            Revision returned;
            current = vm; // a compute during a mutation would be charged to this view
            try {
                if (asBatch) {
                    Batch batch = vm.view.batch();
                    for (BatchOp op : ops) {
                        if (op.value() < 0) {
                            batch.remove(inputs.get(op.input()), op.key());
                        } else {
                            batch.set(inputs.get(op.input()), op.key(), op.value());
                        }
                    }
                    returned = batch.commit();
                } else {
                    BatchOp op = ops.get(0);
                    returned = op.value() < 0
                            ? inputs.get(op.input()).remove(vm.view, op.key())
                            : inputs.get(op.input()).set(vm.view, op.key(), op.value());
                }
            } finally {
                current = null;
            }
            Revision r1 = vm.view.revision();
            vm.changed.addAll(altered);
            if (!returned.equals(r1)) {
                problems.add("mutation returned " + returned + " but " + vm.label + " is at " + r1);
            }
            // r[revision.advance] r[input.set] r[input.remove]: a new, greater revision exactly when the
            // state changed. A batch that changes a slot and changes it back is left open either way.
            if (netChange && r1.compareTo(r0) <= 0) {
                problems.add(vm.label + " stayed at " + r0 + " -> " + r1 + " although the mutation changed " + altered);
            }
            if (altered.isEmpty() && !r1.equals(r0)) {
                problems.add(vm.label + " moved " + r0 + " -> " + r1 + " on a mutation that changed nothing");
            }
            // r[snapshot.revisions] r[snapshot.isolation]: other views do not move.
            for (Map.Entry<ViewModel, Revision> e : others.entrySet()) {
                Revision now = e.getKey().view.revision();
                if (!now.equals(e.getValue())) {
                    problems.add(e.getKey().label + " moved " + e.getValue() + " -> " + now + " on a mutation of " + vm.label);
                }
            }
        }

        Outcome readEngine(ViewModel vm, QK qk, boolean async) {
            current = vm;
            try {
                Object value = async
                        ? derived.get(qk.query()).getAsync(vm.view, qk.key()).get()
                        : derived.get(qk.query()).get(vm.view, qk.key());
                if (value == null) {
                    return new Outcome(null, null, "null value");
                }
                return Outcome.ok(toInt(value));
            } catch (QueryFailedException e) {
                return failed(vm, qk, e);
            } catch (ExecutionException | CompletionException e) {
                if (e.getCause() instanceof QueryFailedException qfe) {
                    return failed(vm, qk, qfe);
                }
                return new Outcome(null, null, String.valueOf(e.getCause()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } catch (RuntimeException e) {
                return new Outcome(null, null, e.toString());
            } finally {
                current = null;
                // r[dep.recording] r[jvm.explicit-context]: everything a read starts (also the concurrent
                // reads of QueryContext.getAll, "recording each as a dependency") is done when it returns;
                // a context is only valid while its computation runs.
                if (!running.isEmpty()) {
                    problems.add("compute functions still running after " + (async ? "getAsync" : "get") + " of " + qk
                            + " in " + vm.label + " returned: " + running.values()
                            + " (an evaluation outlived the read that started it, e.g. a getAll that threw on its"
                            + " first failure without waiting for its other reads)");
                }
            }
        }

        Outcome failed(ViewModel vm, QK qk, QueryFailedException e) {
            QueryRef asked = new QueryRef("d" + qk.query(), qk.key());
            if (!asked.equals(e.query())) {
                problems.add(qk + " in " + vm.label + ": QueryFailedException.query() is " + e.query()
                        + ", expected the asked query " + asked);
            }
            if (e.getCause() == null) {
                return new Outcome(null, null, "QueryFailedException without cause");
            }
            return Outcome.failed(Failure.of(e.getCause()));
        }

        /**
         * Whether memos were evicted in this run: computing them again, and their dependents later (a recomputed
         * result has a new version), is then allowed (r[evict.derived]: only work may rise).
         */
        boolean evicted;

        void check(String when, boolean last) {
            // Inputs of every view equal the model (r[input.get], r[snapshot.isolation], r[input.batch]).
            for (ViewModel vm : views) {
                for (int i = 0; i < graph.inputs.size(); i++) {
                    for (int k = 0; k < graph.keys; k++) {
                        Slot slot = new Slot(i, k);
                        Optional<Integer> actual = inputs.get(i).get(vm.view, k);
                        Optional<Integer> expected = Optional.ofNullable(vm.inputs.get(slot));
                        if (!actual.equals(expected)) {
                            problems.add(slot + " in " + vm.label + ": expected " + expected + " but get() gave " + actual);
                        }
                        if (expected.isEmpty()) {
                            try {
                                inputs.get(i).require(vm.view, k);
                                problems.add(slot + " in " + vm.label + ": require() of an empty slot did not throw");
                            } catch (MissingInputException expectedException) {
                                // r[input.missing-access]
                            }
                        }
                    }
                }
            }
            // Every derived query in every view, in a random interleaving (bottom-up, top-down, mixed).
            Map<ViewModel, Reference> fresh = new HashMap<>();
            List<PlannedRead> reads = new ArrayList<>();
            for (ViewModel vm : views) {
                fresh.put(vm, new Reference(graph, vm.inputs));
                for (int q = 0; q < graph.defs.size(); q++) {
                    for (int k = 0; k < graph.keys; k++) {
                        reads.add(new PlannedRead(vm, new QK(q, k)));
                    }
                }
            }
            Collections.shuffle(reads, order);
            for (PlannedRead read : reads) {
                if (scenario.sparse() && !last && order.nextInt(3) != 0) {
                    continue;
                }
                ViewModel vm = read.view();
                QK qk = read.query();
                Outcome expected = fresh.get(vm).get(qk).outcome();
                Outcome actual = readEngine(vm, qk, order.nextInt(4) == 0);
                if (!expected.equals(actual)) {
                    problems.add(qk + " in " + vm.label + ": expected " + expected + " but got " + actual
                            + " [r[cell.revalidate] r[dep.invalidation] r[cell.poison] r[snapshot.memo-isolation]]");
                }
            }
            // No unjustified computation since the previous check of each view.
            Map<Integer, Map<QK, Integer>> counts;
            synchronized (computes) {
                counts = new HashMap<>(computes);
                computes.clear();
            }
            for (ViewModel vm : views) {
                Map<QK, Integer> mine = counts.getOrDefault(vm.id, Map.of());
                for (Map.Entry<QK, Integer> e : mine.entrySet()) {
                    if (!scenario.sparse() && !evicted) {
                        checkCompute(vm, e.getKey(), e.getValue(), fresh.get(vm));
                    }
                }
                vm.previous = fresh.get(vm);
                vm.revisionAtCheck = vm.view.revision();
                vm.changed.clear();
            }
            if (!problems.isEmpty()) {
                fail(when);
            }
        }

        void checkCompute(ViewModel vm, QK qk, int count, Reference now) {
            if (vm.previous == null) {
                if (count > 1) {
                    // r[cell.poison] / memoization: one revision, one evaluation.
                    problems.add(qk + " in " + vm.label + " was computed " + count + " times at one revision");
                }
                return; // never evaluated in this view before: computing is allowed
            }
            if (count > 1) {
                problems.add(qk + " in " + vm.label + " was computed " + count
                        + " times since the previous check (at most one revision change): a result or failure"
                        + " must be memoized for its revision [r[cell.poison] r[cell.revalidate]]");
            }
            RefResult old = vm.previous.get(qk);
            for (Slot slot : old.slots()) {
                if (vm.changed.contains(slot)) {
                    return; // r[dep.invalidation]: a slot it read changed
                }
            }
            for (QK dep : old.deps()) {
                if (!vm.previous.get(dep).outcome().equals(now.get(dep).outcome())) {
                    return; // a derived query it read changed its value or failure
                }
            }
            boolean advanced = !vm.view.revision().equals(vm.revisionAtCheck);
            if (advanced) {
                // r[cell.poison] r[changed-at.poison]: a failure belongs to its revision; after the view
                // advanced, the failed query and whatever read a failed query may recompute.
                if (old.outcome().isFailure()) {
                    return;
                }
                for (QK dep : old.deps()) {
                    if (vm.previous.get(dep).outcome().isFailure() || now.get(dep).outcome().isFailure()) {
                        return;
                    }
                }
            }
            problems.add(qk + " in " + vm.label + " was recomputed although nothing it read changed"
                    + " (it read slots " + old.slots() + " and queries " + old.deps() + "; changed slots in this view: "
                    + vm.changed + "; revision " + vm.revisionAtCheck + " -> "
                    + vm.view.revision() + ") [r[cell.revalidate] r[revision.early-cutoff] r[changed-at.derived]"
                    + " r[durability.revalidation-opt]]");
        }

        void fail(String when) {
            StringBuilder sb = new StringBuilder();
            sb.append("Differential check failed ").append(when).append(" (sparse=").append(scenario.sparse())
                    .append(", sharedCache=").append(scenario.sharedCache())
                    .append(")\nGraph:\n").append(graph.describe()).append("Steps:\n");
            for (String t : trace) {
                sb.append("  ").append(t).append('\n');
            }
            sb.append("Inputs per view:\n");
            for (ViewModel vm : views) {
                sb.append("  ").append(vm.label).append(" at ").append(vm.view.revision()).append(": ")
                        .append(new java.util.TreeMap<>(toStringKeys(vm.inputs))).append('\n');
            }
            sb.append("Problems:\n");
            synchronized (problems) {
                for (int i = 0; i < Math.min(problems.size(), 25); i++) {
                    sb.append("  - ").append(problems.get(i)).append('\n');
                }
                if (problems.size() > 25) {
                    sb.append("  ... and ").append(problems.size() - 25).append(" more\n");
                }
            }
            throw new AssertionError(sb.toString());
        }

        static Map<String, Integer> toStringKeys(Map<Slot, Integer> inputs) {
            Map<String, Integer> out = new HashMap<>();
            inputs.forEach((slot, v) -> out.put(slot.toString(), v));
            return out;
        }
    }
}
