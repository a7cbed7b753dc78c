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
    /** Per ingredient index, how many slots hold a value (removed slots are kept but not counted). */
    private final int[] present;

    InputState(long revision, @Nullable PersistentMap<Object, InputSlot>[] inputs, long[] lastChanged,
            int[] present) {
        this.revision = revision;
        this.inputs = inputs;
        this.lastChanged = lastChanged;
        this.present = present;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static InputState initial() {
        return new InputState(0, new PersistentMap[0], new long[Durability.values().length], new int[0]);
    }

    /** Returns how many slots of an input ingredient hold a value, in O(1). */
    int presentCount(int ingredient) {
        return ingredient < present.length ? present[ingredient] : 0;
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
        private int[] present;
        private @Nullable Durability highest;

        Builder(InputState base) {
            this.base = base;
            this.inputs = base.inputs;
            this.lastChanged = base.lastChanged.clone();
            this.present = base.present;
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
            InputSlot old = map == null ? null : map.get(key);
            int delta = (slot.present() ? 1 : 0) - (old != null && old.present() ? 1 : 0);
            if (delta != 0) {
                if (present == base.present || ingredient >= present.length) {
                    present = Arrays.copyOf(present, Math.max(present.length, ingredient + 1));
                }
                present[ingredient] += delta;
            }
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
            return new InputState(revision, inputs, lastChanged, present);
        }
    }
}
