package dev.picante;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A read-only look into a database's memo tables, for diagnostics, actuator endpoints and tests:
 * per-ingredient counters, the cells of an ingredient, the dependency graph and why a result was
 * reused or recomputed. Obtained from {@link Database#inspector()}.
 *
 * <p>Methods without a {@link View} parameter describe the primary view. What the inspector returns is a
 * copy taken at the call: it never changes afterwards, and inspecting never computes, revalidates or
 * records anything. Counters are database-wide (all views) and monotonic. Thread-safe.
 */
public interface Inspector {

    /** Returns every registered ingredient, in registration order. */
    List<IngredientInfo> ingredients();

    /**
     * Returns one ingredient.
     *
     * @throws IllegalArgumentException if no ingredient has that name
     */
    IngredientInfo ingredient(String name);

    /** Returns the cells of one ingredient in the primary view, ordered by key text. */
    default List<CellInfo> cells(String ingredient) {
        return cells(database(), ingredient);
    }

    /**
     * Returns the cells of one ingredient in {@code view}: input slots with their {@code changed_at},
     * derived cells with their state, revisions and dependencies, interned values with their ids.
     *
     * @throws IllegalArgumentException if no ingredient has that name, or {@code view} belongs to another
     *     database
     */
    List<CellInfo> cells(View view, String ingredient);

    /** Returns one cell of the primary view, or empty if it holds nothing. */
    default Optional<CellInfo> cell(String ingredient, Object key) {
        return cell(database(), ingredient, key);
    }

    /** Returns one cell of {@code view}, or empty if it holds nothing. */
    Optional<CellInfo> cell(View view, String ingredient, Object key);

    /** Returns the dependency graph of the primary view's memoized results. */
    default DependencyGraph graph() {
        return graph(database());
    }

    /**
     * Returns the dependency graph of {@code view}: every memoized derived result and what its last
     * evaluation read.
     */
    DependencyGraph graph(View view);

    /** Explains the last evaluation of {@code ingredient(key)} in the primary view. */
    default Explanation explain(String ingredient, Object key) {
        return explain(database(), ingredient, key);
    }

    /**
     * Explains the last evaluation of {@code ingredient(key)} in {@code view}: whether it was computed
     * for the first time, recomputed (and which dependency changed, at which revision), reused after
     * revalidation, reused through the durability shortcut, or failed.
     *
     * @throws IllegalArgumentException if no derived ingredient has that name
     */
    Explanation explain(View view, String ingredient, Object key);

    /** Returns the database inspected. */
    Database database();

    /** The kinds of ingredient. */
    enum IngredientKind {
        /** An {@link InputIngredient}. */
        INPUT,
        /** A {@link DerivedIngredient}. */
        DERIVED,
        /** An {@link InternedIngredient}. */
        INTERNED
    }

    /**
     * Counters of one ingredient across all views, since the database was created.
     *
     * @param hits accesses served from a result already known valid at their revision
     * @param computations runs of the compute function
     * @param revalidations accesses served from an older result after checking its dependencies (or the
     *     durability shortcut), without computing
     * @param earlyCutoffs computations that produced a value equal to the previous one
     * @param failures computations that threw
     */
    record Counters(long hits, long computations, long revalidations, long earlyCutoffs, long failures) {
    }

    /**
     * Returns the database-wide counts of the work done to keep results up to date after input changes
     * ({@link RevalidationWork}): what tests and benchmarks use to show that an edit costs what it reaches.
     * Monotonic; the default returns zeros.
     */
    default RevalidationWork revalidationWork() {
        return new RevalidationWork(0, 0, 0);
    }

    /**
     * Database-wide counts of revalidation work, all views.
     *
     * @param dependencyChecks dependencies examined while revalidating a result (an input slot compared, or a
     *     derived dependency brought up to date and its version compared); the results a walk passes through
     *     count their own
     * @param marks records of the primary view an input change marked as reachable from it (once per change
     *     and record)
     * @param unmarkedReuses results of the primary view reused after an input change without examining any
     *     dependency, as no change reached them (they also count as revalidations)
     */
    record RevalidationWork(long dependencyChecks, long marks, long unmarkedReuses) {
    }

    /**
     * One ingredient.
     *
     * @param name the ingredient's name
     * @param kind input, derived or interned
     * @param keyType the key type (for interned tables, {@link InternId})
     * @param valueType the value type
     * @param durability the durability of an input; {@code HIGH} for interned; {@code null} for derived
     * @param entries how many slots, cells or interned values the primary view holds
     * @param counters the counters (zero for inputs and interned tables)
     */
    record IngredientInfo(String name, IngredientKind kind, Class<?> keyType, Class<?> valueType,
            @Nullable Durability durability, long entries,
            Counters counters) {
    }

    /** The state of a cell. */
    enum CellState {
        /** An input slot with a value, an interned value, or a derived cell with a value. */
        READY,
        /** An input slot that was removed (it holds nothing but remembers when that happened). */
        REMOVED,
        /** A derived cell whose last evaluation failed; the failure holds for its revision. */
        POISONED
    }

    /**
     * One cell.
     *
     * @param query the ingredient and key
     * @param state ready, removed or poisoned
     * @param value the value (for poisoned cells the failure's cause), or {@code null} for a removed slot
     * @param verifiedAt the revision the value was last confirmed at (derived), or {@code changedAt}
     * @param changedAt the revision the value last changed at
     * @param dependencies what the last evaluation read, in order (derived cells only)
     */
    record CellInfo(QueryRef query, CellState state, @Nullable Object value,
            Revision verifiedAt, Revision changedAt, List<QueryRef> dependencies) {
    }

    /**
     * A dependency graph: nodes are records, an edge {@code from -> to} means {@code from}'s last
     * evaluation read {@code to}.
     *
     * @param nodes every derived cell and every record one of them read
     * @param edges the reads
     */
    record DependencyGraph(List<QueryRef> nodes, List<Edge> edges) {

        /** One read: {@code from} read {@code to}. */
        public record Edge(QueryRef from, QueryRef to) {
        }

        /** Renders the graph in Graphviz DOT; edges point from a query to what it read. */
        public String toDot() {
            StringBuilder sb = new StringBuilder("digraph picante {\n  rankdir=LR;\n  node [shape=box];\n");
            for (QueryRef node : nodes) {
                sb.append("  ").append(quote(node.toString())).append(";\n");
            }
            for (Edge edge : edges) {
                sb.append("  ").append(quote(edge.from().toString())).append(" -> ")
                        .append(quote(edge.to().toString())).append(";\n");
            }
            return sb.append("}\n").toString();
        }

        private static String quote(String text) {
            return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
        }
    }

    /** What happened at the last evaluation of a derived query. */
    enum Outcome {
        /** The view holds no result for it: never asked, or its memo was evicted. */
        NOT_COMPUTED,
        /** Computed with no earlier result to reuse. */
        COMPUTED,
        /** Recomputed because a dependency changed; {@link Explanation#dependency()} names it. */
        RECOMPUTED,
        /** Recomputed and the value was equal to the previous one (early cutoff): dependents stay valid. */
        RECOMPUTED_UNCHANGED,
        /** Reused: every dependency was checked and none had changed. */
        REVALIDATED,
        /** Reused without a check: no input of its durability changed since (the durability shortcut). */
        DURABILITY_SHORTCUT,
        /** Reused from a result another view computed, after checking it against this view's inputs. */
        ADOPTED,
        /** The compute function threw; the failure holds for its revision. */
        FAILED,
        /** Loaded from a durable store with its revisions and dependencies (r[store.restore]). */
        RESTORED
    }

    /**
     * Why a derived query holds its current result.
     *
     * @param query the query explained
     * @param outcome what its last evaluation did
     * @param revision the revision of that evaluation
     * @param changedAt the revision its value last changed at, or {@code null} if not computed
     * @param dependency the dependency found changed, for {@link Outcome#RECOMPUTED} and
     *     {@link Outcome#RECOMPUTED_UNCHANGED} when known
     * @param dependencyChangedAt the revision that dependency changed at
     * @param message the same in one sentence
     */
    record Explanation(QueryRef query, Outcome outcome,
            @Nullable Revision revision,
            @Nullable Revision changedAt,
            @Nullable QueryRef dependency,
            @Nullable Revision dependencyChangedAt,
            String message) {
    }
}
