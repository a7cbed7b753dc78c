package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Inspector.Counters;
import dev.picante.Inspector.Explanation;
import dev.picante.Inspector.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Durability: declared per input kind, interned values count as HIGH, it lets revalidation skip the walk of
 * queries whose inputs did not change at their level, and it never changes a result.
 */
@Timeout(10)
class DurabilityTest {

    @Test
    void levelsAreOrderedLowMediumHigh() {
        // r[durability.levels]
        assertThat(Durability.values()).containsExactly(Durability.LOW, Durability.MEDIUM, Durability.HIGH);
        assertThat(Durability.LOW).isLessThan(Durability.MEDIUM);
        assertThat(Durability.MEDIUM).isLessThan(Durability.HIGH);
    }

    @Test
    void everyInputKindHasOneDeclaredDurabilityDefaultLow() {
        // r[durability.inputs]
        Database db = Database.create();
        InputIngredient<String, String> plain = db.input("plain", String.class, String.class);
        InputIngredient<String, String> medium = db.input("medium", String.class, String.class, Durability.MEDIUM);
        InputIngredient<String, String> high = db.input("high", String.class, String.class, Durability.HIGH);
        db.derived("derived", String.class, String.class, (ctx, k) -> k);

        assertThat(plain.durability()).isEqualTo(Durability.LOW);
        assertThat(medium.durability()).isEqualTo(Durability.MEDIUM);
        assertThat(high.durability()).isEqualTo(Durability.HIGH);
        assertThat(db.inspector().ingredient("plain").durability()).isEqualTo(Durability.LOW);
        assertThat(db.inspector().ingredient("medium").durability()).isEqualTo(Durability.MEDIUM);
        assertThat(db.inspector().ingredient("high").durability()).isEqualTo(Durability.HIGH);
        assertThat(db.inspector().ingredient("derived").durability()).isNull();

        // all slots share it, in every view
        high.set(db, "one", "1");
        high.set(db, "two", "2");
        Snapshot snapshot = db.snapshot();
        high.set(snapshot, "three", "3");
        assertThat(high.durability()).isEqualTo(Durability.HIGH);
        assertThat(high.get(snapshot, "three")).contains("3");
    }

    /**
     * The example of SEMANTICS.md section 7: {@code cfg} reads {@code setting}, which reads the HIGH input
     * {@code config}; {@code parse} reads the LOW input {@code source} and {@code cfg}.
     */
    private static final class Workspace {
        final Database db = Database.create();
        final InputIngredient<String, String> config = db.input("config", String.class, String.class,
                Durability.HIGH);
        final InputIngredient<String, String> source = db.input("source", String.class, String.class);
        final AtomicInteger settingRuns = new AtomicInteger();
        final AtomicInteger cfgRuns = new AtomicInteger();
        final AtomicInteger parseRuns = new AtomicInteger();
        final DerivedIngredient<String, String> setting = db.derived("setting", String.class, String.class,
                (ctx, k) -> {
                    settingRuns.incrementAndGet();
                    return config.require(ctx, k).trim();
                });
        final DerivedIngredient<String, String> cfg = db.derived("cfg", String.class, String.class, (ctx, k) -> {
            cfgRuns.incrementAndGet();
            return "edition " + setting.get(ctx, k);
        });
        final DerivedIngredient<String, String> parse = db.derived("parse", String.class, String.class,
                (ctx, k) -> {
                    parseRuns.incrementAndGet();
                    return source.require(ctx, k) + " @ " + cfg.get(ctx, "edition");
                });

        Workspace() {
            config.set(db, "edition", " 2021 ");
            source.set(db, "main.rs", "fn main");
            source.set(db, "lib.rs", "mod x");
        }

        Counters counters(String ingredient) {
            return db.inspector().ingredient(ingredient).counters();
        }

        Explanation explain(String ingredient, Object key) {
            return db.inspector().explain(ingredient, key);
        }
    }

