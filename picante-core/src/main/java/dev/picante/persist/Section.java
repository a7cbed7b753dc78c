package dev.picante.persist;

import java.util.List;
import java.util.Objects;

/**
 * The records of one ingredient. A store must keep {@link #ingredient()}, {@link #kind()} and
 * {@link #codeVersion()} with the records: loading a section into an ingredient of another kind is an
 * error (r[store.mismatch]), and derived records computed by another code version are recomputed before
 * they are served.
 *
 * @param ingredient the ingredient's name
 * @param kind input, derived or interned
 * @param keyType the ingredient's key type, for decoding ({@code InternId} for interned tables)
 * @param valueType the ingredient's value type, for decoding
 * @param codeVersion for a derived section, the code version of the function that computed the records
 *     (see {@link dev.picante.DerivedIngredient#codeVersion()}); empty for inputs and interned tables
 * @param records the records
 */
public record Section(String ingredient, SectionKind kind, Class<?> keyType, Class<?> valueType,
        String codeVersion, List<StoredRecord> records) {

    /** Copies the record list. */
    public Section {
        Objects.requireNonNull(codeVersion, "codeVersion");
        records = List.copyOf(records);
    }

    /** A section without a code version (the empty one). */
    public Section(String ingredient, SectionKind kind, Class<?> keyType, Class<?> valueType,
            List<StoredRecord> records) {
        this(ingredient, kind, keyType, valueType, "", records);
    }
}
