package dev.picante.persist;

/** What kind of ingredient a {@link Section} belongs to (r[store.mismatch]). */
public enum SectionKind {
    /** An input ingredient: records are slots, a {@code null} value is a removed slot. */
    INPUT,
    /** A derived ingredient: records are memoized values with their dependencies. */
    DERIVED,
    /** An interned table: keys are {@link dev.picante.InternId}s. */
    INTERNED
}
