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
 * nothing, so the memo is recomputed rather than trusted.
 *
 * <p>A load (one image, or a full image and its change log) first plans everything without changing
 * anything: the records of all its images merged in order, input and interned sections checked against the
 * registry (a mismatch throws), derived records that no longer fit left out with their readers, interned ids
 * checked against the tables, the state bytes counted. Only then does it change the database: the interned
 * values, then inputs, revision and results in one step under the primary view's write lock; none of these
 * steps can fail, so a failed load leaves the database as it was.
 *
 * <p>Each derived section carries its ingredient's code version. A loaded result of another code version
 * gets, as its first dependency, a marker ({@link #OUTDATED_CODE}) that names no ingredient: revalidation
 * fails on it wherever the result is looked at (the database, a snapshot, a dependent's revalidation), and
 * the result is restored as not verified (negative {@code verified_at}), so neither a hit nor the
 * durability shortcut takes it. Its recomputation compares against the loaded value (early cutoff), and
 * exports leave it out until then.
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
    /** Set before {@link #checkpointed} and before any checkpoint's cell sequence is read ({@link #sequencing()}). */
    private volatile boolean sequencing;
    /**
     * The newest cell sequence an export or a load counted as seen, published before the export looks at any
     * cell: a cell stored with a number at or below it may have been missed, and takes a new one
     * ({@link #cellStored}).
     */
    private volatile long countedUpTo;

    Persistence(Engine engine) {
        this.engine = engine;
    }

    /**
     * Notes a cell the primary view stored, once an export started change tracking. Past
     * {@link #MAX_TRACKED_CELLS} entries (exports stopped), tracking stops until the next export and change
     * exports scan every cell meanwhile. A cell whose number an export may have counted as seen before the
     * cell was stored is renumbered, so that a change export still takes it.
     */
    void cellStored(int ingredient, Object key, Cell cell) {
        long sequence = cell.sequence();
        if (sequence == 0) {
            return; // an unsequenced cell was made before tracking began: no export since a checkpoint asks for it
        }
        NodeKey node = new NodeKey(ingredient, key);
        while (true) {
            if (tracking) {
                track(sequence, node); // else exports look at every cell, and the number alone decides
            }
            // A cell takes its number before the table holds it: an export that read the last number after that
            // but looked before the cell was stored counts the number as seen without having exported the cell,
            // and every later export would skip it. Whether that happened cannot be told, so the cell takes a new
            // number, which the next export asks for. Read after the cell was stored and tracked, which an export
            // that counts a number as seen looks for only after it published that number (both volatile).
            if (sequence > countedUpTo || !(cell instanceof Cell.Sequenced sequenced)) {
                return;
            }
            sequence = sequenced.renumber();
        }
    }

    /** Adds a stored cell to {@link #storedCells}; past {@link #MAX_TRACKED_CELLS}, stops tracking. */
    private void track(long sequence, NodeKey node) {
        if (storedCells.put(sequence, node) == null && storedCellCount.incrementAndGet() > MAX_TRACKED_CELLS) {
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

    /**
     * Whether the primary view's new cells must carry a sequence number ({@link Cell.Sequenced}): from the
     * first export or load on, before the cell sequence of its checkpoint is read. A cell made before has
     * sequence 0, which every checkpoint counts as seen, as it would a sequence taken before it; one
     * reverified in place once {@link #sequencesCells()} is replaced by a sequenced copy instead.
     */
    boolean sequencing() {
        return sequencing;
    }

    /**
     * Makes {@link #sequencing()} hold, telling the primary view first ({@link ViewState#willSequence()}): a path that
     * sees the view's flag clear would have seen {@code sequencing} false.
     */
    private void startSequencing() {
        engine.primary().willSequence();
        sequencing = true;
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
        // Code versions given as suppliers are resolved first, holding no lock: a supplier may take a while.
        for (IngredientImpl ingredient : engine.ingredients()) {
            if (ingredient instanceof DerivedImpl<?, ?> derived) {
                derived.codeVersion();
            }
        }
        synchronized (exportLock) {
            startSequencing(); // before the sequences of tracking and of the checkpoint are read
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
        countedUpTo = sequence; // before any cell is looked at; exports are serialized, so it only increases
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
                String codeVersion = ingredient instanceof DerivedImpl<?, ?> derived ? derived.codeVersion() : "";
                sections.add(new Section(ingredient.name, kind, ingredient.keyType, ingredient.valueType, codeVersion,
                        records));
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
        Memo memo = cell;
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
        if (since != null && (seenUpTo != null ? cell.sequence() <= seenUpTo : verifiedAt <= since.revision())) {
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
        return new StoredRecord(key, memo.value, verifiedAt, memo.version.changedAt(), dependencies);
    }

    private static long changedAtOf(@Nullable Object seen) {
        if (seen == null) {
            return 0;
        }
        if (seen instanceof InputSlot slot) {
            return slot.changedAt;
        }
        if (seen instanceof Version version) {
            return version.changedAt();
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------------
    // Import

    /**
     * The ingredient index of the marker dependency a loaded result computed by another code version gets
     * first: no ingredient has it, so revalidation fails on it (r[cell.revalidate-missing]) and the result
     * is recomputed before it is served, with early cutoff against the loaded value.
     */
    static final int OUTDATED_CODE = -1;

    /** The key of the marker dependency of a result loaded from another code version: both versions. */
    record OutdatedCode(String stored, String registered) {
    }

    /** Imports a full image into a new database. */
    public ImportReport importState(StateImage image) {
        Objects.requireNonNull(image, "image");
        return load(List.of(image), true);
    }

    /** Imports a full image and replays change images on top of it into a new database: all or nothing. */
    public ImportReport load(StateImage image, List<StateImage> changes) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(changes, "changes");
        List<StateImage> images = new ArrayList<>(changes.size() + 1);
        images.add(image);
        for (StateImage change : changes) {
            images.add(Objects.requireNonNull(change, "null change image"));
        }
        return load(images, true);
    }

    /** Replays a change image. */
    public ImportReport applyChanges(StateImage changes) {
        Objects.requireNonNull(changes, "changes");
        return load(List.of(changes), false);
    }

    /**
     * Loads images in order as one step: reads and checks all of them against the registry and each other
     * first, changes nothing if anything is wrong, then publishes the result at once.
     */
    private ImportReport load(List<StateImage> images, boolean full) {
        // The code versions of the stored derived sections first, holding no lock: a supplier may take a while.
        for (StateImage image : images) {
            for (Section section : image.sections()) {
                if (section.kind() == SectionKind.DERIVED
                        && engine.ingredientByNameOrNull(section.ingredient()) instanceof DerivedImpl<?, ?> derived) {
                    derived.codeVersion();
                }
            }
        }
        // The write lock first, as a write whose InputChangeGate replays changes takes it: no write runs
        // between reading the inputs and publishing the loaded ones.
        return engine.primary().whileWritesWait(() -> {
            synchronized (this) {
                return loadLocked(images, full);
            }
        });
    }

    private ImportReport loadLocked(List<StateImage> images, boolean full) {
        ViewState view = engine.primary();
        InputState base = view.current();
        if (full) {
            checkNew(view, base);
        }
        checkOrder(images, full, base.revision);
        Plan plan = new Plan();
        for (StateImage image : images) {
            for (Section section : image.sections()) {
                plan.add(section, image.revision());
            }
        }
        // Inputs.
        InputState.Builder builder = base.toBranch();
        long[] lastChanged = base.lastChanged.clone();
        long added = 0;
        List<long[]> freed = new ArrayList<>();
        for (InputRecord entry : plan.inputs.values()) {
            InputImpl<?, ?> input = entry.input();
            StoredRecord record = entry.record();
            InputSlot old = builder.slot(input.index, record.key());
            added += (old == null ? engine.weigh(record.key()) : 0)
                    + (record.value() == null ? 0 : engine.weigh(Objects.requireNonNull(record.value())));
            if (old != null && old.present()) {
                freed.add(new long[] {engine.weigh(Objects.requireNonNull(old.value)), old.changedAt, base.revision});
            }
            builder.put(input.index, record.key(), new InputSlot(input.index, record.key(), record.value(),
                    record.changedAt(), builder.lineage()), input.durability);
            for (int d = 0; d <= input.durability.ordinal(); d++) {
                lastChanged[d] = Math.max(lastChanged[d], record.changedAt());
            }
        }
        // Interned values: checked against the tables, which no one interns into meanwhile, then appended.
        List<InternedImpl<?>> tables = new ArrayList<>(plan.interned.keySet());
        tables.sort(Comparator.comparingInt(t -> t.index));
        long inputBytes = added;
        return whileInterningWaits(tables, 0, () -> publish(view, base, plan, images, full, builder, lastChanged,
                inputBytes, freed));
    }

    /** Runs {@code action} holding the locks of {@code tables} from {@code from} on, in index order. */
    private static ImportReport whileInterningWaits(List<InternedImpl<?>> tables, int from,
            java.util.function.Supplier<ImportReport> action) {
        if (from == tables.size()) {
            return action.get();
        }
        synchronized (tables.get(from)) {
            return whileInterningWaits(tables, from + 1, action);
        }
    }

    private ImportReport publish(ViewState view, InputState base, Plan plan, List<StateImage> images, boolean full,
            InputState.Builder builder, long[] lastChanged, long inputBytes, List<long[]> freed) {
        StateImage last = images.get(images.size() - 1);
        long revision = last.revision();
        long added = inputBytes;
        List<Map.Entry<InternedImpl<?>, Map.Entry<Integer, Object>>> interned = plan.checkedInterned();
        for (Map.Entry<InternedImpl<?>, Map.Entry<Integer, Object>> entry : interned) {
            if (entry.getValue().getKey() >= entry.getKey().size()) {
                added += 16 + engine.weigh(entry.getValue().getValue());
            }
        }
        InputState restored = builder.withLastChanged(lastChanged).build(revision);
        plan.dropUnreadable();
        Map<NodeKey, Cell> cells = restoreDerived(plan.results, restored, view, revision);
        // Nothing is changed before this point; the state-byte check is the last thing that may refuse.
        engine.stateBytes.change(added, freed, () -> "loading " + (full ? "a saved state" : "a change log entry")
                + " at revision " + revision + " into database '" + engine.name() + "'");
        for (Map.Entry<InternedImpl<?>, Map.Entry<Integer, Object>> entry : interned) {
            entry.getKey().restore(entry.getValue().getKey(), entry.getValue().getValue());
        }
        engine.advanceRevisionTo(revision);
        view.restore(restored, cells, () -> { });
        startSequencing(); // before the checkpoint's sequence is read
        long loadedUpTo = Cell.lastSequence();
        countedUpTo = Math.max(countedUpTo, loadedUpTo);
        issued.put(last.checkpoint(), loadedUpTo);
        checkpointed = true;
        long count = plan.registeredRecords - plan.droppedRecords;
        return new ImportReport(revision, count, List.copyOf(plan.skipped), plan.droppedSections(),
                plan.droppedRecords, List.copyOf(plan.outdated));
    }

    private void checkNew(ViewState view, InputState base) {
        if (base.revision != 0 || !view.isEmpty() || engine.ingredients().stream()
                .anyMatch(i -> i instanceof InternedImpl<?> t && t.size() > 0)) {
            throw new IllegalStateException("database '" + engine.name() + "' is not new (revision "
                    + base.revision + "); import a full image only into a database that holds nothing");
        }
    }

    /** Checks that every change image comes after what precedes it (r[store.log]). */
    private void checkOrder(List<StateImage> images, boolean full, long current) {
        for (int i = 0; i < images.size(); i++) {
            StateImage image = images.get(i);
            if (full && i == 0) {
                current = image.revision();
                continue;
            }
            boolean changesInputs = image.sections().stream()
                    .anyMatch(s -> s.kind() == SectionKind.INPUT && !s.records().isEmpty());
            // Interning and computing do not advance the revision, so their log entries may share one.
            if (image.revision() < current || (image.revision() == current && changesInputs)) {
                throw new IllegalArgumentException("change image at revision " + image.revision() + " is not after "
                        + (i == 0 ? "database '" + engine.name() + "' at revision " + current
                        : "the image before it (revision " + current + ") loading into database '" + engine.name()
                        + "'") + "; replay the log in revision order, once" + (full ? "; nothing was loaded" : ""));
            }
            current = image.revision();
        }
    }

    /** An input record to restore. */
    private record InputRecord(InputImpl<?, ?> input, StoredRecord record) {
    }

    /** A derived record to restore, with the code version that computed it when that is not the registered one. */
    private record Pending(DerivedImpl<?, ?> ingredient, StoredRecord record, @Nullable String outdatedVersion) {
    }

    /**
     * What a load will restore, merged over its images (a later record of the same key replaces an earlier
     * one), and what it leaves out. Building it changes nothing; it throws {@link StoreMismatchException} for
     * input and interned data that does not fit.
     */
    private final class Plan {
        final Map<NodeKey, InputRecord> inputs = new LinkedHashMap<>();
        final Map<InternedImpl<?>, java.util.TreeMap<Integer, Object>> interned = new LinkedHashMap<>();
        final Map<NodeKey, Pending> results = new LinkedHashMap<>();
        final java.util.Set<String> skipped = new java.util.LinkedHashSet<>();
        final java.util.Set<String> outdated = new java.util.LinkedHashSet<>();
        /** Derived records left out: their readers are left out too. */
        final java.util.Set<NodeKey> droppedNodes = new java.util.HashSet<>();
        /** Per ingredient and reason: how many records, and whether that was the whole section. */
        final Map<String, Map<String, long[]>> drops = new LinkedHashMap<>();
        long droppedRecords;
        /** The records of all sections of registered ingredients, over all images. */
        long registeredRecords;

        void add(Section section, long imageRevision) {
            IngredientImpl ingredient = engine.ingredientByNameOrNull(section.ingredient());
            if (ingredient == null) {
                skipped.add(section.ingredient());
                return;
            }
            registeredRecords += section.records().size();
            if (section.kind() == SectionKind.DERIVED) {
                addDerived(section, ingredient, imageRevision);
                return;
            }
            checkData(section, ingredient);
            if (ingredient instanceof InputImpl<?, ?> input) {
                for (StoredRecord record : section.records()) {
                    inputs.put(new NodeKey(input.index, record.key()), new InputRecord(input, record));
                }
                return;
            }
            InternedImpl<?> table = (InternedImpl<?>) ingredient;
            java.util.TreeMap<Integer, Object> values = interned.computeIfAbsent(table, t -> new java.util.TreeMap<>());
            for (StoredRecord record : section.records()) {
                int id = ((InternId) record.key()).value();
                Object value = Objects.requireNonNull(record.value());
                Object before = values.putIfAbsent(id, value);
                if (before != null && !before.equals(value)) {
                    throw new StoreMismatchException("stored " + table.describe() + " has two values at id " + id
                            + " (" + before + " and " + value + "); the log belongs to another history; nothing was"
                            + " loaded");
                }
            }
        }

        private void addDerived(Section section, IngredientImpl ingredient, long imageRevision) {
            String name = section.ingredient();
            if (!(ingredient instanceof DerivedImpl<?, ?> derived)) {
                dropSection(section, ingredient, "the stored results are of a derived ingredient, but "
                        + ingredient.describe() + " is registered now");
                return;
            }
            if (!sameTypes(section, derived)) {
                dropSection(section, ingredient, "the stored results are " + types(section.keyType(),
                        section.valueType()) + " but " + derived.describe() + " is " + types(derived.keyType,
                        derived.valueType) + " now");
                return;
            }
            String version = section.codeVersion().equals(derived.codeVersion()) ? null : section.codeVersion();
            if (version != null && !section.records().isEmpty()) {
                outdated.add(name);
            }
            for (StoredRecord record : section.records()) {
                NodeKey node = new NodeKey(derived.index, record.key());
                Object value = record.value();
                if (!derived.keyType.isInstance(record.key()) || value == null || !derived.valueType.isInstance(value)) {
                    drop(node, name, "records whose key or value is not of the registered types "
                            + types(derived.keyType, derived.valueType), false);
                    continue;
                }
                if (record.verifiedAt() > imageRevision || record.changedAt() > record.verifiedAt()) {
                    continue; // not valid at any revision of its image: leave it out, it will be recomputed
                }
                droppedNodes.remove(node);
                results.put(node, new Pending(derived, record, version));
            }
        }

        private void dropSection(Section section, IngredientImpl ingredient, String reason) {
            for (StoredRecord record : section.records()) {
                drop(new NodeKey(ingredient.index, record.key()), section.ingredient(), reason, true);
            }
        }

        private void drop(NodeKey node, String ingredient, String reason, boolean entire) {
            results.remove(node);
            droppedNodes.add(node);
            long[] count = drops.computeIfAbsent(ingredient, i -> new LinkedHashMap<>())
                    .computeIfAbsent(reason, r -> new long[2]);
            count[0]++;
            count[1] = entire ? 1 : 0;
            droppedRecords++;
        }

        /**
         * Leaves out the derived records that cannot be restored: those that read an ingredient not
         * registered, a key of the wrong type, or a record left out, transitively.
         */
        void dropUnreadable() {
            java.util.ArrayDeque<NodeKey> queue = new java.util.ArrayDeque<>(droppedNodes);
            for (Map.Entry<NodeKey, Pending> entry : List.copyOf(results.entrySet())) {
                String reason = null;
                for (StoredDependency dependency : entry.getValue().record().dependencies()) {
                    IngredientImpl read = engine.ingredientByNameOrNull(dependency.ingredient());
                    if (read == null) {
                        reason = "records that read '" + dependency.ingredient() + "', which is not registered";
                    } else if (!read.keyType.isInstance(dependency.key())) {
                        reason = "records that read a key of " + read.describe() + " that is not a "
                                + read.keyType.getName();
                    }
                    if (reason != null) {
                        break;
                    }
                }
                if (reason != null) {
                    drop(entry.getKey(), entry.getValue().ingredient().name, reason, false);
                    queue.add(entry.getKey());
                }
            }
            if (queue.isEmpty()) {
                return;
            }
            Map<NodeKey, List<NodeKey>> readers = new HashMap<>();
            for (Map.Entry<NodeKey, Pending> entry : results.entrySet()) {
                for (StoredDependency dependency : entry.getValue().record().dependencies()) {
                    IngredientImpl read = Objects.requireNonNull(engine.ingredientByNameOrNull(dependency.ingredient()));
                    readers.computeIfAbsent(new NodeKey(read.index, dependency.key()), n -> new ArrayList<>())
                            .add(entry.getKey());
                }
            }
            while (!queue.isEmpty()) {
                for (NodeKey reader : readers.getOrDefault(queue.poll(), List.of())) {
                    Pending pending = results.get(reader);
                    if (pending != null) {
                        drop(reader, pending.ingredient().name, "records that read results that were left out", false);
                        queue.add(reader);
                    }
                }
            }
        }

        List<ImportReport.DroppedSection> droppedSections() {
            List<ImportReport.DroppedSection> sections = new ArrayList<>();
            drops.forEach((ingredient, reasons) -> reasons.forEach((reason, count) -> sections.add(
                    new ImportReport.DroppedSection(ingredient, count[0], count[1] == 1, reason))));
            return sections;
        }

        /** The interned values to restore, in id order per table, checked against the tables. */
        List<Map.Entry<InternedImpl<?>, Map.Entry<Integer, Object>>> checkedInterned() {
            List<Map.Entry<InternedImpl<?>, Map.Entry<Integer, Object>>> all = new ArrayList<>();
            interned.forEach((table, values) -> {
                int next = table.size();
                Map<Object, Integer> added = new HashMap<>();
                for (Map.Entry<Integer, Object> entry : values.entrySet()) {
                    int id = entry.getKey();
                    Object value = entry.getValue();
                    if (id < table.size()) {
                        if (!table.valueAt(id).equals(value)) {
                            throw new StoreMismatchException("stored " + table.describe() + " has another value at id "
                                    + id + " than the table; the store belongs to another history");
                        }
                        continue;
                    }
                    if (id != next) {
                        throw new StoreMismatchException("stored " + table.describe() + " jumps to id " + id
                                + " after " + next + " values; interned records are missing");
                    }
                    InternId existing = table.idOf(value);
                    Integer twice = added.putIfAbsent(value, id);
                    if (existing != null || twice != null) {
                        throw new StoreMismatchException("stored " + table.describe() + " has the value of id "
                                + (existing != null ? existing.value() : twice) + " again at id " + id
                                + "; the store is corrupt");
                    }
                    next++;
                    all.add(Map.entry(table, entry));
                }
            });
            return all;
        }
    }

    private static boolean sameTypes(Section section, IngredientImpl ingredient) {
        return section.keyType().getName().equals(ingredient.keyType.getName())
                && section.valueType().getName().equals(ingredient.valueType.getName());
    }

    private static String types(Class<?> key, Class<?> value) {
        return key.getName() + " -> " + value.getName();
    }

    /**
     * Checks an input or interned section against its registered ingredient: these are data, which a load
     * never drops or reinterprets, so anything that does not fit fails it (r[store.mismatch]).
     */
    private void checkData(Section section, IngredientImpl ingredient) {
        SectionKind expected = switch (ingredient.kind()) {
            case INPUT -> SectionKind.INPUT;
            case DERIVED -> SectionKind.DERIVED;
            case INTERNED -> SectionKind.INTERNED;
        };
        String name = section.ingredient();
        String wayOut = " Register '" + name + "' as it was stored to read its records (and convert them in the"
                + " application), or delete the stored records of '" + name + "' from the store to start it empty"
                + " (their values are lost).";
        if (section.kind() != expected) {
            throw new StoreMismatchException("stored section '" + name + "' is of kind " + section.kind() + " ("
                    + types(section.keyType(), section.valueType()) + ") but " + ingredient.describe()
                    + " is registered as " + expected + " (" + types(ingredient.keyType, ingredient.valueType)
                    + "); nothing was loaded." + wayOut);
        }
        if (!sameTypes(section, ingredient)) {
            throw new StoreMismatchException("stored section '" + name + "' holds " + types(section.keyType(),
                    section.valueType()) + " but " + ingredient.describe() + " is registered as "
                    + types(ingredient.keyType, ingredient.valueType) + "; nothing was loaded." + wayOut);
        }
        for (StoredRecord record : section.records()) {
            if (!ingredient.keyType.isInstance(record.key())) {
                throw new StoreMismatchException("stored key " + record.key() + " of section '" + name + "' is a "
                        + record.key().getClass().getName() + ", not a " + ingredient.keyType.getName() + " as "
                        + ingredient.describe() + " (" + types(ingredient.keyType, ingredient.valueType)
                        + ") needs; nothing was loaded." + wayOut);
            }
            Object value = record.value();
            if (value == null ? section.kind() != SectionKind.INPUT : !ingredient.valueType.isInstance(value)) {
                throw new StoreMismatchException("stored value for key " + record.key() + " of section '" + name
                        + "' is " + (value == null ? "missing" : "a " + value.getClass().getName()) + ", not a "
                        + ingredient.valueType.getName() + " as " + ingredient.describe() + " ("
                        + types(ingredient.keyType, ingredient.valueType) + ") needs; nothing was loaded." + wayOut);
            }
        }
    }

    private Map<NodeKey, Cell> restoreDerived(Map<NodeKey, Pending> pending, InputState state, ViewState view,
            long revision) {
        Map<NodeKey, Version> versions = new HashMap<>();
        for (Map.Entry<NodeKey, Pending> entry : pending.entrySet()) {
            versions.put(entry.getKey(), Version.of(entry.getValue().record().changedAt()));
        }
        Map<NodeKey, Cell> cells = new LinkedHashMap<>();
        // Restored results that read a result of this view that must itself be revalidated first.
        java.util.Set<NodeKey> readUnverified = new java.util.HashSet<>();
        for (Map.Entry<NodeKey, Pending> entry : pending.entrySet()) {
            Pending restoring = entry.getValue();
            StoredRecord record = restoring.record();
            int first = restoring.outdatedVersion() == null ? 0 : 1;
            Dependency[] dependencies = new Dependency[record.dependencies().size() + first];
            if (first == 1) {
                // Another code version computed it: a dependency that never holds makes it recompute first.
                dependencies[0] = new Dependency(OUTDATED_CODE, new OutdatedCode(
                        Objects.requireNonNull(restoring.outdatedVersion()), restoring.ingredient().codeVersion()),
                        UNKNOWN);
            }
            Durability durability = Durability.HIGH;
            int i = first;
            for (StoredDependency stored : record.dependencies()) {
                IngredientImpl read = Objects.requireNonNull(engine.ingredientByNameOrNull(stored.ingredient()));
                int index = read.index;
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
                        version = existing == null ? null : existing.version;
                        if (existing != null && existing.verifiedAt < 0) {
                            readUnverified.add(entry.getKey());
                        }
                    }
                    if (version != null && version.changedAt() == stored.changedAt()) {
                        seen = version;
                    }
                    durability = Durability.LOW;
                } else if (read instanceof InternedImpl<?>) {
                    seen = null;
                }
                dependencies[i++] = new Dependency(index, stored.key(), seen);
            }
            Memo memo = Memo.value(Objects.requireNonNull(record.value()), Objects.requireNonNull(
                    versions.get(entry.getKey())), dependencies, durability);
            cells.put(entry.getKey(), new Cell(entry.getKey().key(), memo, record.verifiedAt(), Outcome.RESTORED, null, 0));
        }
        return distrustUnverifiable(cells, revision, readUnverified);
    }

    /**
     * A restored value counts as verified only if everything it read, directly or through other restored
     * values, was restored as it was read and computed by the registered code version; the others keep their
     * value (for early cutoff) but must revalidate, which recomputes them or what they read. Their
     * {@code verified_at} becomes negative, below every revision, so no shortcut takes them as verified.
     */
    private static Map<NodeKey, Cell> distrustUnverifiable(Map<NodeKey, Cell> cells, long revision,
            java.util.Set<NodeKey> suspects) {
        java.util.Set<NodeKey> suspect = new java.util.HashSet<>(suspects);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<NodeKey, Cell> entry : cells.entrySet()) {
                if (suspect.contains(entry.getKey())) {
                    continue;
                }
                for (Dependency dependency : entry.getValue().dependencies()) {
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
            if (cell != null) {
                result.put(node, new Cell(node.key(), cell, Math.min(cell.verifiedAt, revision) - revision - 1,
                        Outcome.RESTORED, null, 0));
            }
        }
        return result;
    }

    private static Durability min(Durability a, Durability b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
