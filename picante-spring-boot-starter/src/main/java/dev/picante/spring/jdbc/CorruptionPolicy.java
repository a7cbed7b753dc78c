package dev.picante.spring.jdbc;

/**
 * What a load does with damaged data (r[store.corrupt]): a stored input record the codec cannot read; a chunk
 * of a full save whose frame is damaged (bad magic number, CRC or length), which makes all its records
 * unreadable, or that is missing, extra or not the one the save's manifest lists; a section missing from the
 * full save or not in its manifest; a log entry whose checksum does not match, or that is missing (positions
 * run without gaps up to the head recorded with the save). No policy ever turns damaged data into a wrong
 * value, and no policy accepts a missing input section silently. Damaged interned values always fail the
 * load. A derived record that cannot be decoded is left out and recomputed under every policy.
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
