package dev.picante.internal;

import dev.picante.Database;
import dev.picante.Durability;
import dev.picante.Inspector;
import dev.picante.InternId;
import dev.picante.QueryRef;
import dev.picante.Revision;
import dev.picante.View;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** The {@link Inspector} of an engine: copies of its tables, never computing anything. */
final class InspectorImpl implements Inspector {

    private static final Counters NONE = new Counters(0, 0, 0, 0, 0);
    private static final Comparator<CellInfo> BY_KEY = Comparator.comparing(c -> String.valueOf(c.query().key()));

    private final Engine engine;

    InspectorImpl(Engine engine) {
        this.engine = engine;
    }

    @Override
    public Database database() {
        return (Database) engine.owner;
    }

    @Override
    public RevalidationWork revalidationWork() {
        Marking marking = engine.primary().marking;
        return new RevalidationWork(engine.dependencyChecks.sum(), marking == null ? 0 : marking.marks.sum(),
                marking == null ? 0 : marking.unmarkedReuses.sum());
    }

    @Override
    public List<IngredientInfo> ingredients() {
        List<IngredientInfo> infos = new ArrayList<>();
        for (IngredientImpl ingredient : engine.ingredients()) {
            infos.add(info(ingredient));
        }
        return infos;
    }

    @Override
    public IngredientInfo ingredient(String name) {
        return info(engine.ingredient(name));
    }

    private IngredientInfo info(IngredientImpl ingredient) {
        ViewState view = engine.primary();
        if (ingredient instanceof InputImpl<?, ?> input) {
            return new IngredientInfo(input.name, IngredientKind.INPUT, input.keyType, input.valueType,
                    input.durability, view.current().presentCount(input.index), NONE);
        }
        if (ingredient instanceof DerivedImpl<?, ?> derived) {
            var table = view.tableIfPresent(derived.index);
            return new IngredientInfo(derived.name, IngredientKind.DERIVED, derived.keyType, derived.valueType, null,
                    table == null ? 0 : table.size(), derived.counters());
        }
        InternedImpl<?> interned = (InternedImpl<?>) ingredient;
        return new IngredientInfo(interned.name, IngredientKind.INTERNED, InternId.class, interned.valueType,
                Durability.HIGH, interned.size(), NONE);
    }

    @Override
    public List<CellInfo> cells(View view, String name) {
        ViewState state = resolve(view);
        IngredientImpl ingredient = engine.ingredient(name);
        List<CellInfo> cells = new ArrayList<>();
        if (ingredient instanceof InputImpl<?, ?> input) {
            state.current().slots(input.index).forEach((key, slot) -> cells.add(inputCell(input, key, slot)));
        } else if (ingredient instanceof DerivedImpl<?, ?> derived) {
            state.cells(derived.index).forEach((key, cell) -> cells.add(derivedCell(derived, key, cell)));
        } else {
            InternedImpl<?> interned = (InternedImpl<?>) ingredient;
            for (int id = 0, n = interned.size(); id < n; id++) {
                cells.add(internedCell(interned, id));
            }
            return cells;
        }
        cells.sort(BY_KEY);
        return cells;
    }

    @Override
    public Optional<CellInfo> cell(View view, String name, Object key) {
        ViewState state = resolve(view);
        IngredientImpl ingredient = engine.ingredient(name);
        Objects.requireNonNull(key, "key");
        if (ingredient instanceof InputImpl<?, ?> input) {
            InputSlot slot = state.current().slot(input.index, key);
            return slot == null ? Optional.empty() : Optional.of(inputCell(input, key, slot));
        }
        if (ingredient instanceof DerivedImpl<?, ?> derived) {
            Cell cell = state.cell(derived.index, key);
            return cell == null ? Optional.empty() : Optional.of(derivedCell(derived, key, cell));
        }
        InternedImpl<?> interned = (InternedImpl<?>) ingredient;
        if (key instanceof InternId id && id.value() >= 0 && id.value() < interned.size()) {
            return Optional.of(internedCell(interned, id.value()));
        }
        return Optional.empty();
    }

    private static CellInfo inputCell(InputImpl<?, ?> input, Object key, InputSlot slot) {
        Revision changed = new Revision(slot.changedAt);
        return new CellInfo(input.ref(key), slot.present() ? CellState.READY : CellState.REMOVED, slot.value, changed,
                changed, List.of());
    }

    private CellInfo derivedCell(DerivedImpl<?, ?> derived, Object key, Cell cell) {
        Throwable failure = cell.failure();
        return new CellInfo(derived.ref(key), failure == null ? CellState.READY : CellState.POISONED,
                failure == null ? cell.value : DerivedImpl.rootCause(failure), new Revision(cell.verifiedAt),
                new Revision(cell.version.changedAt()), refs(cell.dependencies()));
    }

    private static CellInfo internedCell(InternedImpl<?> interned, int id) {
        return new CellInfo(interned.ref(new InternId(id)), CellState.READY, interned.valueAt(id), new Revision(0),
                new Revision(0), List.of());
    }

    private List<QueryRef> refs(Dependency[] dependencies) {
        List<QueryRef> refs = new ArrayList<>(dependencies.length);
        for (Dependency dependency : dependencies) {
            if (!(dependency.key instanceof Persistence.OutdatedCode)) {
                refs.add(ref(dependency));
            }
        }
        return refs;
    }

