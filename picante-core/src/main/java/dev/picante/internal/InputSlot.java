package dev.picante.internal;

import org.jspecify.annotations.Nullable;

/**
 * The immutable content of one input slot at some revision: a value, or nothing ({@code value == null}, a
 * removed slot). A new object is made for every change, so a computation that recorded the slot object
 * it read knows the slot is unchanged exactly when the view still holds that same object.
 *
 * <p>A slot also names its record ({@link #ingredient}, {@link #key}): a read that found it is the dependency
 * {@code (ingredient, key, this)} in one reference, so a memo whose dependencies are all such reads keeps
 * just the slots ({@link Memo}'s slot-only reads).
 */
final class InputSlot {

    final @Nullable Object value;
    final long changedAt;
    /** The index of the input ingredient whose slot this is. */
    final int ingredient;
    /** The key of the slot (the object the write was given; equal to every key that reads it). */
    final Object key;
    /** The {@link InputState#lineage} of the states this slot was made for. */
    final Object lineage;
    /**
     * The revision of the first state of its lineage that no longer holds this slot, {@code Long.MAX_VALUE}
     * while the newest one does. Set once, by the write that replaces the slot, before that write publishes.
     */
    volatile long supersededAt = Long.MAX_VALUE;
    /**
     * The primary view's {@link Marking.Node} of this slot's record, cached by the first memo registered as
     * reading it, so later ones skip the node table; only ever the canonical node of its marking, so a race
     * between two registrations stores the same object.
     */
    Marking.@Nullable Node node;

    InputSlot(int ingredient, Object key, @Nullable Object value, long changedAt, Object lineage) {
        this.ingredient = ingredient;
        this.key = key;
        this.value = value;
        this.changedAt = changedAt;
        this.lineage = lineage;
    }

    boolean present() {
        return value != null;
    }
}
