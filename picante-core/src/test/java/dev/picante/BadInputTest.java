package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Misuse of the API: nulls, wrong runtime types, array keys, duplicate names, ingredients of another
 * database, writes through a {@link QueryContext}. Each is refused with the documented exception and leaves
 * the database usable and unchanged; {@link #databaseIsUnchangedAndUsable()} checks that after every test.
 */
class BadInputTest {

    private final Database db = Database.builder().name("alphaDb").build();
    private final InputIngredient<String, String> sourceFiles = db.input("sourceFiles", String.class, String.class);
    private final AtomicInteger wordCountRuns = new AtomicInteger();
    private final DerivedIngredient<String, Integer> wordCount = db.derived("wordCount", String.class, Integer.class,
            (ctx, k) -> {
                wordCountRuns.incrementAndGet();
                return sourceFiles.require(ctx, k).split(" ").length;
            });
    private final InternedIngredient<String> symbolTable = db.interned("symbolTable", String.class);
    private final List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    private final Revision initialRevision;
    private final InternId initialSymbol;

    BadInputTest() {
        sourceFiles.set(db, "a", "one two three");
        initialSymbol = symbolTable.intern(db, "sym");
        assertThat(wordCount.get(db, "a")).isEqualTo(3);
        initialRevision = db.revision();
        db.subscribe(events::add);
    }

    @AfterEach
    void databaseIsUnchangedAndUsable() {
        assertThat(db.revision()).isEqualTo(initialRevision);
        assertThat(events).isEmpty();
        assertThat(sourceFiles.get(db, "a")).contains("one two three");
        assertThat(sourceFiles.get(db, "b")).isEmpty();
        assertThat(wordCount.get(db, "a")).isEqualTo(3);
        assertThat(wordCountRuns).as("dependents were not invalidated").hasValue(1);
        assertThat(symbolTable.lookup(db, initialSymbol)).isEqualTo("sym");

        Revision r = sourceFiles.set(db, "a", "one two");
        assertThat(r).isGreaterThan(initialRevision);
        assertThat(wordCount.get(db, "a")).isEqualTo(2);
        assertThat(symbolTable.intern(db, "next")).isEqualTo(new InternId(1));
    }

    // ---------------------------------------------------------------- nulls

    @Test
    void nullKeysAndValuesOfInputsAreRejectedNamingTheIngredient() {
        // r[input.set] r[input.get]
        assertNpeNaming("sourceFiles", () -> sourceFiles.get(db, nullValue()));
        assertNpeNaming("sourceFiles", () -> sourceFiles.require(db, nullValue()));
        assertNpeNaming("sourceFiles", () -> sourceFiles.set(db, nullValue(), "v"));
        assertNpeNaming("sourceFiles", () -> sourceFiles.set(db, "b", nullValue()));
        assertNpeNaming("sourceFiles", () -> sourceFiles.set(db, "a", nullValue()));
        assertNpeNaming("sourceFiles", () -> sourceFiles.remove(db, nullValue()));
    }

    @Test
    void nullKeysAndValuesInBatchesAreRejectedNamingTheIngredient() {
        // r[input.batch]
        assertNpeNaming("sourceFiles", () -> db.batch().set(sourceFiles, "b", "ok").set(sourceFiles, nullValue(), "v")
                .commit());
        assertNpeNaming("sourceFiles", () -> db.batch().set(sourceFiles, "b", "ok").set(sourceFiles, "a", nullValue())
                .commit());
        assertNpeNaming("sourceFiles", () -> db.batch().set(sourceFiles, "b", "ok").remove(sourceFiles, nullValue())
                .commit());
    }

    @Test
    void nullKeysOfDerivedQueriesAreRejectedNamingTheIngredient() {
        // r[revision.choose]
        assertNpeNaming("wordCount", () -> wordCount.get(db, nullValue()));
        assertThat(asyncFailure(() -> wordCount.getAsync(db, nullValue())))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("wordCount");
    }

    @Test
    void nullValuesAndIdsOfInternedTablesAreRejectedNamingTheIngredient() {
        // r[intern.dedup]
        assertNpeNaming("symbolTable", () -> symbolTable.intern(db, nullValue()));
        assertNpeNaming("symbolTable", () -> symbolTable.lookup(db, nullValue()));
    }

    @Test
    void nullsAreRejectedOnSnapshotsToo() {
        // r[input.set]
        Snapshot s = db.snapshot();
        Revision sRev = s.revision();

        assertNpeNaming("sourceFiles", () -> sourceFiles.set(s, "b", nullValue()));
        assertNpeNaming("sourceFiles", () -> s.batch().set(sourceFiles, nullValue(), "x").commit());
        assertNpeNaming("wordCount", () -> wordCount.get(s, nullValue()));

        assertThat(s.revision()).isEqualTo(sRev);
        assertThat(sourceFiles.get(s, "b")).isEmpty();
    }

    // ---------------------------------------------------------------- wrong runtime types

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void wrongRuntimeTypesOfInputKeysAndValuesAreRejectedNamingIngredientAndTypes() {
        // r[kind.identity] r[input.set]
        InputIngredient raw = sourceFiles;

        assertIaeNaming(() -> raw.set(db, 42, "v"), "sourceFiles", "Integer", "String");
        assertIaeNaming(() -> raw.set(db, "b", 42), "sourceFiles", "Integer", "String");
        assertIaeNaming(() -> raw.set(db, "a", 42L), "sourceFiles", "Long", "String");
        assertIaeNaming(() -> raw.get(db, 42), "sourceFiles", "Integer", "String");
        assertIaeNaming(() -> raw.require(db, 42), "sourceFiles", "Integer", "String");
        assertIaeNaming(() -> raw.remove(db, 42), "sourceFiles", "Integer", "String");
        assertIaeNaming(() -> db.batch().set(raw, "b", 42).commit(), "sourceFiles", "Integer", "String");
        assertIaeNaming(() -> db.batch().remove(raw, 42).commit(), "sourceFiles", "Integer", "String");
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void wrongRuntimeTypesOfDerivedKeysAndInternedValuesAreRejected() {
        // r[kind.identity]
        DerivedIngredient rawDerived = wordCount;
        InternedIngredient rawInterned = symbolTable;

        assertIaeNaming(() -> rawDerived.get(db, 42), "wordCount", "Integer", "String");
        assertThat(asyncFailure(() -> rawDerived.getAsync(db, 42))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wordCount");
        assertIaeNaming(() -> rawInterned.intern(db, 42), "symbolTable", "Integer", "String");
        assertThat(wordCountRuns).hasValue(1);
    }

    @Test
    void valuesOfSubtypesOfTheDeclaredTypeAreAccepted() {
        // r[input.set]
        Database other = Database.create();
        InputIngredient<Object, Number> numbers = other.input("numbers", Object.class, Number.class);

        numbers.set(other, "int", 1);
        numbers.set(other, 2L, 2.5d);

        assertThat(numbers.get(other, "int")).contains(1);
        assertThat(numbers.get(other, 2L)).contains(2.5d);
    }

    // ---------------------------------------------------------------- array keys

    @Test
    void arrayKeyTypesAreRejectedAtRegistrationAndTheNameStaysFree() {
        // r[kind.identity]
        assertThatThrownBy(() -> db.input("arrayInput", String[].class, String.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> db.input("arrayInput", int[].class, String.class, Durability.HIGH))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> db.derived("arrayDerived", byte[].class, String.class, (ctx, k) -> "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> db.interned("arrayInterned", Object[].class))
                .isInstanceOf(IllegalArgumentException.class);

        InputIngredient<String, String> input = db.input("arrayInput", String.class, String.class);
        DerivedIngredient<String, String> derived = db.derived("arrayDerived", String.class, String.class,
                (ctx, k) -> k + "!");
        InternedIngredient<String> interned = db.interned("arrayInterned", String.class);
        assertThat(input.get(db, "x")).isEmpty();
        assertThat(derived.get(db, "x")).isEqualTo("x!");
        assertThat(interned.intern(db, "x")).isEqualTo(new InternId(0));
    }

    @Test
    void arrayValueTypesAreAcceptedForInputsAndDerivedQueriesWhateverTheKeyType() {
        // r[equality.relation] r[kind.identity]
        Database other = Database.create();
        InternedIngredient<String> names = other.interned("names", String.class);
        InputIngredient<String, int[]> byName = other.input("vectorsByName", String.class, int[].class);
        InputIngredient<InternId, int[]> byId = other.input("vectorsById", InternId.class, int[].class);
        DerivedIngredient<InternId, String[]> letters = other.derived("letters", InternId.class, String[].class,
                (ctx, id) -> names.lookup(ctx, id).split(""));
        InternId abc = names.intern(other, "abc");

        byName.set(other, "v", new int[] {1, 2});
        Revision r = byId.set(other, abc, new int[] {3});

        assertThat(byName.require(other, "v")).containsExactly(1, 2);
        assertThat(byId.require(other, abc)).containsExactly(3);
        assertThat(byId.set(other, abc, new int[] {3})).as("an equal array is a no-op").isEqualTo(r);
        assertThat(letters.get(other, abc)).containsExactly("a", "b", "c");
    }

    // ---------------------------------------------------------------- duplicate names

    @Test
    void duplicateIngredientNamesAreRejectedWhateverTheKinds() {
        // r[kind.identity]
        List<Function<Database, Object>> kinds = List.of(
                d -> d.input("dup", String.class, String.class),
                d -> d.input("dup", Integer.class, Integer.class, Durability.MEDIUM),
                d -> d.derived("dup", String.class, String.class, (ctx, k) -> k),
                d -> d.interned("dup", String.class));
        List<String> accepted = new ArrayList<>();
        for (int first = 0; first < kinds.size(); first++) {
            for (int second = 0; second < kinds.size(); second++) {
                Database fresh = Database.create();
                Object registered = kinds.get(first).apply(fresh);
                Function<Database, Object> again = kinds.get(second);
                try {
                    again.apply(fresh);
                    accepted.add(first + " then " + second);
                } catch (IllegalArgumentException e) {
                    assertThat(e).hasMessageContaining("dup");
                }
                assertThat(fresh.revision()).isEqualTo(new Revision(0));
                assertStillWorks(fresh, registered);
            }
        }
        assertThat(accepted).as("registrations of a taken name that were accepted").isEmpty();
    }

    @Test
    void takenNamesOfThisDatabaseAreRejectedButOtherDatabasesAreIndependent() {
        // r[kind.identity]
        assertThatThrownBy(() -> db.interned("sourceFiles", String.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sourceFiles");
        assertThatThrownBy(() -> db.input("wordCount", String.class, String.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wordCount");
        assertThatThrownBy(() -> db.derived("symbolTable", String.class, String.class, (ctx, k) -> k))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("symbolTable");

        Database other = Database.create();
        InputIngredient<String, String> sameName = other.input("sourceFiles", String.class, String.class);
        sameName.set(other, "a", "elsewhere");
        assertThat(sameName.get(other, "a")).contains("elsewhere");
    }

    @SuppressWarnings("unchecked")
    private static void assertStillWorks(Database d, Object ingredient) {
        if (ingredient instanceof InputIngredient<?, ?> input) {
            if (input.durability() == Durability.MEDIUM) {
                InputIngredient<Integer, Integer> ints = (InputIngredient<Integer, Integer>) input;
                ints.set(d, 1, 1);
                assertThat(ints.get(d, 1)).contains(1);
            } else {
                InputIngredient<String, String> strings = (InputIngredient<String, String>) input;
                strings.set(d, "k", "v");
                assertThat(strings.get(d, "k")).contains("v");
            }
        } else if (ingredient instanceof DerivedIngredient<?, ?> derived) {
            assertThat(((DerivedIngredient<String, String>) derived).get(d, "k")).isEqualTo("k");
        } else {
            InternedIngredient<String> interned = (InternedIngredient<String>) ingredient;
            assertThat(interned.lookup(d, interned.intern(d, "v"))).isEqualTo("v");
        }
        assertThat(d.inspector().ingredients()).hasSize(1);
    }

    // ---------------------------------------------------------------- another database's views

    @Test
    void ingredientsUsedWithAnotherDatabaseAreRejectedNamingBothDatabases() {
        // r[kind.identity]
        Database beta = Database.builder().name("betaDb").build();
        InputIngredient<String, String> betaFiles = beta.input("sourceFiles", String.class, String.class);
        betaFiles.set(beta, "a", "beta value");
        Revision betaRev = beta.revision();
        Snapshot betaSnapshot = beta.snapshot();

        for (View foreign : List.<View>of(beta, betaSnapshot)) {
            assertIaeNaming(() -> sourceFiles.get(foreign, "a"), "alphaDb", "betaDb");
            assertIaeNaming(() -> sourceFiles.require(foreign, "a"), "alphaDb", "betaDb");
            assertIaeNaming(() -> sourceFiles.set(foreign, "a", "x"), "alphaDb", "betaDb");
            assertIaeNaming(() -> sourceFiles.remove(foreign, "a"), "alphaDb", "betaDb");
            assertIaeNaming(() -> wordCount.get(foreign, "a"), "alphaDb", "betaDb");
            assertIaeNaming(() -> symbolTable.intern(foreign, "x"), "alphaDb", "betaDb");
            assertIaeNaming(() -> symbolTable.lookup(foreign, initialSymbol), "alphaDb", "betaDb");
            assertThat(asyncFailure(() -> wordCount.getAsync(foreign, "a")))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        assertThat(beta.revision()).isEqualTo(betaRev);
        assertThat(betaSnapshot.revision()).isEqualTo(betaRev);
        assertThat(betaFiles.get(beta, "a")).contains("beta value");
        assertThat(betaFiles.get(betaSnapshot, "a")).contains("beta value");
        assertThat(wordCountRuns).hasValue(1);
    }

    @Test
    void batchOfAnotherDatabaseRejectsTheIngredientNamingBothDatabases() {
        // r[kind.identity] r[input.batch]
        Database beta = Database.builder().name("betaDb").build();
        InputIngredient<String, String> betaFiles = beta.input("sourceFiles", String.class, String.class);
        betaFiles.set(beta, "a", "beta value");
        Revision betaRev = beta.revision();
        Snapshot betaSnapshot = beta.snapshot();

        for (View foreign : List.<View>of(beta, betaSnapshot)) {
            assertIaeNaming(() -> foreign.batch().set(sourceFiles, "a", "x").commit(), "alphaDb", "betaDb");
            assertIaeNaming(() -> foreign.batch().remove(sourceFiles, "a").commit(), "alphaDb", "betaDb");
        }

        assertThat(beta.revision()).isEqualTo(betaRev);
        assertThat(betaSnapshot.revision()).isEqualTo(betaRev);
        assertThat(betaFiles.get(beta, "a")).contains("beta value");
    }

    @Test
    void batchOfAnotherDatabaseRejectsTheIngredient() {
        // r[kind.identity] r[input.batch]
        Database beta = Database.builder().name("betaDb").build();
        Snapshot betaSnapshot = beta.snapshot();

        for (View foreign : List.<View>of(beta, betaSnapshot)) {
            assertThatThrownBy(() -> foreign.batch().set(sourceFiles, "a", "x").commit())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sourceFiles");
            assertThatThrownBy(() -> foreign.batch().remove(sourceFiles, "a").commit())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sourceFiles");
        }
        assertThat(beta.revision()).isEqualTo(new Revision(0));
    }

    @Test
    void batchMixingIngredientsOfTwoDatabasesAppliesNothing() {
        // r[input.batch]
        Database beta = Database.builder().name("betaDb").build();
        InputIngredient<String, String> betaFiles = beta.input("betaFiles", String.class, String.class);

        assertIaeNaming(() -> db.batch().set(sourceFiles, "b", "x").set(betaFiles, "b", "y").commit(),
                "alphaDb", "betaDb");

        assertThat(beta.revision()).isEqualTo(new Revision(0));
        assertThat(betaFiles.get(beta, "b")).isEmpty();
    }

    // ---------------------------------------------------------------- writes through a QueryContext

    @Test
    void writingInputsThroughAQueryContextThrowsIllegalState() {
        // r[revision.choose] r[derived.revision-binding]
        List<String> outcomes = new CopyOnWriteArrayList<>();
        DerivedIngredient<String, String> writer = db.derived("writer", String.class, String.class, (ctx, k) -> {
            outcomes.add(attempt(() -> sourceFiles.set(ctx, "b", "from a query")));
            outcomes.add(attempt(() -> sourceFiles.set(ctx, "a", "changed by a query")));
            outcomes.add(attempt(() -> sourceFiles.remove(ctx, "a")));
            outcomes.add(attempt(() -> ctx.batch().set(sourceFiles, "b", "x").commit()));
            return sourceFiles.require(ctx, "a");
        });

        assertThat(writer.get(db, "k")).isEqualTo("one two three");

        assertThat(outcomes).containsOnly("IllegalStateException").hasSize(4);
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void inputReadsThroughAQueryContextCheckTheKeyThenTheDatabaseNamingThem() {
        // r[input.get] r[kind.identity] r[derived.revision-binding]: the read path a computation takes (the context
        // tested first, the key's exact class, the database by reference) refuses what every other view refuses,
        // in the same order (the key before the database), and accepts keys of a subtype of the key type.
        Database beta = Database.builder().name("betaDb").build();
        InputIngredient<Number, String> byNumber = beta.input("byNumber", Number.class, String.class);
        byNumber.set(beta, 7, "seven");
        InputIngredient raw = sourceFiles;
        InputIngredient rawByNumber = byNumber;
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        DerivedIngredient<String, String> reader = beta.derived("reader", String.class, String.class, (ctx, k) -> {
            for (Runnable read : List.<Runnable>of(
                    () -> sourceFiles.get(ctx, nullValue()),       // null key: refused before the database
                    () -> raw.require(ctx, 42),                     // wrong key type: refused before the database
                    () -> sourceFiles.get(ctx, "a"),                // alphaDb's input, betaDb's context
                    () -> sourceFiles.require(ctx, "a"),
                    () -> rawByNumber.get(ctx, "not a number"))) {
                try {
                    read.run();
                    failures.add(null);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            return byNumber.require(ctx, 7) + byNumber.get(ctx, 7L).orElse("/none"); // Integer, Long: Number keys
        });

        assertThat(reader.get(beta, "k")).isEqualTo("seven/none");

        assertThat(failures).hasSize(5).doesNotContainNull();
        assertThat(failures.get(0)).isInstanceOf(NullPointerException.class).hasMessageContaining("sourceFiles");
        assertThat(failures.get(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("sourceFiles", "Integer", "String");
        assertThat(failures.get(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("sourceFiles", "alphaDb", "betaDb");
        assertThat(failures.get(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("alphaDb", "betaDb");
        assertThat(failures.get(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("byNumber", "String", "Number");
    }

    @Test
    void readingThroughAQueryContextAfterItsComputationReturnedThrowsIllegalState() {
        // r[revision.choose] r[derived.revision-binding]
        AtomicReference<QueryContext> leaked = new AtomicReference<>();
        DerivedIngredient<String, String> leaker = db.derived("leaker", String.class, String.class, (ctx, k) -> {
            leaked.set(ctx);
            return sourceFiles.require(ctx, "a");
        });
        assertThat(leaker.get(db, "k")).isEqualTo("one two three");
        QueryContext ctx = leaked.get();

        assertThatThrownBy(() -> sourceFiles.get(ctx, "a")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> wordCount.get(ctx, "a")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sourceFiles.set(ctx, "a", "x")).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- helpers

    /** A {@code null} typed as anything, for calls that must reject it. */
    private static <T> T nullValue() {
        return null;
    }

    private static void assertNpeNaming(String ingredient, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(NullPointerException.class).hasMessageContaining(ingredient);
    }

    private static void assertIaeNaming(ThrowingCallable call, String... parts) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll(parts);
    }

    /** The exception a call throws, or the one its future completes with; {@code null} if it succeeds. */
    private static Throwable asyncFailure(Supplier<CompletableFuture<?>> call) {
        CompletableFuture<?> future;
        try {
            future = call.get();
        } catch (RuntimeException e) {
            return e;
        }
        try {
            future.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    private static String attempt(Runnable write) {
        try {
            write.run();
            return "no exception";
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }
}
