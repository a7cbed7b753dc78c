package dev.picante.internal;

import dev.picante.Durability;
import dev.picante.Inspector.Outcome;
import dev.picante.InternId;
import dev.picante.persist.ImportReport;
import dev.picante.persist.Section;
import dev.picante.persist.SectionKind;
import dev.picante.persist.StateImage;
import dev.picante.persist.StateImage.Checkpoint;
import dev.picante.persist.StoreMismatchException;
import dev.picante.persist.StoredDependency;
import dev.picante.persist.StoredRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Export and import of the primary view's state as {@link StateImage}s, for durable stores.
 *
 * <p>Exported dependencies name the {@code changed_at} their record had when read. On import each is
 * matched against the restored state: the same {@code changed_at} means the same slot or version, so the
 * restored memo holds exactly as before (r[store.restore]); anything else becomes a stamp that matches
 * nothing, so the memo is recomputed rather than trusted. Imports validate every section before changing
 * anything (r[store.mismatch]).
 */
public final class Persistence {

    /** A dependency stamp that equals nothing: the record it names was not restored as it was read. */
    private static final Object UNKNOWN = new Object();

    private final Engine engine;
    /** The input state of the last export, to diff the next export against instead of scanning. */
    private volatile @Nullable InputState lastExported;
    /**
     * For checkpoints this engine issued or loaded, the cell sequence at that moment: cells made later are
     * new to the log even at the same revision.
     */
    private final Map<Checkpoint, Long> issued = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<Checkpoint, Long> eldest) {
                    return size() > 16;
                }
            });

    /**
     * The derived cells the primary view stored since change tracking began (at the first export), by cell
     * sequence: a change export since an issued checkpoint visits these instead of every cell, so appending
     * costs what changed, not the size of the state. Trimmed below the oldest issued checkpoint.
     */
    private final ConcurrentSkipListMap<Long, NodeKey> storedCells = new ConcurrentSkipListMap<>();
    private final AtomicInteger storedCellCount = new AtomicInteger();
    private volatile boolean tracking;
    /**
     * The cell sequence from which {@link #storedCells} is complete; {@code Long.MAX_VALUE} when it is not
     * (never started, or dropped after overflowing), and exports scan every cell.
     */
    private volatile long trackedFrom = Long.MAX_VALUE;
    private final Object exportLock = new Object();
    /** Whether a checkpoint was ever issued or loaded: until then no change export can ask what is new. */
    private volatile boolean checkpointed;

    Persistence(Engine engine) {
        this.engine = engine;
    }

    /**
     * Notes a cell the primary view stored, once an export started change tracking. Past
     * {@link #MAX_TRACKED_CELLS} entries (exports stopped), tracking stops until the next export and change
     * exports scan every cell meanwhile.
     */
    void cellStored(int ingredient, Object key, Cell cell) {
        if (!tracking) {
            return;
        }
        if (storedCells.put(cell.sequence, new NodeKey(ingredient, key)) == null
                && storedCellCount.incrementAndGet() > MAX_TRACKED_CELLS) {
            tracking = false;
            trackedFrom = Long.MAX_VALUE;
            storedCells.clear();
            storedCellCount.set(0);
        }
    }

    /**
     * Whether a cell reverified in place must take a new sequence number, so that change exports since a
     * checkpoint see it: only once a checkpoint exists, which saves a shared atomic write per reverified cell
     * in a database that is never saved.
     */
    boolean sequencesCells() {
        return checkpointed;
    }

    /** How many stored cells change tracking keeps at most between exports. */
    static final int MAX_TRACKED_CELLS = 1 << 20;

    // ---------------------------------------------------------------------------------------------
    // Export

    /** Exports the whole state. */
    public StateImage exportState() {
        return export(null);
    }

    /** Exports the changes since a checkpoint. */
    public StateImage exportChangesSince(Checkpoint since) {
        return export(Objects.requireNonNull(since, "since"));
    }

    private StateImage export(@Nullable Checkpoint since) {
        synchronized (exportLock) {
            if (!tracking) {
                tracking = true;
                trackedFrom = Cell.lastSequence();
            }
            return exportLocked(since);
        }
    }

    private StateImage exportLocked(@Nullable Checkpoint since) {
        ViewState view = engine.primary();
        long sequence = Cell.lastSequence();
        InputState state = view.current();
        InputState previous = lastExported;
        Long seenUpTo = since == null ? null : issued.get(since);
        // The derived cells stored since the checkpoint, when tracking saw them all; otherwise every cell.
        long trackedSince = trackedFrom;
        Map<Integer, java.util.Set<Object>> touched = seenUpTo != null && seenUpTo >= trackedSince
                ? storedSince(seenUpTo) : null;
        if (trackedFrom != trackedSince) {
            touched = null; // tracking overflowed while it was read
        }
        List<Section> sections = new ArrayList<>();
        Map<String, Integer> internedSizes = new LinkedHashMap<>();
        for (IngredientImpl ingredient : engine.ingredients()) {
            List<StoredRecord> records = new ArrayList<>();
            SectionKind kind;
            if (ingredient instanceof InputImpl<?, ?> input) {
                kind = SectionKind.INPUT;
                PersistentMap<Object, InputSlot> slots = state.slots(input.index);
                java.util.function.BiConsumer<Object, InputSlot> add = (key, slot) -> {
                    if (since == null || slot.changedAt > since.revision()) {
                        records.add(new StoredRecord(key, slot.value, slot.changedAt, slot.changedAt, List.of()));
                    }
                };
                if (since != null && previous != null && previous.revision == since.revision()) {
                    slots.forEachChangedSince(previous.slots(input.index), add);
                } else {
                    slots.forEach(add);
                }
            } else if (ingredient instanceof DerivedImpl<?, ?> derived) {
                kind = SectionKind.DERIVED;
                java.util.function.BiConsumer<Object, Cell> add = (key, cell) -> {
                    StoredRecord record = derivedRecord(key, cell, state.revision, since, seenUpTo);
                    if (record != null) {
                        records.add(record);
                    }
                };
                if (touched != null) {
                    for (Object key : touched.getOrDefault(derived.index, java.util.Set.of())) {
                        Cell cell = view.cell(derived.index, key);
                        if (cell != null) {
                            add.accept(key, cell);
                        }
                    }
                } else {
                    view.forEachCell(derived.index, add);
                }
            } else {
                kind = SectionKind.INTERNED;
                InternedImpl<?> interned = (InternedImpl<?>) ingredient;
                int size = interned.size();
                int from = since == null ? 0 : since.internedSizes().getOrDefault(interned.name, 0);
                for (int id = from; id < size; id++) {
                    records.add(new StoredRecord(new InternId(id), interned.valueAt(id), 0, 0, List.of()));
                }
                internedSizes.put(interned.name, size);
            }
            if (since == null || !records.isEmpty()) {
                sections.add(new Section(ingredient.name, kind, ingredient.keyType, ingredient.valueType, records));
            }
        }
        lastExported = state;
        Checkpoint checkpoint = new Checkpoint(state.revision, internedSizes);
        issued.put(checkpoint, sequence);
        checkpointed = true;
        trimStoredCells();
        return new StateImage(state.revision, sections, checkpoint);
    }

    /** The keys of the cells stored after {@code sequence}, by ingredient, each once. */
    private Map<Integer, java.util.Set<Object>> storedSince(long sequence) {
        Map<Integer, java.util.Set<Object>> touched = new HashMap<>();
        for (NodeKey node : storedCells.tailMap(sequence, false).values()) {
            touched.computeIfAbsent(node.ingredient(), i -> new java.util.LinkedHashSet<>()).add(node.key());
        }
        return touched;
    }

    /** Forgets the stored cells no issued checkpoint needs: those at or below the oldest one's sequence. */
    private void trimStoredCells() {
        long oldest;
        synchronized (issued) {
            oldest = issued.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        }
        Map.Entry<Long, NodeKey> first;
        while ((first = storedCells.firstEntry()) != null && first.getKey() <= oldest) {
            if (storedCells.remove(first.getKey()) != null) {
                storedCellCount.decrementAndGet();
            }
        }
    }

    private @Nullable StoredRecord derivedRecord(Object key, Cell cell, long revision, @Nullable Checkpoint since,
            @Nullable Long seenUpTo) {
        Memo memo = cell.memo;
        if (memo.failed()) {
            return null;
        }
        long verifiedAt = cell.verifiedAt;
        if (verifiedAt > revision) {
            // Verified after the exported input state was read: export it only if it held then.
            if (!memo.validAt(revision, verifiedAt)) {
                return null;
            }
            verifiedAt = revision;
        }
        if (since != null && (seenUpTo != null ? cell.sequence <= seenUpTo : verifiedAt <= since.revision())) {
            return null;
        }
        List<StoredDependency> dependencies = new ArrayList<>(memo.dependencyCount());
        for (Dependency dependency : memo.dependencies()) {
            IngredientImpl read = engine.ingredientOrNull(dependency.ingredient);
            if (read == null) {
                return null;
            }
            dependencies.add(new StoredDependency(read.name, dependency.key, changedAtOf(dependency.seen)));
        }
        return new StoredRecord(key, memo.value, verifiedAt, memo.version.changedAt, dependencies);
    }

    private static long changedAtOf(@Nullable Object seen) {
        if (seen == null) {
            return 0;
        }
        if (seen instanceof InputSlot slot) {
            return slot.changedAt;
        }
        if (seen instanceof Version version) {
            return version.changedAt;
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------------
    // Import

    /** Imports a full image into a new database. */
    public ImportReport importState(StateImage image) {
        Objects.requireNonNull(image, "image");
        ViewState view = engine.primary();
        if (view.current().revision != 0 || !view.isEmpty() || engine.ingredients().stream()
                .anyMatch(i -> i instanceof InternedImpl<?> t && t.size() > 0)) {
            throw new IllegalStateException("database '" + engine.name() + "' is not new (revision "
                    + view.current().revision + "); import a full image only into a database that holds nothing");
        }
        return load(image, true);
    }

    /** Replays a change image. */
    public ImportReport applyChanges(StateImage changes) {
        Objects.requireNonNull(changes, "changes");
        long current = engine.primary().current().revision;
        boolean changesInputs = changes.sections().stream()
                .anyMatch(s -> s.kind() == SectionKind.INPUT && !s.records().isEmpty());
        // Interning and computing do not advance the revision, so their log entries may share one.
        if (changes.revision() < current || (changes.revision() == current && changesInputs)) {
            throw new IllegalArgumentException("change image at revision " + changes.revision()
                    + " is not after database '" + engine.name() + "' at revision " + current
                    + "; replay the log in revision order, once");
        }
        return load(changes, false);
    }

    private ImportReport load(StateImage image, boolean full) {
        ViewState view = engine.primary();
        List<String> skipped = new ArrayList<>();
        List<Section> known = new ArrayList<>();
        for (Section section : image.sections()) {
            IngredientImpl ingredient = engine.ingredientByNameOrNull(section.ingredient());
            if (ingredient == null) {
                skipped.add(section.ingredient());
                continue;
            }
            validate(section, ingredient);
            known.add(section);
        }
        synchronized (this) {
            InputState base = view.current();
            long revision = image.revision();
            // Inputs.
            InputState.Builder builder = base.toBranch();
            long[] lastChanged = base.lastChanged.clone();
            long added = 0;
            List<long[]> freed = new ArrayList<>();
            for (Section section : known) {
                if (section.kind() != SectionKind.INPUT) {
                    continue;
                }
                InputImpl<?, ?> input = (InputImpl<?, ?>) engine.ingredient(section.ingredient());
                for (StoredRecord record : section.records()) {
                    InputSlot old = builder.slot(input.index, record.key());
                    added += (old == null ? engine.weigh(record.key()) : 0)
                            + (record.value() == null ? 0 : engine.weigh(Objects.requireNonNull(record.value())));
                    if (old != null && old.present()) {
                        freed.add(new long[] {engine.weigh(Objects.requireNonNull(old.value)), old.changedAt,
                                base.revision});
                    }
                    InputSlot slot = new InputSlot(record.value(), record.changedAt(), builder.lineage());
                    builder.put(input.index, record.key(), slot, input.durability);
                    for (int d = 0; d <= input.durability.ordinal(); d++) {
                        lastChanged[d] = Math.max(lastChanged[d], record.changedAt());
                    }
                }
            }
            // Interned values: checked before anything changes, then appended in id order.
            List<Map.Entry<InternedImpl<?>, StoredRecord>> interned = internedRecords(known);
            for (Map.Entry<InternedImpl<?>, StoredRecord> entry : interned) {
                if (((InternId) entry.getValue().key()).value() >= entry.getKey().size()) {
                    added += 16 + engine.weigh(Objects.requireNonNull(entry.getValue().value()));
                }
            }
            InputState restored = builder.withLastChanged(lastChanged).build(revision);
            Map<NodeKey, Cell> cells = restoreDerived(known, restored, view, revision);
            engine.stateBytes.change(added, freed, () -> "loading " + (full ? "a saved state" : "a change log entry")
                    + " at revision " + revision + " into database '" + engine.name() + "'");
            for (Map.Entry<InternedImpl<?>, StoredRecord> entry : interned) {
                entry.getKey().restore(((InternId) entry.getValue().key()).value(),
                        Objects.requireNonNull(entry.getValue().value()));
            }
            engine.advanceRevisionTo(revision);
            view.restore(restored, cells, () -> { });
            issued.put(image.checkpoint(), Cell.lastSequence());
            checkpointed = true;
            long count = known.stream().mapToLong(s -> s.records().size()).sum();
            return new ImportReport(revision, count, skipped);
        }
    }

    private void validate(Section section, IngredientImpl ingredient) {
        SectionKind expected = switch (ingredient.kind()) {
            case INPUT -> SectionKind.INPUT;
            case DERIVED -> SectionKind.DERIVED;
            case INTERNED -> SectionKind.INTERNED;
        };
        if (section.kind() != expected) {
            throw new StoreMismatchException("stored section '" + section.ingredient() + "' is of kind "
                    + section.kind() + " but " + ingredient.describe() + " is registered as " + expected
                    + "; nothing was loaded. Rename the ingredient or clear the store");
        }
        if (!section.keyType().getName().equals(ingredient.keyType.getName())
                || !section.valueType().getName().equals(ingredient.valueType.getName())) {
            throw new StoreMismatchException("stored section '" + section.ingredient() + "' holds "
                    + section.keyType().getName() + " -> " + section.valueType().getName() + " but "
                    + ingredient.describe() + " is " + ingredient.keyType.getName() + " -> "
                    + ingredient.valueType.getName() + "; nothing was loaded");
        }
        for (StoredRecord record : section.records()) {
            if (!ingredient.keyType.isInstance(record.key())) {
                throw new StoreMismatchException("stored key " + record.key() + " of section '" + section.ingredient()
                        + "' is a " + record.key().getClass().getName() + ", not a " + ingredient.keyType.getName());
            }
            Object value = record.value();
            if (value == null ? section.kind() != SectionKind.INPUT : !ingredient.valueType.isInstance(value)) {
                throw new StoreMismatchException("stored value for key " + record.key() + " of section '"
                        + section.ingredient() + "' is " + (value == null ? "missing" : "a "
                        + value.getClass().getName()) + ", not a " + ingredient.valueType.getName());
            }
        }
    }

    private List<Map.Entry<InternedImpl<?>, StoredRecord>> internedRecords(List<Section> sections) {
        List<Map.Entry<InternedImpl<?>, StoredRecord>> all = new ArrayList<>();
        for (Section section : sections) {
            if (section.kind() != SectionKind.INTERNED) {
                continue;
            }
            InternedImpl<?> table = (InternedImpl<?>) engine.ingredient(section.ingredient());
            List<StoredRecord> records = new ArrayList<>(section.records());
            records.sort(Comparator.comparingInt(r -> ((InternId) r.key()).value()));
            int next = table.size();
            for (StoredRecord record : records) {
                int id = ((InternId) record.key()).value();
                if (id < next) {
                    if (id < table.size() && !table.valueAt(id).equals(record.value())) {
                        throw new StoreMismatchException("stored " + table.describe() + " has another value at id "
                                + id + " than the table; the store belongs to another history");
                    }
                } else if (id == next) {
                    next++;
                } else {
                    throw new StoreMismatchException("stored " + table.describe() + " jumps to id " + id
                            + " after " + next + " values; interned records are missing");
                }
                all.add(Map.entry(table, record));
            }
        }
        return all;
    }

    private Map<NodeKey, Cell> restoreDerived(List<Section> sections, InputState state, ViewState view,
            long revision) {
        Map<NodeKey, StoredRecord> records = new LinkedHashMap<>();
        Map<NodeKey, Version> versions = new HashMap<>();
        for (Section section : sections) {
            if (section.kind() != SectionKind.DERIVED) {
                continue;
            }
            IngredientImpl derived = engine.ingredient(section.ingredient());
            for (StoredRecord record : section.records()) {
                if (record.verifiedAt() > revision || record.changedAt() > record.verifiedAt()) {
                    continue; // not valid at any revision of this image: leave it out, it will be recomputed
                }
                NodeKey node = new NodeKey(derived.index, record.key());
                records.put(node, record);
                versions.put(node, new Version(record.changedAt()));
            }
        }
        Map<NodeKey, Cell> cells = new LinkedHashMap<>();
        for (Map.Entry<NodeKey, StoredRecord> entry : records.entrySet()) {
            StoredRecord record = entry.getValue();
            Dependency[] dependencies = new Dependency[record.dependencies().size()];
            Durability durability = Durability.HIGH;
            int i = 0;
            for (StoredDependency stored : record.dependencies()) {
                IngredientImpl read = engine.ingredientByNameOrNull(stored.ingredient());
                int index = read == null ? -1 : read.index;
                Object seen = UNKNOWN;
                if (read instanceof InputImpl<?, ?> input) {
                    InputSlot slot = state.slot(index, stored.key());
                    if (slot == null ? stored.changedAt() == 0 : slot.changedAt == stored.changedAt()) {
                        seen = slot;
                    }
                    durability = min(durability, input.durability);
                } else if (read instanceof DerivedImpl<?, ?>) {
                    NodeKey node = new NodeKey(index, stored.key());
                    Version version = versions.get(node);
                    if (version == null) {
                        Cell existing = view.cell(index, stored.key());
                        version = existing == null ? null : existing.memo.version;
                    }
                    if (version != null && version.changedAt == stored.changedAt()) {
                        seen = version;
                    }
                    durability = Durability.LOW;
                } else if (read instanceof InternedImpl<?>) {
                    seen = null;
                }
                dependencies[i++] = new Dependency(index, stored.key(), seen);
            }
            Memo memo = Memo.value(Objects.requireNonNull(record.value()), versions.get(entry.getKey()),
                    Arrays.copyOf(dependencies, i), durability);
            cells.put(entry.getKey(), new Cell(memo, record.verifiedAt(), Outcome.RESTORED, null, 0));
        }
        return distrustUnverifiable(cells, revision);
    }

    /**
     * A restored value counts as verified only if everything it read, directly or through other restored
     * values, was restored as it was read; the others keep their value (for early cutoff) but must
     * revalidate, which recomputes them.
     */
    private static Map<NodeKey, Cell> distrustUnverifiable(Map<NodeKey, Cell> cells, long revision) {
        java.util.Set<NodeKey> suspect = new java.util.HashSet<>();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<NodeKey, Cell> entry : cells.entrySet()) {
                if (suspect.contains(entry.getKey())) {
                    continue;
                }
                for (Dependency dependency : entry.getValue().memo.dependencies()) {
                    if (dependency.seen == UNKNOWN
                            || suspect.contains(new NodeKey(dependency.ingredient, dependency.key))) {
                        suspect.add(entry.getKey());
                        grew = true;
                        break;
                    }
                }
            }
        }
        if (suspect.isEmpty()) {
            return cells;
        }
        Map<NodeKey, Cell> result = new LinkedHashMap<>(cells);
        for (NodeKey node : suspect) {
            Cell cell = result.get(node);
            result.put(node, new Cell(cell.memo, Math.min(cell.verifiedAt, revision) - revision - 1,
                    Outcome.RESTORED, null, 0));
        }
        return result;
    }

    private static Durability min(Durability a, Durability b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
