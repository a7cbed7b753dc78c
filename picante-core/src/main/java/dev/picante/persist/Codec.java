package dev.picante.persist;

/**
 * Turns keys and values into bytes and back, for a durable store. Encoding a key must be deterministic:
 * equal keys give equal bytes. Implementations are thread-safe.
 */
public interface Codec {

    /**
     * Encodes {@code value}, declared as {@code type}.
     *
     * @throws IllegalArgumentException if the value cannot be encoded; the message names the type
     */
    byte[] encode(Object value, Class<?> type);

    /**
     * Decodes bytes made by {@link #encode} for {@code type}.
     *
     * @throws IllegalArgumentException if the bytes are not a valid encoding of a {@code type}
     */
    Object decode(byte[] bytes, Class<?> type);

    /**
     * Checks early that values of {@code type} can be encoded, e.g. when an ingredient is registered.
     *
     * @throws IllegalArgumentException naming the type if they cannot
     */
    default void check(Class<?> type) {
    }

    /**
     * Encodes {@code value}, declared as the generic {@code type} (e.g. {@code List<Color>}). The default
     * encodes it as the type's raw class.
     *
     * @throws IllegalArgumentException if the value cannot be encoded; the message names the type
     */
    default byte[] encode(Object value, java.lang.reflect.Type type) {
        return encode(value, rawClass(type));
    }

    /**
     * Decodes bytes made by {@link #encode(Object, java.lang.reflect.Type)} for the generic {@code type}. The
     * default decodes them as the type's raw class.
     *
     * @throws IllegalArgumentException if the bytes are not a valid encoding of a {@code type}
     */
    default Object decode(byte[] bytes, java.lang.reflect.Type type) {
        return decode(bytes, rawClass(type));
    }

    /**
     * Checks, without values, that every value of the declared generic {@code type} reads back equal to
     * what was written: stricter than {@link #check(Class)}, it may refuse types whose declaration does not
     * say enough (a raw {@code List}, {@code Object}). The default checks the raw class with
     * {@link #check(Class)}.
     *
     * @throws IllegalArgumentException naming the type and what is wrong with it if values cannot round-trip
     */
    default void checkDeclared(java.lang.reflect.Type type) {
        check(rawClass(type));
    }

    private static Class<?> rawClass(java.lang.reflect.Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof java.lang.reflect.ParameterizedType p) {
            return rawClass(p.getRawType());
        }
        if (type instanceof java.lang.reflect.GenericArrayType a) {
            return java.lang.reflect.Array.newInstance(rawClass(a.getGenericComponentType()), 0).getClass();
        }
        return Object.class;
    }
}
