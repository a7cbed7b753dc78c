package dev.picante.demo;

import dev.picante.Database;
import dev.picante.Inspector;
import dev.picante.spring.QueryFunctionObserver;
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
 * What happened since the last edit: the edit itself, the query functions that ran since, and the inspector's
 * counters of every derived ingredient then and now, from which the status page shows what was recomputed and
 * what was reused. Thread-safe.
 *
 * <p>The computations come from the starter: as a {@link QueryFunctionObserver} bean, the log is told of every
 * computation of a {@link DocsQueries} function with its key, so the functions themselves note nothing.
 */
@Component
public class EditLog implements QueryFunctionObserver {

    /** The bean name of {@link DocsQueries}, which prefixes the names of its query functions. */
    private static final String PREFIX = "docsQueries.";

    private final Database database;
    private final ConcurrentLinkedQueue<String> computed = new ConcurrentLinkedQueue<>();
    private volatile @Nullable Edit last;

    /** Creates the log over the database's inspector. */
    public EditLog(Database database) {
        this.database = database;
    }

    /** Not called: the starter calls {@link #computed(String, Object, long, boolean)}, which sees the key. */
    @Override
    public void computed(String ingredient, long nanos, boolean failed) {
    }

    /**
     * Notes that a query function of {@link DocsQueries} computed for {@code key} (whether it returned or threw), as
     * {@code function(key)}: e.g. {@code parse(concepts/memoization)}; a key of several arguments is written with
     * spaces between them ({@code mentions(faq zebra)}), an empty one as nothing ({@code linkGraph()}).
     */
    @Override
    public void computed(String ingredient, Object key, long nanos, boolean failed) {
        if (ingredient.startsWith(PREFIX)) {
            computed.add(ingredient.substring(PREFIX.length()) + "(" + keyText(key) + ")");
        }
    }

    private static String keyText(Object key) {
        if (key instanceof List<?> arguments) {
            StringBuilder text = new StringBuilder();
            for (Object argument : arguments) {
                if (text.length() > 0) {
                    text.append(' ');
                }
                text.append(argument);
            }
            return text.toString();
        }
        return String.valueOf(key);
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

    /**
     * Returns the query functions computed since the last edit (or startup), in the order their computations ended
     * (a function that calls another ends after it), e.g. {@code parse(index)}.
     */
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
