package dev.picante.internal;

import dev.picante.InternId;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The default estimate of retained bytes of a key or value, for the state-byte limit
 * (r[limit.state-bytes]). Deterministic: it depends only on the object's content. Strings, boxed
 * primitives, arrays, collections, maps, optionals and records are measured; other objects count as
 * {@value #OTHER} bytes. Shared sub-objects are counted once.
 */
final class StateWeigher implements ToLongFunction<Object> {

    static final StateWeigher INSTANCE = new StateWeigher();
    private static final long HEADER = 16;
    private static final long OTHER = 64;

    @Override
    public long applyAsLong(Object value) {
        return weigh(value, new IdentityHashMap<>());
    }

    private long weigh(Object value, IdentityHashMap<Object, Boolean> seen) {
        if (value instanceof String s) {
            return 40 + s.length();
        }
        if (value instanceof Number || value instanceof Boolean || value instanceof Character
                || value instanceof Enum<?> || value instanceof InternId) {
            return HEADER;
        }
        if (seen.put(value, Boolean.TRUE) != null) {
            return 0;
        }
        Class<?> type = value.getClass();
        if (type.isArray()) {
            int length = Array.getLength(value);
            Class<?> component = type.getComponentType();
            if (component.isPrimitive()) {
                return HEADER + (long) length * primitiveSize(component);
            }
            long total = HEADER + 4L * length;
            for (int i = 0; i < length; i++) {
                Object element = Array.get(value, i);
                if (element != null) {
                    total += weigh(element, seen);
                }
            }
            return total;
        }
        if (value instanceof Collection<?> collection) {
            long total = 48 + 16L * collection.size();
            for (Object element : collection) {
                if (element != null) {
                    total += weigh(element, seen);
                }
            }
            return total;
        }
        if (value instanceof Map<?, ?> map) {
            long total = 48 + 32L * map.size();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                total += entry.getKey() == null ? 0 : weigh(entry.getKey(), seen);
                total += entry.getValue() == null ? 0 : weigh(entry.getValue(), seen);
            }
            return total;
        }
        if (value instanceof Optional<?> optional) {
            return HEADER + optional.map(v -> weigh(v, seen)).orElse(0L);
        }
        if (type.isRecord()) {
            long total = HEADER;
            for (RecordComponent component : type.getRecordComponents()) {
                total += 8;
                try {
                    component.getAccessor().setAccessible(true);
                    Object element = component.getAccessor().invoke(value);
                    if (element != null) {
                        total += weigh(element, seen);
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    total += OTHER;
                }
            }
            return total;
        }
        return OTHER;
    }

    private static long primitiveSize(Class<?> type) {
        if (type == long.class || type == double.class) {
            return 8;
        }
        if (type == int.class || type == float.class) {
            return 4;
        }
        if (type == short.class || type == char.class) {
            return 2;
        }
        return 1;
    }
}
