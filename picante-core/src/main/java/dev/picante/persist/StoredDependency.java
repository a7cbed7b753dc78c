package dev.picante.persist;

/**
 * One read a memoized value made: the record and the {@code changed_at} it had when read. On import, a
 * dependency whose record now has another {@code changed_at} counts as changed, so the value is
 * recomputed on next access rather than trusted.
 *
 * @param ingredient the name of the ingredient read
 * @param key the key read
 * @param changedAt the record's {@code changed_at} as seen; {@code 0} for an input slot never set
 */
public record StoredDependency(String ingredient, Object key, long changedAt) {
}
