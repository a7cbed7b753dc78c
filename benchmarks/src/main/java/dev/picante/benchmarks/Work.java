package dev.picante.benchmarks;

/**
 * A deterministic, allocation-free piece of CPU work that benchmark computations do, so that picante and
 * its peers compute exactly the same thing and the JIT cannot fold it away.
 */
final class Work {

    private Work() {
    }

    /** Mixes {@code seed} {@code rounds} times (a SplitMix64 step per round). */
    static long mix(long seed, int rounds) {
        long z = seed;
        for (int i = 0; i < rounds; i++) {
            z += 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
        }
        return z;
    }

    /** Fails the benchmark loudly: JMH reports the exception and leaves the benchmark out of the results. */
    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException("benchmark invariant violated: " + message);
        }
    }
}
