package dev.picante.internal;

import dev.picante.Durability;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The immutable input state of a view at one revision: every input ingredient's slots and the
 * durability watermarks. Publishing a new {@code InputState} is the linearization point of a mutation;
 * reading the current one is the linearization point of a read or a snapshot.
 */
final class InputState {

    final long revision;
    /** Slots per ingredient index; {@code null} at indexes of other kinds or untouched inputs. */
    final @Nullable PersistentMap<Object, InputSlot>[] inputs;
    /**
     * Durability watermarks: {@code lastChanged[d]} is the newest revision at which a slot of durability
     * {@code >= d} changed (r[durability.revalidation-opt]).
     */
    final long[] lastChanged;

    InputState(long revision, @Nullable PersistentMap<Object, InputSlot>[] inputs, long[] lastChanged) {
        this.revision = revision;
        this.inputs = inputs;
        this.lastChanged = lastChanged;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static InputState initial() {
        return new InputState(0, new PersistentMap[0], new long[Durability.values().length]);
    }

    @Nullable InputSlot slot(int ingredient, Object key) {
        if (ingredient >= inputs.length) {
            return null;
        }
        PersistentMap<Object, InputSlot> map = inputs[ingredient];
        return map == null ? null : map.get(key);
    }

    PersistentMap<Object, InputSlot> slots(int ingredient) {
        PersistentMap<Object, InputSlot> map = ingredient < inputs.length ? inputs[ingredient] : null;
        return map == null ? PersistentMap.empty() : map;
    }

    /** A builder of the next state, for a mutation or a batch. */
    Builder toBuilder() {
        return new Builder(this);
    }

    static final class Builder {
        private final InputState base;
        private @Nullable PersistentMap<Object, InputSlot>[] inputs;
        private final long[] lastChanged;
        private @Nullable Durability highest;

        Builder(InputState base) {
            this.base = base;
            this.inputs = base.inputs;
            this.lastChanged = base.lastChanged.clone();
        }

        @Nullable InputSlot slot(int ingredient, Object key) {
            if (ingredient >= inputs.length) {
                return null;
            }
            PersistentMap<Object, InputSlot> map = inputs[ingredient];
            return map == null ? null : map.get(key);
        }

        void put(int ingredient, Object key, InputSlot slot, Durability durability) {
            if (inputs == base.inputs || ingredient >= inputs.length) {
                inputs = Arrays.copyOf(inputs, Math.max(inputs.length, ingredient + 1));
            }
            PersistentMap<Object, InputSlot> map = inputs[ingredient];
            inputs[ingredient] = (map == null ? PersistentMap.<Object, InputSlot>empty() : map).put(key, slot);
            if (highest == null || durability.compareTo(highest) > 0) {
                highest = durability;
            }
        }

        /** Replaces the watermarks, for a state restored from a store. */
        Builder withLastChanged(long[] watermarks) {
            System.arraycopy(watermarks, 0, lastChanged, 0, lastChanged.length);
            highest = null;
            return this;
        }

        InputState build(long revision) {
            if (highest != null) {
                for (int d = 0; d <= highest.ordinal(); d++) {
                    lastChanged[d] = revision;
                }
            }
            return new InputState(revision, inputs, lastChanged);
        }
    }
}
