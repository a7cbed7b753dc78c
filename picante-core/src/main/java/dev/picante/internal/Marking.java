package dev.picante.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongBiFunction;
import org.jspecify.annotations.Nullable;

/**
 * Push-marking of the primary view (issue 17, "edits cost what they reach"): reverse dependency edges kept
 * for every memo the view stores, and the marks an input change leaves, before its state is published, on
 * every record it can reach through them. A result verified at {@code V} whose record carries no mark newer
 * than {@code V} is still valid at a later revision without checking any dependency; a marked one is checked,
 * and only against the dependencies the marks arrived through when they are all known. The argument for why
 * this is exact, including the races with evaluations that overlap an input change, is in
 * {@code notes/marking.md}; its rules, as this class and {@link ViewState} apply them:
 *
 * <ol>
 *   <li>a memo's edges are registered before any cell holding it is published (or reverified in place); a
 *       registration is applied at once under {@link #edges} (a reader's first, when no walk holds it), or joins
 *       the {@link #pending} ones, which a walk applies before it reads any edge;
 *   <li>{@link #markingAt} is raised before a change's marking reads any edge; a cell verified at {@code V}
 *       that reads a higher {@code markingAt} after registering (and after its checks) is marked whole at it
 *       before it is published;
 *   <li>reuse without checks only for cells verified at or after {@link #floor}, which loads and memos adopted
 *       from other views raise (their transitive reads may not be registered here);
 *   <li>edges and marks are never dropped while the view lives (a stale edge only marks too much), so an
 *       evicted memo's readers are still reached;
 *   <li>a walk does not go on to the readers of a record whose readers an earlier walk at or above the floor
 *       all reached ({@link Node#throughAt}) when no reader relied on the record since ({@link Node#readAt}):
 *       each is still marked through it. A reader's verification raises {@code readAt} of every dependency it
 *       relies on before its rule-2 read of {@link #markingAt}; a cell advances without doing so only when its
 *       record has no mark newer than its verification (reuse on marks, the durability shortcut).
 * </ol>
 *
 * <p>Edges are packed per record: one {@link Node} per record read or marked, holding its readers (ingredient
 * index and key) and the position of the record among each reader's dependencies.
 */
final class Marking {

    /** Dependencies remembered per marked record before the record is marked whole instead. */
    private static final int MAX_CHANGES = 8;
    /** Bits of a reader's entry in {@link Node#info} that hold the position; the ingredient index is above. */
    private static final int POSITION_BITS = 20;
    /** A position too large to store: the reader's dependencies are searched instead. */
    private static final int NO_POSITION = (1 << POSITION_BITS) - 1;
    /** An ingredient index too large to store: the reader's key is then a {@link NodeKey} naming both. */
    private static final int WIDE = (1 << (32 - POSITION_BITS)) - 1;
    /** Readers looked through for a repeat at each registration, while there are no more of them. */
    private static final int SCANNED = 16;
    /**
     * The bit of {@link Node#foldAt} set while no registration since the last fold can have repeated a reader:
     * it lifts the threshold out of reach, so a node whose readers all registered {@code fresh} is never folded.
     */
    private static final int NO_REPEATS = 1 << 30;
    /**
     * The index table of {@link #fold}, shared and kept up to this length, so folds allocate nothing (not a
     * {@code ThreadLocal}: one more per thread slows the {@link HitCounter}'s lookups on the hit path).
     */
    private static final int MAX_KEPT_SLOTS = 1 << 16;
    private static final Object FOLD_LOCK = new Object();
    private static int[] foldSlots = new int[0];
    private static final Object[] NO_READERS = new Object[0];
    /**
     * The most dependencies a reader may have for its first registration ({@link #applyFresh}) to leave its
     * position out: a check then finds the record among them by a scan ({@link Revalidation}'s
     * {@code positionOf}), at most this many comparisons, and a node whose readers all have this few keeps no
     * {@link Node#info} array at all.
     */
    static final int FEW_DEPENDENCIES = 8;
    /** The largest position a {@code byte[]} of {@link Node#info} holds (unsigned); larger ones widen it. */
    private static final int BYTE_POSITIONS = 0xFF;
    /** {@link Node#uniform} before a node's first reader: equal to no entry's high bits (never negative). */
    private static final int NO_UNIFORM = -1;
    /** Registrations that may wait before the registering thread applies them (see {@link #register}). */
    static final int APPLY_AT = 64;
    private static final VarHandle READ_AT;
    private static final VarHandle PENDING;

