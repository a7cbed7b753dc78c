package dev.picante.spring.jdbc;

/**
 * What a load does with a stored record the codec cannot read, or with a chunk of a full save whose frame is
 * damaged (bad magic number, CRC or length), which makes all its records unreadable (r[store.corrupt]). No
 * policy ever turns an unreadable record into a wrong value. Unreadable interned values always fail the load.
 */
public enum CorruptionPolicy {
    /** Fail the load, naming the record or the chunk and its section; nothing is imported. The default. */
    FAIL,
    /**
     * Leave the record out and report it: a derived record is recomputed when next read, an input slot of
     * the last full save is absent. A damaged chunk leaves all its records out, and every derived record that
     * read its ingredient (which keys it held is unknown). A log entry that cannot be read safely (an
     * undecodable input or interned record, or a damaged entry) ends the replay there: the state loaded is the
     * one committed just before.
     */
    IGNORE,
    /**
     * As {@link #IGNORE}, and also delete what was left out from the store: a chunk is rewritten without its
     * unreadable records, a damaged chunk is deleted, in one transaction (skipped if the store was saved
     * anew since the load).
     */
    DELETE
}
