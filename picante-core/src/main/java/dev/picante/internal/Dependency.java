package dev.picante.internal;

import org.jspecify.annotations.Nullable;

/**
 * One read a computation made (r[dep.recording]): the record {@code (ingredient, key)} and what it saw,
 * the {@link InputSlot} object of an input (or {@code null} for a slot never set) or the {@link Version}
 * of a derived value.
 */
final class Dependency {

    final int ingredient;
    final Object key;
    final @Nullable Object seen;

    Dependency(int ingredient, Object key, @Nullable Object seen) {
        this.ingredient = ingredient;
        this.key = key;
        this.seen = seen;
    }

    boolean sameRecord(Dependency other) {
        return ingredient == other.ingredient && key.equals(other.key);
    }
}
