package dev.picante.internal;

import dev.picante.CycleException;
import dev.picante.Durability;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Deep revalidation (r[cell.revalidate]): decides whether a memo still holds in a view at one revision by
 * bringing each dependency up to date, in the order the computation read them, and comparing what it is
 * now with what the computation saw. Input slots and derived versions are compared by identity, which is
 * exact within a view and also decides, without trusting revision numbers, whether a memo computed by
 * another view holds here (r[sharing.nonobservable]).
 */
final class Revalidation {

    private Revalidation() {
    }

    /** The first dependency found changed and the revision it changed at. */
    record Change(Dependency dependency, long changedAt) {
    }

    /** What checking one dependency found. */
    private enum Check {
        UNCHANGED, CHANGED, TAINTED
    }

    /**
     * Returns {@code memo} if it still holds in {@code view} at {@code state}, with its effective durability
     * brought up to date (a dependency may have come to read less durable inputs since), or {@code null}
     * and the first changed dependency in {@code change[0]}. Stops at the first change: later reads may no
     * longer happen.
     */
    static @Nullable Memo revalidate(ViewState view, NodeKey reader, Memo memo, InputState state,
            InFlight evaluation, @Nullable Change[] change) {
        Durability[] durability = {Durability.HIGH};
        boolean tainted = false;
        int checked = 0;
        try {
            for (int i = 0, count = memo.dependencyCount(); i < count; i++) {
                checked++;
                Check check = check(view, memo, i, state, evaluation, change, durability);
                if (check == Check.CHANGED) {
                    return null;
                }
                tainted |= check == Check.TAINTED;
            }
        } finally {
            view.engine.dependencyChecks.add(checked);
        }
        return holding(view, reader, memo, tainted, durability[0]);
    }

    /**
     * {@link #revalidate} for a memo of the primary view whose marks name the only dependencies that may have
     * changed since it was verified ({@link Marking#changedSince}): checks those, in the order the computation
     * read them, and no other. A named dependency the memo no longer reads is skipped.
     */
    static @Nullable Memo revalidateSome(ViewState view, NodeKey reader, Memo memo, List<Marking.Position> only,
            InputState state, InFlight evaluation, @Nullable Change[] change) {
        int[] positions = new int[only.size()];
        int found = 0;
        for (Marking.Position p : only) {
            int i = positionOf(memo, p);
            if (i >= 0) {
                positions[found++] = i;
            }
        }
        Arrays.sort(positions, 0, found);
        // Dependencies not checked keep what they contributed to the effective durability.
        Durability[] durability = {memo.durability()};
        boolean tainted = false;
        int checked = 0;
        try {
            for (int n = 0; n < found; n++) {
                if (n > 0 && positions[n] == positions[n - 1]) {
                    continue;
                }
                checked++;
                Check check = check(view, memo, positions[n], state, evaluation, change, durability);
                if (check == Check.CHANGED) {
                    return null;
                }
                tainted |= check == Check.TAINTED;
            }
        } finally {
            view.engine.dependencyChecks.add(checked);
        }
        return holding(view, reader, memo, tainted, durability[0]);
    }

    /** Where {@code memo} reads the record a mark named: at the position it had then, else found by a scan. */
    private static int positionOf(Memo memo, Marking.Position p) {
        int i = p.position();
        if (i >= 0 && i < memo.dependencyCount() && memo.ingredientAt(i) == p.ingredient()
                && memo.keyAt(i).equals(p.key())) {
            return i;
        }
        for (int j = 0, count = memo.dependencyCount(); j < count; j++) {
            if (memo.ingredientAt(j) == p.ingredient() && memo.keyAt(j).equals(p.key())) {
                return j;
            }
        }
        return -1;
    }

    private static Memo holding(ViewState view, NodeKey reader, Memo memo, boolean tainted, Durability durability) {
        if (tainted) {
            Marking m = view.marking;
            // A result that holds only because what it read holds, and one of those read a failure: never
            // reused on marks alone (r[changed-at.poison]); its readers see it as tainted in turn.
            if (m != null) {
                m.taint(reader.ingredient(), reader.key());
            }
        }
        return durability == memo.durability() ? memo : memo.withDurability(durability);
    }

    /** Checks dependency {@code i} of {@code memo}; on a change, records it in {@code change[0]}. */
    private static Check check(ViewState view, Memo memo, int i, InputState state, InFlight evaluation,
            @Nullable Change[] change, Durability[] durability) {
        int index = memo.ingredientAt(i);
        Object key = memo.keyAt(i);
        IngredientImpl ingredient = view.engine.ingredientOrNull(index);
        if (ingredient instanceof InputImpl<?, ?> input) {
            if (!state.holds(index, key, memo.seenAt(i))) {
                InputSlot now = state.slot(index, key);
                change[0] = new Change(memo.dependency(i), now == null ? state.revision : now.changedAt);
                return Check.CHANGED;
            }
            durability[0] = min(durability[0], input.durability);
            relied(view, index, key, memo.seenAt(i), state.revision);
        } else if (ingredient instanceof DerivedImpl<?, ?> derived) {
            Memo now;
            try {
                now = view.fetch(derived, key, state, evaluation);
            } catch (CycleException e) {
                // The old dependencies lead back here: recompute, which reports the cycle if it is real.
                change[0] = new Change(memo.dependency(i), state.revision);
                return Check.CHANGED;
            }
            if (now.version != memo.seenAt(i)) {
                change[0] = new Change(memo.dependency(i), now.version.changedAt());
                return Check.CHANGED;
            }
            durability[0] = min(durability[0], now.durability());
            Marking m = view.marking;
            if (m != null) {
                m.relied(index, key, now.version, state.revision);
                if (m.tainted(index, key)) {
                    return Check.TAINTED;
                }
            }
        } else if (!(ingredient instanceof InternedImpl<?>)) {
            // r[cell.revalidate-missing]: a dependency on an ingredient this database lacks fails revalidation.
            change[0] = new Change(memo.dependency(i), state.revision);
            return Check.CHANGED;
        }
        return Check.UNCHANGED;
    }

    /**
     * Returns {@code memo} (with its effective durability) if it read inputs only and every one of them is
     * unchanged in {@code state}, else {@code null}: the part of {@link #revalidate} that brings nothing
     * up to date, so it needs no evaluation of its own.
     */
    static @Nullable Memo revalidateInputsOnly(ViewState view, Memo memo, InputState state) {
        Durability durability = Durability.HIGH;
        int count = memo.dependencyCount();
        for (int i = 0; i < count; i++) {
            int index = memo.ingredientAt(i);
            if (!(view.engine.ingredientOrNull(index) instanceof InputImpl<?, ?> input)) {
                view.engine.dependencyChecks.add(i); // not an input: the full path checks it
                return null;
            }
            if (!state.holds(index, memo.keyAt(i), memo.seenAt(i))) {
                view.engine.dependencyChecks.add(i + 1);
                return null;
            }
            durability = min(durability, input.durability);
        }
        for (int i = 0; i < count; i++) {
            relied(view, memo.ingredientAt(i), memo.keyAt(i), memo.seenAt(i), state.revision);
        }
        view.engine.dependencyChecks.add(count);
        return durability == memo.durability() ? memo : memo.withDurability(durability);
    }

    /** {@link Marking#relied}: the reader being checked relies on this dependency (primary view only). */
    private static void relied(ViewState view, int ingredient, Object key, @Nullable Object seen, long revision) {
        Marking m = view.marking;
        if (m != null) {
            m.relied(ingredient, key, seen, revision);
        }
    }

    private static Durability min(Durability a, Durability b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
