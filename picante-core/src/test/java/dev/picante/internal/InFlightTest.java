package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.Durability;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The outcome of an evaluation in flight as its followers see it (r[derived.concurrent]: they take the leader's
 * memo; r[derived.cancel-progress]: a cancelled leader sends them back to claim again): the state and the memo are
 * one volatile field, so a completed evaluation hands out exactly its memo and a cancelled one none, whether the
 * follower comes after the end or waits for it.
 */
@Timeout(30)
class InFlightTest {

    private final Engine engine = new Engine(new Object(), new EngineOptions());
    private final InputImpl<String, Integer> ingredient = new InputImpl<>(engine, 0, "first", String.class,
            Integer.class, Durability.LOW);
    private final Memo memo = Memo.failure(new IllegalStateException("an outcome"), 3, new Dependency[0]);

    @Test
    void aCompletedEvaluationHandsOutItsMemo() throws InterruptedException {
        InFlight evaluation = new InFlight(ingredient, "k", 3);
        assertThat(evaluation.isDone()).isFalse();
        evaluation.complete(memo);
        assertThat(evaluation.isDone()).isTrue();
        assertThat(evaluation.await()).isSameAs(memo);
    }

    @Test
    void aCancelledEvaluationHandsOutNothing() throws InterruptedException {
        InFlight evaluation = new InFlight(ingredient, "k", 3);
        evaluation.cancel();
        assertThat(evaluation.isDone()).isTrue();
        assertThat(evaluation.await()).as("the follower must claim again").isNull();
    }

    @Test
    void waitingFollowersAreWokenWithTheMemoOrWithNothing() throws Exception {
        InFlight completed = new InFlight(ingredient, "a", 3);
        InFlight cancelled = new InFlight(ingredient, "b", 3);
        AtomicReference<Object> fromCompleted = new AtomicReference<>("not yet");
        AtomicReference<Object> fromCancelled = new AtomicReference<>("not yet");
        Thread first = follower(completed, fromCompleted);
        Thread second = follower(cancelled, fromCancelled);
        awaitWaiting(first);
        awaitWaiting(second);
        completed.complete(memo);
        cancelled.cancel();
        first.join();
        second.join();
        assertThat(fromCompleted.get()).isSameAs(memo);
        assertThat(fromCancelled.get()).isNull();
    }

    private static Thread follower(InFlight evaluation, AtomicReference<Object> outcome) {
        Thread thread = new Thread(() -> {
            try {
                outcome.set(evaluation.await());
            } catch (InterruptedException e) {
                outcome.set(e);
            }
        });
        thread.start();
        return thread;
    }

    private static void awaitWaiting(Thread thread) throws InterruptedException {
        while (thread.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
    }
}
