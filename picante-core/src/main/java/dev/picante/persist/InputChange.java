package dev.picante.persist;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One input change of a primary-view write, as an {@link InputChangeLog} sees it: the slot {@code key} of
 * the input named {@code ingredient} set to {@code value}, or removed ({@code value == null}).
 *
 * @param ingredient the input ingredient's name
 * @param key the slot's key
 * @param value the new value, or {@code null} for a removal
 */
public record InputChange(String ingredient, Object key, @Nullable Object value) {

    /** Checks the name and key. */
    public InputChange {
        Objects.requireNonNull(ingredient, "ingredient");
        Objects.requireNonNull(key, "key");
    }

    /** Returns whether this change removes the slot. */
    public boolean removal() {
        return value == null;
    }
}
