package dev.picante;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A small property-based test runner: random cases from a seed, shrinking to a minimal failing case, and the
 * seed of a failing try printed so that it can be run again.
 *
 * <p>A generator is a function of {@link Choices}: every random decision it makes is one call such as
 * {@link Choices#between(int, int)}, recorded as a non-negative number (the choice's distance from its
 * simplest value). A case is therefore fully described by its list of choices, and shrinking works on that
 * list, independently of what the generator builds from it: it deletes runs of choices (which removes list
 * elements, since every element is preceded by its own "one more?" choice) and lowers single choices
 * towards zero (the simplest value: the lower bound, {@code false}, the first option). A shorter list, or one
 * that is lexicographically smaller at equal length, is a simpler case; shrinking keeps a candidate only if
 * it still fails, so it ends on a failing case none of whose tried simplifications fails. Replaying a list
 * that ran out (after a deletion) gives the simplest value for every further choice.
 *
 * <p>Each try has its own seed, derived from a run seed. Two system properties control a run:
 *
 * <ul>
 *   <li>{@code picante.property.seed}: run one try with this seed (as printed in a failure, decimal or
 *       {@code 0x} hex), then shrink it if it fails;
 *   <li>{@code picante.property.tries}: the number of tries (default: what the property asks for).
 * </ul>
 *
 * <p>Without {@code picante.property.seed}, each run picks a fresh run seed, so that successive CI runs
 * explore different cases; the failure message names the try's seed and the command line to rerun it.
 */
final class PropertyCheck {

    static final String SEED_PROPERTY = "picante.property.seed";
    static final String TRIES_PROPERTY = "picante.property.tries";

    /** At most this many runs of the property while shrinking one failure. */
    static final int MAX_SHRINK_RUNS = 5000;

    /** At most this long shrinking one failure (two minutes); the best case found so far is reported. */
    static final long MAX_SHRINK_NANOS = 120_000_000_000L;

    private PropertyCheck() {
    }

    /**
     * Runs {@code property} on {@code tries} cases drawn by {@code generator} (or the one case of the seed
     * in {@value #SEED_PROPERTY}); the property fails a case by throwing.
     *
     * @throws AssertionError naming the property, the try and its seed, the minimal failing case found by
     *     shrinking and, as cause, that case's failure
     */
    static <T> void forAll(String name, int tries, Function<Choices, T> generator, Consumer<T> property) {
        forAll(name, tries, System.getProperty(SEED_PROPERTY), System.getProperty(TRIES_PROPERTY), generator, property);
    }

    /** {@link #forAll(String, int, Function, Consumer)} with the system properties' values given explicitly. */
    static <T> void forAll(String name, int tries, String seedProperty, String triesProperty,
            Function<Choices, T> generator, Consumer<T> property) {
        if (seedProperty != null && !seedProperty.isBlank()) {
            long seed = parseSeed(seedProperty.trim());
            runTry(name, 1, 1, seed, generator, property);
            return;
        }
        int count = triesProperty == null || triesProperty.isBlank() ? tries : Integer.parseInt(triesProperty.trim());
        SplittableRandom seeds = new SplittableRandom();
        for (int t = 1; t <= count; t++) {
            runTry(name, t, count, seeds.nextLong(), generator, property);
        }
    }

