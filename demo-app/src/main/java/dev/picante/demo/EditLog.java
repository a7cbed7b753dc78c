package dev.picante.demo;

import dev.picante.Database;
import dev.picante.Inspector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * What happened since the last edit: the edit itself, the query functions that ran since (noted by
 * {@link DocsQueries}), and the inspector's counters of every derived ingredient then and now, from which
 * the status page shows what was recomputed and what was reused. Thread-safe.
 */
@Component
public class EditLog {

    private final Database database;
    private final ConcurrentLinkedQueue<String> computed = new ConcurrentLinkedQueue<>();
    private volatile @Nullable Edit last;

    /** Creates the log over the database's inspector. */
    public EditLog(Database database) {
        this.database = database;
    }

    /** Notes that query function {@code function} computed for {@code key}. */
    void computed(String function, String key) {
        computed.add(function + "(" + key + ")");
    }

    /** Starts a new edit: forgets what ran before it. */
    @EventListener
    public void onChange(PagesChanged change) {
        Map<String, Inspector.Counters> counters = counters();
        computed.clear();
        last = new Edit(change, Instant.now(), counters);
    }

    /** Returns the last edit, or {@code null} before the first. */
    public @Nullable Edit last() {
        return last;
    }

    /** Returns the query functions computed since the last edit (or startup), in order, e.g. {@code render(index)}. */
    public List<String> computedSinceEdit() {
        return new ArrayList<>(computed);
    }

    /** Returns each derived ingredient's counters from the inspector, by name. */
    public Map<String, Inspector.Counters> counters() {
        Map<String, Inspector.Counters> counters = new LinkedHashMap<>();
        for (Inspector.IngredientInfo info : database.inspector().ingredients()) {
            if (info.kind() == Inspector.IngredientKind.DERIVED) {
                counters.put(info.name(), info.counters());
            }
        }
        return counters;
    }

    /**
     * One edit.
     *
     * @param change what was written
     * @param at when
     * @param counters the derived ingredients' counters just before the queries that followed it
     */
    public record Edit(PagesChanged change, Instant at, Map<String, Inspector.Counters> counters) {
    }
}
