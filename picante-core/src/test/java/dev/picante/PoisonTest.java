package dev.picante;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.picante.Inspector.CellInfo;
import dev.picante.Inspector.CellState;
import dev.picante.Inspector.Outcome;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failures of compute functions: memoized for their revision (poison), propagated along dependency edges,
 * kept through eviction, and dropped once the revision advances.
 */
@Timeout(10)
class PoisonTest {

    /** A database with a "mode" input and a query "risky" that throws a new throwable of one kind per run. */
    private static final class Fixture {
        final Database db;
        final InputIngredient<String, String> mode;
        final InputIngredient<String, String> other;
        final DerivedIngredient<String, String> risky;
        final AtomicInteger runs = new AtomicInteger();
        final List<Throwable> thrown = new CopyOnWriteArrayList<>();

        Fixture(String kind) {
            this(Database.create(), kind);
        }

        Fixture(Database db, String kind) {
            this.db = db;
            this.mode = db.input("mode", String.class, String.class);
            this.other = db.input("other", String.class, String.class);
            this.risky = db.derived("risky", String.class, String.class, (ctx, k) -> {
                runs.incrementAndGet();
                String m = mode.require(ctx, k);
                if (!m.equals("fail")) {
                    return "ok:" + m;
                }
                Throwable t = switch (kind) {
                    case "checked" -> new IOException("disk on fire " + runs.get());
                    case "runtime" -> new IllegalStateException("bad state " + runs.get());
                    case "error" -> new Error("fatal " + runs.get());
                    default -> throw new IllegalArgumentException(kind);
                };
                thrown.add(t);
                if (t instanceof Exception e) {
                    throw e;
                }
                throw (Error) t;
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"checked", "runtime", "error"})
    void failureIsMemoizedForItsRevisionWithTheSameCause(String kind) {
        // r[cell.poison]
        Fixture f = new Fixture(kind);
        Revision r = f.mode.set(f.db, "job-7", "fail");

        QueryFailedException first = catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "job-7"));
        QueryFailedException second = catchThrowableOfType(QueryFailedException.class,
                () -> f.risky.get(f.db, "job-7"));

        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(f.runs).as("compute ran once").hasValue(1);
        assertThat(f.thrown).hasSize(1);
        assertThat(first.getCause()).isSameAs(f.thrown.get(0));
        assertThat(second.getCause()).isSameAs(f.thrown.get(0));
        assertThat(first.revision()).isEqualTo(r);
        assertThat(second.revision()).isEqualTo(r);
        assertThat(first.query()).isEqualTo(new QueryRef("risky", "job-7"));
        assertThat(first.getMessage()).contains("risky").contains("job-7");

        // the async path reports the same memoized failure
        CompletableFuture<String> async = f.risky.getAsync(f.db, "job-7");
        assertThat(async).failsWithin(5, SECONDS).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(QueryFailedException.class)
                .havingCause().isSameAs(f.thrown.get(0));
        assertThat(f.runs).hasValue(1);

        // after an input change the query recomputes
        f.mode.set(f.db, "job-7", "fixed");
        assertThat(f.risky.get(f.db, "job-7")).isEqualTo("ok:fixed");
        assertThat(f.runs).hasValue(2);
    }