    static {
        try {
            READ_AT = MethodHandles.lookup().findVarHandle(Node.class, "readAt", long.class);
            PENDING = MethodHandles.lookup().findVarHandle(Marking.class, "pending", Pending.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private volatile ConcurrentHashMap<Object, Node>[] nodes = new ConcurrentHashMap[0];
    /** The revision of the newest input change whose marking has started. */
    volatile long markingAt;
    /** Cells verified before this revision are never reused on their marks alone; only ever raised. */
    private final AtomicLong floor = new AtomicLong();
    /** Marks left on records by input changes. */
    final LongAdder marks = new LongAdder();
    /** Results reused after an input change without checking a dependency. */
    final LongAdder unmarkedReuses = new LongAdder();
    /**
     * Guards every node's edges ({@link Node#readers} and the fields beside them): held by a walk ({@link #mark})
     * from before it applies the pending registrations until it has read its last edge, and by whoever applies
     * them. Taken before a node's lock, never after one.
     */
    private final EdgesLock edges = new EdgesLock();
    /**
     * The registrations not applied to the nodes yet, newest first ({@link Pending#next}); {@code null} when none.
     * A registration is a compare-and-set here instead of a lock per edge on the cold path.
     */
    private volatile @Nullable Pending pending;
    /** How many registrations may wait before the registering thread applies them. */
    private final int applyAt;
    /**
     * Whether a first registration ({@code fresh}, no memo before it) is applied at once by its thread when the
     * {@link #edges} lock is free, instead of waiting (see {@link #register}).
     */
    private final boolean direct;

    /**
     * A marking that applies a first registration at once when {@link #edges} is free, and otherwise lets
     * registrations wait until {@value #APPLY_AT} of them do.
     */
    Marking() {
        this(APPLY_AT, true);
    }

    /**
     * A marking whose registrations are applied once {@code applyAt} of them wait (tests: 1 applies each at once),
     * and, if {@code direct}, first registrations at once while {@link #edges} is free.
     */
    Marking(int applyAt, boolean direct) {
        if (applyAt < 1) {
            throw new IllegalArgumentException("applyAt must be at least 1, was " + applyAt);
        }
        this.applyAt = applyAt;
        this.direct = direct;
    }

    /**
     * A registration of a memo's edges ({@link #register}) waiting to be applied. Holds the memo's packed
     * dependencies, not the memo, so a value evicted meanwhile is not kept alive by it.
     */
    private static final class Pending {
        final Engine engine;
        /** The reader as a node's {@link Node#readers} hold it. */
        final Object reader;
        /** The reader's ingredient index shifted into an entry of {@link Node#info}. */
        final int high;
        final Object[] reads;
        /** The dependencies of the memo replaced, whose edges were registered before: {@code null} if none. */
        final Object @Nullable [] before;
        final long verifiedAt;
        final boolean fresh;
        /** The registration made just before this one; written before this one is published. */
        @Nullable Pending next;
        /** How many registrations wait, this one included. */
        int count;

        Pending(Engine engine, Object reader, int high, Object[] reads, Object @Nullable [] before, long verifiedAt,
                boolean fresh) {
            this.engine = engine;
            this.reader = reader;
            this.high = high;
            this.reads = reads;
            this.before = before;
            this.verifiedAt = verifiedAt;
            this.fresh = fresh;
        }
    }

    /**
     * The record of one input slot or derived query: who read it (its reverse edges, guarded by the marking's
     * {@link #edges} lock), and the marks input changes left on it (guarded by the node's own lock, except
     * {@link #markedAt}, which readers look at alone).
     */
    static final class Node {
        /** The marking this node belongs to (an {@link InputSlot} caches its node for the one it names). */
        final Marking marking;
        /** The newest revision of a mark on this record, 0 if none. */
        volatile long markedAt;
        /**
         * The newest revision whose marking walk went on from this record to its readers. Not {@link #markedAt}:
         * a whole mark (rule 2) or a taint raises that without reaching the readers, and the walk must still go
         * through. Guarded by the node's lock.
         */
        long reachedAt;
        /**
         * The newest revision whose marking walk went on to every reader of this record ({@code 0}: none yet).
         * A later walk that finds no reader relied on the record since ({@link #readAt} below it) stops here:
         * every reader is still marked through this record from then (rule 5). Guarded by the node's lock.
         */
        long throughAt;
        /**
         * The newest revision at which a reader's verification relied on this record (read it in a computation,
         * or checked it), written (only ever raised) before that reader's cell is published or reverified.
         */
        volatile long readAt;
        /** The keys of the derived records that read this one (a {@link NodeKey} for a {@link #WIDE} index). */
        Object[] readers = NO_READERS;
        /**
         * For each reader, its ingredient index (high bits) and where this record is among its dependencies, when
         * the edge was registered (low {@value #POSITION_BITS} bits; {@link #NO_POSITION} when not kept), read and
         * written through {@link #infoAt} and {@link #setInfo}. {@code null} while every reader is of one
         * ingredient ({@link #uniform}) and none has a position kept (the common case: a record read by the
         * results of one query, each with at most {@value #FEW_DEPENDENCIES} dependencies; no array at all);
         * while every reader is of one ingredient at a position below {@value #BYTE_POSITIONS} or none kept, a
         * {@code byte[]} of positions ({@value #BYTE_POSITIONS} for none; 1 byte per edge beside the key
         * reference); otherwise an {@code int[]} of whole entries (4 bytes per edge). Its length, when an array,
         * is that of {@link #readers}.
         */
        @Nullable Object info;
        /**
         * While {@link #info} is {@code null} or a {@code byte[]}: the high bits (ingredient index) of every entry;
         * {@link #NO_UNIFORM} (no entry's high bits) until the first reader sets it, so a registration's common case
         * ({@link #applyFresh}) needs no separate look at whether there is a reader yet.
         */
        int uniform = NO_UNIFORM;
        /**
         * {@link #uniform} while {@link #info} is {@code null}, {@link #NO_UNIFORM} otherwise (kept so by
         * {@link #addReader} and {@link #setInfo}, the only writers of either): a fresh reader whose ingredient's
         * high bits equal it keeps no position and is appended by a store alone ({@link #appendFresh}), one compare
         * where two fields would take two.
         */
        int plain = NO_UNIFORM;
        int readerCount;
        /**
         * How many readers there may be before repeated ones are looked for again (see {@link #fold}), with
         * {@link #NO_REPEATS} set while no registration since the last fold can have repeated a reader.
         */
        int foldAt = 2 * SCANNED | NO_REPEATS;
        /** What the marks on this record arrived through; {@code null} until it is first marked. */
        @Nullable Changes changes;

        Node(Marking marking) {
            this.marking = marking;
        }
    }

    /** The dependencies through which marks reached a record. Guarded by the node's lock. */
    static final class Changes {
        /** The newest mark that names no dependency: a check from before it must look at every dependency. */
        long wholeAt;
        /** Entries marked at or before this revision were dropped: a check from before it looks at all. */
        long prunedTo;
        Object[] dependencies = new Object[2 * 2];
        int[] positions = new int[2];
        long[] at = new long[2];
        int count;

        void grow() {
            int capacity = Math.min(MAX_CHANGES, positions.length * 2);
            dependencies = Arrays.copyOf(dependencies, 2 * capacity);
            positions = Arrays.copyOf(positions, capacity);
            at = Arrays.copyOf(at, capacity);
        }
    }

    /** A dependency to check, where the reader's memo holds it. */
    record Position(int ingredient, Object key, int position) {
    }

    private @Nullable ConcurrentHashMap<Object, Node> table(int ingredient) {
        ConcurrentHashMap<Object, Node>[] n = nodes;
        return ingredient < n.length ? n[ingredient] : null;
    }

    private @Nullable Node nodeIfPresent(int ingredient, Object key) {
        ConcurrentHashMap<Object, Node> table = table(ingredient);
        return table == null ? null : table.get(key);
    }

    private Node node(int ingredient, Object key) {
        ConcurrentHashMap<Object, Node> table = table(ingredient);
        if (table == null) {
            table = createTable(ingredient);
        }
        Node node = table.get(key);
        return node != null ? node : table.computeIfAbsent(key, k -> new Node(this));
    }

    @SuppressWarnings("unchecked")
    private synchronized ConcurrentHashMap<Object, Node> createTable(int ingredient) {
        ConcurrentHashMap<Object, Node>[] n = nodes;
        if (ingredient < n.length && n[ingredient] != null) {
            return n[ingredient];
        }
        n = Arrays.copyOf(n, Math.max(n.length, ingredient + 1));
        ConcurrentHashMap<Object, Node> table = new ConcurrentHashMap<>();
        n[ingredient] = table;
        nodes = n;
        return table;
    }

    /** Cells verified before this revision are never reused on their marks alone. */
    long floor() {
        return floor.get();
    }

    /** Raises {@link #floor()} to at least {@code revision}. */
    void raiseFloor(long revision) {
        floor.accumulateAndGet(revision, Math::max);
    }

    /**
     * Marks a record for good: a result that read a failure, or read one that did, is never reused on marks
     * alone (r[changed-at.poison]: a dependent of an older failure recomputes).
     */
    void taint(int ingredient, Object key) {
        markWhole(ingredient, key, Long.MAX_VALUE);
    }

    /** Whether {@link #taint} marked the record. */
    boolean tainted(int ingredient, Object key) {
        return markedAt(ingredient, key) == Long.MAX_VALUE;
    }

    /** The newest revision of a mark on the record, 0 if none. */
    long markedAt(int ingredient, Object key) {
        Node node = nodeIfPresent(ingredient, key);
        return node == null ? 0 : node.markedAt;
    }

    // ---------------------------------------------------------------------------------------------
    // Edges

    /**
     * Registers the edges of {@code memo}, the memo of {@code (ingredient, key)}, except those {@code before}
     * (the memo it replaces, whose edges are registered) has at the same position, and records that a
     * verification at {@code verifiedAt} relied on each of its dependencies ({@link #relied}). Called before a
     * cell holding {@code memo} is published.
     *
     * <p>A reader's first registration ({@code fresh}, no memo before it: the cold path) is applied at once by
     * its thread when it gets the {@link #edges} lock without waiting ({@code tryLock}), after the registrations
     * waiting: one lock, no {@link Pending} object. Otherwise (a walk holds the lock or waits for it, or a
     * registration that is not a first one) the registration is one compare-and-set: it joins the {@link #pending}
     * ones, which are applied to the records' nodes, in the order they were made, before any walk reads an edge
     * ({@link #mark} applies them first) and whenever {@value #APPLY_AT} are waiting, by the registering thread that
     * finds the {@link #edges} lock free. So rule 1 holds: a registration applied at once is applied before its
     * {@link #markIfOverlapped}, and before any walk that takes the lock after it; a walk whose {@link #markingAt}
     * a waiting registration did not see (its {@link #markIfOverlapped} comes after it) applies that registration
     * before reading any edge. A pending registration keeps the dependencies of the memo (its
     * {@link Memo#reads()}), not its value.
     *
     * @param fresh the caller knows no edge of {@code (ingredient, key)} was registered before (its first memo in
     *     a view that never dropped one): its edges are appended without looking for an earlier registration of
     *     the same reader. A wrong {@code true} only leaves a repeated edge (it marks the reader once, rule 4),
     *     folded away at a later registration that is not fresh.
     */
    void register(Engine engine, int ingredient, Object key, Memo memo, @Nullable Memo before, long verifiedAt,
            boolean fresh) {
        Object[] reads = memo.reads();
        if (reads.length == 0) {
            return; // no edge, and no dependency to rely on
        }
        Object reader = ingredient >= WIDE ? new NodeKey(ingredient, key) : key;
        int high = Math.min(ingredient, WIDE) << POSITION_BITS;
        if (direct && fresh && before == null && edges.tryLock()) {
            applyDirectly(engine, reader, high, reads, verifiedAt);
            return;
        }
        Pending registration = new Pending(engine, reader, high, reads, before == null ? null : before.reads(),
                verifiedAt, fresh);
        Pending head;
        do {
            head = pending;
            registration.next = head;
            registration.count = head == null ? 1 : head.count + 1;
        } while (!PENDING.compareAndSet(this, head, registration));
        if (registration.count >= applyAt && edges.tryLock()) {
            try {
                applyPending();
            } finally {
                edges.unlock();
            }
        }
    }

    /**
     * {@link #register}'s first registration when its thread holds {@link #edges}: applies the registrations
     * waiting, then this one (so they are applied in the order they were made, as {@link #applyPending} does), and
     * releases the lock. No {@link Pending} is made. A failure is handled as {@link #applyPending} handles one.
     */
    private void applyDirectly(Engine engine, Object reader, int high, Object[] reads, long verifiedAt) {
        try {
            Error error = null;
            if (pending != null) {
                try {
                    applyPending();
                } catch (Error e) {
                    error = e;
                }
            }
            try {
                applyFresh(engine, reader, high, reads, verifiedAt);
            } catch (RuntimeException | Error e) {
                error = notApplied(e, error);
            }
            if (error != null) {
                throw error;
            }
        } finally {
            edges.unlock();
        }
    }

    /** {@link #register} for a reader that may have registered before. */
    void register(Engine engine, int ingredient, Object key, Memo memo, @Nullable Memo before, long verifiedAt) {
        register(engine, ingredient, key, memo, before, verifiedAt, false);
    }

    /** {@link #register} for a memo no verification relies on yet (tests). */
    void register(Engine engine, int ingredient, Object key, Memo memo, @Nullable Memo before) {
        register(engine, ingredient, key, memo, before, 0, false);
    }

    /**
     * Applies the {@link #pending} registrations to the records' nodes, oldest first (under {@link #edges}). A
     * registration that cannot be applied whole (a key's {@code hashCode} or {@code equals} threw, or memory ran
     * out) leaves edges missing, which no mark may rely on: the {@link #floor} is then raised for good, so this
     * view checks dependencies from then on instead of trusting marks (correct, slower); an {@link Error} is
     * rethrown once the rest are applied.
     */
    private void applyPending() {
        Pending newest = (Pending) PENDING.getAndSet(this, null);
        Pending oldest = null;
        while (newest != null) {
            Pending next = newest.next;
            newest.next = oldest;
            oldest = newest;
            newest = next;
        }
        Error error = null;
        for (Pending p = oldest; p != null; p = p.next) {
            try {
                apply(p);
            } catch (RuntimeException | Error e) {
                error = notApplied(e, error);
            }
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * A registration could not be applied whole ({@code e}): edges are missing, so the {@link #floor} is raised
     * for good; returns the {@link Error} to rethrow once the rest are applied (the first one).
     */
    private @Nullable Error notApplied(Throwable e, @Nullable Error first) {
        raiseFloor(Long.MAX_VALUE);
        return first == null && e instanceof Error thrown ? thrown : first;
    }

    /** Applies one registration (under {@link #edges}): see {@link #register}. */
    private void apply(Pending p) {
        Object[] reads = p.reads;
        Object @Nullable [] before = p.before;
        if (before == null && p.fresh) {
            applyFresh(p.engine, p.reader, p.high, reads, p.verifiedAt);
            return;
        }
        int beforeCount = before == null ? 0 : Memo.dependencyCount(before);
        for (int i = 0, count = Memo.dependencyCount(reads); i < count; i++) {
            Node node = recordNode(p.engine, reads, i);
            if (node == null) {
                continue;
            }
            if (before == null || i >= beforeCount || Memo.ingredientAt(before, i) != Memo.ingredientAt(reads, i)
                    || !Memo.keyAt(before, i).equals(Memo.keyAt(reads, i))) {
                addReader(node, p.reader, p.high | Math.min(i, NO_POSITION), p.fresh);
            }
            relied(node, p.verifiedAt);
        }
    }

    /**
     * {@link #apply} for the first registration of a reader (fresh, no memo before it): the cold path's common
     * case. A reader with at most {@value #FEW_DEPENDENCIES} dependencies keeps no position, so the common append
     * (a node with no {@link Node#info} array whose readers are of the reader's ingredient, no growth; a fold due
     * is left to the next registration that is not fresh) stores the reader alone, written out here, and an
     * input slot's cached node is taken without a call. Other readers: {@link #applyMany}.
     */
    private void applyFresh(Engine engine, Object reader, int high, Object[] reads, long verifiedAt) {
        int count = Memo.dependencyCount(reads);
        if (count > FEW_DEPENDENCIES) {
            applyMany(engine, reader, high, reads, verifiedAt);
            return;
        }
        if (Memo.slotsOnly(reads)) { // each dependency is its slot: its cached node, or the node of its record
            // The common case alone, with no call in the loop (so nothing is spilled around one): each slot's
            // cached node takes the reader by a store and already has a reliance this recent. The first slot
            // that needs more goes, with the rest, to appendSlots.
            int i = 0;
            for (; i < reads.length; i++) {
                Node node = ((InputSlot) reads[i]).node;
                if (node == null || node.marking != this) {
                    break;
                }
                int n = node.readerCount;
                Object[] readers = node.readers;
                if (high != node.plain || n >= readers.length || node.readAt < verifiedAt) {
                    break;
                }
                readers[n] = reader;
                node.readerCount = n + 1;
            }
            if (i < reads.length) {
                appendSlots(reader, high, reads, i, verifiedAt);
            }
            return;
        }
        int stride = Memo.stride(reads);
        for (int i = 0; i < count; i++) {
            Node node = reads[2 + stride * i] instanceof InputSlot slot ? slot.node : null;
            if (node == null || node.marking != this) {
                node = recordNode(engine, reads, i);
                if (node == null) {
                    continue;
                }
            }
            appendFresh(node, reader, high, verifiedAt);
        }
    }

    /** {@link #applyFresh} for the slots read from {@code from} on, each with its node made or cached as needed. */
    private void appendSlots(Object reader, int high, Object[] reads, int from, long verifiedAt) {
        for (int i = from; i < reads.length; i++) {
            InputSlot slot = (InputSlot) reads[i];
            Node node = slot.node;
            if (node == null || node.marking != this) {
                slot.node = node = node(slot.ingredient, slot.key);
            }
            appendFresh(node, reader, high, verifiedAt);
        }
    }

    /**
     * {@link #applyFresh}'s append of a reader with no position kept, and its {@link #relied}: the common case (a
     * node with no {@link Node#info} array whose readers are of the reader's ingredient, no growth) written out.
     */
    private static void appendFresh(Node node, Object reader, int high, long verifiedAt) {
        int n = node.readerCount;
        Object[] readers = node.readers;
        // No look at foldAt: only a registration that is not fresh can repeat a reader, and the next such one
        // folds once the node is over its threshold (beforeAppend). A node with no reader fails high == uniform.
        if (high == node.plain && n < readers.length) {
            readers[n] = reader;
            node.readerCount = n + 1;
        } else {
            addReader(node, reader, high | NO_POSITION, true);
        }
        relied(node, verifiedAt);
    }

    /**
     * {@link #applyFresh} for a reader with more than {@value #FEW_DEPENDENCIES} dependencies, whose positions
     * are kept: {@link #apply}'s fresh case, with {@link #addReader}'s common case (the position fits the node's
     * {@code byte[]} of readers of one ingredient, no growth; a fold due is left to the next registration that is
     * not fresh) written out, and an input slot's cached node taken without a call.
     */
    private void applyMany(Engine engine, Object reader, int high, Object[] reads, long verifiedAt) {
        boolean slots = Memo.slotsOnly(reads);
        int stride = Memo.stride(reads);
        int count = Memo.dependencyCount(reads);
        for (int i = 0; i < count; i++) {
            Node node;
            if (slots) { // the slot is the dependency: its cached node, or the node of the record it names
                InputSlot slot = (InputSlot) reads[i];
                node = slot.node;
                if (node == null || node.marking != this) {
                    slot.node = node = node(slot.ingredient, slot.key);
                }
            } else {
                node = reads[2 + stride * i] instanceof InputSlot slot ? slot.node : null;
                if (node == null || node.marking != this) {
                    node = recordNode(engine, reads, i);
                    if (node == null) {
                        continue;
                    }
                }
            }
            int n = node.readerCount;
            Object[] readers = node.readers;
            // No look at foldAt: only a registration that is not fresh can repeat a reader, and the next such one
            // folds once the node is over its threshold (beforeAppend). A node with no reader fails high == uniform.
            if (high == node.uniform && n < readers.length && i < BYTE_POSITIONS
                    && node.info instanceof byte[] positions) {
                positions[n] = (byte) i;
                readers[n] = reader;
                node.readerCount = n + 1;
            } else {
                addReader(node, reader, high | Math.min(i, NO_POSITION), true);
            }
            relied(node, verifiedAt);
        }
    }

    /**
     * The node of dependency {@code i}'s record, made if needed; {@code null} for a dependency that is no record
     * (an outdated-code marker) or one that never changes (an interned value).
     */
    private @Nullable Node recordNode(Engine engine, Object[] reads, int i) {
        int dependency = Memo.ingredientAt(reads, i);
        if (Memo.seenAt(reads, i) instanceof InputSlot slot) {
            return node(slot, dependency, reads, i);
        }
        if (dependency < 0 || engine.ingredientOrNull(dependency) instanceof InternedImpl<?>) {
            return null;
        }
        return node(dependency, Memo.keyAt(reads, i));
    }

    /** The node of an input slot's record, cached in the slot. */
    private Node node(InputSlot slot, int dependency, Object[] reads, int i) {
        Node cached = slot.node;
        if (cached != null && cached.marking == this) {
            return cached;
        }
        Node node = node(dependency, Memo.keyAt(reads, i));
        slot.node = node;
        return node;
    }

    /**
     * Records that a reader's verification at {@code revision} relied on the record of {@code node} (rule 5):
     * raises {@link Node#readAt}, a plain volatile read when it is already that high.
     */
    private static void relied(Node node, long revision) {
        long at;
        do {
            at = node.readAt;
            if (at >= revision) {
                return;
            }
        } while (!READ_AT.compareAndSet(node, at, revision));
    }

    /**
     * Records that a check at {@code revision} found dependency {@code (ingredient, key)}, seen as {@code seen},
     * unchanged, and the reader relies on it (rule 5). Called before the reader's cell is reverified or
     * published. A record with no node has no reader registered yet, so no walk can stop at it.
     */
    void relied(int ingredient, Object key, @Nullable Object seen, long revision) {
        Node node;
        if (seen instanceof InputSlot slot && slot.node != null && slot.node.marking == this) {
            node = slot.node;
        } else {
            node = nodeIfPresent(ingredient, key);
            if (node == null) {
                return;
            }
        }
        relied(node, revision);
    }

    /**
     * Appends a reader to the node, or, unless {@code fresh}, updates its entry in place when it is among the
     * first {@value #SCANNED} readers. A registration that is not fresh and finds more readers than that
     * appends and clears {@link #NO_REPEATS}, so a later registration folds once the readers have doubled.
     * Under {@link #edges}. Kept small enough to be inlined into {@link #apply}: the common case (a fresh reader
     * whose position fits the node's {@code byte[]}) takes no call.
     */
    private static void addReader(Node node, Object reader, int info, boolean fresh) {
        int count = node.readerCount;
        if (!fresh || count >= node.foldAt) {
            if (!beforeAppend(node, reader, info, fresh, count)) {
                return;
            }
            count = node.readerCount;
        }
        Object[] readers = node.readers;
        if (count == readers.length) {
            readers = grow(node, count);
        }
        int position = info & NO_POSITION;
        if (count != 0 && node.info instanceof byte[] positions && (info & ~NO_POSITION) == node.uniform
                && position < BYTE_POSITIONS) {
            positions[count] = (byte) position;
        } else {
            if (count == 0 && !(node.info instanceof int[])) {
                node.uniform = info & ~NO_POSITION; // the first reader sets the ingredient of null or a byte[]
                node.plain = node.info == null ? node.uniform : NO_UNIFORM;
            }
            setInfo(node, count, info);
        }
        readers[count] = reader;
        node.readerCount = count + 1;
    }

    /**
     * What {@link #addReader} does before appending when the registration is not fresh or the node is due a
     * fold (under {@link #edges}): false when the reader's entry was updated in place instead.
     */
    private static boolean beforeAppend(Node node, Object reader, int info, boolean fresh, int count) {
        if (count <= SCANNED) {
            return fresh || !updatedInPlace(node, reader, info, count);
        }
        if (count >= node.foldAt) { // never while NO_REPEATS is set
            fold(node);
        }
        if (!fresh) {
            node.foldAt &= ~NO_REPEATS; // appended unscanned: may repeat a reader
        }
        return true;
    }

    /** Grows the node's arrays by half (under {@link #edges}); returns the new readers array. */
    private static Object[] grow(Node node, int count) {
        int capacity = count + (count >> 1) + 1; // 1.5x: doubling left up to half of a big reader array empty
        Object[] readers = Arrays.copyOf(node.readers, capacity);
        node.readers = readers;
        Object info = node.info;
        if (info != null) {
            node.info = info instanceof byte[] positions ? Arrays.copyOf(positions, capacity)
                    : Arrays.copyOf((int[]) info, capacity);
        }
        return readers;
    }

    /** Updates the entry of {@code reader} among the node's {@code count} readers in place; false if absent. */
    private static boolean updatedInPlace(Node node, Object reader, int info, int count) {
        Object infos = node.info;
        if (!(infos instanceof int[])) { // null or a byte[]: every reader of node.uniform's ingredient
            if ((info & ~NO_POSITION) == node.uniform) {
                for (int j = 0; j < count; j++) {
                    if (reader.equals(node.readers[j])) {
                        setInfo(node, j, info);
                        return true;
                    }
                }
            }
        } else {
            int[] entries = (int[]) infos;
            for (int j = 0; j < count; j++) {
                if ((entries[j] >>> POSITION_BITS) == (info >>> POSITION_BITS) && reader.equals(node.readers[j])) {
                    setInfo(node, j, info);
                    return true;
                }
            }
        }
        return false;
    }

    /** The entry of reader {@code j} of {@link Node#info} (under {@link #edges}). */
    private static int infoAt(Node node, int j) {
        Object info = node.info;
        if (info == null) {
            return node.uniform | NO_POSITION;
        }
        if (info instanceof byte[] positions) {
            int position = positions[j] & BYTE_POSITIONS;
            return node.uniform | (position == BYTE_POSITIONS ? NO_POSITION : position);
        }
        return ((int[]) info)[j];
    }

    /**
     * Sets the entry of reader {@code j} of {@link Node#info} (under {@link #edges}), first widening a
     * {@code null} that cannot hold it to a {@code byte[]} of no positions, and a {@code byte[]} that cannot
     * hold it to an {@code int[]} of the same entries.
     */
    private static void setInfo(Node node, int j, int entry) {
        Object info = node.info;
        if (info == null) {
            if (entry == (node.uniform | NO_POSITION)) {
                return;
            }
            byte[] none = new byte[node.readers.length];
            Arrays.fill(none, (byte) BYTE_POSITIONS);
            node.info = info = none;
            node.plain = NO_UNIFORM;
        }
        if (info instanceof byte[] positions) {
            int position = entry & NO_POSITION;
            if ((entry & ~NO_POSITION) == node.uniform && (position < BYTE_POSITIONS || position == NO_POSITION)) {
                positions[j] = (byte) Math.min(position, BYTE_POSITIONS);
                return;
            }
            int[] entries = new int[positions.length];
            for (int k = 0; k < node.readerCount; k++) {
                entries[k] = infoAt(node, k);
            }
            node.info = info = entries;
        }
        ((int[]) info)[j] = entry;
    }

    /**
     * Drops repeated readers (a reader registered again after its memo was evicted or replaced), keeping the
     * last registration of each, in order, and sets when to look again: once the readers have doubled, so
     * each registration pays for a bounded share of the scans. Allocates nothing (a shared index table, see
     * {@link #MAX_KEPT_SLOTS}). Called under {@link #edges}.
     */
    private static void fold(Node node) {
        int count = node.readerCount;
        int mask = Integer.highestOneBit(count) * 4 - 1;
        synchronized (FOLD_LOCK) { // inside the edges lock only, never around a lock: no lock-order cycle
            int[] slots = foldSlots; // 1 + the index of a kept reader, 0 for a free slot
            if (slots.length <= mask) {
                slots = new int[mask + 1];
                if (slots.length <= MAX_KEPT_SLOTS) {
                    foldSlots = slots;
                }
            } else {
                Arrays.fill(slots, 0, mask + 1, 0);
            }
            fold(node, count, mask, slots);
        }
    }

    private static void fold(Node node, int count, int mask, int[] slots) {
        Object[] readers = node.readers;
        int[] entries = node.info instanceof int[] ints ? ints : null; // null: all of node.uniform's ingredient
        int uniform = node.uniform >>> POSITION_BITS;
        boolean repeated = false;
        for (int j = count - 1; j >= 0; j--) {
            Object reader = readers[j];
            int index = entries == null ? uniform : entries[j] >>> POSITION_BITS;
            int h = reader.hashCode() * 31 + index;
            int at = (h ^ (h >>> 16)) & mask;
            while (true) {
                int other = slots[at] - 1;
                if (other < 0) {
                    slots[at] = j + 1;
                    break;
                }
                if ((entries == null || (entries[other] >>> POSITION_BITS) == index)
                        && reader.equals(readers[other])) {
                    readers[j] = null; // an older registration of a reader kept further on
                    repeated = true;
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        int kept = count;
        if (repeated) {
            kept = 0;
            Object info = node.info;
            for (int j = 0; j < count; j++) {
                if (readers[j] != null) {
                    readers[kept] = readers[j];
                    if (info instanceof int[] whole) {
                        whole[kept] = whole[j];
                    } else if (info != null) {
                        byte[] positions = (byte[]) info;
                        positions[kept] = positions[j];
                    }
                    kept++;
                }
            }
            Arrays.fill(readers, kept, count, null);
            node.readerCount = kept;
        }
        node.foldAt = Math.max(2 * SCANNED, 2 * kept) | NO_REPEATS;
    }

    /** How many reverse edges are registered, pending ones applied first (for tests and footprint figures). */
    long edgeCount() {
        edges.lock();
        try {
            applyPending();
            long total = 0;
            for (ConcurrentHashMap<Object, Node> table : nodes) {
                if (table != null) {
                    for (Node node : table.values()) {
                        total += node.readerCount;
                    }
                }
            }
            return total;
        } finally {
            edges.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Marks

    /**
     * Marks at {@code revision} everything the changed input records can reach. Runs under the view's write
     * lock, before the state at {@code revision} is published.
     *
     * @param verifiedAt the revision the view's cell of a record is verified at, or {@code Long.MIN_VALUE} without one
     */
    void mark(long revision, List<NodeKey> changed, ToLongBiFunction<Integer, Object> verifiedAt) {
        markingAt = revision; // before any edge is read (rule 2)
        edges.lock();
        try {
            applyPending(); // every registration that did not see markingAt (rule 1)
            walk(revision, changed, verifiedAt);
        } finally {
            edges.unlock();
        }
    }

    /** {@link #mark}'s walk, under {@link #edges} with no registration pending from before its {@code markingAt}. */
    private void walk(long revision, List<NodeKey> changed, ToLongBiFunction<Integer, Object> verifiedAt) {
        ArrayDeque<Object> queue = new ArrayDeque<>();
        for (NodeKey input : changed) {
            Node node = nodeIfPresent(input.ingredient(), input.key());
            if (node != null) {
                queue.add(Memo.boxIndex(input.ingredient()));
                queue.add(input.key());
                queue.add(node);
            }
        }
        while (!queue.isEmpty()) {
            Integer ingredient = (Integer) queue.poll();
            Object key = queue.poll();
            Node node = (Node) queue.poll();
            synchronized (node) {
                long through = node.throughAt;
                if (through != 0 && through >= floor() && node.readAt < through) {
                    // Rule 5: every reader is marked through this record since `through`, and none relied on it
                    // since: their marks already send any check to this record, which sees this change.
                    continue;
                }
                node.throughAt = revision;
                for (int j = 0, count = node.readerCount; j < count; j++) {
                    int entry = infoAt(node, j);
                    int index = entry >>> POSITION_BITS;
                    Object readerKey = node.readers[j];
                    if (index == WIDE) {
                        NodeKey wide = (NodeKey) readerKey;
                        index = wide.ingredient();
                        readerKey = wide.key();
                    }
                    Integer readerIngredient = Memo.boxIndex(index);
                    int position = entry & NO_POSITION;
                    Node reader = node(readerIngredient, readerKey);
                    if (markThrough(reader, revision, ingredient, Objects.requireNonNull(key),
                            position == NO_POSITION ? -1 : position,
                            verifiedAt.applyAsLong(readerIngredient, readerKey))) {
                        queue.add(readerIngredient);
                        queue.add(readerKey);
                        queue.add(reader);
                    }
                }
            }
        }
    }

    /**
     * Records that a mark at {@code revision} reached {@code node} through a dependency; true the first time this
     * revision's walk reaches it, whatever marks the record already has (a record a reader whole-marked at this
     * revision, or a tainted one, still passes the mark on to its own readers).
     */
    private boolean markThrough(Node node, long revision, Integer ingredient, Object key, int position,
            long verifiedAt) {
        synchronized (node) {
            Changes changes = node.changes;
            if (changes == null) {
                node.changes = changes = new Changes();
            }
            prune(changes, verifiedAt == Long.MIN_VALUE ? revision - 1 : verifiedAt);
            int found = -1;
            for (int i = 0; i < changes.count; i++) {
                if (changes.positions[i] == position && ingredient.equals(changes.dependencies[2 * i])
                        && key.equals(changes.dependencies[2 * i + 1])) {
                    found = i;
                    break;
                }
            }
            if (found >= 0) {
                changes.at[found] = revision;
            } else if (changes.count < MAX_CHANGES) {
                if (changes.count == changes.positions.length) {
                    changes.grow();
                }
                int i = changes.count++;
                changes.dependencies[2 * i] = ingredient;
                changes.dependencies[2 * i + 1] = key;
                changes.positions[i] = position;
                changes.at[i] = revision;
            } else {
                changes.wholeAt = revision;
                clear(changes);
            }
            if (node.markedAt < revision) {
                node.markedAt = revision;
            }
            boolean first = node.reachedAt < revision;
            if (first) {
                node.reachedAt = revision;
                marks.increment();
            }
            return first;
        }
    }

    /** Drops the entries at or before {@code to}: no cell verified before it is checked against them. */
    private static void prune(Changes changes, long to) {
        if (to <= changes.prunedTo) {
            return;
        }
        changes.prunedTo = to;
        int kept = 0;
        for (int i = 0; i < changes.count; i++) {
            if (changes.at[i] > to) {
                changes.dependencies[2 * kept] = changes.dependencies[2 * i];
                changes.dependencies[2 * kept + 1] = changes.dependencies[2 * i + 1];
                changes.positions[kept] = changes.positions[i];
                changes.at[kept] = changes.at[i];
                kept++;
            }
        }
        for (int i = kept; i < changes.count; i++) {
            changes.dependencies[2 * i] = null;
            changes.dependencies[2 * i + 1] = null;
        }
        changes.count = kept;
    }

    private static void clear(Changes changes) {
        Arrays.fill(changes.dependencies, null);
        changes.count = 0;
    }

    /**
     * Marks a record whole at {@code revision}: a check of any of its cells verified before {@code revision}
     * looks at every dependency (rule 2).
     */
    void markWhole(int ingredient, Object key, long revision) {
        Node node = node(ingredient, key);
        synchronized (node) {
            Changes changes = node.changes;
            if (changes == null) {
                node.changes = changes = new Changes();
            }
            if (changes.wholeAt < revision) {
                changes.wholeAt = revision;
            }
            if (node.markedAt < revision) {
                node.markedAt = revision;
            }
        }
    }

    /**
     * Rule 2 for a cell of {@code (ingredient, key)} verified at {@code verifiedAt}, after its edges are
     * registered and its checks done, before it is published: marks it whole if a change's marking started
     * after it was verified.
     */
    void markIfOverlapped(int ingredient, Object key, long verifiedAt) {
        long started = markingAt;
        if (started > verifiedAt) {
            markWhole(ingredient, key, started);
        }
    }

    /**
     * The dependencies a check of the cell of {@code (ingredient, key)} verified at {@code verifiedAt} must look
     * at, or {@code null} when it must look at all of them (a whole mark, or dropped entries, since then).
     */
    @Nullable List<Position> changedSince(int ingredient, Object key, long verifiedAt) {
        Node node = nodeIfPresent(ingredient, key);
        if (node == null) {
            return List.of();
        }
        synchronized (node) {
            Changes changes = node.changes;
            if (changes == null) {
                return node.markedAt <= verifiedAt ? List.of() : null;
            }
            if (changes.wholeAt > verifiedAt || changes.prunedTo > verifiedAt) {
                return null;
            }
            ArrayList<Position> found = new ArrayList<>(changes.count);
            for (int i = 0; i < changes.count; i++) {
                if (changes.at[i] > verifiedAt) {
                    found.add(new Position((Integer) changes.dependencies[2 * i],
                            Objects.requireNonNull(changes.dependencies[2 * i + 1]), changes.positions[i]));
                }
            }
            return found;
        }
    }
}
