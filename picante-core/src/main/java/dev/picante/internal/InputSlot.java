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

    InputSlot(@Nullable Object value, long changedAt) {
        this.value = value;
        this.changedAt = changedAt;
    }

    boolean present() {
        return value != null;
    }
}
