package dev.picante.internal;

import dev.picante.CycleException;
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
     * Returns the first changed dependency of {@code memo} in {@code view} at {@code state}, or
     * {@code null} if none changed. Stops at the first change: later reads may no longer happen.
     */
    static @Nullable Change firstChange(ViewState view, Memo memo, InputState state, InFlight evaluation) {
        for (Dependency dependency : memo.dependencies) {
            IngredientImpl ingredient = view.engine.ingredientOrNull(dependency.ingredient);
            if (ingredient instanceof InputImpl<?, ?>) {
                InputSlot now = state.slot(dependency.ingredient, dependency.key);
                if (now != dependency.seen) {
                    return new Change(dependency, now == null ? state.revision : now.changedAt);
                }
            } else if (ingredient instanceof DerivedImpl<?, ?> derived) {
                Memo now;
                try {
                    now = view.fetch(derived, dependency.key, state, evaluation);
                } catch (CycleException e) {
                    // The old dependencies lead back here: recompute, which reports the cycle if it is real.
                    return new Change(dependency, state.revision);
                }
                if (now.version != dependency.seen) {
                    return new Change(dependency, now.version.changedAt);
                }
            } else if (!(ingredient instanceof InternedImpl<?>)) {
                // r[cell.revalidate-missing]: a dependency on an ingredient this database lacks fails revalidation.
                return new Change(dependency, state.revision);
            }
        }
        return null;
    }
}
