package dev.picante.internal;

import dev.picante.Durability;
import dev.picante.InputIngredient;
import dev.picante.Inspector.IngredientKind;
import dev.picante.MissingInputException;
import dev.picante.Revision;
import dev.picante.View;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** An input ingredient: slots live in each view's {@link InputState}. */
final class InputImpl<K, V> extends IngredientImpl implements InputIngredient<K, V> {

    final Durability durability;
    /** {@link #durability}'s ordinal, as {@link Evaluation} records it. */
    final int durabilityOrdinal;
    /** {@link #index} boxed once, as a recorded read holds it ({@link Memo#boxIndex}). */
    final Integer boxedIndex;

    InputImpl(Engine engine, int index, String name, Class<K> keyType, Class<V> valueType, Durability durability) {
        super(engine, index, name, keyType, valueType);
        this.durability = durability;
        this.durabilityOrdinal = durability.ordinal();
        this.boxedIndex = Memo.boxIndex(index);
    }

    @Override
    IngredientKind kind() {
        return IngredientKind.INPUT;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<V> get(View view, K key) {
        InputSlot slot = read(view, key);
        return slot == null ? Optional.empty() : Optional.ofNullable((V) slot.value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V require(View view, K key) {
        InputSlot slot = read(view, key);
        if (slot == null || slot.value == null) {
            throw new MissingInputException(ref(key), view.revision());
        }
        return (V) slot.value;
    }

    /**
     * The slot of {@code key} that {@code view} holds, or {@code null}. A read inside a computation (the context is
     * an {@link Evaluation}) is tested for first and checked in line: the key, then the database by one reference
     * compare (what {@link Engine#checkSameDatabase} does), then looked up and recorded by the context; so the
     * path that the compute function inlines is one straight line. The checks come in the same order as for any
     * other view: the key first.
     */
    private @Nullable InputSlot read(View view, K key) {
        if (view instanceof Evaluation evaluation) {
            checkKey(key);
            ViewState state = evaluation.view;
            if (state.engine != engine) {
                throw engine.otherDatabase(state, this);
            }
            return evaluation.readInput(this, key);
        }
        checkKey(key);
        return engine.viewState(view, this).current().slot(index, key);
    }

    @Override
    public Revision set(View view, K key, V value) {
        checkKey(key);
        checkValue(key, value);
        return writable(view).apply(List.of(new InputWrites.Write(this, key, value)));
    }

    @Override
    public Revision remove(View view, K key) {
        checkKey(key);
        return writable(view).apply(List.of(new InputWrites.Write(this, key, null)));
    }

    private ViewState writable(View view) {
        if (view instanceof Evaluation evaluation) {
            throw evaluation.writeRefused(this);
        }
        return engine.viewState(view, this);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Durability durability() {
        return durability;
    }
}
