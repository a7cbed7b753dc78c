package dev.picante.persist;

import java.util.List;

/**
 * The records of one ingredient. A store must keep {@link #ingredient()} and {@link #kind()} with the
 * records: loading a section into an ingredient of another kind is an error (r[store.mismatch]).
 *
 * @param ingredient the ingredient's name
 * @param kind input, derived or interned
 * @param keyType the ingredient's key type, for decoding ({@code InternId} for interned tables)
 * @param valueType the ingredient's value type, for decoding
 * @param records the records
 */
public record Section(String ingredient, SectionKind kind, Class<?> keyType, Class<?> valueType,
        List<StoredRecord> records) {

    /** Copies the record list. */
    public Section {
        records = List.copyOf(records);
    }
}
