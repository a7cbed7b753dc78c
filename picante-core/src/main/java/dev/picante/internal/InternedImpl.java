package dev.picante.internal;

import dev.picante.InternId;
import dev.picante.InternedIngredient;
import dev.picante.Inspector.IngredientKind;
import dev.picante.View;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An interned table, one per database for all views (r[intern.shared-visibility]). Ids are dense and
 * append-only; a new entry is made under the table's lock so racing calls with equal values get one id
 * (r[intern.concurrent]).
 */
final class InternedImpl<T> extends IngredientImpl implements InternedIngredient<T> {

    private final ConcurrentHashMap<Object, InternId> ids = new ConcurrentHashMap<>();
    private volatile Object[] values = new Object[16];
    private volatile int size;

    InternedImpl(Engine engine, int index, String name, Class<T> valueType) {
        super(engine, index, name, InternId.class, valueType);
    }

    @Override
    IngredientKind kind() {
        return IngredientKind.INTERNED;
    }

    @Override
    public InternId intern(View view, T value) {
        engine.checkView(view, this);
        checkValue("(intern)", value);
        InternId id = ids.get(value);
        return id != null ? id : internSlow(value);
    }

    private synchronized InternId internSlow(T value) {
        InternId id = ids.get(value);
        if (id != null) {
            return id;
        }
        engine.reserveStateBytes(16 + engine.weigh(value), () -> "interning a new value into " + describe());
        int next = size;
        Object[] array = values;
        if (next == array.length) {
            array = Arrays.copyOf(array, array.length * 2);
            values = array;
        }
        array[next] = value;
        id = new InternId(next);
        size = next + 1;
        ids.put(value, id);
        return id;
    }

    /** The id of {@code value} in this table, or {@code null} if it has none. */
    @org.jspecify.annotations.Nullable InternId idOf(Object value) {
        return ids.get(value);
    }

    /**
     * Restores value {@code id} from a store: appends it if {@code id} is the next id, checks it if the
     * table already has it.
     *
     * @throws dev.picante.persist.StoreMismatchException if the table holds another value at {@code id}, or
     *     {@code id} would leave a gap
     */
    synchronized void restore(int id, Object value) {
        if (id < size) {
            if (!values[id].equals(value)) {
                throw new dev.picante.persist.StoreMismatchException("stored value of " + describe() + " at id " + id
                        + " differs from the value it already has; the store belongs to another history");
            }
            return;
        }
        if (id != size) {
            throw new dev.picante.persist.StoreMismatchException("stored " + describe() + " jumps to id " + id
                    + " but holds only " + size + " values; the store is missing interned records");
        }
        if (ids.containsKey(value)) {
            throw new dev.picante.persist.StoreMismatchException("stored " + describe() + " has the value of id "
                    + ids.get(value) + " again at id " + id + "; the store is corrupt");
        }
        Object[] array = values;
        if (id == array.length) {
            array = Arrays.copyOf(array, array.length * 2);
            values = array;
        }
        array[id] = value;
        size = id + 1;
        ids.put(value, new InternId(id));
    }

    @Override
    @SuppressWarnings("unchecked")
    public T lookup(View view, InternId id) {
        engine.checkView(view, this);
        java.util.Objects.requireNonNull(id, () -> "null id for " + describe());
        int n = size;
        if (id.value() < 0 || id.value() >= n) {
            throw new IllegalArgumentException(describe() + " never issued " + id + " (it holds " + n + " values)");
        }
        return (T) values[id.value()];
    }

    int size() {
        return size;
    }

    Object valueAt(int id) {
        return values[id];
    }

    @Override
    public String name() {
        return name;
    }
}
