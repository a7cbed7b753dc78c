package dev.picante.internal;

import dev.picante.Inspector.IngredientKind;
import dev.picante.QueryRef;

/** What every ingredient has: its database, its index in the registry, its name and types. */
abstract class IngredientImpl {

    final Engine engine;
    final int index;
    final String name;
    final Class<?> keyType;
    final Class<?> valueType;

    IngredientImpl(Engine engine, int index, String name, Class<?> keyType, Class<?> valueType) {
        this.engine = engine;
        this.index = index;
        this.name = name;
        this.keyType = keyType;
        this.valueType = valueType;
    }

    abstract IngredientKind kind();

    final QueryRef ref(Object key) {
        return new QueryRef(name, key);
    }

    final Object checkKey(@org.jspecify.annotations.Nullable Object key) {
        if (key == null) {
            throw new NullPointerException("null key for " + describe() + "; keys must not be null");
        }
        // The exact class first (one compare, the usual case), as DerivedImpl.get does; a subclass or an
        // implementation of an interface key type then through isInstance.
        if (key.getClass() != keyType && !keyType.isInstance(key)) {
            throw new IllegalArgumentException("key " + key + " of type " + key.getClass().getName() + " for "
                    + describe() + " is not a " + keyType.getName());
        }
        return key;
    }

    final Object checkValue(Object key, @org.jspecify.annotations.Nullable Object value) {
        if (value == null) {
            throw new NullPointerException("null value for " + describe() + " key " + key
                    + "; values must not be null (use remove to empty a slot)");
        }
        if (!valueType.isInstance(value)) {
            throw new IllegalArgumentException("value of type " + value.getClass().getName() + " for " + describe()
                    + " key " + key + " is not a " + valueType.getName());
        }
        return value;
    }

    final String describe() {
        return kind().name().toLowerCase(java.util.Locale.ROOT) + " '" + name + "'";
    }

    @Override
    public String toString() {
        return describe();
    }
}
