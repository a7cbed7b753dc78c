package dev.picante.internal;

import org.jspecify.annotations.Nullable;

/**
 * The immutable content of one input slot at some revision: a value, or nothing ({@code value == null}, a
 * removed slot). A new object is made for every change, so a computation that recorded the slot object
 * it read knows the slot is unchanged exactly when the view still holds that same object.
 */
final class InputSlot {

    final @Nullable Object value;
    final long changedAt;
    /** The {@link InputState#lineage} of the states this slot was made for. */
    final Object lineage;
    /**
     * The revision of the first state of its lineage that no longer holds this slot, {@code Long.MAX_VALUE}
     * while the newest one does. Set once, by the write that replaces the slot, before that write publishes.
     */
    volatile long supersededAt = Long.MAX_VALUE;

    InputSlot(@Nullable Object value, long changedAt, Object lineage) {
        this.value = value;
        this.changedAt = changedAt;
        this.lineage = lineage;
    }

    boolean present() {
        return value != null;
    }
}
