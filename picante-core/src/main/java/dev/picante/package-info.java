/**
 * The public API of picante: an incremental query runtime.
 *
 * <p>A {@link dev.picante.Database} holds <em>ingredients</em>: {@link dev.picante.InputIngredient inputs}
 * that the application writes, {@link dev.picante.DerivedIngredient derived queries} whose results the
 * runtime memoizes together with what they read, and {@link dev.picante.InternedIngredient interned
 * tables}. After an input changes, a derived query is recomputed only when something it read really
 * changed. {@link dev.picante.Snapshot Snapshots} give consistent, isolated views in O(1).
 *
 * <p>Behaviour is specified rule by rule in the project's SEMANTICS.md; rule ids such as
 * {@code r[cell.poison]} are cited in the Javadoc of the types that implement them.
 */
@NullMarked
package dev.picante;

import org.jspecify.annotations.NullMarked;
