package dev.picante.internal;

import dev.picante.CycleException;
import dev.picante.Durability;
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

    /**
     * Returns {@code memo} if it still holds in {@code view} at {@code state}, with its effective durability
     * brought up to date (a dependency may have come to read less durable inputs since), or {@code null}
     * and the first changed dependency in {@code change[0]}. Stops at the first change: later reads may no
     * longer happen.
     */
    static @Nullable Memo revalidate(ViewState view, Memo memo, InputState state, InFlight evaluation,
            @Nullable Change[] change) {
        Durability durability = Durability.HIGH;
        for (int i = 0, count = memo.dependencyCount(); i < count; i++) {
            int index = memo.ingredientAt(i);
            Object key = memo.keyAt(i);
            IngredientImpl ingredient = view.engine.ingredientOrNull(index);
            if (ingredient instanceof InputImpl<?, ?> input) {
                if (!state.holds(index, key, memo.seenAt(i))) {
                    InputSlot now = state.slot(index, key);
                    change[0] = new Change(memo.dependency(i), now == null ? state.revision : now.changedAt);
                    return null;
                }
                durability = min(durability, input.durability);
            } else if (ingredient instanceof DerivedImpl<?, ?> derived) {
                Memo now;
                try {
                    now = view.fetch(derived, key, state, evaluation);
                } catch (CycleException e) {
                    // The old dependencies lead back here: recompute, which reports the cycle if it is real.
                    change[0] = new Change(memo.dependency(i), state.revision);
                    return null;
                }
                if (now.version != memo.seenAt(i)) {
                    change[0] = new Change(memo.dependency(i), now.version.changedAt);
                    return null;
                }
                durability = min(durability, now.durability);
            } else if (!(ingredient instanceof InternedImpl<?>)) {
                // r[cell.revalidate-missing]: a dependency on an ingredient this database lacks fails revalidation.
                change[0] = new Change(memo.dependency(i), state.revision);
                return null;
            }
        }
        return durability == memo.durability ? memo : memo.withDurability(durability);
    }

    /**
     * Returns {@code memo} (with its effective durability) if it read inputs only and every one of them is
     * unchanged in {@code state}, else {@code null}: the part of {@link #revalidate} that brings nothing
     * up to date, so it needs no evaluation of its own.
     */
    static @Nullable Memo revalidateInputsOnly(ViewState view, Memo memo, InputState state) {
        Durability durability = Durability.HIGH;
        for (int i = 0, count = memo.dependencyCount(); i < count; i++) {
            int index = memo.ingredientAt(i);
            if (!(view.engine.ingredientOrNull(index) instanceof InputImpl<?, ?> input)
                    || !state.holds(index, memo.keyAt(i), memo.seenAt(i))) {
                return null;
            }
            durability = min(durability, input.durability);
        }
        return durability == memo.durability ? memo : memo.withDurability(durability);
    }

    private static Durability min(Durability a, Durability b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