    @Test
    void queryReadingOnlyDurableInputsIsReusedWithoutWalkAfterALowChange() {
        // r[durability.revalidation-opt]
        Workspace w = new Workspace();
        assertThat(w.parse.get(w.db, "main.rs")).isEqualTo("fn main @ edition 2021");
        Counters settingBefore = w.counters("setting");
        Explanation settingExplained = w.explain("setting", "edition");
        Counters cfgBefore = w.counters("cfg");

        Revision low = w.source.set(w.db, "lib.rs", "mod y"); // LOW change nobody here read
        assertThat(w.cfg.get(w.db, "edition")).isEqualTo("edition 2021");

        Explanation cfgExplained = w.explain("cfg", "edition");
        assertThat(cfgExplained.outcome()).isEqualTo(Outcome.DURABILITY_SHORTCUT);
        assertThat(cfgExplained.revision()).isEqualTo(low);
        Counters cfgAfter = w.counters("cfg");
        assertThat(cfgAfter.revalidations()).isEqualTo(cfgBefore.revalidations() + 1);
        assertThat(cfgAfter.computations()).isEqualTo(cfgBefore.computations());
        // its dependency was not walked: setting was neither touched nor re-explained
        assertThat(w.counters("setting")).isEqualTo(settingBefore);
        assertThat(w.explain("setting", "edition")).isEqualTo(settingExplained);
        assertThat(w.db.inspector().cell("cfg", "edition").orElseThrow().verifiedAt()).isEqualTo(low);

        // a query that read the LOW input is revalidated by walking its dependencies
        assertThat(w.parse.get(w.db, "main.rs")).isEqualTo("fn main @ edition 2021");
        assertThat(w.explain("parse", "main.rs").outcome()).isEqualTo(Outcome.REVALIDATED);
        assertThat(w.parseRuns).hasValue(1);
        assertThat(w.cfgRuns).hasValue(1);
        assertThat(w.settingRuns).hasValue(1);
    }

    @Test
    void durableQueryIsWalkedOnceAnInputOfItsLevelChanged() {
        // r[durability.revalidation-opt]
        Workspace w = new Workspace();
        assertThat(w.parse.get(w.db, "main.rs")).isEqualTo("fn main @ edition 2021");

        Revision high = w.config.set(w.db, "lints", "deny"); // HIGH change the query did not read
        assertThat(w.cfg.get(w.db, "edition")).isEqualTo("edition 2021");
        assertThat(w.explain("cfg", "edition").outcome()).isEqualTo(Outcome.REVALIDATED);
        assertThat(w.explain("cfg", "edition").revision()).isEqualTo(high);
        assertThat(w.cfgRuns).hasValue(1);
        assertThat(w.settingRuns).hasValue(1);

        w.config.set(w.db, "edition", "2024"); // HIGH change it read
        assertThat(w.parse.get(w.db, "main.rs")).isEqualTo("fn main @ edition 2024");
        assertThat(w.settingRuns).hasValue(2);
        assertThat(w.cfgRuns).hasValue(2);
        assertThat(w.parseRuns).hasValue(2);
    }

