package dev.picante.spring.jdbc;

import dev.picante.persist.Codec;
import dev.picante.spring.QueryArguments;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
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
 * ordering features forced on. Keys and values are written and read as their declared generic types
 * ({@link #encode(Object, Type)}, {@link #decode(byte[], Type)}), so that an enum in a {@code List<Color>}
 * reads back as an enum; {@link #checkDeclared(Type)} refuses declarations that do not say enough. Thread-safe.
 */
public final class JacksonCodec implements Codec {

    private static final byte[] NULL = "null".getBytes(StandardCharsets.UTF_8);

    private final JsonMapper mapper;
    /** Writers and readers per type, made once: they are immutable and thread-safe. */
    private final Map<Type, ObjectWriter> writers = new ConcurrentHashMap<>();
    private final Map<Type, ObjectReader> readers = new ConcurrentHashMap<>();
    /** Readers of one argument inside the array of a query function's arguments. */
    private final Map<Type, ObjectReader> elementReaders = new ConcurrentHashMap<>();

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
        return encode(value, (Type) type);
    }

    @Override
    public Object decode(byte[] bytes, Class<?> type) {
        return decode(bytes, (Type) type);
    }

    /**
     * Encodes {@code value} as its declared generic type; the arguments of a multi-parameter query function
     * ({@link QueryArguments.Parameters}) as an array of each argument encoded as its parameter's type.
     */
    @Override
    public byte[] encode(Object value, Type type) {
        try {
            if (type instanceof QueryArguments.Parameters parameters) {
                return encodeArguments((List<?>) value, parameters);
            }
            return writer(type).writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot encode a " + type.getTypeName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    private byte[] encodeArguments(List<?> arguments, QueryArguments.Parameters parameters) {
        if (arguments.size() != parameters.types().size()) {
            throw new IllegalArgumentException("cannot encode " + arguments.size() + " arguments for parameters "
                    + parameters);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('[');
        for (int i = 0; i < arguments.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            Object argument = arguments.get(i);
            out.writeBytes(argument == null ? NULL : writer(parameters.types().get(i)).writeValueAsBytes(argument));
        }
        out.write(']');
        return out.toByteArray();
    }

    /** Decodes bytes as the declared generic type; arguments of a query function as {@link QueryArguments}. */
    @Override
    public Object decode(byte[] bytes, Type type) {
        Object value;
        try {
            value = type instanceof QueryArguments.Parameters parameters ? decodeArguments(bytes, parameters)
                    : reader(type).readValue(bytes);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot decode a " + type.getTypeName() + " from JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (value == null) {
            throw new IllegalArgumentException("cannot decode a " + type.getTypeName() + " from JSON: null");
        }
        return value;
    }

    private QueryArguments decodeArguments(byte[] bytes, QueryArguments.Parameters parameters) {
        List<Type> types = parameters.types();
        Object[] values = new Object[types.size()];
        // streamed, not through a tree: a tree would read 12.50 as a double and lose a BigDecimal's scale
        try (JsonParser parser = mapper.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("cannot decode the arguments " + parameters
                        + " from JSON: not an array");
            }
            for (int i = 0; i < values.length; i++) {
                JsonToken token = parser.nextToken();
                if (token == JsonToken.END_ARRAY || token == null) {
                    throw new IllegalArgumentException("cannot decode the arguments " + parameters + " from JSON: "
                            + i + " of " + values.length + " arguments");
                }
                // at a null token too: an Optional reads back as Optional.empty()
                values[i] = elementReaders.computeIfAbsent(types.get(i),
                        t -> reader(t).without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)).readValue(parser);
            }
            if (parser.nextToken() != JsonToken.END_ARRAY || parser.nextToken() != null) {
                throw new IllegalArgumentException("cannot decode the arguments " + parameters + " from JSON: more "
                        + "than " + values.length + " arguments");
            }
        }
        return new QueryArguments(parameters, values);
    }

    private ObjectReader reader(Type type) {
        return readers.computeIfAbsent(type, t -> mapper.readerFor(mapper.constructType(t)));
    }

    private ObjectWriter writer(Type type) {
        return writers.computeIfAbsent(type, t -> mapper.writerFor(mapper.constructType(t)));
    }

    /**
     * Refuses, naming the type and why, declared types whose values would not read back equal: raw
     * collections and maps, {@code Object}, interfaces other than collections, type variables and wildcards,
     * and records with such components (checked recursively).
     */
    @Override
    public void checkDeclared(Type type) {
        String problem = problem(type, new HashSet<>());
        if (problem != null) {
            throw new IllegalArgumentException("values declared as " + type.getTypeName() + " cannot be read back "
                    + "from JSON as written: " + problem);
        }
    }

    private static @Nullable String problem(Type type, Set<Type> seen) {
        if (!seen.add(type)) {
            return null;
        }
        if (type instanceof QueryArguments.Parameters parameters) {
            for (Type parameter : parameters.types()) {
                String problem = problem(parameter, seen);
                if (problem != null) {
                    return problem;
                }
            }
            return null;
        }
        if (type instanceof ParameterizedType parameterized) {
            for (Type argument : parameterized.getActualTypeArguments()) {
                String problem = problem(argument, seen);
                if (problem != null) {
                    return problem;
                }
            }
            return problem((Class<?>) parameterized.getRawType(), seen, true);
        }
        if (type instanceof GenericArrayType array) {
            return problem(array.getGenericComponentType(), seen);
        }
        if (type instanceof WildcardType wildcard) {
            Type[] upper = wildcard.getUpperBounds();
            return wildcard.getLowerBounds().length > 0 || upper.length != 1 || upper[0] == Object.class
                    ? "the wildcard " + wildcard + " does not say what to read; declare the element type"
                    : problem(upper[0], seen);
        }
        if (type instanceof Class<?> c) {
            return problem(c, seen, false);
        }
        return "the type variable " + type.getTypeName() + " does not say what to read; declare the concrete type";
    }

    private static @Nullable String problem(Class<?> type, Set<Type> seen, boolean parameterized) {
        if (type.isArray()) {
            return problem(type.getComponentType(), seen);
        }
        if (type == Object.class) {
            return "java.lang.Object does not say what to read; declare the concrete type";
        }
        if (!parameterized && type.getTypeParameters().length > 0) {
            return "the raw " + type.getName() + " does not say what its elements are (a Long is read back as an "
                    + "Integer, an enum as a String); declare them, e.g. " + type.getSimpleName() + "<String>, or hold it "
                    + "in a record that does";
        }
        if (type.isInterface() && !isContainer(type)) {
            return type.getName() + " is an interface; declare the concrete type";
        }
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                String problem = problem(component.getGenericType(), seen);
                if (problem != null) {
                    return "component " + component.getName() + " of " + type.getName() + ": " + problem;
                }
            }
        }
        return null;
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
                || CharSequence.class.isAssignableFrom(type) || type == Comparable.class;
    }
}
