package dev.picante.spring.jdbc;

/**
 * What a load does with a stored record the codec cannot read (r[store.corrupt]). No policy ever turns an
 * unreadable record into a wrong value.
 */
public enum CorruptionPolicy {
    /** Fail the load, naming the record; nothing is imported. The default. */
    FAIL,
    /**
     * Leave the record out and report it: a derived record is recomputed when next read, an input slot of
     * the last full save is absent. A log entry that cannot be read safely (an undecodable input or interned
     * record, or a damaged entry) ends the replay there: the state loaded is the one committed just before.
     */
    IGNORE,
    /** As {@link #IGNORE}, and also delete what was left out from the store. */
    DELETE
}
