package dev.picante.spring.data;

import dev.picante.InputIngredient;
import dev.picante.MissingInputException;
import dev.picante.View;
import dev.picante.spring.PicanteViews;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The picante input mirroring the table of a {@link PicanteInput @PicanteInput} repository: one slot per
 * aggregate, keyed by its id, plus tracked reads over the whole table (all ids) and over each declared
 * grouping. Reads come from the {@linkplain PicanteViews#current() current view}: inside a
 * {@link dev.picante.spring.QueryFunction @QueryFunction} they are dependencies of the computation, so it is
 * recomputed when, and only when, a slot it read changes:
 * <ul>
 * <li>{@link #get(Object)} depends on one aggregate (its presence included, r[input.slot]);</li>
 * <li>{@link #ids()} depends on the set of ids: it changes when an aggregate is inserted or deleted, not
 * when one is updated;</li>
 * <li>{@link #ids(String, Object)} depends on the members of one group: it changes when an aggregate joins
 * or leaves that group, not on other groups' changes nor on updates that keep the group.</li>
 * </ul>
 * The input is written only through the repository (the slots follow committed rows); there is no
 * {@code set}. Thread-safe.
 *
 * @param <ID> the aggregate's id type
 * @param <T> the aggregate type
 */
public final class RepositoryInput<ID, T> {

    private final PicanteViews views;
    private final AggregateMirror mirror;

    RepositoryInput(PicanteViews views, AggregateMirror mirror) {
        this.views = views;
        this.mirror = mirror;
    }

    /** Returns the aggregate with id {@code id} in the current view, or empty. */
    @SuppressWarnings("unchecked")
    public Optional<T> get(ID id) {
        return (Optional<T>) mirror.rows.get(views.current(), id);
    }

    /**
     * Returns the aggregate with id {@code id} in the current view.
     *
     * @throws MissingInputException if there is none
     */
    @SuppressWarnings("unchecked")
    public T require(ID id) {
        return (T) mirror.rows.require(views.current(), id);
    }

    /** Returns the ids of all aggregates in the current view, in ascending order (by {@code toString} if the id type is not comparable). */
    @SuppressWarnings("unchecked")
    public List<ID> ids() {
        return (List<ID>) (List<?>) mirror.ids(views.current());
    }

    /** Returns all aggregates in the current view, in the order of {@link #ids()}; depends on each of them. */
    public List<T> all() {
        return aggregates(ids());
    }

    /**
     * Returns the ids of the aggregates whose property {@code groupBy} (declared in
     * {@link PicanteInput#groupBy()}) equals {@code group}, in ascending order.
     *
     * @throws IllegalArgumentException if {@code groupBy} is not a declared grouping, or {@code group} is not
     *     of the property's type
     */
    @SuppressWarnings("unchecked")
    public List<ID> ids(String groupBy, Object group) {
        AggregateMirror.Grouping grouping = grouping(groupBy);
        if (!grouping.keyType().isInstance(group)) {
            throw new IllegalArgumentException("input '" + mirror.name + "': grouping '" + groupBy + "' is keyed by "
                    + grouping.keyType().getName() + ", not " + group.getClass().getName());
        }
        return (List<ID>) (List<?>) mirror.ids(views.current(), grouping, group);
    }

    /** Returns the aggregates of {@code group} ({@link #ids(String, Object)}); depends on each of them. */
    public List<T> all(String groupBy, Object group) {
        return aggregates(ids(groupBy, group));
    }

    private List<T> aggregates(List<ID> ids) {
        View view = views.current();
        List<T> all = new ArrayList<>(ids.size());
        for (ID id : ids) {
            @SuppressWarnings("unchecked")
            T aggregate = (T) mirror.rows.require(view, id);
            all.add(aggregate);
        }
        return all;
    }

    private AggregateMirror.Grouping grouping(String groupBy) {
        AggregateMirror.Grouping grouping = mirror.groupings.get(groupBy);
        if (grouping == null) {
            throw new IllegalArgumentException("input '" + mirror.name + "' has no grouping '" + groupBy
                    + "'; declared: " + mirror.groupings.keySet() + " (add it to @PicanteInput(groupBy = ...) on "
                    + mirror.repository + ")");
        }
        return grouping;
    }

    /** Returns the input's name ({@link PicanteInput#value()}). */
    public String name() {
        return mirror.name;
    }

    /** Returns the aggregate type. */
    @SuppressWarnings("unchecked")
    public Class<T> aggregateType() {
        return (Class<T>) mirror.type;
    }

    /** Returns the id type. */
    @SuppressWarnings("unchecked")
    public Class<ID> idType() {
        return (Class<ID>) mirror.idType;
    }

    /** Returns the core ingredient of the rows, for use with an explicit view. */
    @SuppressWarnings("unchecked")
    public InputIngredient<ID, T> ingredient() {
        return (InputIngredient<ID, T>) (InputIngredient<?, ?>) mirror.rows;
    }

    @Override
    public String toString() {
        return "RepositoryInput[" + mirror.name + "]";
    }
}
