package dev.picante.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The hit counter is exact whatever the number of threads, live at once or ended. */
class HitCounterTest {

    @Test
    void countsExactlyFromOneThread() {
        HitCounter counter = new HitCounter();
        for (int i = 0; i < 10_000; i++) {
            counter.increment();
        }
        assertThat(counter.sum()).isEqualTo(10_000);
    }

    @Test
    void countsExactlyFromMoreLiveThreadsThanTheTableHolds() throws InterruptedException {
        HitCounter counter = new HitCounter();
        int threads = 1_500; // more than the table's bound: some count in the overflow adder
        CountDownLatch allStarted = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                allStarted.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < 200; i++) {
                    counter.increment();
                }
            });
            thread.start();
            started.add(thread);
        }
        allStarted.await();
        go.countDown();
        for (Thread thread : started) {
            thread.join();
        }
        assertThat(counter.sum()).isEqualTo(threads * 200L);
    }

    @Test
    void keepsTheCountsOfEndedThreadsAndDoesNotGrowWithThem() throws InterruptedException {
        HitCounter counter = new HitCounter();
        for (int t = 0; t < 300; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 7; i++) {
                    counter.increment();
                }
            });
            thread.start();
            thread.join();
        }
        counter.increment();
        assertThat(counter.sum()).isEqualTo(300 * 7 + 1);
    }
}