    /** The marker of a result loaded from another code version, or {@code null}. */
    private static Persistence.@org.jspecify.annotations.Nullable OutdatedCode outdated(
            @org.jspecify.annotations.Nullable Dependency dependency) {
        return dependency != null && dependency.key instanceof Persistence.OutdatedCode code ? code : null;
    }

    private static String describe(Persistence.OutdatedCode code) {
        return "its code version changed (stored '" + code.stored() + "', registered '" + code.registered() + "')";
    }

    private QueryRef ref(Dependency dependency) {
        IngredientImpl ingredient = engine.ingredientOrNull(dependency.ingredient);
        return new QueryRef(ingredient == null ? "#" + dependency.ingredient : ingredient.name, dependency.key);
    }

    @Override
    public DependencyGraph graph(View view) {
        ViewState state = resolve(view);
        Set<QueryRef> nodes = new LinkedHashSet<>();
        List<DependencyGraph.Edge> edges = new ArrayList<>();
        for (IngredientImpl ingredient : engine.ingredients()) {
            if (ingredient instanceof DerivedImpl<?, ?> derived) {
                List<Map.Entry<Object, Cell>> entries = new ArrayList<>(state.cells(derived.index).entrySet());
                entries.sort(Comparator.comparing(e -> String.valueOf(e.getKey())));
                for (Map.Entry<Object, Cell> entry : entries) {
                    QueryRef from = derived.ref(entry.getKey());
                    nodes.add(from);
                    for (Dependency dependency : entry.getValue().dependencies()) {
                        if (outdated(dependency) != null) {
                            continue;
                        }
                        QueryRef to = ref(dependency);
                        nodes.add(to);
                        edges.add(new DependencyGraph.Edge(from, to));
                    }
                }
            }
        }
        return new DependencyGraph(List.copyOf(nodes), List.copyOf(edges));
    }

    @Override
    public Explanation explain(View view, String name, Object key) {
        ViewState state = resolve(view);
        IngredientImpl ingredient = engine.ingredient(name);
        if (!(ingredient instanceof DerivedImpl<?, ?> derived)) {
            throw new IllegalArgumentException("explain needs a derived ingredient; " + ingredient.describe()
                    + " is not one");
        }
        Objects.requireNonNull(key, "key");
        QueryRef query = derived.ref(key);
        Cell cell = state.cell(derived.index, key);
        if (cell == null) {
            return new Explanation(query, Outcome.NOT_COMPUTED, null, null, null, null, query
                    + " holds no result in this view: it was never asked for, or its result was evicted");
        }
        Memo memo = cell; // the memo it holds: the cell itself
        Cell.Verification how = cell.verification();
        Revision at = new Revision(cell.verifiedAt);
        Revision changedAt = new Revision(memo.version.changedAt());
        Persistence.OutdatedCode recode = outdated(how.cause());
        Dependency found = recode != null ? null : how.cause();
        QueryRef cause = found == null ? null : ref(found);
        Revision causeAt = found == null ? null : new Revision(how.causeChangedAt());
        String because = recode != null ? " because " + describe(recode)
                : cause == null ? "" : " because " + cause + " changed at revision " + how.causeChangedAt();
        Persistence.OutdatedCode pending = memo.dependencyCount() == 0 ? null : outdated(memo.dependency(0));
        String message = switch (how.outcome()) {
            case COMPUTED -> query + " was computed at revision " + at.value() + " (no earlier result to reuse)";
            case RECOMPUTED -> query + " was recomputed at revision " + at.value()
                    + (!because.isEmpty() ? because : " because its earlier result could not be reused")
                    + "; its value changed";
            case RECOMPUTED_UNCHANGED -> query + " was recomputed at revision " + at.value() + because
                    + ", but the value was equal to the previous one, so it keeps changed_at " + changedAt.value()
                    + " and its dependents stay valid (early cutoff)";
            case REVALIDATED -> query + " was reused at revision " + at.value() + ": none of its "
                    + memo.dependencyCount() + " dependencies changed since it was last verified";
            case DURABILITY_SHORTCUT -> query + " was reused at revision " + at.value()
                    + " without checking its dependencies: no input of durability " + memo.durability()
                    + " or higher changed since it was last verified";
            case ADOPTED -> query + " was reused at revision " + at.value()
                    + " from a result another view computed, after checking its dependencies here";
            case FAILED -> query + " failed at revision " + at.value() + ": "
                    + Objects.requireNonNull(DerivedImpl.rootCause(Objects.requireNonNull(memo.failure())));
            case RESTORED -> query + " was loaded from the store, verified at revision " + at.value()
                    + " and changed at revision " + changedAt.value() + (pending == null ? ""
                    : "; " + describe(pending) + ", so it is recomputed before it is served, and keeps changed_at "
                    + changedAt.value() + " if the value is equal");
            case NOT_COMPUTED -> query + " holds no result";
        };
        return new Explanation(query, how.outcome(), at, memo.failed() ? null : changedAt, cause, causeAt, message);
    }

    private ViewState resolve(View view) {
        Objects.requireNonNull(view, "view");
        ViewState state = view instanceof Evaluation evaluation ? evaluation.view : ViewAccess.stateOf(view);
        if (state == null || state.engine != engine) {
            throw new IllegalArgumentException("the view does not belong to database '" + engine.name() + "'");
        }
        return state;
    }
}
