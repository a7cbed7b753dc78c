package dev.picante.internal;

import dev.picante.Batch;
import dev.picante.InputIngredient;
import dev.picante.Revision;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A batch: writes gathered in order, applied by {@link ViewState#apply} in one step. */
final class BatchImpl implements Batch {

    private final ViewState view;
    private final List<InputWrites.Write> writes = new ArrayList<>();
    private boolean committed;

    BatchImpl(ViewState view) {
        this.view = view;
    }

    @Override
    public <K, V> Batch set(InputIngredient<K, V> input, K key, V value) {
        InputImpl<?, ?> impl = resolve(input);
        impl.checkKey(key);
        impl.checkValue(key, value);
        writes.add(new InputWrites.Write(impl, key, value));
        return this;
    }

    @Override
    public <K, V> Batch remove(InputIngredient<K, V> input, K key) {
        InputImpl<?, ?> impl = resolve(input);
        impl.checkKey(key);
        writes.add(new InputWrites.Write(impl, key, null));
        return this;
    }

    private InputImpl<?, ?> resolve(InputIngredient<?, ?> input) {
        checkOpen();
        Objects.requireNonNull(input, "input");
        if (!(input instanceof InputImpl<?, ?> impl)) {
            throw new IllegalArgumentException("input '" + input.name() + "' is not an ingredient of a picante"
                    + " database; use handles returned by Database.input");
        }
        if (impl.engine != view.engine) {
            throw new IllegalArgumentException("input '" + input.name() + "' belongs to database '"
                    + impl.engine.name() + "', not to database '" + view.engine.name() + "' that this batch writes to");
        }
        return impl;
    }

    private void checkOpen() {
        if (committed) {
            throw new IllegalStateException("this batch was already committed; start a new one with view.batch()");
        }
    }

    @Override
    public Revision commit() {
        checkOpen();
        Revision revision = view.apply(List.copyOf(writes));
        committed = true;
        return revision;
    }
}
