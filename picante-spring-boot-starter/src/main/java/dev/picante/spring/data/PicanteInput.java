package dev.picante.spring.data;

import dev.picante.Durability;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a Spring Data JDBC aggregate repository as a picante input: each aggregate of the repository's
 * table becomes a slot keyed by its id, read through a {@link RepositoryInput} (see
 * {@link RepositoryInputs#of}) so that {@link dev.picante.spring.QueryFunction @QueryFunction} methods
 * reading it are recomputed when, and only when, what they read changes.
 *
 * <p>Placed on the repository interface, next to the rest of what Spring Data reads from there (the
 * aggregate type and id type in its generic signature, {@code @Query} and {@code @Modifying} on its
 * methods): the repository is the one place that names the aggregate, is already a bean, and is the way
 * rows are written, so declaring it an input needs no other bean and no second name for the table.
 *
 * <p>Saves and deletes through the repository (or a {@code JdbcAggregateTemplate}) change the input when
 * their transaction commits, as one revision per transaction; at startup the input is reconciled with the
 * table. Rows changed by SQL that bypasses Spring Data are seen only by a
 * {@linkplain RepositoryInputs#resync() resync}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PicanteInput {

    /**
     * The input's name: its stable identity in the durable store and the prefix of its index inputs.
     * Defaults to the aggregate type's simple name with a lower-case first letter (e.g. {@code product}).
     */
    String value() default "";

    /**
     * Properties of the aggregate (names as in the aggregate class, e.g. {@code category}) whose values
     * group aggregates: each becomes an index input of its own, so that "the aggregates whose
     * {@code category} is {@code books}" is a dependency that changes only when that group's membership
     * changes (see {@link RepositoryInput#ids(String, Object)}). An aggregate whose property is
     * {@code null} is in no group of it.
     */
    String[] groupBy() default {};

    /** The durability of the input and its index inputs (r[durability.inputs]). */
    Durability durability() default Durability.LOW;
}