    static long parseSeed(String text) {
        try {
            if (text.startsWith("0x") || text.startsWith("0X")) {
                return Long.parseUnsignedLong(text.substring(2), 16);
            }
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + SEED_PROPERTY + "=" + text
                    + " is not a seed: give the decimal or 0x-hex number printed by a failing property", e);
        }
    }

    private static <T> void runTry(String name, int t, int count, long seed, Function<Choices, T> generator,
            Consumer<T> property) {
        Choices choices = Choices.random(seed);
        T value = generator.apply(choices);
        Throwable failure = check(property, value);
        if (failure == null) {
            return;
        }
        Shrunk<T> shrunk = shrink(generator, property, new Shrunk<>(choices.recorded(), value, failure, 0, 0));
        String seedText = "0x" + Long.toHexString(seed);
        String message = String.format(Locale.ROOT,
                "Property %s failed on try %d of %d, seed %s%n"
                        + "Rerun this try with: mvn -B test -pl picante-core -am -Dtest=%s -Dsurefire.failIfNoSpecifiedTests=false -D%s=%s%n"
                        + "Shrunk in %d steps (%d runs) from %d choices to %d choices; minimal case:%n  %s%n"
                        + "Its failure:%n%s",
                name, t, count, seedText, testClassName(), SEED_PROPERTY, seedText,
                shrunk.steps(), shrunk.runs(), choices.recorded().length, shrunk.choices().length,
                shrunk.value(), shrunk.failure());
        throw new AssertionError(message, shrunk.failure());
    }

    /** The outer class of the caller's stack that looks like a test, for the rerun command. */
    private static String testClassName() {
        for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
            String cls = e.getClassName();
            int dollar = cls.indexOf('$');
            String outer = dollar < 0 ? cls : cls.substring(0, dollar);
            if (!outer.equals(PropertyCheck.class.getName()) && outer.startsWith("dev.picante.")
                    && (outer.endsWith("Properties") || outer.endsWith("Test"))) {
                return outer.substring(outer.lastIndexOf('.') + 1);
            }
        }
        return "<TestClass>";
    }

    private static <T> Throwable check(Consumer<T> property, T value) {
        try {
            property.accept(value);
            return null;
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
                throw vme;
            }
            return e;
        }
    }

    record Shrunk<T>(int[] choices, T value, Throwable failure, int steps, int runs) {
    }

    /** An option of {@link Choices#weighted(List)}: a generator and its relative weight. */
    record Weighted<E>(int weight, Function<Choices, E> generator) {
    }

    /** Shrinks a failing choice list (see the class comment); deterministic for a given list. */
    static <T> Shrunk<T> shrink(Function<Choices, T> generator, Consumer<T> property, Shrunk<T> initial) {
        Shrinker<T> s = new Shrinker<>(generator, property, initial);
        boolean progress = true;
        while (progress && s.budgetLeft()) {
            progress = false;
            // Delete whole list elements (with their "one more?" choice), largest first.
            boolean deleted = true;
            while (deleted && s.budgetLeft()) {
                deleted = false;
                Choices layout = Choices.replay(s.best.choices());
                generator.apply(layout);
                List<int[]> spans = new ArrayList<>(layout.spans);
                spans.sort((a, b) -> Integer.compare(b[1] - b[0], a[1] - a[0]));
                for (int[] span : spans) {
                    int[] c = s.best.choices();
                    if (span[1] > c.length) {
                        continue;
                    }
                    int[] candidate = new int[c.length - (span[1] - span[0])];
                    System.arraycopy(c, 0, candidate, 0, span[0]);
                    System.arraycopy(c, span[1], candidate, span[0], c.length - span[1]);
                    if (s.tryCandidate(candidate)) {
                        progress = deleted = true;
                        break; // the layout changed
                    }
                    if (!s.budgetLeft()) {
                        break;
                    }
                }
            }
            // Delete runs of choices, longest first, from the end (later choices tend to matter less).
            for (int size = 32; size >= 1 && s.budgetLeft(); size /= 2) {
                for (int at = s.best.choices().length - size; at >= 0 && s.budgetLeft(); at--) {
                    int[] c = s.best.choices();
                    if (at + size > c.length) {
                        continue;
                    }
                    int[] candidate = new int[c.length - size];
                    System.arraycopy(c, 0, candidate, 0, at);
                    System.arraycopy(c, at + size, candidate, at, c.length - at - size);
                    progress |= s.tryCandidate(candidate);
                }
            }
            // Lower each choice: to zero, else by binary search for the smallest value that still fails.
            for (int at = 0; at < s.best.choices().length && s.budgetLeft(); at++) {
                int current = s.best.choices()[at];
                if (current == 0) {
                    continue;
                }
                if (s.tryCandidate(with(s.best.choices(), at, 0))) {
                    progress = true;
                    continue;
                }
                int lo = 0; // passes (or shrinks the list so that `at` is no longer this choice)
                int hi = current; // fails
                while (hi - lo > 1 && s.budgetLeft() && at < s.best.choices().length) {
                    int mid = lo + (hi - lo) / 2;
                    if (s.tryCandidate(with(s.best.choices(), at, mid))) {
                        progress = true;
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
            }
            // Lower a choice together with deleting the choices right after it (a shorter list for an element).
            for (int at = 0; at < s.best.choices().length && s.budgetLeft(); at++) {
                int[] c = s.best.choices();
                if (c[at] == 0 || at + 1 >= c.length) {
                    continue;
                }
                int[] candidate = Arrays.copyOf(c, c.length - 1);
                System.arraycopy(c, at + 2, candidate, at + 1, c.length - at - 2);
                candidate[at] = c[at] - 1;
                progress |= s.tryCandidate(candidate);
            }
        }
        return new Shrunk<>(s.best.choices(), s.best.value(), s.best.failure(), s.best.steps(), s.runs);
    }

    private static int[] with(int[] c, int at, int value) {
        int[] copy = c.clone();
        copy[at] = value;
        return copy;
    }

    private static final class Shrinker<T> {
        final Function<Choices, T> generator;
        final Consumer<T> property;
        final long deadline = System.nanoTime() + MAX_SHRINK_NANOS;
        Shrunk<T> best;
        int runs;

        Shrinker(Function<Choices, T> generator, Consumer<T> property, Shrunk<T> initial) {
            this.generator = generator;
            this.property = property;
            this.best = initial;
        }

        boolean budgetLeft() {
            return runs < MAX_SHRINK_RUNS && System.nanoTime() < deadline;
        }

        /** Runs the candidate; keeps it (and says so) if it still fails and what it used is simpler. */
        boolean tryCandidate(int[] candidate) {
            if (!simpler(candidate, best.choices())) {
                return false;
            }
            Choices replay = Choices.replay(candidate);
            T value;
            try {
                value = generator.apply(replay);
            } catch (RuntimeException e) {
                return false; // the generator rejected this list
            }
            int[] used = replay.recorded();
            if (!simpler(used, best.choices())) {
                return false;
            }
            runs++;
            Throwable failure = check(property, value);
            if (failure == null) {
                return false;
            }
            best = new Shrunk<>(used, value, failure, best.steps() + 1, runs);
            return true;
        }
    }

    /** Shortlex order: shorter is simpler; at equal length, the first differing choice decides. */
    static boolean simpler(int[] a, int[] b) {
        if (a.length != b.length) {
            return a.length < b.length;
        }
        return Arrays.compare(a, b) < 0;
    }

    /**
     * The random decisions of one case. Every method records one or more choices; zero is always the
     * simplest outcome, and shrinking moves towards it.
     */
    static final class Choices {
        private final SplittableRandom random;
        private final int[] replay;
        private int next;
        private final List<Integer> recorded = new ArrayList<>();
        /** Where each optional list element's choices start and end (exclusive), for shrinking. */
        final List<int[]> spans = new ArrayList<>();

        private Choices(SplittableRandom random, int[] replay) {
            this.random = random;
            this.replay = replay;
        }

        static Choices random(long seed) {
            return new Choices(new SplittableRandom(seed), null);
        }

        static Choices replay(int[] choices) {
            return new Choices(null, choices);
        }

        /** One choice in {@code 0..bound} (inclusive), uniformly when random. */
        private int draw(int bound) {
            int v;
            if (replay == null) {
                v = bound == Integer.MAX_VALUE ? random.nextInt() & Integer.MAX_VALUE : random.nextInt(bound + 1);
            } else {
                v = next < replay.length ? Math.min(replay[next], bound) : 0;
                next++;
            }
            recorded.add(v);
            return v;
        }

        int[] recorded() {
            return recorded.stream().mapToInt(Integer::intValue).toArray();
        }

        /** A number in {@code min..max} (inclusive), uniformly; shrinks towards {@code min}. */
        int between(int min, int max) {
            if (max < min) {
                throw new IllegalArgumentException("empty range " + min + ".." + max);
            }
            return min + draw(max - min);
        }

        /** {@code true} or {@code false} with equal chances; shrinks towards {@code false}. */
        boolean bool() {
            return draw(1) == 1;
        }

        /** {@code true} with a chance of one in {@code n}; shrinks towards {@code false}. */
        boolean oneIn(int n) {
            return draw(n - 1) == n - 1;
        }

        /** One of the options, uniformly; shrinks towards the first. */
        <E> E oneOf(List<E> options) {
            return options.get(draw(options.size() - 1));
        }

        /** One of an enum's constants, uniformly; shrinks towards the first declared. */
        <E extends Enum<E>> E oneOf(Class<E> type) {
            return oneOf(List.of(type.getEnumConstants()));
        }

        /** Picks one of the options with a chance proportional to its weight; shrinks towards the first. */
        <E> E weighted(List<Weighted<E>> options) {
            int total = 0;
            for (Weighted<E> o : options) {
                total += o.weight();
            }
            int pick = draw(total - 1);
            for (Weighted<E> o : options) {
                if (pick < o.weight()) {
                    return o.generator().apply(this);
                }
                pick -= o.weight();
            }
            throw new AssertionError("unreachable");
        }

        /**
         * A list of {@code min..max} elements, its length uniform; shrinks towards fewer and simpler elements.
         * Each element after the first {@code min} is preceded by a choice "stop here?" (zero: stop), so that
         * deleting an element's choices deletes the element.
         */
        <E> List<E> list(int min, int max, Function<Choices, E> element) {
            List<E> out = new ArrayList<>();
            for (int i = 0; i < min; i++) {
                out.add(element.apply(this));
            }
            for (int i = min; i < max; i++) {
                // Stopping with chance 1/(max - i + 1) makes every length in min..max equally likely.
                int start = recorded.size();
                if (draw(max - i) == 0) {
                    break;
                }
                out.add(element.apply(this));
                spans.add(new int[] {start, recorded.size()});
            }
            return List.copyOf(out);
        }

        /** Exactly {@code size} elements. */
        <E> List<E> listOf(int size, Function<Choices, E> element) {
            return list(size, size, element);
        }
    }
}
