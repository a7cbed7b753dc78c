package dev.picante.spring;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The declared generic key and value types of ingredients, by ingredient name, for a durable store's codec:
 * an ingredient's {@code Class} types (what the engine knows) say {@code List}, its declaration says
 * {@code List<Color>}. {@link QueryFunction} methods register theirs; other ingredients fall back to their
 * classes. Also records the derived ingredients a store does not persist because their declared types cannot
 * be written and read back. Thread-safe.
 */
public final class DeclaredTypes {

    private final Map<String, Type> keys = new ConcurrentHashMap<>();
    private final Map<String, Type> values = new ConcurrentHashMap<>();
    private final Map<String, String> notPersisted = new ConcurrentHashMap<>();

    /** Records the declared key and value types of an ingredient. */
    public void register(String ingredient, Type key, Type value) {
        keys.put(ingredient, key);
        values.put(ingredient, value);
    }

    /** Returns the declared key type of {@code ingredient}, else {@code fallback}. */
    public Type keyType(String ingredient, Class<?> fallback) {
        return keys.getOrDefault(ingredient, fallback);
    }

    /** Returns the declared value type of {@code ingredient}, else {@code fallback}. */
    public Type valueType(String ingredient, Class<?> fallback) {
        return values.getOrDefault(ingredient, fallback);
    }

    /** Marks a derived ingredient as not persisted, with the reason. */
    public void markNotPersisted(String ingredient, String reason) {
        notPersisted.put(ingredient, reason);
    }

    /** Returns whether a store persists {@code ingredient}'s records. */
    public boolean isPersisted(String ingredient) {
        return !notPersisted.containsKey(ingredient);
    }

    /** Returns the derived ingredients not persisted, with why, by name. */
    public Map<String, String> notPersisted() {
        return new TreeMap<>(notPersisted);
    }
}
