package dev.picante.internal;

import dev.picante.Durability;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The immutable input state of a view at one revision: every input ingredient's slots and the
 * durability watermarks. Publishing a new {@code InputState} is the linearization point of a mutation;
 * reading the current one is the linearization point of a read or a snapshot.
 */
final class InputState {

    final long revision;
    /**
     * Identifies a line of states each made from the one before by a write of the primary view, which marks
     * the slots it replaces ({@link InputSlot#supersededAt}): within a lineage, whether a state holds a slot
     * is decided from the slot alone ({@link #holds}). A snapshot's write or a load starts a new lineage.
     */
    final Object lineage;
    /** Slots per ingredient index; {@code null} at indexes of other kinds or untouched inputs. */
    final @Nullable PersistentMap<Object, InputSlot>[] inputs;
    /**
     * Durability watermarks: {@code lastChanged[d]} is the newest revision at which a slot of durability
     * {@code >= d} changed (r[durability.revalidation-opt]).
     */
    final long[] lastChanged;
    /** Per ingredient index, how many slots hold a value (removed slots are kept but not counted). */
    private final int[] present;

    InputState(long revision, Object lineage, @Nullable PersistentMap<Object, InputSlot>[] inputs,
            long[] lastChanged, int[] present) {
        this.revision = revision;
        this.lineage = lineage;
        this.inputs = inputs;
        this.lastChanged = lastChanged;
        this.present = present;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static InputState initial() {
        return new InputState(0, new Object(), new PersistentMap[0], new long[Durability.values().length], new int[0]);
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

    /**
     * Whether this state holds exactly {@code seen} (an {@link InputSlot}, or {@code null} for a slot never
     * set) for {@code (ingredient, key)}: what a dependency on an input checks. A slot of this state's
     * lineage answers from its revisions, without a lookup: the states of a lineage that hold it are those
     * from its {@code changedAt} up to, not including, its {@code supersededAt}.
     */
    boolean holds(int ingredient, Object key, @Nullable Object seen) {
        if (seen instanceof InputSlot slot && slot.lineage == lineage) {
            return slot.changedAt <= revision && revision < slot.supersededAt;
        }
        return slot(ingredient, key) == seen;
    }

    PersistentMap<Object, InputSlot> slots(int ingredient) {
        PersistentMap<Object, InputSlot> map = ingredient < inputs.length ? inputs[ingredient] : null;
        return map == null ? PersistentMap.empty() : map;
    }

    /**
     * A builder of the next state of this state's lineage, for a write of the primary view: the caller marks
     * the slots it replaces ({@link Builder#supersede}) before publishing the result.
     */
    Builder toBuilder() {
        return new Builder(this, lineage);
    }

    /** A builder of a state that starts a new lineage (a snapshot's write, a load). */
    Builder toBranch() {
        return new Builder(this, new Object());
    }

    static final class Builder {
        private final InputState base;
        private final Object lineage;
        private @Nullable PersistentMap<Object, InputSlot>[] inputs;
        private final long[] lastChanged;
        private int[] present;
        private @Nullable Durability highest;

        Builder(InputState base, Object lineage) {
            this.base = base;
            this.lineage = lineage;
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

        /** The lineage of the state this builds, which its new slots belong to. */
        Object lineage() {
            return lineage;
        }

        /**
         * Marks the slots of the base state's lineage that the built state, at {@code revision}, replaced:
         * called once, after the last {@link #put} and before the state is published.
         */
        void supersede(List<InputSlot> replaced, long revision) {
            for (InputSlot slot : replaced) {
                if (slot.lineage == lineage) {
                    slot.supersededAt = revision;
                }
            }
        }

        /** Binds {@code key} to {@code slot}, a slot of that key ({@link PersistentMap}'s index finds it by it). */
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
            return new InputState(revision, lineage, inputs, lastChanged, present);
        }
    }
}