    @Test
    void shortcutAppliesPerLevel() {
        // r[durability.revalidation-opt]
        Database db = Database.create();
        InputIngredient<String, Integer> low = db.input("low", String.class, Integer.class);
        InputIngredient<String, Integer> medium = db.input("medium", String.class, Integer.class, Durability.MEDIUM);
        InputIngredient<String, Integer> high = db.input("high", String.class, Integer.class, Durability.HIGH);
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, Integer> readsMedium = db.derived("readsMedium", String.class, Integer.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return medium.require(ctx, "m") + high.require(ctx, "h");
                });
        DerivedIngredient<String, Integer> readsHigh = db.derived("readsHigh", String.class, Integer.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return high.require(ctx, "h");
                });
        DerivedIngredient<String, Integer> readsAll = db.derived("readsAll", String.class, Integer.class,
                (ctx, k) -> {
                    runs.incrementAndGet();
                    return low.require(ctx, "l") + high.require(ctx, "h");
                });
        low.set(db, "l", 1);
        medium.set(db, "m", 10);
        high.set(db, "h", 100);
        low.set(db, "other", 0);
        medium.set(db, "other", 0);
        high.set(db, "other", 0);
        getAll(db, readsMedium, readsHigh, readsAll);
        assertThat(runs).hasValue(3);

        low.set(db, "other", 1);
        getAll(db, readsMedium, readsHigh, readsAll);
        assertThat(outcomes(db)).containsExactly(Outcome.DURABILITY_SHORTCUT, Outcome.DURABILITY_SHORTCUT,
                Outcome.REVALIDATED);

        medium.set(db, "other", 1);
        getAll(db, readsMedium, readsHigh, readsAll);
        assertThat(outcomes(db)).containsExactly(Outcome.REVALIDATED, Outcome.DURABILITY_SHORTCUT,
                Outcome.REVALIDATED);

        high.set(db, "other", 1);
        getAll(db, readsMedium, readsHigh, readsAll);
        assertThat(outcomes(db)).containsExactly(Outcome.REVALIDATED, Outcome.REVALIDATED, Outcome.REVALIDATED);
        assertThat(runs).as("nothing recomputed").hasValue(3);

        high.set(db, "h", 200);
        assertThat(getAll(db, readsMedium, readsHigh, readsAll)).containsExactly(210, 200, 201);
        assertThat(runs).hasValue(6);
    }

    @SafeVarargs
    private static List<Integer> getAll(Database db, DerivedIngredient<String, Integer>... queries) {
        List<Integer> values = new ArrayList<>();
        for (DerivedIngredient<String, Integer> q : queries) {
            values.add(q.get(db, "q"));
        }
        return values;
    }

    private static List<Outcome> outcomes(Database db) {
        return List.of(db.inspector().explain("readsMedium", "q").outcome(),
                db.inspector().explain("readsHigh", "q").outcome(),
                db.inspector().explain("readsAll", "q").outcome());
    }

    @Test
    void internedValuesCountAsHigh() {
        // r[durability.interned]
        Database db = Database.create();
        InternedIngredient<String> names = db.interned("names", String.class);
        InputIngredient<String, InternId> current = db.input("current", String.class, InternId.class,
                Durability.HIGH);
        InputIngredient<String, String> edits = db.input("edits", String.class, String.class);
        AtomicInteger upperRuns = new AtomicInteger();
        AtomicInteger greetingRuns = new AtomicInteger();
        DerivedIngredient<InternId, String> upper = db.derived("upper", InternId.class, String.class, (ctx, id) -> {
            upperRuns.incrementAndGet();
            return names.lookup(ctx, id).toUpperCase(java.util.Locale.ROOT);
        });
        DerivedIngredient<String, String> greeting = db.derived("greeting", String.class, String.class,
                (ctx, k) -> {
                    greetingRuns.incrementAndGet();
                    InternId id = current.require(ctx, k);
                    InternId hello = names.intern(ctx, "hello");
                    return names.lookup(ctx, hello) + " " + upper.get(ctx, id);
                });
        assertThat(db.inspector().ingredient("names").durability()).isEqualTo(Durability.HIGH);

        InternId ada = names.intern(db, "ada");
        current.set(db, "user", ada);
        edits.set(db, "file", "v1");
        assertThat(greeting.get(db, "user")).isEqualTo("hello ADA");

        // new intern ids change no revision and lower no durability
        Revision before = db.revision();
        names.intern(db, "bob");
        names.intern(db, "cy");
        assertThat(db.revision()).isEqualTo(before);

        Revision low = edits.set(db, "file", "v2");
        assertThat(greeting.get(db, "user")).isEqualTo("hello ADA");
        assertThat(upper.get(db, ada)).isEqualTo("ADA");
        assertThat(db.inspector().explain("greeting", "user").outcome()).isEqualTo(Outcome.DURABILITY_SHORTCUT);
        assertThat(db.inspector().explain("greeting", "user").revision()).isEqualTo(low);
        assertThat(db.inspector().explain("upper", ada).outcome()).isEqualTo(Outcome.DURABILITY_SHORTCUT);
        assertThat(greetingRuns).hasValue(1);
        assertThat(upperRuns).hasValue(1);
        assertThat(db.inspector().ingredient("names").durability()).isEqualTo(Durability.HIGH);
    }

    // ---------------------------------------------------------------- non-observability

    @Test
    void durabilityDeclarationsNeverChangeValuesOrExceptions() {
        // r[durability.nonobservable]
        List<String> allLow = scenario(Durability.LOW, Durability.LOW, Durability.LOW);
        assertThat(allLow).isEqualTo(oracle());
        assertThat(scenario(Durability.HIGH, Durability.LOW, Durability.MEDIUM)).isEqualTo(allLow);
        assertThat(scenario(Durability.LOW, Durability.MEDIUM, Durability.HIGH)).isEqualTo(allLow);
        assertThat(scenario(Durability.HIGH, Durability.HIGH, Durability.HIGH)).isEqualTo(allLow);
        assertThat(scenario(Durability.MEDIUM, Durability.HIGH, Durability.LOW)).isEqualTo(allLow);
    }

    /** The mutations of the fixed scenario: input, key, value (null = remove), applied to primary or snapshot. */
    private record Step(String input, String key, Integer value, boolean onSnapshot) {
    }

    private static final List<Step> STEPS = List.of(
            new Step("a", "x", 1, false), new Step("b", "x", 2, false), new Step("c", "x", 5, false),
            new Step("a", "y", 4, false), new Step("c", "y", -1, false),
            new Step("b", "x", 4, false), // sum(x) 3 -> 5: parity unchanged (early cutoff)
            new Step("a", "x", 2, false), // sum(x) 5 -> 6: parity flips
            new Step("c", "x", 6, true), // snapshot only
            new Step("b", "y", 1, false), new Step("c", "y", 2, false),
            new Step("a", "x", null, true), // snapshot only
            new Step("c", "x", null, false), new Step("b", "x", null, false),
            new Step("c", "x", 9, false), new Step("a", "y", 4, false) /* no-op */);

    private static final List<String> KEYS = List.of("x", "y");

    private static List<String> scenario(Durability da, Durability db, Durability dc) {
        Database database = Database.create();
        InputIngredient<String, Integer> a = database.input("a", String.class, Integer.class, da);
        InputIngredient<String, Integer> b = database.input("b", String.class, Integer.class, db);
        InputIngredient<String, Integer> c = database.input("c", String.class, Integer.class, dc);
        DerivedIngredient<String, Integer> sum = database.derived("sum", String.class, Integer.class,
                (ctx, k) -> a.get(ctx, k).orElse(0) + b.get(ctx, k).orElse(0));
        DerivedIngredient<String, String> parity = database.derived("parity", String.class, String.class,
                (ctx, k) -> sum.get(ctx, k) % 2 == 0 ? "even" : "odd");
        DerivedIngredient<String, String> label = database.derived("label", String.class, String.class,
                (ctx, k) -> {
                    int cv = c.require(ctx, k);
                    if (cv < 0) {
                        throw new IllegalStateException("negative c(" + k + ")");
                    }
                    return parity.get(ctx, k) + "/" + cv;
                });
        Map<String, InputIngredient<String, Integer>> inputs = Map.of("a", a, "b", b, "c", c);
        List<String> trace = new ArrayList<>();
        Snapshot snapshot = null;
        for (int i = 0; i < STEPS.size(); i++) {
            Step step = STEPS.get(i);
            if (i == 7) {
                snapshot = database.snapshot();
                record(trace, "snap@" + i, snapshot, sum, parity, label);
            }
            View view = step.onSnapshot() && snapshot != null ? snapshot : database;
            InputIngredient<String, Integer> input = inputs.get(step.input());
            if (step.value() == null) {
                input.remove(view, step.key());
            } else {
                input.set(view, step.key(), step.value());
            }
            record(trace, "db@" + i, database, sum, parity, label);
            if (snapshot != null) {
                record(trace, "snap@" + i, snapshot, sum, parity, label);
            }
        }
        return trace;
    }

    private static void record(List<String> trace, String where, View view, DerivedIngredient<String, Integer> sum,
            DerivedIngredient<String, String> parity, DerivedIngredient<String, String> label) {
        for (String k : KEYS) {
            trace.add(where + " sum(" + k + ")=" + outcome(() -> sum.get(view, k)));
            trace.add(where + " parity(" + k + ")=" + outcome(() -> parity.get(view, k)));
            trace.add(where + " label(" + k + ")=" + outcome(() -> label.get(view, k)));
        }
    }

    private static String outcome(java.util.function.Supplier<Object> access) {
        try {
            return String.valueOf(access.get());
        } catch (QueryFailedException e) {
            Throwable cause = e.getCause();
            String detail = cause instanceof MissingInputException missing ? String.valueOf(missing.input())
                    : cause.getMessage();
            return "failed " + cause.getClass().getSimpleName() + ": " + detail;
        }
    }

    /** The same scenario evaluated in plain Java, from scratch at every step. */
    private static List<String> oracle() {
        Map<String, Map<String, Integer>> primary = new HashMap<>();
        Map<String, Map<String, Integer>> snap = null;
        for (String name : List.of("a", "b", "c")) {
            primary.put(name, new HashMap<>());
        }
        List<String> trace = new ArrayList<>();
        for (int i = 0; i < STEPS.size(); i++) {
            Step step = STEPS.get(i);
            if (i == 7) {
                snap = new HashMap<>();
                for (Map.Entry<String, Map<String, Integer>> e : primary.entrySet()) {
                    snap.put(e.getKey(), new HashMap<>(e.getValue()));
                }
                oracleRecord(trace, "snap@" + i, snap);
            }
            Map<String, Map<String, Integer>> state = step.onSnapshot() && snap != null ? snap : primary;
            if (step.value() == null) {
                state.get(step.input()).remove(step.key());
            } else {
                state.get(step.input()).put(step.key(), step.value());
            }
            oracleRecord(trace, "db@" + i, primary);
            if (snap != null) {
                oracleRecord(trace, "snap@" + i, snap);
            }
        }
        return trace;
    }

    private static void oracleRecord(List<String> trace, String where, Map<String, Map<String, Integer>> s) {
        for (String k : KEYS) {
            int sum = s.get("a").getOrDefault(k, 0) + s.get("b").getOrDefault(k, 0);
            String parity = sum % 2 == 0 ? "even" : "odd";
            Integer c = s.get("c").get(k);
            String label = c == null ? "failed MissingInputException: c(" + k + ")"
                    : c < 0 ? "failed IllegalStateException: negative c(" + k + ")" : parity + "/" + c;
            trace.add(where + " sum(" + k + ")=" + sum);
            trace.add(where + " parity(" + k + ")=" + parity);
            trace.add(where + " label(" + k + ")=" + label);
        }
    }
}
