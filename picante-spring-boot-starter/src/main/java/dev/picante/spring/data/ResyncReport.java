package dev.picante.spring.data;

import dev.picante.Revision;
import java.util.Map;

/**
 * What a {@linkplain RepositoryInputs#resync() resync} or {@linkplain RepositoryInputs#poll() poll} did.
 *
 * @param rowsRead the rows read from the tables, per input name
 * @param changes the input changes applied (rows set or removed, and index slots), per input name; zero
 *     when the inputs already matched the tables
 * @param revision the database's revision afterwards; unchanged if nothing changed
 */
public record ResyncReport(Map<String, Integer> rowsRead, Map<String, Integer> changes, Revision revision) {

    /** Returns the number of changes over all inputs. */
    public int totalChanges() {
        return changes.values().stream().mapToInt(Integer::intValue).sum();
    }
}