    @Test
    void failureIsNotReusedAtALaterRevision() {
        // r[changed-at.poison]
        // r[cell.poison]
        Fixture f = new Fixture("runtime");
        f.mode.set(f.db, "k", "fail");
        QueryFailedException atR1 = catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "k"));

        Revision r2 = f.other.set(f.db, "x", "unrelated");
        QueryFailedException atR2 = catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "k"));

        assertThat(f.runs).as("poison of R1 is not a cached result at R2").hasValue(2);
        assertThat(atR2.revision()).isEqualTo(r2);
        assertThat(atR2.getCause()).isSameAs(f.thrown.get(1)).isNotSameAs(atR1.getCause());
        assertThat(f.risky.getAsync(f.db, "k")).failsWithin(5, SECONDS);
        assertThat(f.runs).hasValue(2);
    }

    @Test
    void dependentThatCaughtAnOlderFailureIsRecomputedAtALaterRevision() {
        // r[changed-at.poison]
        Fixture f = new Fixture("checked");
        AtomicInteger safeRuns = new AtomicInteger();
        DerivedIngredient<String, String> safe = f.db.derived("safe", String.class, String.class, (ctx, k) -> {
            safeRuns.incrementAndGet();
            try {
                return f.risky.get(ctx, k);
            } catch (QueryFailedException e) {
                return "fallback after " + e.getCause().getMessage();
            }
        });
        f.mode.set(f.db, "k", "fail");
        assertThat(safe.get(f.db, "k")).isEqualTo("fallback after disk on fire 1");

        // nothing risky read changed, but its only known outcome is a failure of an older revision
        f.other.set(f.db, "x", "unrelated");
        assertThat(safe.get(f.db, "k")).isEqualTo("fallback after disk on fire 2");
        assertThat(f.runs).hasValue(2);
        assertThat(safeRuns).hasValue(2);

        f.mode.set(f.db, "k", "good");
        assertThat(safe.get(f.db, "k")).isEqualTo("ok:good");
        assertThat(safeRuns).hasValue(3);
    }

    @Test
    void failureTravelsAlongDependencyEdgesWithTheOriginalCause() {
        // r[cell.poison]
        Fixture f = new Fixture("checked");
        AtomicInteger midRuns = new AtomicInteger();
        AtomicInteger topRuns = new AtomicInteger();
        DerivedIngredient<String, String> mid = f.db.derived("mid", String.class, String.class, (ctx, k) -> {
            midRuns.incrementAndGet();
            return "mid:" + f.risky.get(ctx, k);
        });
        DerivedIngredient<String, String> top = f.db.derived("top", String.class, String.class, (ctx, k) -> {
            topRuns.incrementAndGet();
            return "top:" + mid.get(ctx, k);
        });
        Revision r = f.mode.set(f.db, "k", "fail");

        QueryFailedException fromTop = catchThrowableOfType(QueryFailedException.class, () -> top.get(f.db, "k"));
        assertThat(fromTop.getCause()).isInstanceOf(IOException.class).isSameAs(f.thrown.get(0));
        assertThat(fromTop.query()).isEqualTo(new QueryRef("top", "k"));
        assertThat(fromTop.revision()).isEqualTo(r);

        QueryFailedException fromMid = catchThrowableOfType(QueryFailedException.class, () -> mid.get(f.db, "k"));
        assertThat(fromMid.getCause()).isSameAs(f.thrown.get(0));
        assertThat(fromMid.query()).isEqualTo(new QueryRef("mid", "k"));
        QueryFailedException fromRisky = catchThrowableOfType(QueryFailedException.class,
                () -> f.risky.get(f.db, "k"));
        assertThat(fromRisky.getCause()).isSameAs(f.thrown.get(0));

        catchThrowableOfType(QueryFailedException.class, () -> top.get(f.db, "k"));
        assertThat(f.runs).hasValue(1);
        assertThat(midRuns).hasValue(1);
        assertThat(topRuns).hasValue(1);

        f.mode.set(f.db, "k", "fine");
        assertThat(top.get(f.db, "k")).isEqualTo("top:mid:ok:fine");
        assertThat(topRuns).hasValue(2);
    }

    @Test
    void queryCatchingADependencyFailureReturnsDataAndIsNotPoisoned() {
        // r[cell.poison]
        Fixture f = new Fixture("runtime");
        AtomicInteger safeRuns = new AtomicInteger();
        DerivedIngredient<String, String> safe = f.db.derived("safe", String.class, String.class, (ctx, k) -> {
            safeRuns.incrementAndGet();
            try {
                return f.risky.get(ctx, k);
            } catch (QueryFailedException e) {
                return "default (" + e.getCause().getClass().getSimpleName() + ")";
            }
        });
        f.mode.set(f.db, "k", "fail");
        assertThat(safe.get(f.db, "k")).isEqualTo("default (IllegalStateException)");
        assertThat(safe.get(f.db, "k")).isEqualTo("default (IllegalStateException)");
        assertThat(safeRuns).hasValue(1);
        assertThat(f.db.inspector().cell("safe", "k")).get().extracting(CellInfo::state)
                .isEqualTo(CellState.READY);
        assertThat(f.db.inspector().cell("risky", "k")).get().extracting(CellInfo::state)
                .isEqualTo(CellState.POISONED);

        f.mode.set(f.db, "k", "recovered");
        assertThat(safe.get(f.db, "k")).isEqualTo("ok:recovered");
        assertThat(safeRuns).hasValue(2);
    }

    @Test
    void requireOfAMissingInputFailsTheQueryWithMissingInputException() {
        // r[cell.poison]
        Fixture f = new Fixture("runtime");
        Revision r = f.db.revision();
        QueryFailedException e = catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "nope"));
        assertThat(e.getCause()).isInstanceOf(MissingInputException.class);
        MissingInputException missing = (MissingInputException) e.getCause();
        assertThat(missing.input()).isEqualTo(new QueryRef("mode", "nope"));
        assertThat(missing.revision()).isEqualTo(r);
        assertThat(missing.getMessage()).contains("mode(nope)");
        assertThat(catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "nope")).getCause())
                .isSameAs(missing);
        assertThat(f.runs).hasValue(1);

        f.mode.set(f.db, "nope", "now set");
        assertThat(f.risky.get(f.db, "nope")).isEqualTo("ok:now set");
    }

    @Test
    void computeReturningNullFailsWithNullPointerException() {
        // r[cell.poison]
        Database db = Database.create();
        AtomicInteger runs = new AtomicInteger();
        DerivedIngredient<String, String> nothing = db.derived("nothing", String.class, String.class, (ctx, k) -> {
            runs.incrementAndGet();
            return nullString();
        });
        QueryFailedException e = catchThrowableOfType(QueryFailedException.class, () -> nothing.get(db, "k"));
        assertThat(e.getCause()).isInstanceOf(NullPointerException.class);
        assertThat(e.query()).isEqualTo(new QueryRef("nothing", "k"));
        catchThrowableOfType(QueryFailedException.class, () -> nothing.get(db, "k"));
        assertThat(runs).hasValue(1);
    }

    @Test
    void getAllReportsTheFirstFailureInKeyOrder() {
        // r[cell.poison]
        Database db = Database.create();
        List<Throwable> thrown = new CopyOnWriteArrayList<>();
        DerivedIngredient<Integer, Integer> item = db.derived("item", Integer.class, Integer.class, (ctx, k) -> {
            if (k >= 2) {
                IllegalStateException e = new IllegalStateException("item " + k);
                thrown.add(e);
                throw e;
            }
            return k;
        });
        DerivedIngredient<String, Integer> sum = db.derived("sum", String.class, Integer.class,
                (ctx, k) -> ctx.getAll(item, List.of(1, 3, 2)).stream().mapToInt(Integer::intValue).sum());
        QueryFailedException e = catchThrowableOfType(QueryFailedException.class, () -> sum.get(db, "k"));
        assertThat(e.query()).isEqualTo(new QueryRef("sum", "k"));
        assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("item 3");
        QueryFailedException fromItem3 = catchThrowableOfType(QueryFailedException.class, () -> item.get(db, 3));
        assertThat(e.getCause()).isSameAs(fromItem3.getCause());
    }

    @Test
    void evictKeepsTheFailureAtTheCurrentRevision() {
        // r[evict.poison]
        // no shared cache, so that an evicted success has to be recomputed
        Fixture f = new Fixture(Database.builder().sharedCacheMaxEntries(0).build(), "checked");
        f.mode.set(f.db, "k", "fail");
        f.mode.set(f.db, "good", "yes");
        catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "k"));
        assertThat(f.risky.get(f.db, "good")).isEqualTo("ok:yes");

        f.db.evict(f.risky);
        f.db.evict("risky");

        QueryFailedException again = catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "k"));
        assertThat(again.getCause()).isSameAs(f.thrown.get(0));
        assertThat(f.db.inspector().explain("risky", "k").outcome()).isEqualTo(Outcome.FAILED);
        assertThat(f.risky.get(f.db, "good")).isEqualTo("ok:yes");
        assertThat(f.runs).as("one failing run, good computed twice (evicted)").hasValue(3);

        // once the revision moves on, the failure may go: the query recomputes
        f.mode.set(f.db, "k", "fine");
        f.db.evict(f.risky);
        assertThat(f.risky.get(f.db, "k")).isEqualTo("ok:fine");
    }

    @Test
    void memoBoundKeepsTheFailureAtTheCurrentRevision() {
        // r[evict.poison]
        Fixture f = new Fixture(Database.builder().maxMemosPerIngredient(1).build(), "error");
        f.mode.set(f.db, "k", "fail");
        for (int i = 0; i < 20; i++) {
            f.mode.set(f.db, "good" + i, "v" + i);
        }
        QueryFailedException first = catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "k"));
        for (int i = 0; i < 20; i++) {
            assertThat(f.risky.get(f.db, "good" + i)).isEqualTo("ok:v" + i);
        }
        QueryFailedException again = catchThrowableOfType(QueryFailedException.class, () -> f.risky.get(f.db, "k"));
        assertThat(again.getCause()).isSameAs(first.getCause()).isSameAs(f.thrown.get(0));
        assertThat(f.thrown).as("the failing compute ran once").hasSize(1);
    }

    private static String nullString() {
        Object none = null;
        return (String) none;
    }
}
