package dev.picante;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * r[jvm.interrupt]: an {@code InterruptedException} a compute function throws by itself, with no caller
 * interrupted and no future cancelled, is a failure like any other (r[cell.poison]): memoized for the
 * revision, rethrown to every caller as a {@link QueryFailedException} with that cause, and the caller's
 * interrupt status stays clear. Genuine cancellation is covered by {@link CancellationTest}.
 */
// r[jvm.interrupt]
// r[cell.poison]
@Timeout(30)
class SpontaneousInterruptTest {

    private final Database db = Database.create();
    private final InputIngredient<String, Integer> x = db.input("x", String.class, Integer.class);
    private final AtomicInteger runs = new AtomicInteger();
    private final DerivedIngredient<String, Integer> q = db.derived("Q", String.class, Integer.class, (ctx, k) -> {
        runs.incrementAndGet();
        if (x.get(ctx, "x").orElse(0) == 0) {
            throw new InterruptedException("mine");
        }
        return x.require(ctx, "x");
    });
    private final DerivedIngredient<String, Integer> reader = db.derived("Reader", String.class, Integer.class,
            (ctx, k) -> q.get(ctx, k) + 1);

    @AfterEach
    void clearInterruptStatus() {
        Thread.interrupted();
    }

    @Test
    void jvmInterrupt_selfThrownInterruptedExceptionIsAMemoizedFailureNotACancellation() {
        // r[jvm.interrupt] r[cell.poison]
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> q.get(db, "k"))
                    .isInstanceOf(QueryFailedException.class)
                    .hasMessageContaining("java.lang.InterruptedException: mine")
                    .cause().isInstanceOf(InterruptedException.class).hasMessage("mine");
            assertThat(Thread.currentThread().isInterrupted()).as("the caller was never interrupted").isFalse();
        }
        assertThat(runs).as("memoized for the revision").hasValue(1);
        assertThat(db.inspector().cell(db, "Q", "k")).get()
                .extracting(Inspector.CellInfo::state).isEqualTo(Inspector.CellState.POISONED);

        x.set(db, "x", 4);
        assertThat(q.get(db, "k")).isEqualTo(4);
        assertThat(runs).as("recomputed after the revision advanced").hasValue(2);
    }

    @Test
    void jvmInterrupt_selfThrownInterruptedExceptionFailsReadersLikeAnyFailure() {
        // r[jvm.interrupt] r[cell.poison]: failures travel along dependency edges
        assertThatThrownBy(() -> reader.get(db, "k"))
                .isInstanceOf(QueryFailedException.class)
                .cause().isInstanceOf(InterruptedException.class).hasMessage("mine");
        assertThatThrownBy(() -> q.get(db, "k")).isInstanceOf(QueryFailedException.class);
        assertThat(runs).hasValue(1);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void jvmInterrupt_selfThrownInterruptedExceptionFailsAnUncancelledAsyncCallToo() throws Exception {
        // r[jvm.interrupt]: the future was not cancelled, so it is a failure
        CompletableFuture<Integer> future = q.getAsync(db, "k");

        assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(QueryFailedException.class)
                .cause().isInstanceOf(InterruptedException.class).hasMessage("mine");
        assertThatThrownBy(() -> q.get(db, "k")).isInstanceOf(QueryFailedException.class);
        assertThat(runs).as("the async failure was memoized").hasValue(1);
    }

    @Test
    void jvmInterrupt_anInterruptedExceptionThrownWithTheStatusRestoredIsStillCancellation() {
        // r[jvm.interrupt] r[derived.cancel]: a function that polls and restores the status is cancelled
        AtomicInteger polls = new AtomicInteger();
        DerivedIngredient<String, Integer> polling = db.derived("Polling", String.class, Integer.class, (ctx, k) -> {
            if (polls.incrementAndGet() == 1) {
                Thread.currentThread().interrupt();
                throw new InterruptedException("polled");
            }
            return 1;
        });

        assertThatThrownBy(() -> polling.get(db, "k")).isInstanceOf(QueryCancelledException.class);
        assertThat(Thread.interrupted()).as("the status stays set for the caller").isTrue();
        assertThat(polling.get(db, "k")).as("not memoized: a later access computes afresh").isEqualTo(1);
        assertThat(polls).hasValue(2);
    }

    @Test
    void jvmInterrupt_anInterruptedExceptionMadeAfterTheFutureWasCancelledIsCancellation() throws Exception {
        // r[jvm.interrupt] r[derived.cancel]: the function polls the status (clearing it) and throws its own
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch exited = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger polls = new AtomicInteger();
        DerivedIngredient<String, Integer> polling = db.derived("Polling", String.class, Integer.class, (ctx, k) -> {
            if (polls.incrementAndGet() == 1) {
                try {
                    entered.countDown();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (!Thread.interrupted()) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("never cancelled");
                        }
                        Thread.onSpinWait();
                    }
                    throw new InterruptedException("polled");
                } finally {
                    exited.countDown();
                }
            }
            return 1;
        });
        CompletableFuture<Integer> future = polling.getAsync(db, "k");
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(future.cancel(true)).isTrue();

        assertThat(exited.await(10, TimeUnit.SECONDS)).isTrue();
        // The cancelled run memoized nothing: this access computes afresh and gets the value.
        assertThat(polling.get(db, "k")).isEqualTo(1);
        assertThat(polls).hasValue(2);
        assertThat(db.inspector().ingredient("Polling").counters().failures()).isZero();
    }
}
