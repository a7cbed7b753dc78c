package dev.picante.persist;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One record of a {@link Section}.
 *
 * <ul>
 *   <li>Input: the slot's value, or {@code null} for a removed slot; {@code verifiedAt == changedAt};
 *       no dependencies.</li>
 *   <li>Derived: the memoized value, the revision it was last verified at and last changed at, and
 *       what its evaluation read.</li>
 *   <li>Interned: the key is the {@link dev.picante.InternId}, the value the interned value.</li>
 * </ul>
 *
 * @param key the record's key
 * @param value its value, or {@code null} for a removed input slot
 * @param verifiedAt the revision the value was last confirmed at
 * @param changedAt the revision the value last changed at
 * @param dependencies what a derived value read, in order
 */
public record StoredRecord(Object key, @Nullable Object value, long verifiedAt, long changedAt,
        List<StoredDependency> dependencies) {

    /** Copies the dependency list. */
    public StoredRecord {
        dependencies = List.copyOf(dependencies);
    }
}
