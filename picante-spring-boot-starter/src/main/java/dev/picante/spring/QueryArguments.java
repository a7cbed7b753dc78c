package dev.picante.spring;

import java.lang.reflect.Type;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The key of a {@link QueryFunction} with several parameters: the argument list of one call, with the
 * declared generic type of each parameter, so that a durable store can write and read back each argument as
 * the type it was declared with (an enum stays an enum, a {@code List<Long>} keeps its longs).
 *
 * <p>Equal to any {@link List} of equal elements, with the same hash code ({@link List#equals}), whatever the
 * declared types: {@code inspector().cell("name", List.of("a", 2))} finds it. Immutable.
 */
public final class QueryArguments extends AbstractList<@Nullable Object> implements RandomAccess {

    private final @Nullable Object[] values;
    private final Parameters parameters;

    /**
     * Creates the arguments of one call.
     *
     * @param parameters the declared types of the function's parameters
     * @param values the arguments, as many as there are parameters
     */
    public QueryArguments(Parameters parameters, @Nullable Object... values) {
        if (values.length != parameters.types().size()) {
            throw new IllegalArgumentException(values.length + " arguments for " + parameters.types().size()
                    + " parameters " + parameters);
        }
        this.values = values.clone();
        this.parameters = parameters;
    }

    /** Returns the declared types of the parameters. */
    public Parameters parameters() {
        return parameters;
    }

    @Override
    public @Nullable Object get(int index) {
        return values[index];
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public @Nullable Object[] toArray() {
        return values.clone();
    }

    /**
     * The declared generic types of a query function's parameters, in order: the declared type of its
     * {@link QueryArguments} keys, as a {@link Type} a codec can recognize.
     *
     * @param types the parameters' generic types
     */
    public record Parameters(List<Type> types) implements Type {

        /** Copies the list. */
        public Parameters {
            types = List.copyOf(types);
        }

        /** Creates the parameter types of a method's {@link java.lang.reflect.Method#getGenericParameterTypes}. */
        public static Parameters of(Type... types) {
            return new Parameters(Arrays.asList(types));
        }

        @Override
        public String getTypeName() {
            return types.stream().map(Type::getTypeName).collect(Collectors.joining(", ", "(", ")"));
        }

        @Override
        public String toString() {
            return getTypeName();
        }
    }
}
