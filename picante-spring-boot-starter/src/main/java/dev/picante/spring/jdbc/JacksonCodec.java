package dev.picante.spring.jdbc;

import dev.picante.persist.Codec;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link Codec} that writes keys and values as canonical JSON with Jackson: properties sorted by name,
 * map entries sorted by key, no indentation, so equal keys give equal bytes (for keys made of records,
 * strings, numbers, lists and maps; a {@code Set} is written in its iteration order).
 *
 * <p>Built from the application's {@link JsonMapper} (its modules and settings are kept) with the
 * ordering features forced on. Thread-safe.
 */
public final class JacksonCodec implements Codec {

    private final JsonMapper mapper;
    /** Writers and readers per type, made once: they are immutable and thread-safe. */
    private final Map<Class<?>, ObjectWriter> writers = new ConcurrentHashMap<>();
    private final Map<Class<?>, ObjectReader> readers = new ConcurrentHashMap<>();

    /** Creates a codec from a plain {@link JsonMapper}. */
    public JacksonCodec() {
        this(JsonMapper.builder().build());
    }

    /** Creates a codec from the application's mapper, with canonical ordering forced on. */
    public JacksonCodec(JsonMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper").rebuild()
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    @Override
    public byte[] encode(Object value, Class<?> type) {
        try {
            return writers.computeIfAbsent(type, mapper::writerFor).writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot encode a " + type.getName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    @Override
    public Object decode(byte[] bytes, Class<?> type) {
        Object value;
        try {
            value = readers.computeIfAbsent(type, mapper::readerFor).readValue(bytes);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot decode a " + type.getName() + " from JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (value == null) {
            throw new IllegalArgumentException("cannot decode a " + type.getName() + " from JSON: null");
        }
        return value;
    }

    @Override
    public void check(Class<?> type) {
        if (type.isInterface() && !isContainer(type)) {
            throw new IllegalArgumentException("cannot decode values declared as " + type.getName()
                    + " from JSON: it is an interface; declare the concrete type");
        }
    }

    private static boolean isContainer(Class<?> type) {
        return java.util.Collection.class.isAssignableFrom(type) || java.util.Map.class.isAssignableFrom(type)
                || CharSequence.class.isAssignableFrom(type);
    }
}
