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
}
